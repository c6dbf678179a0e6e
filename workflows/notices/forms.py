"""Forms: the notice draft, the transition payloads (validated by the kernel's transition path)
and the register filters. Field errors become 400s in the UI and the API alike."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from supervision.forms import AttachmentField
from supervision.models import Region, Unit
from supervision.ui import DateInput

from . import conf
from .choices import Category, Urgency


def issuing_units():
    """Units that may issue a notice (the form and the API accept the same ones)."""
    return Unit.objects.filter(kind__in=[Unit.Kind.INSPECTION, Unit.Kind.ORGANIZATION, Unit.Kind.DISCIPLINE,
                                         Unit.Kind.JOINT_OFFICE])


class NoticeForm(forms.Form):
    """Drafting a notice (UI and API share the service behind it)."""

    title = forms.CharField(label=_("标题"), max_length=200)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices, initial=Category.PARTY_BUILDING)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    issuing_unit = forms.ModelChoiceField(
        label=_("发文单位"), required=False, empty_label=_("县委督查室（默认）"), queryset=issuing_units())
    target_townships = forms.ModelMultipleChoiceField(
        label=_("交办乡镇"), queryset=Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code"),
        widget=forms.CheckboxSelectMultiple)
    findings = forms.CharField(label=_("督查发现的问题"), widget=forms.Textarea(attrs={"rows": 4}))
    requirements = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 4}))
    attachment = AttachmentField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The limits are settings: read them per form, not once at import.
        self.fields["urgency"].help_text = _(
            "紧急 %(urgent)d 个工作日、一般 %(normal)d 个工作日、复杂疑难 %(difficult)d 个工作日内办结。") % {
            "urgent": conf.days_for(Urgency.URGENT), "normal": conf.days_for(Urgency.NORMAL),
            "difficult": conf.days_for(Urgency.DIFFICULT)}


class RespondForm(forms.Form):
    text = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": _("请填写整改情况。")})
    attachment = AttachmentField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The limit is a setting, read per form (a max_length fixed at import would cap it).
        self.fields["text"].widget.attrs["maxlength"] = str(conf.get("MAX_RESPONSE_LENGTH"))

    def clean_text(self):
        text, limit = self.cleaned_data["text"], int(conf.get("MAX_RESPONSE_LENGTH"))
        if len(text) > limit:
            raise forms.ValidationError(_("整改情况不能超过 %(n)d 个字。") % {"n": limit})
        return text


class ExtensionRequestForm(forms.Form):
    due_date = forms.DateField(label=_("申请延期至"), widget=DateInput,
                               error_messages={"required": _("请填写申请延期至的日期。")})


class ExtensionApproveForm(forms.Form):
    due_date = forms.DateField(label=_("批准延期至"), widget=DateInput, required=False,
                               help_text=_("留空则按申请的日期批准。"))


class ReturnForm(forms.Form):
    due_date = forms.DateField(label=_("重新报送期限"), widget=DateInput, required=False,
                               help_text=_("留空则沿用原期限。"))

"""Forms: the clue intake form and the extra fields of transitions (validated by the kernel)."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supervision.forms import AttachmentField
from supervision.ui import DateInput

from . import choices
from .conf import limit


def max_text(value):
    n = limit("MAX_TEXT_LENGTH")
    if value and len(value) > n:
        raise ValidationError(_("内容不能超过 %(n)d 个字。") % {"n": n}, code="max_length")


def check_earlier_date(value, *, field: str, not_before=None):
    """A date recorded after the fact (a clue received, an approval given, on paper before it was
    entered here): not in the future, at most ``BACKDATE_MAX_DAYS`` back, and not before
    ``not_before`` when given. Raises a field ``ValidationError`` (400)."""
    today = timezone.localdate()
    earliest = today - dt.timedelta(days=limit("BACKDATE_MAX_DAYS"))
    if value > today:
        raise ValidationError({field: _("补录日期不能晚于今天（%(today)s）。") % {"today": today}})
    if value < earliest:
        raise ValidationError({field: _("补录日期不能早于 %(d)s（最多补录 %(n)d 天前的事项）。") % {
            "d": earliest, "n": limit("BACKDATE_MAX_DAYS")}})
    if not_before is not None and value < not_before:
        raise ValidationError({field: _("补录日期不能早于本案此前的办理日期（%(d)s）。") % {"d": not_before}})
    return value


def _blank(choice_class):
    return [("", "—"), *choice_class.choices]


# --- transition forms -------------------------------------------------------------------

class DispositionForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("处置方式"), choices=[
        (c, choices.State(c).label) for c in ("inquiry", "verification", "parked", "dismissed")])


class RouteForm(forms.Form):
    """分办: the handling unit of a registered clue (a township committee, or kept at the county)."""
    handling_township = forms.ModelChoiceField(
        label=gettext_lazy("承办单位"), queryset=None, required=False,
        empty_label=gettext_lazy("县纪委监委自办（不分办）"),
        help_text=gettext_lazy("选择乡镇即分办至该乡镇纪委；不选则由县纪委监委承办。"))
    share_reporter = forms.BooleanField(
        label=gettext_lazy("向承办单位提供反映人信息"), required=False,
        help_text=gettext_lazy("不勾选时，乡镇纪委看到的反映人姓名和联系方式均为隐去状态。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from supervision.models import Region

        self.fields["handling_township"].queryset = Region.objects.filter(
            level=Region.Level.TOWNSHIP).order_by("code")
        self.fields["handling_township"].label_from_instance = lambda r: _("%(township)s纪委") % {
            "township": r.name}


class SuperviseForm(forms.Form):
    """上级督办: the county's own deadline for the township committee's report."""
    supervise_due = forms.DateField(label=gettext_lazy("督办期限"), widget=DateInput)

    def clean_supervise_due(self):
        value = self.cleaned_data["supervise_due"]
        if value <= timezone.localdate():
            raise ValidationError(_("督办期限须晚于今天。"))
        return value
def discipline_users(township_id=None, *, county: bool = True):
    """Active discipline staff: the county commission's (``county``) and, with ``township_id``, that
    township committee's. Without either filter: every discipline role anywhere (the form's bound;
    the team's rules in team.py decide who fits a case)."""
    from django.db.models import Q

    from supervision.models import User

    from .units import COUNTY_CASE_ROLES, TOWNSHIP_CASE_ROLES

    if township_id is None and county:
        cond = Q(role_assignments__role__in=[*COUNTY_CASE_ROLES, *TOWNSHIP_CASE_ROLES])
    else:
        cond = Q(role_assignments__role__in=TOWNSHIP_CASE_ROLES, role_assignments__region_id=township_id)
        if county:
            cond |= Q(role_assignments__role__in=COUNTY_CASE_ROLES, role_assignments__region__isnull=True)
    return (User.objects.filter(cond, is_active=True, is_system=False)
            .distinct().select_related("person").order_by("username"))


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name()


class RecusalForm(forms.Form):
    """决定回避: a head records another person's recusal (the reason is the comment)."""

    user = UserChoiceField(label=gettext_lazy("回避人员"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = discipline_users()


class MemberForm(RecusalForm):
    role = forms.ChoiceField(label=gettext_lazy("办案职责"), choices=[
        ("handler", gettext_lazy("承办人")), ("member", gettext_lazy("办案组成员")),
        ("head", gettext_lazy("审批领导"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label = gettext_lazy("人员")


class MemberRemoveForm(RecusalForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label = gettext_lazy("人员")


class ApprovalForm(forms.Form):
    approved_on = forms.DateField(
        label=gettext_lazy("审批日期"), required=False, widget=DateInput,
        help_text=gettext_lazy("已在纸质材料上审批、现补录的，填写实际审批日期；期限由该日起算。"))


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=gettext_lazy("延长天数（审查调查）"), min_value=1, required=False,
                              help_text=gettext_lazy("初步核实固定延长一个月，可不填。"))


class OutcomeForm(forms.Form):
    """A subject's outcome proposed from review: sanctions (party and/or administrative), or
    免予处分 / 不予处分 / 撤销案件; the four-forms tag is checked against it (fourforms.py)."""

    outcome = forms.ChoiceField(label=gettext_lazy("处理结果"), choices=_blank(choices.Outcome))
    party_sanction = forms.ChoiceField(label=gettext_lazy("党纪处分"), choices=_blank(choices.PartySanction),
                                       required=False)
    admin_sanction = forms.ChoiceField(label=gettext_lazy("政务处分"), choices=_blank(choices.AdminSanction),
                                       required=False)
    four_forms = forms.ChoiceField(label=gettext_lazy("“四种形态”"), choices=_blank(choices.FourForms),
                                   required=False,
                                   help_text=gettext_lazy("须与处理结果相符；撤销案件（未发现违纪违法）不标注。"))

    def clean(self):
        data = super().clean()
        sanctioned = data.get("party_sanction") or data.get("admin_sanction")
        if data.get("outcome") == "sanction" and not sanctioned:
            raise ValidationError(_("给予处分须至少选择一种党纪处分或政务处分。"))
        if data.get("outcome") and data.get("outcome") != "sanction" and sanctioned:
            raise ValidationError(_("免予处分、不予处分或撤销案件时不能选择处分。"))
        return data


class ExecutionForm(forms.Form):
    execution_report = forms.CharField(label=gettext_lazy("执行情况报告"), validators=[max_text],
                                       widget=forms.Textarea(attrs={"rows": 3}))


class ProsecutionForm(forms.Form):
    """What the procuratorate and the court decided about a transferred subject."""

    procuratorate = forms.ChoiceField(label=gettext_lazy("检察机关决定"), choices=_blank(choices.Procuratorate),
                                      required=False)
    procuratorate_on = forms.DateField(label=gettext_lazy("检察机关决定日期"), required=False, widget=DateInput)
    judgement = forms.CharField(label=gettext_lazy("法院判决"), required=False, validators=[max_text],
                                widget=forms.Textarea(attrs={"rows": 2}))
    judgement_on = forms.DateField(label=gettext_lazy("判决日期"), required=False, widget=DateInput)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        if not (data.get("procuratorate") or (data.get("judgement") or "").strip()):
            raise ValidationError(_("请填写检察机关的决定或法院的判决。"))
        if data.get("procuratorate") and not data.get("procuratorate_on"):
            self.add_error("procuratorate_on", _("请填写检察机关决定日期。"))
        if (data.get("judgement") or "").strip() and not data.get("judgement_on"):
            self.add_error("judgement_on", _("请填写判决日期。"))
        for name in ("procuratorate_on", "judgement_on"):
            if data.get(name) and data[name] > today:
                self.add_error(name, _("日期不能晚于今天。"))
        return data


class ReviewReportForm(forms.Form):
    review_report = forms.CharField(label=gettext_lazy("审理报告"), validators=[max_text],
                                    widget=forms.Textarea(attrs={"rows": 4}))


class CloseForm(forms.Form):
    four_forms = forms.ChoiceField(label=gettext_lazy("“四种形态”"), choices=_blank(choices.FourForms),
                                   required=False,
                                   help_text=gettext_lazy("须与处理方式相符；无需处理（未发现问题）不标注。"))
    light_measure = forms.ChoiceField(label=gettext_lazy("处理方式"), choices=_blank(choices.LightMeasure),
                                      required=False)


class AnnounceForm(forms.Form):
    announced_on = forms.DateField(label=gettext_lazy("宣布日期"), required=False,
                                   widget=DateInput)


class ReexamForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("复查结论"), choices=_blank(choices.ReexamOutcome))
    party_sanction = forms.ChoiceField(label=gettext_lazy("变更后的党纪处分"), choices=_blank(choices.PartySanction),
                                       required=False)
    admin_sanction = forms.ChoiceField(label=gettext_lazy("变更后的政务处分"), choices=_blank(choices.AdminSanction),
                                       required=False)

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "modified" and not (data.get("party_sanction") or data.get("admin_sanction")):
            raise ValidationError(_("变更处分须填写变更后的党纪处分或政务处分。"))
        return data


class AttachmentForm(forms.Form):
    file = AttachmentField()


class TargetForm(forms.Form):
    """A unit or a cadre to hold accountable (exactly one)."""

    unit = forms.ModelChoiceField(label=gettext_lazy("问责单位"), queryset=None, required=False)
    person = forms.ModelChoiceField(label=gettext_lazy("问责干部"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from supervision.models import Person, Unit

        self.fields["unit"].queryset = Unit.objects.all()
        self.fields["person"].queryset = Person.objects.select_related("unit")

    def clean(self):
        data = super().clean()
        if bool(data.get("unit")) == bool(data.get("person")):
            raise ValidationError(_("请选择一个问责单位或一名问责干部（二者选一）。"))
        return data


def decision_choices():
    return [(choices.NOT_HELD, _("不予问责")), *choices.Measure.choices]


class DecisionForm(forms.Form):
    """``measure_<target id>`` for each target of the matter: a measure, or ``none`` (不予问责).
    The fields are those the request names; the transition checks that every target has one."""

    def __init__(self, *args, data=None, **kwargs):
        super().__init__(*args, data=data, **kwargs)
        for key in (data or {}):
            if key.startswith("measure_"):
                self.fields[key] = forms.ChoiceField(label=gettext_lazy("问责方式"), choices=decision_choices)


class _TargetChoice(forms.Form):
    target = forms.IntegerField(label=gettext_lazy("问责对象"), min_value=1)


class TargetApplyForm(_TargetChoice):
    applied_on = forms.DateField(label=gettext_lazy("执行日期"), required=False, widget=DateInput)
    note = forms.CharField(label=gettext_lazy("执行情况"), required=False, validators=[max_text],
                           widget=forms.Textarea(attrs={"rows": 2}))


class TargetAppealForm(_TargetChoice):
    appealed_on = forms.DateField(label=gettext_lazy("申诉日期"), required=False, widget=DateInput,
                                  help_text=gettext_lazy("收到书面申诉的日期（默认今天）。"))


class TargetReexamForm(_TargetChoice):
    outcome = forms.ChoiceField(label=gettext_lazy("复查结论"), choices=choices.ReexamOutcome.choices)
    measure = forms.ChoiceField(label=gettext_lazy("变更后的问责方式"), required=False,
                                choices=[("", "—"), *choices.Measure.choices])


# --- intake ----------------------------------------------------------------------------------

class ClueForm(forms.Form):
    source = forms.ChoiceField(label=gettext_lazy("线索来源"), choices=choices.Source.choices)
    category = forms.ChoiceField(label=gettext_lazy("问题类别"), choices=choices.Category.choices)
    received_on = forms.DateField(label=gettext_lazy("受理日期"), required=False,
                                  widget=DateInput,
                                  help_text=gettext_lazy("纸质登记后补录的，填写实际受理日期；默认今天。"))
    reporter_anonymous = forms.BooleanField(label=gettext_lazy("匿名举报"), required=False)
    reporter_name = forms.CharField(label=gettext_lazy("反映人姓名"), max_length=50, required=False)
    reporter_contact = forms.CharField(label=gettext_lazy("反映人联系方式"), max_length=100, required=False)
    township = forms.ModelChoiceField(label=gettext_lazy("所属乡镇"), queryset=None, required=False)
    amount = forms.DecimalField(label=gettext_lazy("涉及金额（元）"), min_value=0, max_digits=14, decimal_places=2,
                                required=False)
    description = forms.CharField(label=gettext_lazy("问题描述"), validators=[max_text],
                                  widget=forms.Textarea(attrs={"rows": 5}))
    attachment = AttachmentField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from supervision.models import Region

        self.fields["township"].queryset = Region.objects.filter(level=Region.Level.TOWNSHIP)

    def clean(self):
        data = super().clean()
        if not data.get("reporter_anonymous") and not (data.get("reporter_name") or "").strip():
            self.add_error("reporter_name", _("实名举报请填写反映人姓名，否则请勾选匿名。"))
        return data


class SubjectForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("被反映人姓名"), max_length=50, required=False)
    post = forms.CharField(label=gettext_lazy("职务"), max_length=100, required=False)
    village = forms.CharField(label=gettext_lazy("所在村"), max_length=64, required=False)
    is_party_member = forms.BooleanField(label=gettext_lazy("中共党员"), required=False)
    is_village_committee = forms.BooleanField(label=gettext_lazy("村委会工作人员"), required=False)
    is_township_cadre = forms.BooleanField(label=gettext_lazy("乡镇干部"), required=False)


SubjectFormSet = forms.formset_factory(SubjectForm, extra=3, max_num=10)


class MatterForm(forms.Form):
    target_unit = forms.ModelChoiceField(label=gettext_lazy("问责单位"), queryset=None, required=False)
    target_person = forms.ModelChoiceField(label=gettext_lazy("问责干部"), queryset=None, required=False)
    reason = forms.CharField(label=gettext_lazy("问责事由"), validators=[max_text],
                             widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from supervision.models import Person, Unit

        self.fields["target_unit"].queryset = Unit.objects.all()
        self.fields["target_person"].queryset = Person.objects.select_related("unit")

    def clean(self):
        data = super().clean()
        if not data.get("target_unit") and not data.get("target_person"):
            raise ValidationError(_("请选择问责单位或问责干部。"))
        return data

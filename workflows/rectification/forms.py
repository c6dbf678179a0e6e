"""Forms: transition payloads (validated by the kernel → 400) and service inputs."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from supervision import clock
from supervision.autocomplete import AutocompleteSelect
from supervision.forms import AttachmentField
from supervision.models import Person, Region, Unit
from supervision.ui import DateInput

from . import fit
from .choices import Criterion


def fit_choices(form) -> None:
    """The people (and units) each select offers, from ``fit``: set per form, at run time (the
    querysets walk relations of other apps' models)."""
    sources = {"county_leader": fit.county_leaders, "township_leader": fit.township_people,
               "township_secretary": fit.township_people, "responsible_cadre": fit.township_people,
               "first_secretary": fit.first_secretaries, "twinned_unit": fit.dispatching_units}
    for name, source in sources.items():
        if name in form.fields:
            form.fields[name].queryset = source()


class PersonChoiceField(forms.ModelChoiceField):
    """A searchable people select narrowed to those who fit (``fit``; the autocomplete ``filter``)."""

    def __init__(self, *args, filter: str = "", **kwargs):
        kwargs.setdefault("empty_label", _("请选择"))
        kwargs.setdefault("widget", AutocompleteSelect("person", filter=filter))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.post or (obj.unit.name if obj.unit_id else '')}）"


class ScreeningForm(forms.Form):
    """排查上报: what a township reports about one village branch."""

    village = forms.ModelChoiceField(label=_("村党组织"), queryset=Region.objects.filter(level=Region.Level.VILLAGE),
                                     empty_label=_("请选择"), widget=AutocompleteSelect("village"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    criteria = forms.MultipleChoiceField(label=_("软弱涣散情形"), choices=Criterion.choices,
                                         widget=forms.CheckboxSelectMultiple)
    other_criteria = forms.CharField(label=_("其他情形说明"), max_length=200, required=False)
    problem = forms.CharField(label=_("主要问题"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    township_secretary = PersonChoiceField(label=_("乡镇党委书记"), queryset=Person.objects.none(),
                                           filter="township_people")
    responsible_cadre = PersonChoiceField(label=_("乡镇责任干部"), queryset=Person.objects.none(),
                                          filter="township_people")
    township_leader = PersonChoiceField(label=_("包村乡镇领导"), queryset=Person.objects.none(), required=False,
                                        filter="township_people")
    first_secretary = PersonChoiceField(label=_("第一书记"), queryset=Person.objects.none(), required=False,
                                        filter="first_secretary",
                                        help_text=_("以驻村选派台账为准：验收不通过时标记实际在岗的第一书记"))
    due_date = forms.DateField(label=_("整顿期限"), required=False, help_text=_("默认当年年底"),
                               widget=DateInput)

    def __init__(self, *args, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        fit_choices(self)
        if townships is not None:
            self.fields["village"].queryset = Region.objects.filter(level=Region.Level.VILLAGE,
                                                                    parent__in=townships).select_related("parent")
            if len(townships) == 1:  # that township's people, and its secretary prefilled
                (town,) = townships
                for name in ("township_secretary", "responsible_cadre", "township_leader"):
                    self.fields[name].queryset = fit.township_people(town)
                    self.fields[name].widget.params = {"township": town}
                secretary = fit.township_secretary(town)
                if secretary is not None and not self.is_bound:
                    self.initial.setdefault("township_secretary", secretary.pk)
        self.fields["village"].label_from_instance = lambda r: f"{r.parent.name if r.parent_id else ''} {r.name}"
        if not self.is_bound:
            self.initial.setdefault("year", clock.today().year)

    def clean(self):
        data = super().clean()
        if "other" in (data.get("criteria") or []) and not data.get("other_criteria"):
            self.add_error("other_criteria", _("勾选“其他”时请说明具体情形。"))
        return data


class PlanItemForm(forms.Form):
    problem = forms.CharField(label=_("问题"), max_length=300)
    measure = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    responsible = forms.CharField(label=_("责任人"), max_length=100)
    deadline = forms.DateField(label=_("完成时限"), widget=DateInput)


class ProgressForm(forms.Form):
    date = forms.DateField(label=_("报告日期"), required=False, widget=DateInput)
    text = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    attachment = AttachmentField(required=False)

    def clean_date(self):
        value = self.cleaned_data.get("date") or clock.today()
        if value > clock.today():
            raise forms.ValidationError(_("报告日期不能晚于今天。"))
        return value


class PlanApprovalForm(forms.Form):
    """批准一村一策 with the four ones 四个一 (kept when already set)."""

    county_leader = PersonChoiceField(label=_("联系县领导"), queryset=Person.objects.none(), required=False,
                                      filter="county_leader")
    township_leader = PersonChoiceField(label=_("包村乡镇领导"), queryset=Person.objects.none(), required=False,
                                        filter="township_people")
    first_secretary = PersonChoiceField(label=_("第一书记"), queryset=Person.objects.none(), required=False,
                                        filter="first_secretary")
    twinned_unit = forms.ModelChoiceField(label=_("结对县级单位"), queryset=Unit.objects.none(), required=False,
                                          empty_label=_("请选择"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fit_choices(self)

    def for_record(self, obj) -> PlanApprovalForm:
        """Narrow the choices to the record's township (the detail page's panel)."""
        town = obj.village.parent_id
        self.fields["township_leader"].queryset = fit.township_people(town)
        self.fields["township_leader"].widget.params = {"township": town}
        return self
    due_date = forms.DateField(label=_("整顿期限"), required=False, widget=DateInput)


class AcceptanceForm(forms.Form):
    score = forms.IntegerField(label=_("验收得分"), min_value=0, max_value=100)
    dissatisfied_pct = forms.DecimalField(label=_("群众不满意率（%）"), min_value=Decimal(0), max_value=Decimal(100),
                                          max_digits=5, decimal_places=2)
    inspectors = forms.CharField(label=_("验收人员"), max_length=300)
    date = forms.DateField(label=_("验收日期"), required=False, widget=DateInput)
    opinion = forms.CharField(label=_("验收意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=4000)

    def clean_date(self):
        value = self.cleaned_data.get("date") or clock.today()
        if value > clock.today():
            raise forms.ValidationError(_("验收日期不能晚于今天。"))
        return value


class RelapseForm(forms.Form):
    """问题反弹: back from the follow-up to rectifying, with a new deadline."""

    new_deadline = forms.DateField(label=_("新的整顿期限"), widget=DateInput)


class FailForm(AcceptanceForm):
    new_deadline = forms.DateField(label=_("新的整顿期限"), required=False, help_text=_("默认当年年底"),
                                   widget=DateInput)

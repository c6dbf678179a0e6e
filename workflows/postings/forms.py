"""Forms: transition payloads (validated by the kernel, errors → 400) and the app's own inputs."""
import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from supervision import clock
from supervision.autocomplete import AutocompleteSelect
from supervision.models import Person, Region, Unit

from .choices import Grade, PostingRole


class SelfReportForm(forms.Form):
    self_report = forms.CharField(label=_("述职报告"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("等次"), choices=[("", _("请选择等次"))] + Grade.choices)


class FinalizeForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("等次"), choices=[("", _("按公示等次"))] + Grade.choices, required=False,
        help_text=_("定档按公示的等次；选择其他等次须填写理由，考核将退回联席办审核并重新公示。"))


class PublicizeForm(forms.Form):
    publicity_start = forms.DateField(label=_("公示开始日期（默认今天）"), required=False,
                                      help_text=_("公示已在村务公开栏张贴时，可填写实际开始日期（不早于 30 天前）。"))

    def clean_publicity_start(self):
        value = self.cleaned_data.get("publicity_start")
        today = clock.today()
        if value is None:
            return today
        if value > today:
            raise forms.ValidationError(_("公示开始日期不能晚于今天。"))
        if value < today - dt.timedelta(days=30):
            raise forms.ValidationError(_("公示开始日期不能早于 30 天前。"))
        return value


class UnitOpinionForm(forms.Form):
    unit_opinion = forms.CharField(label=_("派出单位意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class RenewForm(forms.Form):
    term_years = forms.IntegerField(label=_("连任任期（年）"), min_value=1, max_value=5, initial=2)


class ReplaceForm(forms.Form):
    person = forms.ModelChoiceField(label=_("补派人员（已有）"), queryset=Person.objects.all(), required=False,
                                    widget=AutocompleteSelect("person"))
    person_name = forms.CharField(label=_("或新增人员姓名"), max_length=50, required=False)
    dispatching_unit = forms.ModelChoiceField(label=_("派出单位"), queryset=Unit.objects.filter(is_dispatching=True))
    start_date = forms.DateField(label=_("到村日期"))
    role = forms.ChoiceField(label=_("身份"), choices=PostingRole.choices, initial=PostingRole.FIRST_SECRETARY)

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("person_name") or "").strip():
            raise forms.ValidationError(_("请选择补派人员或填写新人员姓名。"))
        return data


class PostingForm(forms.Form):
    person = forms.ModelChoiceField(label=_("人员（已有）"), queryset=Person.objects.all(), required=False,
                                    widget=AutocompleteSelect("person"))
    person_name = forms.CharField(label=_("或新增人员姓名"), max_length=50, required=False)
    dispatching_unit = forms.ModelChoiceField(label=_("派出单位"), queryset=Unit.objects.filter(is_dispatching=True))
    village = forms.ModelChoiceField(label=_("驻村"), queryset=Region.objects.filter(level=Region.Level.VILLAGE)
                                     .select_related("parent"), widget=AutocompleteSelect("village"))
    role = forms.ChoiceField(label=_("身份"), choices=PostingRole.choices)
    start_date = forms.DateField(label=_("到村日期"))
    term_years = forms.IntegerField(label=_("任期（年）"), min_value=1, max_value=5, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("person_name") or "").strip():
            raise forms.ValidationError(_("请选择人员或填写新人员姓名。"))
        return data


class AttendanceForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("月份"), min_value=1, max_value=12)
    days_on_site = forms.IntegerField(label=_("在岗天数"), min_value=0)
    leave_days = forms.IntegerField(label=_("批准请假天数"), min_value=0, initial=0, required=False)
    absences = forms.IntegerField(label=_("无故缺勤（次）"), min_value=0, initial=0, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def clean_leave_days(self):
        return self.cleaned_data.get("leave_days") or 0

    def clean_absences(self):
        return self.cleaned_data.get("absences") or 0


class FundsForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("工作经费（元）"), max_digits=12, decimal_places=2)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class LeaveForm(forms.Form):
    start_date = forms.DateField(label=_("开始日期"))
    end_date = forms.DateField(label=_("结束日期"))
    reason = forms.CharField(label=_("事由"), max_length=500)

    def __init__(self, *args, day_count_help: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if day_count_help:  # how the days are counted (the LEAVE_DAY_COUNT setting), shown on the form
            self.fields["end_date"].help_text = day_count_help


class RecallProposeForm(forms.Form):
    grounds = forms.CharField(label=_("召回理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class OpenYearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

"""Forms: one entry form per register (the transitions' extra fields are in ``transition_forms``).

The entry forms are shared by the pages, the API and the XLSX import (one validation for all
three). ``user`` limits the village and township choices to the user's scope.
"""

from __future__ import annotations

import decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision import access
from supervision.models import Region
from supervision.ui import DateInput

from . import conf
from .choices import AidKind, Background, CadrePost, Education, Gender, TrainingLevel
from .models import PoorHousehold
from .transition_forms import DateForm, PromoteForm, TrainingRecordForm, YearForm, not_future  # noqa: F401

ENTRY_ROLES = {"township", "organization"}


def villages_for(user):
    """Villages the user may enter data for (their townships', or the county's)."""
    county_wide, towns = access.scope(user, ENTRY_ROLES)
    qs = Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent").order_by("code")
    return qs if county_wide else qs.filter(parent_id__in=towns)


def townships_for(user, roles=ENTRY_ROLES):
    county_wide, towns = access.scope(user, roles)
    qs = Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code")
    return qs if county_wide else qs.filter(pk__in=towns)


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} · {obj.name}"


class EntryForm(forms.Form):
    """Base of the register entry forms: a scoped ``village`` field."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "village" in self.fields:
            self.fields["village"].queryset = villages_for(user)
        if "township" in self.fields:
            self.fields["township"].queryset = townships_for(user)


def _village_field(**kwargs):
    return VillageChoiceField(
        label=_("村"),
        queryset=Region.objects.none(),
        error_messages={"invalid_choice": _("不是您可以填报的村。")},
        **kwargs,
    )


class ReserveCadreForm(EntryForm):
    village = _village_field()
    name = forms.CharField(label=_("姓名"), max_length=50)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("出生日期"), widget=DateInput())
    education = forms.ChoiceField(label=_("文化程度"), choices=Education.choices)
    background = forms.ChoiceField(label=_("人员类别"), choices=Background.choices)
    is_party_member = forms.BooleanField(label=_("中共党员"), required=False)
    current_post = forms.CharField(label=_("现任职务"), max_length=100, required=False)
    entered_on = forms.DateField(label=_("入库日期"), widget=DateInput(), validators=[not_future])
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def clean(self):
        d = super().clean()
        born, entered = d.get("birth_date"), d.get("entered_on")
        if born and entered:
            age = entered.year - born.year - ((entered.month, entered.day) < (born.month, born.day))
            if age < 18:
                self.add_error("birth_date", _("入库时须年满 18 周岁。"))
            elif age > 70:
                self.add_error("birth_date", _("出生日期不合理（入库时超过 70 岁）。"))
        return d


class VillagerGroupForm(EntryForm):
    village = _village_field()
    name = forms.CharField(label=_("村民小组"), max_length=64, help_text=_("如：上村一组"))
    households = forms.IntegerField(label=_("户数"), min_value=0, max_value=5000, required=False)
    party_members = forms.IntegerField(label=_("党员人数"), min_value=0, max_value=1000)
    has_branch = forms.BooleanField(label=_("已建村民小组党支部"), required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class VillagerGroupEditForm(forms.Form):
    households = forms.IntegerField(label=_("户数"), min_value=0, max_value=5000, required=False)
    party_members = forms.IntegerField(label=_("党员人数"), min_value=0, max_value=1000)
    has_branch = forms.BooleanField(label=_("已建村民小组党支部"), required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


def _year_in_range(year):
    if not conf.get("FIRST_YEAR") <= year <= timezone.localdate().year:
        raise forms.ValidationError(
            _("年度须在 %(a)d 至 %(b)d 之间。") % {"a": conf.get("FIRST_YEAR"), "b": timezone.localdate().year}
        )


class CollectiveIncomeForm(EntryForm):
    village = _village_field()
    year = forms.IntegerField(label=_("年度"), validators=[_year_in_range])
    amount = forms.DecimalField(label=_("收入（元）"), min_value=decimal.Decimal("0"), max_digits=14, decimal_places=2)
    sources = forms.CharField(label=_("主要来源"), max_length=300, required=False)


class CollectiveIncomeEditForm(forms.Form):
    amount = forms.DecimalField(label=_("收入（元）"), min_value=decimal.Decimal("0"), max_digits=14, decimal_places=2)
    sources = forms.CharField(label=_("主要来源"), max_length=300, required=False)


class VillageCadreForm(EntryForm):
    village = _village_field()
    name = forms.CharField(label=_("姓名"), max_length=50)
    post = forms.ChoiceField(label=_("职务"), choices=CadrePost.choices)
    started_on = forms.DateField(label=_("任职日期"), widget=DateInput(), validators=[not_future])
    is_party_member = forms.BooleanField(label=_("中共党员"), required=False)


class TrainingSessionForm(EntryForm):
    level = forms.ChoiceField(label=_("层级"), choices=TrainingLevel.choices)
    township = forms.ModelChoiceField(
        label=_("举办乡镇"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("乡级培训必填；县级轮训留空。"),
        error_messages={"invalid_choice": _("不是您可以填报的乡镇。")},
    )
    title = forms.CharField(label=_("培训班名称"), max_length=200)
    start_date = forms.DateField(label=_("开班日期"), widget=DateInput())
    end_date = forms.DateField(label=_("结业日期"), widget=DateInput())
    venue = forms.CharField(label=_("地点"), max_length=200, required=False)
    organizer = forms.CharField(label=_("承办单位"), max_length=100, required=False)

    def clean(self):
        d = super().clean()
        county_wide = access.scope(self.user, {"organization"})[0]
        if d.get("level") == TrainingLevel.COUNTY:
            if not county_wide:
                self.add_error("level", _("县级集中轮训由县委组织部填报。"))
            d["township"] = None
        elif d.get("level") == TrainingLevel.TOWNSHIP and not d.get("township") and "township" not in self.errors:
            self.add_error("township", _("乡级培训须选择举办乡镇。"))
        if d.get("start_date") and d.get("end_date") and d["end_date"] < d["start_date"]:
            self.add_error("end_date", _("结业日期不能早于开班日期。"))
        return d


class AttendanceForm(forms.Form):
    """Attendance of one session: the roster people (by id) who attended."""

    people = forms.TypedMultipleChoiceField(label=_("参训人员"), coerce=int, choices=())

    def __init__(self, *args, roster=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(p["person_id"], p["label"]) for p in roster]


class TalentPairingForm(EntryForm):
    village = _village_field()
    talent_name = forms.CharField(label=_("人才姓名"), max_length=50)
    unit = forms.CharField(label=_("所在单位"), max_length=100)
    specialty = forms.CharField(label=_("专业领域"), max_length=100)
    started_on = forms.DateField(label=_("挂钩日期"), widget=DateInput(), validators=[not_future])

    def clean_village(self):
        village = self.cleaned_data["village"]
        if not village.is_poor_village:
            raise forms.ValidationError(_("人才挂钩的对象是建档立卡贫困村。"))
        return village


class PoorHouseholdForm(EntryForm):
    village = _village_field()
    household_no = forms.CharField(label=_("户编号"), max_length=40)
    head_name = forms.CharField(label=_("户主姓名"), max_length=50)
    members = forms.IntegerField(label=_("家庭人口"), min_value=1, max_value=30)


class AidPairingForm(EntryForm):
    kind = forms.ChoiceField(label=_("类别"), choices=AidKind.choices)
    village = _village_field()
    household_no = forms.CharField(
        label=_("帮扶贫困户户编号"),
        max_length=40,
        required=False,
        help_text=_("干部帮户填写；领导挂点、部门包村留空。"),
    )
    helper_name = forms.CharField(label=_("挂包帮领导/部门/干部"), max_length=100)
    helper_unit = forms.CharField(label=_("所在单位"), max_length=100, required=False)
    started_on = forms.DateField(label=_("结对日期"), widget=DateInput(), validators=[not_future])

    def clean(self):
        d = super().clean()
        no = (d.get("household_no") or "").strip()
        village = d.get("village")
        d["household"] = None
        if no:
            if d.get("kind") != AidKind.CADRE:
                self.add_error("household_no", _("只有干部帮户填写贫困户。"))
            elif village is not None:
                household = PoorHousehold.objects.filter(household_no=no).first()
                if household is None or household.village_id != village.pk:
                    self.add_error("household_no", _("该村没有户编号为 %(no)s 的建档立卡贫困户。") % {"no": no})
                else:
                    d["household"] = household
        if village is not None and not village.is_poor_village and not no:
            self.add_error("village", _("领导挂点、部门包村的对象是建档立卡贫困村。"))
        return d


class EcommerceShopForm(EntryForm):
    township = forms.ModelChoiceField(
        label=_("乡镇"), queryset=Region.objects.none(), error_messages={"invalid_choice": _("不是您可以填报的乡镇。")}
    )
    village = _village_field(required=False)
    name = forms.CharField(label=_("示范点名称"), max_length=100)
    operator = forms.CharField(label=_("经营者（领办党组织/党员）"), max_length=100)

    def clean(self):
        d = super().clean()
        if d.get("village") and d.get("township") and d["village"].parent_id != d["township"].pk:
            self.add_error("village", _("所在村不属于该乡镇。"))
        return d

"""One description per register: its model, entry form, columns (page, XLSX export and import
template alike), filters and who may enter rows. Pages, the API, import and export are
generic over these, so the nine registers cannot drift apart."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from . import forms
from .choices import AidKind, Background, CadrePost, Education, Gender, TrainingLevel
from .models import (
    AidPairing,
    CollectiveIncome,
    EcommerceShop,
    PoorHousehold,
    ReserveCadre,
    TalentPairing,
    TrainingSession,
    VillageCadre,
    VillagerGroup,
)


@dataclass
class Column:
    header: Any  # lazy text
    field: str  # entry-form field ("" : export only)
    value: Callable[[Any], Any]  # the cell for a row (list page and export)
    kind: str = "text"  # text | choice | bool | date | int | decimal | township | village
    choices: Any = None
    example: Any = ""
    in_list: bool = True  # shown on the register page (the export has every column)


@dataclass
class Register:
    key: str
    model: type
    label: Any
    form: type
    columns: list[Column]
    api_basename: str
    create_right: str = "enter"
    # Scope of a row: "village" (its township is village.parent) or "township".
    place: str = "village"
    edit_form: type | None = None
    edit_states: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    year_lookup: str = ""  # e.g. "year" or "start_date__year": the register's year filter
    related: tuple[str, ...] = ("village__parent",)
    # Fields of a row that must be unique among the rows of one import (besides the database's).
    unique_in_file: tuple[str, ...] = ()
    help: Any = ""
    extra: dict = field(default_factory=dict)

    @property
    def township_lookup(self) -> str:
        return "village__parent" if self.place == "village" else "township"


def _d(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _yes(value: bool) -> str:
    return str(_("是")) if value else str(_("否"))


def _town(obj):
    return (
        obj.village.parent.name
        if getattr(obj, "village_id", None)
        else (obj.township.name if getattr(obj, "township_id", None) else "")
    )


PLACE = [
    Column(_("乡镇"), "", _town, kind="township", example="南诏镇"),
    Column(_("村"), "village", lambda o: o.village.name if o.village_id else "", kind="village", example="鸡碧村"),
]

REGISTERS: list[Register] = [
    Register(
        key=ReserveCadre.register_key,
        model=ReserveCadre,
        label=_("村级后备力量"),
        form=forms.ReserveCadreForm,
        api_basename="reserve-cadres",
        search=("name",),
        help=_("每个贫困村确定 1—2 名村级后备力量，一人一档，动态调整（巍办发〔2017〕25号 二（三））。"),
        columns=PLACE
        + [
            Column(_("姓名"), "name", lambda o: o.name, example="李明"),
            Column(_("性别"), "gender", lambda o: o.get_gender_display(), kind="choice", choices=Gender, example="男"),
            Column(_("出生日期"), "birth_date", lambda o: o.birth_date, kind="date", example="1992-05-01"),
            Column(
                _("文化程度"),
                "education",
                lambda o: o.get_education_display(),
                kind="choice",
                choices=Education,
                example="大专",
            ),
            Column(
                _("人员类别"),
                "background",
                lambda o: o.get_background_display(),
                kind="choice",
                choices=Background,
                example="回乡大中专毕业生",
            ),
            Column(_("中共党员"), "is_party_member", lambda o: _yes(o.is_party_member), kind="bool", example="是"),
            Column(_("现任职务"), "current_post", lambda o: o.current_post, example="村民小组长", in_list=False),
            Column(_("入库日期"), "entered_on", lambda o: o.entered_on, kind="date", example="2026-03-01"),
            Column(_("备注"), "note", lambda o: o.note, in_list=False),
            Column(_("培训情况"), "", lambda o: o.training, in_list=False),
            Column(_("出库日期"), "", lambda o: o.left_on, kind="date", in_list=False),
        ],
    ),
    Register(
        key=VillagerGroup.register_key,
        model=VillagerGroup,
        label=_("村民小组党员情况"),
        form=forms.VillagerGroupForm,
        api_basename="villager-groups",
        search=("name",),
        edit_form=forms.VillagerGroupEditForm,
        edit_states=("active",),
        unique_in_file=("village", "name"),
        help=_("消除党员“空白村”，做到每个村民小组都有党员（三（一））。"),
        columns=PLACE
        + [
            Column(_("村民小组"), "name", lambda o: o.name, example="一组"),
            Column(_("户数"), "households", lambda o: o.households, kind="int", example=45),
            Column(_("党员人数"), "party_members", lambda o: o.party_members, kind="int", example=3),
            Column(_("已建村民小组党支部"), "has_branch", lambda o: _yes(o.has_branch), kind="bool", example="否"),
            Column(_("备注"), "note", lambda o: o.note, in_list=False),
        ],
    ),
    Register(
        key=CollectiveIncome.register_key,
        model=CollectiveIncome,
        label=_("村集体经济收入"),
        form=forms.CollectiveIncomeForm,
        api_basename="collective-incomes",
        year_lookup="year",
        edit_form=forms.CollectiveIncomeEditForm,
        edit_states=("reported",),
        unique_in_file=("village", "year"),
        help=_("到年底，所有建档立卡贫困村集体经济收入至少要达到 2 万元以上（一（五））。"),
        columns=PLACE
        + [
            Column(_("年度"), "year", lambda o: o.year, kind="int", example=2026),
            Column(_("收入（元）"), "amount", lambda o: o.amount, kind="decimal", example=21500),
            Column(_("主要来源"), "sources", lambda o: o.sources, example="光伏电站收益、集体林地租金"),
        ],
    ),
    Register(
        key=VillageCadre.register_key,
        model=VillageCadre,
        label=_("村干部名册"),
        form=forms.VillageCadreForm,
        api_basename="village-cadres",
        search=("person__name",),
        related=("village__parent", "person"),
        help=_("县级全员轮训的对象：村党组织书记、村“两委”干部、大学生村官（第一书记、驻村工作队员取自驻村选派）。"),
        columns=PLACE
        + [
            Column(_("姓名"), "name", lambda o: o.person.name, example="王红"),
            Column(
                _("职务"),
                "post",
                lambda o: o.get_post_display(),
                kind="choice",
                choices=CadrePost,
                example="村党组织书记",
            ),
            Column(_("任职日期"), "started_on", lambda o: o.started_on, kind="date", example="2024-01-10"),
            Column(
                _("中共党员"), "is_party_member", lambda o: _yes(o.person.is_party_member), kind="bool", example="是"
            ),
            Column(_("离任日期"), "", lambda o: o.left_on, kind="date", in_list=False),
        ],
    ),
    Register(
        key=TrainingSession.register_key,
        model=TrainingSession,
        label=_("培训班"),
        form=forms.TrainingSessionForm,
        api_basename="training-sessions",
        place="township",
        search=("title",),
        year_lookup="start_date__year",
        related=("township",),
        help=_("每年对乡村干部进行 1 次集中轮训（二（四））：县级轮训的参训记录计入目标。"),
        columns=[
            Column(
                _("层级"),
                "level",
                lambda o: o.get_level_display(),
                kind="choice",
                choices=TrainingLevel,
                example="县级集中轮训",
            ),
            Column(_("举办乡镇"), "township", lambda o: o.township.name if o.township_id else "", kind="township"),
            Column(_("培训班名称"), "title", lambda o: o.title, example="2026年村党组织书记集中轮训班"),
            Column(_("开班日期"), "start_date", lambda o: o.start_date, kind="date", example="2026-04-10"),
            Column(_("结业日期"), "end_date", lambda o: o.end_date, kind="date", example="2026-04-14"),
            Column(_("地点"), "venue", lambda o: o.venue, example="县委党校"),
            Column(_("承办单位"), "organizer", lambda o: o.organizer, example="县委组织部"),
        ],
    ),
    Register(
        key=TalentPairing.register_key,
        model=TalentPairing,
        label=_("人才挂钩"),
        form=forms.TalentPairingForm,
        api_basename="talent-pairings",
        search=("talent_name", "unit"),
        help=_("所有建档立卡贫困村都有 1 名以上专业人才挂钩帮扶（四（四））。"),
        columns=PLACE
        + [
            Column(_("人才姓名"), "talent_name", lambda o: o.talent_name, example="赵农艺"),
            Column(_("所在单位"), "unit", lambda o: o.unit, example="县农业农村局"),
            Column(_("专业领域"), "specialty", lambda o: o.specialty, example="核桃种植"),
            Column(_("挂钩日期"), "started_on", lambda o: o.started_on, kind="date", example="2026-02-01"),
            Column(_("结束日期"), "", lambda o: o.ended_on, kind="date", in_list=False),
        ],
    ),
    Register(
        key=PoorHousehold.register_key,
        model=PoorHousehold,
        label=_("建档立卡贫困户"),
        form=forms.PoorHouseholdForm,
        api_basename="poor-households",
        create_right="enter_household",
        search=("head_name", "household_no"),
        unique_in_file=("household_no",),
        help=_("由县里录入；每户都要有帮扶干部，不脱贫不脱钩（四（一））。"),
        columns=PLACE
        + [
            Column(_("户编号"), "household_no", lambda o: o.household_no, example="5329271000010001"),
            Column(_("户主姓名"), "head_name", lambda o: o.head_name, example="罗某某"),
            Column(_("家庭人口"), "members", lambda o: o.members, kind="int", example=4),
            Column(_("脱贫年度"), "", lambda o: o.lifted_year, kind="int"),
        ],
    ),
    Register(
        key=AidPairing.register_key,
        model=AidPairing,
        label=_("挂包帮结对"),
        form=forms.AidPairingForm,
        api_basename="aid-pairings",
        search=("helper_name", "helper_unit"),
        related=("village__parent", "household"),
        help=_("领导挂点、部门包村、干部帮户，不脱贫不脱钩（四（一））。"),
        columns=[
            Column(
                _("类别"), "kind", lambda o: o.get_kind_display(), kind="choice", choices=AidKind, example="干部帮户"
            )
        ]
        + PLACE
        + [
            Column(
                _("帮扶贫困户户编号"),
                "household_no",
                lambda o: o.household.household_no if o.household_id else "",
                example="5329271000010001",
            ),
            Column(_("挂包帮领导/部门/干部"), "helper_name", lambda o: o.helper_name, example="张帮扶"),
            Column(_("所在单位"), "helper_unit", lambda o: o.helper_unit, example="县财政局"),
            Column(_("结对日期"), "started_on", lambda o: o.started_on, kind="date", example="2026-01-15"),
            Column(_("脱钩日期"), "", lambda o: o.ended_on, kind="date", in_list=False),
        ],
    ),
    Register(
        key=EcommerceShop.register_key,
        model=EcommerceShop,
        label=_("电商实体店示范点"),
        form=forms.EcommerceShopForm,
        api_basename="ecommerce-shops",
        place="township",
        search=("name", "operator"),
        related=("township", "village"),
        unique_in_file=("township", "name"),
        help=_("年内每个乡镇建成 1 个农村电子商务实体店示范点（一（四））。"),
        columns=[
            Column(_("乡镇"), "township", lambda o: o.township.name, kind="township", example="南诏镇"),
            Column(
                _("所在村"),
                "village",
                lambda o: o.village.name if o.village_id else "",
                kind="village",
                example="鸡碧村",
            ),
            Column(_("示范点名称"), "name", lambda o: o.name, example="南诏镇党建+电商服务站"),
            Column(_("经营者（领办党组织/党员）"), "operator", lambda o: o.operator, example="鸡碧村党总支"),
            Column(_("建成日期"), "", lambda o: o.opened_on, kind="date"),
        ],
    ),
]

BY_KEY = {r.key: r for r in REGISTERS}
_BY_MODEL = {r.model: r for r in REGISTERS}


def get(key: str) -> Register:
    return BY_KEY[key]


def for_model(model) -> Register:
    return _BY_MODEL[model]


def key_for(model) -> str:
    return _BY_MODEL[model].key


def as_cell(value):
    """A cell for the HTML list (dates ISO, decimals with thousands separators left to the template)."""
    if isinstance(value, decimal.Decimal):
        return f"{value:,.2f}"
    return _d(value) if value is not None else ""

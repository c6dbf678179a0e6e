"""The targets, computed per village and township for a year, with traffic lights and the gap
in words (DESIGN §4.5). A bounded number of queries whatever the number of villages: one per
register, each scoped to the villages the user may see.

The day looked at is the year's last day, or today while the year runs. Point-in-time targets
(first secretary, reserve cadres, party members in every group, talent, 挂包帮) are judged on
that day. Year-end targets (collective income, the yearly 集中轮训, the e-commerce shop) are
"at risk" while the year runs and "missed" once it is over.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supervision import access
from supervision.models import Region

from . import conf
from .choices import AidKind, Status, TrainingLevel
from .models import (
    AidPairing,
    CollectiveIncome,
    EcommerceShop,
    PoorHousehold,
    ReserveCadre,
    TalentPairing,
    TrainingAttendance,
    VillageCadre,
    VillagerGroup,
)

VIEW_ROLES = frozenset({"township", "organization", "inspector", "leader", "auditor"})

# Village-level targets, in the board's column order.
VILLAGE_TARGETS = ["first_secretary", "reserves", "income", "groups", "training", "talent", "aid"]
TARGET_LABELS = {
    "first_secretary": gettext_lazy("第一书记全覆盖"),
    "reserves": gettext_lazy("村级后备力量"),
    "income": gettext_lazy("集体经济收入"),
    "groups": gettext_lazy("村民小组有党员"),
    "training": gettext_lazy("集中轮训"),
    "talent": gettext_lazy("人才挂钩"),
    "aid": gettext_lazy("挂包帮"),
    "shop": gettext_lazy("电商示范点"),
}
# The register each target's drill-down opens (None: the postings workflow).
TARGET_REGISTER = {
    "first_secretary": None,
    "reserves": "reserve-cadres",
    "income": "incomes",
    "groups": "villager-groups",
    "training": "trainings",
    "talent": "talents",
    "aid": "aid-pairings",
    "shop": "shops",
}
POOR_ONLY = {"first_secretary", "reserves", "income", "talent"}


@dataclass
class Cell:
    status: str
    gap: str = ""

    @property
    def label(self) -> str:
        return str(Status(self.status).label)

    @property
    def shortfall(self) -> bool:
        return self.status in (Status.MISSED, Status.AT_RISK)


@dataclass
class VillageRow:
    village: Region
    cells: dict[str, Cell]

    def ordered(self):
        return [(k, self.cells[k]) for k in VILLAGE_TARGETS]

    @property
    def all_met(self) -> bool:
        return not any(c.shortfall for c in self.cells.values())


@dataclass
class TownRow:
    township: Region
    villages: list[VillageRow]
    shop: Cell
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def shortfalls(self) -> int:
        return sum(1 for v in self.villages for c in v.cells.values() if c.shortfall) + int(self.shop.shortfall)

    def count_list(self):
        return [(k, self.counts.get(k, {})) for k in VILLAGE_TARGETS]


@dataclass
class Board:
    year: int
    as_of: dt.date
    in_progress: bool
    towns: list[TownRow]
    totals: dict[str, dict[str, int]]

    def total_list(self):
        return [(k, TARGET_LABELS[k], self.totals.get(k, {})) for k in [*VILLAGE_TARGETS, "shop"]]


def as_of_for(year: int, today: dt.date | None = None) -> tuple[dt.date, bool]:
    today = today or timezone.localdate()
    end = dt.date(year, 12, 31)
    return (today, True) if today < end else (end, False)


def _money(value) -> str:
    return f"{decimal.Decimal(value):,.2f}"


def _names(names, limit=5) -> str:
    names = list(names)
    shown = "、".join(names[:limit])
    return shown + (_("等 %(n)d 个") % {"n": len(names)} if len(names) > limit else "")


def villages_visible(user, township_id=None):
    county_wide, towns = access.scope(user, VIEW_ROLES)
    qs = Region.objects.filter(level=Region.Level.VILLAGE)
    if not county_wide:
        qs = qs.filter(parent_id__in=towns)
    if township_id:
        qs = qs.filter(parent_id=township_id)
    return qs


def board_for(*, user, year: int, township_id=None, today: dt.date | None = None) -> Board:
    d, in_progress = as_of_for(year, today)
    villages_qs = villages_visible(user, township_id)
    villages = list(villages_qs.select_related("parent").order_by("code"))
    ids = villages_qs.values("pk")
    poor = {v.pk for v in villages if v.is_poor_village}

    cells: dict[int, dict[str, Cell]] = {v.pk: {} for v in villages}
    _first_secretary(cells, ids, poor, d)
    _reserves(cells, ids, poor, d)
    _income(cells, ids, poor, year, in_progress)
    _groups(cells, ids)
    _training(cells, ids, year, d, in_progress)
    _talent(cells, ids, poor, d)
    _aid(cells, ids, poor, d)

    town_ids = sorted({v.parent_id for v in villages})
    shops = _shops(town_ids, d, in_progress)
    by_town: dict[int, list[VillageRow]] = defaultdict(list)
    for v in villages:
        by_town[v.parent_id].append(VillageRow(v, cells[v.pk]))
    towns = []
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for town_id, rows in by_town.items():  # villages are ordered by code, so by township
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in rows:
            for k, c in row.cells.items():
                counts[k][c.status] += 1
                totals[k][c.status] += 1
        shop = shops[town_id]
        totals["shop"][shop.status] += 1
        towns.append(TownRow(rows[0].village.parent, rows, shop, {k: dict(c) for k, c in counts.items()}))
    return Board(year, d, in_progress, towns, {k: dict(c) for k, c in totals.items()})


def _first_secretary(cells, ids, poor, d):
    from workflows.postings.choices import PostingRole
    from workflows.postings.models import Posting

    warn = d + dt.timedelta(days=conf.get("FIRST_SECRETARY_WARN_DAYS"))
    base = Posting.objects.filter(village__in=ids, role=PostingRole.FIRST_SECRETARY)
    covering: dict[int, list] = defaultdict(list)
    for village_id, name, end in (
        base.filter(start_date__lte=d).exclude(ended_on__lte=d).values_list("village_id", "person__name", "end_date")
    ):
        covering[village_id].append((name, end))
    last_ended: dict[int, tuple] = {}
    for village_id, name, ended in (
        base.filter(ended_on__lte=d).order_by("ended_on").values_list("village_id", "person__name", "ended_on")
    ):
        last_ended[village_id] = (name, ended)
    for village_id, row in cells.items():
        if village_id not in poor:
            row["first_secretary"] = Cell(Status.NA)
            continue
        found = covering.get(village_id)
        if not found:
            if village_id in last_ended:
                name, ended = last_ended[village_id]
                gap = _("第一书记%(n)s的选派已于 %(d)s 结束，尚未补派") % {"n": name, "d": ended.isoformat()}
            else:
                gap = _("未选派第一书记")
            row["first_secretary"] = Cell(Status.MISSED, gap)
            continue
        name, end = max(found, key=lambda f: f[1])
        if end <= warn:
            row["first_secretary"] = Cell(
                Status.AT_RISK, _("第一书记%(n)s任期 %(d)s 届满，须及时续派或连任") % {"n": name, "d": end.isoformat()}
            )
        else:
            row["first_secretary"] = Cell(
                Status.MET, _("第一书记：%(n)s") % {"n": "、".join(sorted(f[0] for f in found))}
            )


def _reserves(cells, ids, poor, d):
    low, high = conf.get("RESERVE_MIN"), conf.get("RESERVE_MAX")
    focus = conf.get("RESERVE_FOCUS_MAX_AGE")
    counts: dict[int, int] = defaultdict(int)
    young: dict[int, int] = defaultdict(int)
    for village_id, born in (
        ReserveCadre.objects.filter(village__in=ids, entered_on__lte=d)
        .exclude(left_on__lte=d)
        .values_list("village_id", "birth_date")
    ):
        counts[village_id] += 1
        if d.year - born.year - ((d.month, d.day) < (born.month, born.day)) <= focus:
            young[village_id] += 1
    for village_id, row in cells.items():
        if village_id not in poor:
            row["reserves"] = Cell(Status.NA)
            continue
        n = counts.get(village_id, 0)
        want = {"a": low, "b": high}
        # 重点培养35岁以下: said in words, not a colour of its own
        ages = _("（%(f)d 岁以下 %(y)d 名）") % {"f": focus, "y": young.get(village_id, 0)} if n else ""
        if n < low:
            row["reserves"] = Cell(Status.MISSED, _("村级后备力量 %(n)d 名，要求 %(a)d—%(b)d 名") % {"n": n, **want})
        elif n > high:
            row["reserves"] = Cell(
                Status.AT_RISK,
                _("村级后备力量 %(n)d 名，超出每村 %(a)d—%(b)d 名，请动态调整") % {"n": n, **want} + ages,
            )
        else:
            row["reserves"] = Cell(Status.MET, _("村级后备力量 %(n)d 名") % {"n": n} + ages)


def _income(cells, ids, poor, year, in_progress):
    threshold = decimal.Decimal(conf.get("INCOME_MIN"))
    amounts = dict(CollectiveIncome.objects.filter(village__in=ids, year=year).values_list("village_id", "amount"))
    for village_id, row in cells.items():
        if village_id not in poor:
            row["income"] = Cell(Status.NA)
            continue
        amount = amounts.get(village_id)
        late = Status.AT_RISK if in_progress else Status.MISSED
        if amount is None:
            row["income"] = Cell(late, _("%(y)d 年集体经济收入未填报") % {"y": year})
        elif amount >= threshold:
            row["income"] = Cell(Status.MET, _("集体经济收入 %(a)s 元") % {"a": _money(amount)})
        else:
            row["income"] = Cell(
                late,
                _("集体经济收入 %(a)s 元，距 %(t)s 元差 %(g)s 元")
                % {"a": _money(amount), "t": _money(threshold), "g": _money(threshold - amount)},
            )


def _groups(cells, ids):
    minimum, thin = conf.get("GROUP_MIN_PARTY_MEMBERS"), conf.get("GROUP_THIN_PARTY_MEMBERS")
    groups: dict[int, list] = defaultdict(list)
    for village_id, name, members in (
        VillagerGroup.objects.filter(village__in=ids, state=VillagerGroup.State.ACTIVE)
        .order_by("region__code")
        .values_list("village_id", "name", "party_members")
    ):
        groups[village_id].append((name, members))
    for village_id, row in cells.items():
        found = groups.get(village_id, [])
        if not found:
            row["groups"] = Cell(Status.MISSED, _("未登记村民小组"))
            continue
        blank = [name for name, m in found if m < minimum]
        thin_groups = [name for name, m in found if minimum <= m <= thin]
        if blank:
            row["groups"] = Cell(
                Status.MISSED, _("%(n)d 个村民小组无党员：%(g)s") % {"n": len(blank), "g": _names(blank)}
            )
        elif thin_groups:
            row["groups"] = Cell(
                Status.AT_RISK,
                _("%(n)d 个村民小组仅有 %(m)d 名党员：%(g)s")
                % {"n": len(thin_groups), "m": thin, "g": _names(thin_groups)},
            )
        else:
            row["groups"] = Cell(Status.MET, _("%(n)d 个村民小组均有党员") % {"n": len(found)})


def roster_for(ids, d):
    """{village_id: {person_id: name}}: who the yearly 集中轮训 must reach on day ``d``."""
    from workflows.postings.models import Posting

    roster: dict[int, dict[int, str]] = defaultdict(dict)
    for village_id, person_id, name in (
        VillageCadre.objects.filter(village__in=ids, started_on__lte=d)
        .exclude(left_on__lte=d)
        .values_list("village_id", "person_id", "person__name")
    ):
        roster[village_id][person_id] = name
    for village_id, person_id, name in (
        Posting.objects.filter(village__in=ids, start_date__lte=d)
        .exclude(ended_on__lte=d)
        .values_list("village_id", "person_id", "person__name")
    ):
        roster[village_id][person_id] = name
    return roster


def trained_people(ids, year, d) -> set[int]:
    times = conf.get("TRAINING_TIMES_PER_YEAR")
    return set(
        TrainingAttendance.objects.filter(
            village__in=ids,
            session__state="held",
            session__level=TrainingLevel.COUNTY,
            session__start_date__year=year,
            session__start_date__lte=d,
        )
        .values("person_id")
        .annotate(n=Count("session_id", distinct=True))
        .filter(n__gte=times)
        .values_list("person_id", flat=True)
    )


def _training(cells, ids, year, d, in_progress):
    roster = roster_for(ids, d)
    trained = trained_people(ids, year, d)
    for village_id, row in cells.items():
        people = roster.get(village_id, {})
        if not people:
            row["training"] = Cell(Status.MISSED, _("村干部名册为空，无法核对轮训"))
            continue
        untrained = [name for pid, name in sorted(people.items(), key=lambda p: p[1]) if pid not in trained]
        if not untrained:
            row["training"] = Cell(Status.MET, _("%(n)d 人均已参加 %(y)d 年集中轮训") % {"n": len(people), "y": year})
        else:
            row["training"] = Cell(
                Status.AT_RISK if in_progress else Status.MISSED,
                _("%(n)d/%(t)d 人未参加 %(y)d 年集中轮训：%(p)s")
                % {"n": len(untrained), "t": len(people), "y": year, "p": _names(untrained)},
            )


def _talent(cells, ids, poor, d):
    minimum = conf.get("TALENT_MIN")
    counts = dict(
        TalentPairing.objects.filter(village__in=ids, started_on__lte=d)
        .exclude(ended_on__lte=d)
        .values("village_id")
        .annotate(n=Count("id"))
        .values_list("village_id", "n")
    )
    for village_id, row in cells.items():
        if village_id not in poor:
            row["talent"] = Cell(Status.NA)
            continue
        n = counts.get(village_id, 0)
        row["talent"] = (
            Cell(Status.MET, _("%(n)d 名专业人才挂钩") % {"n": n})
            if n >= minimum
            else Cell(Status.MISSED, _("无专业人才挂钩帮扶"))
        )


def _aid(cells, ids, poor, d):
    kinds: dict[int, set] = defaultdict(set)
    households_paired: set[int] = set()
    for village_id, kind, household_id in (
        AidPairing.objects.filter(village__in=ids, started_on__lte=d)
        .exclude(ended_on__lte=d)
        .values_list("village_id", "kind", "household_id")
    ):
        kinds[village_id].add(kind)
        if household_id:
            households_paired.add(household_id)
    unpaired: dict[int, list] = defaultdict(list)
    households: dict[int, int] = defaultdict(int)
    for pk, village_id, head in (
        PoorHousehold.objects.filter(village__in=ids, state=PoorHousehold.State.POOR)
        .order_by("household_no")
        .values_list("pk", "village_id", "head_name")
    ):
        households[village_id] += 1
        if pk not in households_paired:
            unpaired[village_id].append(head)
    for village_id, row in cells.items():
        if village_id not in poor and not households.get(village_id):
            row["aid"] = Cell(Status.NA)
            continue
        gaps = []
        if village_id in poor:
            have = kinds.get(village_id, set())
            for kind, words in (
                (AidKind.LEADER, _("无挂点县领导")),
                (AidKind.DEPARTMENT, _("无包村部门")),
                (AidKind.CADRE, _("无帮户干部")),
            ):
                if kind not in have:
                    gaps.append(words)
        if unpaired.get(village_id):
            gaps.append(
                _("%(n)d 户贫困户无帮扶干部：%(h)s")
                % {"n": len(unpaired[village_id]), "h": _names(unpaired[village_id])}
            )
        if gaps:
            row["aid"] = Cell(Status.MISSED, "；".join(gaps))
        else:
            row["aid"] = Cell(
                Status.MET, _("领导挂点、部门包村、干部帮户均已落实（%(n)d 户）") % {"n": households.get(village_id, 0)}
            )


def _shops(town_ids, d, in_progress) -> dict[int, Cell]:
    minimum = conf.get("SHOP_MIN")
    opened = dict(
        EcommerceShop.objects.filter(township_id__in=town_ids, opened_on__lte=d)
        .exclude(closed_on__lte=d)
        .values("township_id")
        .annotate(n=Count("id"))
        .values_list("township_id", "n")
    )
    building = dict(
        EcommerceShop.objects.filter(township_id__in=town_ids, state=EcommerceShop.State.BUILDING)
        .values("township_id")
        .annotate(n=Count("id"))
        .values_list("township_id", "n")
    )
    out = {}
    for town_id in town_ids:
        n = opened.get(town_id, 0)
        if n >= minimum:
            out[town_id] = Cell(Status.MET, _("已建成 %(n)d 个电商实体店示范点") % {"n": n})
        else:
            extra = _("（建设中 %(n)d 个）") % {"n": building[town_id]} if building.get(town_id) else ""
            out[town_id] = Cell(Status.AT_RISK if in_progress else Status.MISSED, _("尚未建成电商实体店示范点") + extra)
    return out


def shortfall_lines(town: TownRow, target: str = "") -> list[str]:
    """The gaps of one township in words, one line per village (and one for the shop)."""
    lines = []
    for row in town.villages:
        parts = [
            f"{TARGET_LABELS[k]}（{c.label}）：{c.gap}"
            for k, c in row.ordered()
            if c.shortfall and (not target or k == target)
        ]
        if parts:
            lines.append(f"{row.village.name}——" + "；".join(parts))
    if town.shop.shortfall and (not target or target == "shop"):
        lines.append(
            _("乡镇%(what)s（%(s)s）：%(g)s")
            % {"what": TARGET_LABELS["shop"], "s": town.shop.label, "g": town.shop.gap}
        )
    return lines

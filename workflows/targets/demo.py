"""Demo data for the targets workflow (``manage.py seed_demo``): a plausible current year for the
demo county, so that the board shows all three colours. Everything goes through the services
and the transition path, as the demo users (township_* for their villages, organization for the
county's rows). Idempotent: each register is seeded only while it is empty.

Each record is written at its story date (``supervision.demo.story_at``: the date it reports — a
cadre's start, a training's end, …), so its history agrees with its data."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from supervision.demo import story_at
from supervision.models import Region, User
from supervision.transitions import run_transition

from . import services
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

NUMERALS = "一二三四五六七八九十"
SURNAMES = "杨李张王赵罗茶字左何鲁苏段陈马毕阿罗沙"
GIVEN = [
    "建华",
    "丽萍",
    "志强",
    "海燕",
    "文兵",
    "春梅",
    "国庆",
    "晓东",
    "红英",
    "正华",
    "永福",
    "雪梅",
    "德明",
    "玉兰",
    "光辉",
    "秀珍",
    "学军",
    "云鹏",
    "金凤",
    "成林",
    "绍文",
    "继红",
    "兴旺",
    "家福",
]
BACKGROUNDS = ["group_leader", "rich_leader", "graduate", "returnee", "veteran"]
EDUCATIONS = ["senior", "college", "bachelor", "junior"]
DEPARTMENTS = [
    "县财政局",
    "县农业农村局",
    "县教育体育局",
    "县卫生健康局",
    "县住房和城乡建设局",
    "县审计局",
    "县水务局",
    "县林业和草原局",
]
LEADERS = ["王县长", "李副书记", "张常务", "赵副县长", "马部长", "杨主席"]
SPECIALTIES = [
    ("县农业农村局", "核桃提质增效"),
    ("县林业和草原局", "林下经济"),
    ("县卫生健康局", "乡村医疗"),
    ("县教育体育局", "职业技能培训"),
    ("县农业农村局", "生猪养殖"),
    ("县水务局", "农田水利"),
]


def _name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _day(year, month, day, today) -> str:
    return min(dt.date(year, month, day), today).isoformat()


def seed_demo(stdout) -> None:
    org = User.objects.filter(username="organization").first()
    if org is None:
        return
    today = timezone.localdate()
    year = today.year
    townships = list(Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code"))
    users = {u.username: u for u in User.objects.filter(username__startswith="township_")}
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent").order_by("code"))
    made = {}

    def actor_for(village):
        return users.get(f"township_{village.parent.pinyin}") or org

    def on(day):
        """The story date ``day`` (a date or ISO string), never after today."""
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        return story_at(min(day, today))

    def create(key, actor, story=None, **data):
        made[key] = made.get(key, 0) + 1
        with on(story or data.get("started_on") or data.get("entered_on") or dt.date(year, 1, 10)):
            return services.record_create(actor=actor, key=key,
                                          data={k: v for k, v in data.items() if v is not None})

    def fire(model, pk, name, actor, day, **kwargs):
        with on(day):
            run_transition(model=model, pk=pk, name=name, actor=actor, **kwargs)

    if not VillagerGroup.objects.exists():
        for i, village in enumerate(villages):
            rng = random.Random(f"groups-{village.code}")
            for g in range(rng.randint(3, 6)):
                members = rng.randint(2, 7)
                if i % 9 == 4 and g == 1:
                    members = 0  # a party-member blank group
                elif i % 7 == 2 and g == 0:
                    members = 1  # thin
                create(
                    "villager-groups",
                    actor_for(village),
                    village=village.pk,
                    name=f"{NUMERALS[g]}组",
                    households=rng.randint(28, 90),
                    party_members=members,
                    has_branch="on" if members >= 3 else "",
                )

    if not VillageCadre.objects.exists():
        for i, village in enumerate(villages):
            rng = random.Random(f"cadres-{village.code}")
            create(
                "village-cadres",
                actor_for(village),
                village=village.pk,
                name=_name(rng),
                post="secretary",
                started_on=_day(year - 2, 1, 5, today),
                is_party_member="on",
            )
            if i % 4 == 1:
                create(
                    "village-cadres",
                    actor_for(village),
                    village=village.pk,
                    name=_name(rng),
                    post="college_official",
                    started_on=_day(year - 1, 8, 1, today),
                    is_party_member="on",
                )

    if not ReserveCadre.objects.exists():
        for i, village in enumerate(v for v in villages if v.is_poor_village):
            rng = random.Random(f"reserves-{village.code}")
            count = [1, 2, 0, 2, 1, 3][i % 6]
            for n in range(count):
                born = dt.date(year - rng.randint(24, 40), rng.randint(1, 12), rng.randint(1, 28))
                obj = create(
                    "reserve-cadres",
                    actor_for(village),
                    village=village.pk,
                    name=_name(rng),
                    gender=rng.choice(["male", "female"]),
                    birth_date=born.isoformat(),
                    education=rng.choice(EDUCATIONS),
                    background=BACKGROUNDS[(i + n) % len(BACKGROUNDS)],
                    is_party_member="on" if n == 0 else "",
                    current_post="",
                    entered_on=_day(year, 3, 1, today),
                )
                if n == 0 and i % 2 == 0:
                    fire(
                        ReserveCadre,
                        obj.pk,
                        "record_training",
                        actor_for(village),
                        _day(year, 6, 18, today),
                        comment="",
                        data={"date": _day(year, 6, 18, today), "content": "乡镇党委村级后备力量培训班"},
                    )

    if not CollectiveIncome.objects.exists():
        for i, village in enumerate(v for v in villages if v.is_poor_village):
            if i % 8 == 5:
                continue  # not reported yet
            rng = random.Random(f"income-{village.code}")
            amount = [23600, 19850, 31200, 15400, 20000, 26800, 12300][i % 7] + rng.randint(0, 9) * 10
            obj = create(
                "incomes",
                actor_for(village),
                story=_day(year, 11, 20, today),
                village=village.pk,
                year=year,
                amount=str(amount),
                sources=rng.choice(
                    [
                        "光伏扶贫电站收益",
                        "集体林地、果园租金",
                        "农民专业合作社分红",
                        "集体商铺出租",
                        "“股份合作经济”入股分红",
                    ]
                ),
            )
            if i % 3 == 0:
                fire(CollectiveIncome, obj.pk, "confirm", org, _day(year, 11, 25, today), comment="经核，属实")

    if not TrainingSession.objects.exists():
        session = create(
            "trainings",
            org,
            story=_day(year, 3, 20, today),
            level="county",
            title=f"{year}年村党组织书记、第一书记、驻村工作队员、大学生村官集中轮训班",
            start_date=_day(year, 4, 10, today),
            end_date=_day(year, 4, 14, today),
            venue="中共巍山县委党校",
            organizer="县委组织部",
        )
        roster = services.training_roster(session=session)
        rng = random.Random("attendance")
        attended = [r["person_id"] for r in roster if rng.random() < 0.85]
        if attended:
            with on(_day(year, 4, 14, today)):
                services.attendance_add(actor=org, session_id=session.pk,
                                        data={"people": [str(p) for p in attended]})
        fire(TrainingSession, session.pk, "hold", org, _day(year, 4, 14, today), comment="")

    if not TalentPairing.objects.exists():
        for i, village in enumerate(v for v in villages if v.is_poor_village):
            if i % 5 == 3:
                continue
            rng = random.Random(f"talent-{village.code}")
            unit, specialty = SPECIALTIES[i % len(SPECIALTIES)]
            create(
                "talents",
                actor_for(village),
                village=village.pk,
                talent_name=_name(rng),
                unit=unit,
                specialty=specialty,
                started_on=_day(year, 2, 20, today),
            )

    if not PoorHousehold.objects.exists():
        for i, village in enumerate(v for v in villages if v.is_poor_village):
            rng = random.Random(f"households-{village.code}")
            households = []
            for n in range(3):
                households.append(
                    create(
                        "households",
                        org,
                        story=dt.date(year - 1, 2, 1),
                        village=village.pk,
                        household_no=f"{village.code}{n + 1:04d}",
                        head_name=_name(rng),
                        members=rng.randint(2, 6),
                    )
                )
            if not AidPairing.objects.filter(village=village).exists():
                if i % 6 != 2:
                    create(
                        "aid-pairings",
                        org,
                        kind="leader",
                        village=village.pk,
                        helper_name=LEADERS[i % len(LEADERS)],
                        helper_unit="县人民政府",
                        started_on=_day(year - 1, 3, 1, today),
                    )
                create(
                    "aid-pairings",
                    org,
                    kind="department",
                    village=village.pk,
                    helper_name=DEPARTMENTS[i % len(DEPARTMENTS)],
                    helper_unit=DEPARTMENTS[i % len(DEPARTMENTS)],
                    started_on=_day(year - 1, 3, 1, today),
                )
                for n, household in enumerate(households):
                    if i % 4 == 3 and n == 2:
                        continue  # one household without a cadre
                    create(
                        "aid-pairings",
                        actor_for(village),
                        kind="cadre",
                        village=village.pk,
                        household_no=household.household_no,
                        helper_name=_name(rng),
                        helper_unit=DEPARTMENTS[(i + n) % len(DEPARTMENTS)],
                        started_on=_day(year - 1, 3, 15, today),
                    )

    if not EcommerceShop.objects.exists():
        for i, township in enumerate(townships):
            actor = users.get(f"township_{township.pinyin}") or org
            first = Region.objects.filter(parent=township, level=Region.Level.VILLAGE).order_by("code").first()
            shop = create(
                "shops",
                actor,
                story=_day(year, 8, 1, today),
                township=township.pk,
                village=first.pk if first else None,
                name=f"{township.name}“党建+电商”服务站",
                operator=f"{first.name if first else township.name}党总支",
            )
            if i % 4 != 3:
                fire(
                    EcommerceShop,
                    shop.pk,
                    "open",
                    actor,
                    _day(year, 9, 1, today),
                    comment="",
                    data={"date": _day(year, 9, 1, today)},
                )

    stdout.write("targets: " + (", ".join(f"{n} {k}" for k, n in made.items()) or "nothing new") + "\n")

"""Fixtures for the rectification tests: people for the four ones and a record factory that
walks the real transition path."""
import datetime as dt

import pytest

from supervision.models import Person, Region, Unit
from tests.browser.conftest import _playwright, browser, live_url, new_page  # noqa: F401
from tests.helpers import fire
from workflows.rectification import services
from workflows.rectification.models import Rectification

PATH = [
    ("propose_listing", "organization", {}),
    ("approve_listing", "leader", {}),
    ("approve_plan", "organization", None),  # four ones filled in by the factory
    ("start", "township", {}),
    ("request_acceptance", "township", {}),
]
ORDER = ["screened", "proposed", "listed", "planned", "rectifying", "acceptance_requested"]


def acceptance(score=80, pct=10, **extra):
    return {"score": score, "dissatisfied_pct": pct, "inspectors": "县委组织部验收组", "opinion": "验收", **extra}


@pytest.fixture
def people(county):
    unit = Unit.objects.get(name="县财政局")
    made = {}
    for key, name, post in [("secretary", "段书记", "乡镇党委书记"), ("cadre", "罗干部", "乡镇组织委员"),
                            ("first", "李第一", "驻村第一书记"), ("county_leader", "王县领导", "县委常委"),
                            ("township_leader", "张乡长", "乡镇副镇长"), ("other", "无关人", "其他")]:
        made[key], _ = Person.objects.get_or_create(name=name, defaults={"post": post})
    made["unit"] = unit
    return made


@pytest.fixture
def make(users, townships, people):
    """make(township="nanzhao", state="screened", index=0, year=2026) → Rectification."""

    def _make(township="nanzhao", state="screened", index=0, year=None):
        year = year or dt.date.today().year
        town = townships[township]
        village = Region.objects.filter(parent=town, level=Region.Level.VILLAGE).order_by("code")[index]
        actor = users[f"township_{township}"]
        obj = services.rectification_screen(actor=actor, data={
            "village": village.pk, "year": year, "criteria": ["secretary_incompetent", "rules_on_paper"],
            "problem": "组织生活不正常，书记能力不足", "township_secretary": people["secretary"].pk,
            "responsible_cadre": people["cadre"].pk, "first_secretary": people["first"].pk})
        advance(obj, state, users, people)
        return Rectification.objects.get(pk=obj.pk)

    return _make


def advance(obj, state, users, people):
    if state == "dismissed":
        fire(obj, "dismiss", users["organization"])
        return
    extra = {"accepted": ("accept", acceptance(80, 10)), "failed": ("fail", acceptance(60, 10))}
    target = "acceptance_requested" if state in ("accepted", "failed", "followed_up", "closed") else state
    for i, (name, role, data) in enumerate(PATH):
        if ORDER.index(target) <= i:
            break
        user = users[f"township_{township_of(obj)}"] if role == "township" else users[role]
        if name == "approve_plan":
            services.plan_item_add(actor=user, rectification_id=obj.pk, data={
                "problem": "班子软弱", "measure": "调整充实班子", "responsible": "罗干部",
                "deadline": dt.date.today() + dt.timedelta(days=20)})
            data = {"county_leader": people["county_leader"].pk, "township_leader": people["township_leader"].pk,
                    "twinned_unit": people["unit"].pk}
        if name == "request_acceptance":
            for item in obj.plan_items.all():
                services.plan_item_set_done(actor=users[f"township_{township_of(obj)}"], item_id=item.pk)
        fire(obj, name, user, data)
    if state in extra or state in ("followed_up", "closed"):
        name, data = extra.get(state, extra["accepted"])
        fire(obj, name, users["organization"], data)
    if state in ("followed_up", "closed"):
        fire(obj, "follow_up", users["organization"])
    if state == "closed":
        raise NotImplementedError("closed needs a year of follow-up; use time_machine")


def township_of(obj):
    return Region.objects.get(pk=Rectification.objects.get(pk=obj.pk).village.parent_id).pinyin

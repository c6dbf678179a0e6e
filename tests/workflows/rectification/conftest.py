"""Fixtures for the rectification tests: people for the four ones and a record factory that
walks the real transition path."""
import datetime as dt

import pytest

from supervision.models import Person, Region, Unit
from supervision.transitions import save_with_history
from tests.browser.conftest import _playwright, browser, live_url, new_page  # noqa: F401
from tests.helpers import fire
from workflows.postings.models import Posting
from workflows.rectification import fit, services
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


POSTED = 7  # the index of the 南诏镇 village 李第一 is posted to


def post_first_secretary(person, village, unit, start=dt.date(2025, 1, 1), ended_on=None):
    """A first-secretary posting in the postings register (ended when ``ended_on`` is given)."""
    posting = Posting(person=person, dispatching_unit=unit, village=village, start_date=start, term_years=2,
                      end_date=dt.date(start.year + 2, start.month, start.day), ended_on=ended_on,
                      state=Posting.State.COMPLETED if ended_on else Posting.State.ACTIVE)
    save_with_history(posting, actor=None, reason="test")
    return posting


def township_people(town):
    """The secretary (the principal township user's person), a cadre and a leader of ``town``."""
    party = Unit.objects.get(name=f"{town.name}党委")
    made = {"secretary": fit.township_secretary(town.pk)}
    for key, name, post in [("cadre", f"罗干部{town.pinyin}", "乡镇组织委员"),
                            ("township_leader", f"张乡长{town.pinyin}", "乡镇副镇长")]:
        made[key], _ = Person.objects.get_or_create(name=name, unit=party, defaults={"post": post, "region": town})
    return made


@pytest.fixture
def people(county, users, townships):
    """Fitting people for a 南诏镇 record: its secretary, cadre and leader, a county leader (王县长),
    a dispatching unit, and 李第一, the first secretary posted to 南诏镇's last village (``POSTED``;
    other tests post someone to its first one)."""
    unit = Unit.objects.get(name="县财政局")
    made = township_people(townships["nanzhao"])
    made["county_leader"] = users["leader"].person
    made["first"], _ = Person.objects.get_or_create(name="李第一", unit=unit, defaults={"post": "驻村第一书记"})
    made["other"], _ = Person.objects.get_or_create(name="无关人", defaults={"post": "其他"})
    village = Region.objects.filter(parent=townships["nanzhao"], level=Region.Level.VILLAGE).order_by("code")[POSTED]
    made["posting"] = post_first_secretary(made["first"], village, unit)
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
        local = people if township == "nanzhao" else {**people, **township_people(town)}
        obj = services.rectification_screen(actor=actor, data={
            "village": village.pk, "year": year, "criteria": ["secretary_incompetent", "rules_on_paper"],
            "problem": "组织生活不正常，书记能力不足", "township_secretary": local["secretary"].pk,
            "responsible_cadre": local["cadre"].pk, "first_secretary": people["first"].pk})
        advance(obj, state, users, local)
        return Rectification.objects.get(pk=obj.pk)

    return _make


def advance(obj, state, users, people):
    if state == "dismissed":
        fire(obj, "dismiss", users["organization"])
        return
    if state in ("withdrawal_proposed", "withdrawn"):  # proposed from listed by the organisation
        advance(obj, "listed", users, people)
        fire(obj, "propose_withdrawal", users["organization"], comment="村已合并")
        if state == "withdrawn":
            fire(obj, "approve_withdrawal", users["leader"])
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

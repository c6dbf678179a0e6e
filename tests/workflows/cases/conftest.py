"""Helpers for the cases workflow tests."""
import pytest

from tests.browser.conftest import _playwright, browser, live_url, new_page  # noqa: F401
from tests.helpers import advance as walk
from tests.helpers import fire
from workflows.cases.services import case_register

NON_CASE_ROLES = ["inspector", "organization", "leader", "township_nanzhao", "township_miaojie"]
CASE_ROLES = ["discipline", "discipline_head", "discipline_head2", "auditor"]


def register(users, townships=None, *, township="nanzhao", village_committee=False, party=True, **kw):
    data = dict(source="petition", category="poverty_funds", description="村干部截留扶贫资金",
                reporter_name="王举报", reporter_contact="13800000000", amount=1000,
                subjects=[{"name": "杨某", "post": "村委会主任", "village": "鸡碧村",
                           "is_party_member": party, "is_village_committee": village_committee}])
    data.update(kw)
    if townships is not None and township:
        data["township"] = townships[township]
    return case_register(actor=users["discipline"], **data)


__all__ = ["CASE_ROLES", "NON_CASE_ROLES", "advance", "decide", "fire", "matter_to", "register"]

SANCTION = {"outcome": "sanction", "party_sanction": "warning", "admin_sanction": "warning", "four_forms": "second"}


def decide(matter, users, outcome=None, *, head="discipline_head"):
    """A subject's outcome proposed by the handler and approved by a head."""
    matter = fire(matter, "propose_outcome", users["discipline"], outcome or SANCTION)
    return fire(matter, "approve", users[head])


def matter_to(matter, users, to, outcome=None):
    """Carry a subject's matter (its case in review) to ``to``: decided, executed, closed, appealed."""
    d = users["discipline"]
    matter = decide(matter, users, outcome)
    steps = {"executed": [("announce", {})],
             "closed": [("announce", {}), ("report_execution", {"execution_report": "已执行到位"})],
             "appealed": [("announce", {}), ("appeal", {})]}
    for name, data in steps.get(to, []):
        matter = fire(matter, name, d, data)
    assert matter.state == to, (matter.state, to)
    return matter


def advance(case, users, to):
    """Carry a case along the main line to state ``to`` (as the right users)."""
    d, h = users["discipline"], users["discipline_head"]
    path = [
        ("verification", [("propose_disposition", d, {"target": "verification"}), ("approve", h, {})]),
        ("filed", [("propose_filing", d, {}), ("approve", h, {})]),
        ("investigating", [("start_investigation", d, {})]),
        ("reviewing", [("submit_review", d, {}), ("file_review_report", d, {"review_report": "审理报告正文"})]),
    ]
    for state, steps in path:
        if case.state == to:
            return case
        case = walk(case, steps)
        assert case.state == state, (case.state, state)
    assert case.state == to
    return case


@pytest.fixture
def case(users, townships):
    return register(users, townships)

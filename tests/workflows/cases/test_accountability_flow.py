"""Issue 20 item 9: 问责 — investigation, a decision proposed by a handler and approved by another
(a head), a measure per target applied and appealed, re-examined by a head other than the decider."""
import datetime as dt

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from supervision.models import Person, RoleAssignment, Unit, User
from tests.concurrency import at_once
from tests.helpers import attempt, reload
from workflows.cases.accountability import AccountabilityTarget
from workflows.cases.models import AccountabilityMatter
from workflows.cases.services import accountability_open

from .conftest import fire

pytestmark = pytest.mark.django_db


def open_matter(users, *, persons=1):
    unit = Unit.objects.get(name="县财政局")
    people = list(Person.objects.order_by("pk")[:persons])
    matter, _ = accountability_open(actor=users["discipline"], reason="扶贫资金监管不力", target_unit=unit,
                                    extra_persons=people)
    return matter


def targets(matter):
    return list(AccountabilityTarget.objects.filter(matter=matter).order_by("pk"))


def decided(users, matter, measures=None, *, head="discipline_head"):
    """opened → investigating → decision proposed (handler) → approved (``head``)."""
    d = users["discipline"]
    matter = fire(matter, "start_investigation", d, comment="开始调查")
    measures = measures or {t.pk: "circular" for t in targets(matter)}
    matter = fire(matter, "propose_decision", d, {f"measure_{pk}": m for pk, m in measures.items()})
    return fire(matter, "approve", users[head])


def test_per_target_measures_applied_and_closed(users, api):
    matter = open_matter(users, persons=2)
    unit_t, p1, p2 = targets(matter)
    assert [t.status for t in (unit_t, p1, p2)] == ["pending"] * 3
    assert unit_t.unit.name == "县财政局" and matter.target_unit_id == unit_t.unit_id
    matter = decided(users, matter, {unit_t.pk: "circular", p1.pk: "admonishment", p2.pk: "none"})
    assert matter.state == "decided" and matter.decided_by == users["discipline_head"]
    unit_t, p1, p2 = targets(matter)
    assert (unit_t.measure, unit_t.status) == ("circular", "decided")
    assert (p1.measure, p1.status) == ("admonishment", "decided")
    assert (p2.measure, p2.status) == ("", "not_held")
    assert unit_t.appeal_due is not None and p2.appeal_due is None
    # closing waits for every measure to be applied
    assert attempt(AccountabilityMatter, matter.pk, "close", users["discipline"]) == 409
    matter = fire(matter, "apply_measure", users["discipline"], {"target": unit_t.pk, "note": "已全县通报"})
    assert attempt(AccountabilityMatter, matter.pk, "close", users["discipline"]) == 409
    matter = fire(matter, "apply_measure", users["discipline"], {"target": p1.pk}, comment="已诫勉谈话")
    assert attempt(AccountabilityMatter, matter.pk, "apply_measure", users["discipline"],
                   {"target": p1.pk})[0] == "400"  # once
    matter = fire(matter, "close", users["discipline"], comment="问责到位")
    assert matter.state == "closed" and [t.status for t in targets(matter)] == ["applied", "applied", "not_held"]
    # each target's changes are on the matter's timeline, and in the API body
    body = api(users["discipline"]).get(f"/api/v1/accountability/{matter.pk}/").json()
    assert [t["measure"] for t in body["targets"]] == ["circular", "admonishment", ""]
    timeline = api(users["discipline"]).get(f"/api/v1/accountability/{matter.pk}/history/").json()
    parts = [e for e in timeline if e["part"] and e["part"]["label"] == "问责对象"]
    assert {e["part"]["name"] for e in parts} == {t.name for t in targets(matter)}
    assert any("诫勉" in str(e["changes"]) for e in parts)


def test_all_not_held_is_a_dismissal(users):
    matter = open_matter(users, persons=0)
    matter = decided(users, matter, {targets(matter)[0].pk: "none"})
    assert matter.state == "dismissed" and matter.closed_on is not None
    assert targets(matter)[0].status == "not_held"


def test_decision_proposal_input_is_checked(users):
    matter = fire(open_matter(users, persons=1), "start_investigation", users["discipline"], comment="x")
    unit_t, p1 = targets(matter)
    d = users["discipline"]
    assert attempt(AccountabilityMatter, matter.pk, "propose_decision", d, {f"measure_{unit_t.pk}": "circular"}) \
        == ("400", ["请为每个问责对象选择问责方式（或不予问责）。"])
    assert attempt(AccountabilityMatter, matter.pk, "propose_decision", d,
                   {f"measure_{unit_t.pk}": "bogus", f"measure_{p1.pk}": "circular"})[0] == "400"
    assert attempt(AccountabilityMatter, matter.pk, "propose_decision", d,
                   {f"measure_{unit_t.pk}": "circular", f"measure_{p1.pk}": "circular", "measure_999999": "circular"}
                   )[0] == "400"
    assert attempt(AccountabilityMatter, matter.pk, "add_target", d, {"unit": unit_t.unit_id})[0] == "400"
    assert attempt(AccountabilityMatter, matter.pk, "add_target", d, {})[0] == "400"
    assert reload(matter).pending_kind == "" and len(targets(matter)) == 2


def test_two_person_rule_and_rejection(users):
    both = User.objects.create_user("both_roles", password="x-pass-123")
    RoleAssignment.objects.create(user=both, role="discipline")
    RoleAssignment.objects.create(user=both, role="discipline_head")
    matter = fire(open_matter(users, persons=0), "start_investigation", both, comment="x")
    t = targets(matter)[0]
    matter = fire(matter, "propose_decision", both, {f"measure_{t.pk}": "inspection"})
    assert attempt(AccountabilityMatter, matter.pk, "approve", both) == 403  # never one's own proposal
    assert attempt(AccountabilityMatter, matter.pk, "approve", users["discipline"]) == 403  # heads approve
    matter = fire(matter, "reject_proposal", users["discipline_head"], comment="事实不清，补充调查")
    assert matter.state == "investigating" and not matter.pending_kind and targets(matter)[0].status == "pending"
    matter = fire(matter, "propose_decision", users["discipline"], {f"measure_{t.pk}": "circular"})
    matter = fire(matter, "approve", both)
    assert matter.state == "decided" and matter.decided_by == both


def test_appeal_within_the_time_and_reexamination_by_another_head(users):
    matter = decided(users, open_matter(users, persons=1), head="discipline_head")
    unit_t, p1 = targets(matter)
    d, decider, other = users["discipline"], users["discipline_head"], users["discipline_head2"]
    matter = fire(matter, "apply_measure", d, {"target": unit_t.pk})
    matter = fire(matter, "apply_measure", d, {"target": p1.pk})
    matter = fire(matter, "close", d)
    # the unit appeals within the month: the matter is back in progress
    matter = fire(matter, "appeal", d, {"target": unit_t.pk}, comment="认为通报依据不足")
    assert matter.state == "decided" and reload(unit_t).status == "appealed"
    assert attempt(AccountabilityMatter, matter.pk, "close", d) == 409
    matter = fire(matter, "propose_reexam", d, {"target": unit_t.pk, "outcome": "modified", "measure": "inspection"})
    assert attempt(AccountabilityMatter, matter.pk, "approve", decider) == 403  # not the decider
    matter = fire(matter, "approve", other)
    t = reload(unit_t)
    assert (t.reexam_outcome, t.original_measure, t.measure, t.status) == ("modified", "circular", "inspection",
                                                                          "decided")
    matter = fire(matter, "apply_measure", d, {"target": t.pk})
    matter = fire(matter, "close", d)
    assert matter.state == "closed"
    # an appeal once only; the person's appeal after the month is refused
    assert attempt(AccountabilityMatter, matter.pk, "appeal", d, {"target": t.pk})[0] == "400"
    with time_machine.travel(dt.datetime.now() + dt.timedelta(days=40), tick=False):
        status, messages = attempt(AccountabilityMatter, matter.pk, "appeal", d, {"target": p1.pk})
    assert status == "400" and "申诉期限已过" in messages[0]


@pytest.mark.parametrize("outcome,status", [("upheld", "applied"), ("revoked", "revoked")])
def test_reexamination_upheld_or_revoked(users, outcome, status):
    matter = decided(users, open_matter(users, persons=0))
    t = targets(matter)[0]
    d = users["discipline"]
    matter = fire(matter, "apply_measure", d, {"target": t.pk})
    matter = fire(matter, "appeal", d, {"target": t.pk})
    assert attempt(AccountabilityMatter, matter.pk, "propose_reexam", d,
                   {"target": t.pk, "outcome": "modified", "measure": "circular"})[0] == "400"  # the same measure
    matter = fire(matter, "propose_reexam", d, {"target": t.pk, "outcome": outcome})
    matter = fire(matter, "approve", users["discipline_head2"])
    assert reload(t).status == status
    assert fire(matter, "close", d).state == "closed"


# --- the state × transition × role matrix --------------------------------------------------------

RIGHT_ROLE = {"add_target": "discipline", "start_investigation": "discipline", "propose_decision": "discipline",
              "propose_reexam": "discipline", "approve": "discipline_head", "reject_proposal": "discipline_head",
              "apply_measure": "discipline", "appeal": "discipline", "close": "discipline"}
ALLOWED = {
    "opened": {"add_target", "start_investigation"},
    "investigating": {"add_target", "propose_decision"},
    "proposed": {"approve", "reject_proposal"},
    "decided": {"apply_measure", "appeal", "propose_reexam"},
    "appealed": {"propose_reexam", "apply_measure", "appeal"},
    "reexam_proposed": {"approve", "reject_proposal", "apply_measure", "appeal"},
    "closed": {"appeal"},
    "dismissed": set(),
}
# allowed by state, refused by the input for this state (the target's own status): 400
INPUT_REFUSED = {("decided", "propose_reexam"), ("appealed", "apply_measure"), ("appealed", "appeal"),
                 ("reexam_proposed", "apply_measure"), ("reexam_proposed", "appeal")}
ROLE_OF = {"discipline": "discipline", "discipline_head": "discipline_head", "discipline_head2": "discipline_head",
           "auditor": "auditor"}
ROLES = ["discipline", "discipline_head", "discipline_head2", "auditor", "inspector", "township_nanzhao",
         "leader"]


def _matter_in(users, state):
    d = users["discipline"]
    matter = open_matter(users, persons=0)
    t = targets(matter)[0]
    if state == "opened":
        return matter, t
    matter = fire(matter, "start_investigation", d)
    if state == "investigating":
        return matter, t
    matter = fire(matter, "propose_decision", d, {f"measure_{t.pk}": "none" if state == "dismissed" else "circular"})
    if state == "proposed":
        return matter, t
    matter = fire(matter, "approve", users["discipline_head"])
    if state in ("decided", "dismissed"):
        return matter, t
    matter = fire(matter, "apply_measure", d, {"target": t.pk})
    if state == "closed":
        return fire(matter, "close", d), t
    matter = fire(matter, "appeal", d, {"target": t.pk})
    if state == "appealed":
        return matter, t
    return fire(matter, "propose_reexam", d, {"target": t.pk, "outcome": "upheld"}), t


def _want(state, name, username):
    if username not in ("discipline", "discipline_head", "discipline_head2", "auditor"):
        return 404
    if ROLE_OF[username] != RIGHT_ROLE[name]:
        return 403
    if state == "reexam_proposed" and name in ("approve", "reject_proposal") and username == "discipline_head":
        return 403  # the decider does not re-examine their own decision
    if name not in ALLOWED[state]:
        return 409
    return "400" if (state, name) in INPUT_REFUSED else 200


@pytest.mark.parametrize("state", list(ALLOWED))
def test_matter_state_transition_role_matrix(users, state):
    matter, t = _matter_in(users, state)
    data = {"person": Person.objects.order_by("pk").first().pk, "target": t.pk, f"measure_{t.pk}": "circular",
            "outcome": "upheld"}
    wrong = []
    for name in RIGHT_ROLE:
        for username in ROLES:
            got = attempt(AccountabilityMatter, matter.pk, name, users[username], data)
            got = got[0] if isinstance(got, tuple) else got
            want = _want(state, name, username)
            if got != want:
                wrong.append((name, username, got, want))
    assert not wrong


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_heads_approve_a_decision_at_once(users):
    matter = open_matter(users, persons=1)
    matter = fire(matter, "start_investigation", users["discipline"])
    matter = fire(matter, "propose_decision", users["discipline"], {f"measure_{t.pk}": "circular"
                                                                    for t in targets(matter)})
    clients = []
    for head in ("discipline_head", "discipline_head2"):
        client = APIClient()
        client.force_authenticate(users[head])
        clients.append(client)
    url = f"/api/v1/accountability/{matter.pk}/transitions/approve/"
    outcomes = at_once(*[lambda c=c: c.post(url, {"comment": "同意"}, format="json") for c in clients])
    assert sorted(o.status_code for o in outcomes) == [200, 409]
    matter = reload(matter)
    assert matter.state == "decided" and matter.history.filter(transition="approve").count() == 1
    assert all(t.history.count() == 2 for t in targets(matter))  # created, decided: once

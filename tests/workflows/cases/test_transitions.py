"""The state × transition × role matrix, the two-person rule and the sanction rules."""
import pytest

from supervision.errors import Conflict, PermissionDenied, ValidationError
from supervision.models import RoleAssignment, User
from supervision.sweep import fire_system_transition
from tests import helpers
from workflows.cases.models import Case

from .conftest import advance, decide, fire, matter_to, register

pytestmark = pytest.mark.django_db

VIEW_ROLES = {"discipline", "discipline_head", "auditor"}
# (A township committee sees none of these county cases: routed cases have their own matrix in test_routing.py.)
ROLES = ["discipline", "discipline_head", "auditor", "township_nanzhao", "inspector", "organization", "leader",
         "township_discipline_nanzhao"]

# Which role may fire each transition (None: nobody but the system).
RIGHTS = {
    "propose_disposition": "discipline", "propose_filing": "discipline", "propose_extension": "discipline",
    "file_review_report": "discipline", "start_investigation": "discipline",
    "submit_review": "discipline", "close": "discipline",
    "propose_send_back": {"discipline", "discipline_head"},
    "approve": "discipline_head", "reject_proposal": "discipline_head", "urge": "discipline_head",
    "escalate": {"discipline", "discipline_head"}, "mark_overdue": None,
    "enter_decisions": None, "conclude": None,
    # Township committees (issue 15): routing is the county staff's; take-up and supervision the
    # county heads'; a committee's request and report are its handlers' (refused on a county case).
    "route": "discipline", "take_up": "discipline_head", "decline_take_up": "discipline_head",
    "supervise": "discipline_head", "request_take_up": "discipline", "report_supervision": "discipline",
    # the case team and recusal 回避, in every state (test_reporter.py)
    "recuse": {"discipline", "discipline_head"}, "order_recusal": "discipline_head",
    "add_member": "discipline_head", "remove_member": "discipline_head",
}
ANY_STATE = {"recuse", "order_recusal", "add_member", "remove_member"}

# The spec (DESIGN §4.4): transitions possible in each situation, whoever fires them. After
# review the subjects' matters move (test_subjects.py); the case follows them.
ALLOWED = {
    "received": {"propose_disposition", "escalate", "route"},
    "received+pending": {"approve", "reject_proposal", "escalate"},
    "inquiry": {"propose_disposition", "close", "escalate", "mark_overdue"},
    "parked": {"propose_disposition", "escalate"},
    "verification": {"propose_filing", "propose_extension", "close", "escalate", "mark_overdue"},
    "verification+pending": {"approve", "reject_proposal", "escalate", "mark_overdue"},
    "filed": {"start_investigation", "escalate", "mark_overdue"},
    "investigating": {"propose_extension", "submit_review", "escalate", "mark_overdue"},
    "investigating+overdue": {"propose_extension", "submit_review", "escalate", "urge"},
    "reviewing": {"file_review_report", "propose_send_back", "escalate", "mark_overdue", "enter_decisions",
                  "conclude"},
    "reviewing+pending": {"file_review_report", "approve", "reject_proposal", "escalate", "mark_overdue",
                          "enter_decisions", "conclude"},
    "decided": {"escalate", "conclude"},
    "closed": set(),
    "dismissed": set(),
}
ALLOWED = {situation: names | ANY_STATE for situation, names in ALLOWED.items()}

DATA = {
    "propose_extension": {"days": 30},
    "file_review_report": {"review_report": "审理报告"},
    "close": {"four_forms": "first", "light_measure": "criticism"},
}


def build(users, townships, situation):
    case = register(users, townships)
    d, h = users["discipline"], users["discipline_head"]
    base = situation.split("+")[0]
    if base in ("inquiry", "parked", "dismissed"):
        case = fire(case, "propose_disposition", d, {"target": base})
        case = fire(case, "approve", h)
    elif base in ("decided", "closed"):
        matter = advance(case, users, "reviewing").matters.get()
        if base == "decided":
            matter_to(matter, users, "decided")
        else:
            decide(matter, users, {"outcome": "revoked"})
        case = Case.objects.get(pk=case.pk)
    elif base != "received":
        case = advance(case, users, base)
    if situation == "received+pending":
        case = fire(case, "propose_disposition", d, {"target": "parked"})
    if situation == "verification+pending":
        case = fire(case, "propose_filing", d)
    if situation == "reviewing+pending":
        case = fire(case, "propose_send_back", d)
    if situation == "investigating+overdue":
        assert fire_system_transition(case, "mark_overdue", comment="逾期")
        case = Case.objects.get(pk=case.pk)
    assert case.state == base
    return case


def attempt(case, name, user):
    data = dict(DATA.get(name, {}))
    if name == "propose_disposition":
        data["target"] = "inquiry" if case.state == "received" else "verification"
    if name in ("order_recusal", "add_member"):
        data.update(user=User.objects.get(username="discipline").pk, role="member")
    if name == "remove_member":  # the head who approved something on the case is on its team
        data["user"] = User.objects.get(username="discipline_head").pk
    got = helpers.attempt(Case, case.pk, name, user, data)
    return got[0] if isinstance(got, tuple) else got


def expected(situation, name, username):
    if username not in VIEW_ROLES:
        return 404
    right = RIGHTS[name]
    allowed_roles = right if isinstance(right, set) else ({right} if right else set())
    if username not in allowed_roles:
        return 403
    if name == "remove_member" and situation.startswith("received"):
        return "400"  # nobody decided anything yet: the head is not on the team
    return 200 if name in ALLOWED[situation] else 409


def test_every_transition_is_in_the_matrix():
    from supervision import registry

    assert set(registry.for_model(Case).transitions()) == set(RIGHTS)


@pytest.mark.parametrize("situation", list(ALLOWED))
def test_state_transition_role_matrix(users, townships, situation):
    case = build(users, townships, situation)
    wrong = []
    for name in RIGHTS:
        for username in ROLES:
            got, want = attempt(case, name, users[username]), expected(situation, name, username)
            if got != want:
                wrong.append((name, username, got, want))
    assert not wrong
    assert Case.objects.get(pk=case.pk).version == case.version  # every attempt rolled back


def test_main_line_and_history(users, townships):
    case = advance(register(users, townships), users, "reviewing")
    matter = matter_to(case.matters.get(), users, "closed")
    case = Case.objects.get(pk=case.pk)
    assert case.state == "closed" and matter.four_forms == "second" and case.filed_on is not None
    rows = list(case.history.order_by("history_id").values_list("transition", "history_user__username"))
    assert ("propose_disposition", "discipline") in rows
    assert ("approve", "discipline_head") in rows  # the approval is its own history entry
    # The case followed its subject: decisions begun, then closed, each its own row naming the actor.
    assert ("enter_decisions", "discipline_head") in rows and ("conclude", "discipline") in rows


def test_disposition_outcomes(users, townships):
    d, h = users["discipline"], users["discipline_head2"]
    for target in ("inquiry", "verification", "parked", "dismissed"):
        case = register(users, townships)
        case = fire(case, "propose_disposition", d, {"target": target})
        assert case.state == "received" and case.pending_kind == "disposition"
        case = fire(case, "approve", h)
        assert case.state == target and not case.pending_kind
    case = fire(register(users, townships), "propose_disposition", d, {"target": "parked"})
    case = fire(fire(case, "approve", h), "propose_disposition", d, {"target": "verification"})
    assert fire(case, "approve", h).state == "verification"


def test_inquiry_may_not_be_disposed_to_parked(users, townships):
    case = fire(fire(register(users, townships), "propose_disposition", users["discipline"], {"target": "inquiry"}),
                "approve", users["discipline_head"])
    with pytest.raises(ValidationError):
        fire(case, "propose_disposition", users["discipline"], {"target": "parked"})


def test_reject_returns_the_proposal(users, townships):
    case = fire(register(users, townships), "propose_disposition", users["discipline"], {"target": "dismissed"})
    case = fire(case, "reject_proposal", users["discipline_head"], comment="证据不足以了结，再核")
    assert case.state == "received" and not case.pending_kind


def test_head_cannot_approve_own_proposal(api, users, townships):
    both = users["discipline_head2"]
    RoleAssignment.objects.create(user=both, role="discipline")
    both = User.objects.get(pk=both.pk)
    case = register(users, townships)
    client = api(both)
    r = client.post(f"/api/v1/cases/{case.pk}/transitions/propose_disposition/",
                    {"comment": "建议初核", "target": "verification"}, format="json")
    assert r.status_code == 200 and r.json()["pending_kind"] == "disposition"
    assert "approve" not in r.json()["available_transitions"]
    r = client.post(f"/api/v1/cases/{case.pk}/transitions/approve/", {"comment": "同意"}, format="json")
    assert r.status_code == 403
    r = client.post(f"/api/v1/cases/{case.pk}/transitions/reject_proposal/", {"comment": "x"}, format="json")
    assert r.status_code == 403
    assert Case.objects.get(pk=case.pk).state == "received"
    other = api(users["discipline_head"]).post(f"/api/v1/cases/{case.pk}/transitions/approve/", {}, format="json")
    assert other.status_code == 200 and other.json()["state"] == "verification"


def test_closing_a_clue_checks_its_four_forms(api, users, townships):
    """The tag must be the one the outcome fits: 函询 alone → first; "no violation" → no form."""
    case = fire(fire(register(users, townships), "propose_disposition", users["discipline"], {"target": "inquiry"}),
                "approve", users["discipline_head"])
    url = f"/api/v1/cases/{case.pk}/transitions/close/"
    r = api(users["discipline"]).post(url, {"comment": "函询属实", "four_forms": "third"}, format="json")
    assert r.status_code == 400 and "第一种形态" in r.json()["four_forms"][0]
    assert Case.objects.get(pk=case.pk).state == "inquiry"
    r = api(users["discipline"]).post(url, {"comment": "函询说明清楚", "four_forms": "first"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "closed" and r.json()["four_forms"] == "first"


def test_no_violation_closes_without_a_form(api, users, townships):
    case = advance(register(users, townships), users, "verification")
    url = f"/api/v1/cases/{case.pk}/transitions/close/"
    r = api(users["discipline"]).post(url, {"comment": "核实无问题", "light_measure": "none", "four_forms": "first"},
                                      format="json")
    assert r.status_code == 400 and "不属于" in r.json()["four_forms"][0]
    r = api(users["discipline"]).post(url, {"comment": "核实无问题", "light_measure": "none"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "closed" and r.json()["four_forms"] == ""


def test_closing_after_verification_needs_light_measure(users, townships):
    case = advance(register(users, townships), users, "verification")
    with pytest.raises(ValidationError):
        fire(case, "close", users["discipline"], {"four_forms": "first"})
    assert fire(case, "close", users["discipline"], {"four_forms": "first", "light_measure": "reminder_talk"}
                ).light_measure == "reminder_talk"


def test_parked_clue_is_closed_with_a_reason(api, users, townships):
    """暂存待查 → 了结: proposed with its reason, approved by a head; no form (nothing found)."""
    case = fire(fire(register(users, townships), "propose_disposition", users["discipline"], {"target": "parked"}),
                "approve", users["discipline_head"])
    url = f"/api/v1/cases/{case.pk}/transitions/propose_disposition/"
    r = api(users["discipline"]).post(url, {"target": "dismissed", "comment": ""}, format="json")
    assert r.status_code == 400 and "comment" in r.json()
    case = fire(case, "propose_disposition", users["discipline"], {"target": "dismissed"},
                comment="暂存两年无新线索，予以了结")
    case = fire(case, "approve", users["discipline_head2"])
    assert case.state == "dismissed" and case.closed_on and case.four_forms == ""
    row = case.history.filter(transition="propose_disposition").latest("history_id")
    assert row.history_change_reason == "暂存两年无新线索，予以了结"


def test_send_back_is_proposed_and_approved_by_another(users, townships):
    case = advance(register(users, townships), users, "reviewing")
    case = fire(case, "propose_send_back", users["discipline_head"], comment="事实不清，退回补充调查")
    assert case.state == "reviewing" and case.pending_kind == "send_back"
    with pytest.raises(PermissionDenied):
        fire(case, "approve", users["discipline_head"])
    case = fire(case, "approve", users["discipline_head2"])
    assert case.state == "investigating" and case.due_date == case.investigation_due


def test_send_back_refused_once_a_subject_is_decided(users, townships):
    case = advance(register(users, townships), users, "reviewing")
    decide(case.matters.get(), users)
    case = Case.objects.get(pk=case.pk)
    assert case.state == "decided"
    with pytest.raises(Conflict):
        fire(case, "propose_send_back", users["discipline"])


def test_filing_needs_a_subject(users, townships):
    case = advance(register(users, townships, subjects=[]), users, "verification")
    with pytest.raises(ValidationError):
        fire(case, "propose_filing", users["discipline"])


def test_escalation_keeps_state_and_notifies_heads(users, townships, django_capture_on_commit_callbacks):
    case = advance(register(users, townships), users, "investigating")
    with django_capture_on_commit_callbacks(execute=True):
        case = fire(case, "escalate", users["discipline"], comment="群众反映强烈，提级办理")
    assert case.state == "investigating" and case.escalated
    for head in ("discipline_head", "discipline_head2"):
        assert users[head].notifications.filter(verb="cases.escalated", object_id=str(case.pk)).exists()
    with pytest.raises(Conflict):
        fire(case, "escalate", users["discipline_head"])


def test_stale_version_is_409(api, users, townships):
    case = register(users, townships)
    r = api(users["discipline"]).post(f"/api/v1/cases/{case.pk}/transitions/propose_disposition/",
                                      {"comment": "x", "target": "inquiry", "version": case.version + 5},
                                      format="json")
    assert r.status_code == 409


def test_api_status_codes(api, users, townships):
    case = register(users, townships)
    url = f"/api/v1/cases/{case.pk}/transitions/"
    assert api(users["leader"]).post(url + "propose_disposition/", {"comment": "x", "target": "inquiry"},
                                     format="json").status_code == 404
    assert api(users["discipline_head"]).post(url + "propose_disposition/", {"comment": "x", "target": "inquiry"},
                                              format="json").status_code == 403
    assert api(users["discipline"]).post(url + "close/", {"comment": "x", "four_forms": "first"},
                                         format="json").status_code == 409
    r = api(users["discipline"]).post(url + "propose_disposition/", {"comment": "x", "target": "nowhere"},
                                      format="json")
    assert r.status_code == 400 and "target" in r.json()
    assert api(users["discipline"]).post(url + "no_such/", {"comment": "x"}, format="json").status_code == 400

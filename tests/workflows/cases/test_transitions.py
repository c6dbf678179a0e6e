"""The state × transition × role matrix, the two-person rule and the sanction rules."""
import pytest
from django.db import transaction

from supervision.errors import Conflict, Http404, PermissionDenied, ValidationError
from supervision.models import RoleAssignment, User
from supervision.sweep import fire_system_transition
from supervision.transitions import run_transition
from workflows.cases.models import Case

from .conftest import advance, fire, register

pytestmark = pytest.mark.django_db

VIEW_ROLES = {"discipline", "discipline_head", "auditor"}
ROLES = ["discipline", "discipline_head", "auditor", "township_nanzhao", "inspector", "organization", "leader"]

# Which role may fire each transition (None: nobody but the system).
RIGHTS = {
    "propose_disposition": "discipline", "propose_filing": "discipline", "propose_extension": "discipline",
    "propose_decision": "discipline", "file_review_report": "discipline", "start_investigation": "discipline",
    "submit_review": "discipline", "announce": "discipline", "close": "discipline", "appeal": "discipline",
    "approve": "discipline_head", "reject_proposal": "discipline_head", "send_back": "discipline_head",
    "transfer": "discipline_head", "reexamine": "discipline_head", "urge": "discipline_head",
    "escalate": {"discipline", "discipline_head"}, "mark_overdue": None,
}

# The spec (DESIGN §4.4): transitions possible in each situation, whoever fires them.
ALLOWED = {
    "received": {"propose_disposition", "escalate"},
    "received+pending": {"approve", "reject_proposal", "escalate"},
    "inquiry": {"propose_disposition", "close", "escalate", "mark_overdue"},
    "parked": {"propose_disposition", "escalate"},
    "verification": {"propose_filing", "propose_extension", "close", "escalate", "mark_overdue"},
    "verification+pending": {"approve", "reject_proposal", "escalate", "mark_overdue"},
    "filed": {"start_investigation", "escalate", "mark_overdue"},
    "investigating": {"propose_extension", "submit_review", "escalate", "mark_overdue"},
    "investigating+overdue": {"propose_extension", "submit_review", "escalate", "urge"},
    "reviewing": {"file_review_report", "propose_decision", "send_back", "escalate", "mark_overdue"},
    "decided": {"announce", "transfer", "escalate", "mark_overdue"},
    "executed": {"close", "appeal", "escalate", "mark_overdue"},
    "closed": {"appeal"},
    "appealed": {"reexamine", "escalate", "mark_overdue"},
    "reexamined": set(),
    "dismissed": set(),
    "transferred": set(),
}

DATA = {
    "propose_extension": {"days": 30},
    "propose_decision": {"party_sanction": "warning", "admin_sanction": "demerit", "review_report": "审理报告"},
    "file_review_report": {"review_report": "审理报告"},
    "close": {"four_forms": "first", "light_measure": "criticism", "execution_report": "已执行"},
    "reexamine": {"outcome": "upheld"},
}


def build(users, townships, situation):
    case = register(users, townships)
    d, h = users["discipline"], users["discipline_head"]
    base = situation.split("+")[0]
    if base in ("inquiry", "parked", "dismissed"):
        case = fire(case, "propose_disposition", d, {"target": base})
        case = fire(case, "approve", h)
    elif base == "reexamined":
        case = advance(case, users, "appealed")
        case = fire(case, "reexamine", h, {"outcome": "modified", "party_sanction": "serious_warning"})
    elif base == "transferred":
        case = advance(case, users, "decided")
        case = fire(case, "transfer", h)
    elif base != "received":
        case = advance(case, users, base)
    if situation == "received+pending":
        case = fire(case, "propose_disposition", d, {"target": "parked"})
    if situation == "verification+pending":
        case = fire(case, "propose_filing", d)
    if situation == "investigating+overdue":
        assert fire_system_transition(case, "mark_overdue", comment="逾期")
        case = Case.objects.get(pk=case.pk)
    assert case.state == base
    return case


class _Rollback(Exception):
    pass


def attempt(case, name, user):
    data = dict(DATA.get(name, {}))
    if name == "propose_disposition":
        data["target"] = "inquiry" if case.state == "received" else "verification"
    result = None
    try:
        with transaction.atomic():
            try:
                run_transition(model=Case, pk=case.pk, name=name, actor=user, comment="意见", data=data)
                result = 200
            except Http404:
                result = 404
            except PermissionDenied:
                result = 403
            except Conflict:
                result = 409
            except ValidationError as exc:
                result = ("400", exc.messages)
            raise _Rollback
    except _Rollback:
        pass
    return result


def expected(situation, name, username):
    if username not in VIEW_ROLES:
        return 404
    right = RIGHTS[name]
    allowed_roles = right if isinstance(right, set) else ({right} if right else set())
    if username not in allowed_roles:
        return 403
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
    case = advance(register(users, townships), users, "appealed")
    case = fire(case, "reexamine", users["discipline_head"], {"outcome": "upheld"})
    assert case.state == "reexamined" and case.reexam_outcome == "upheld"
    rows = list(case.history.order_by("history_id").values_list("transition", "history_user__username"))
    assert ("propose_disposition", "discipline") in rows
    assert ("approve", "discipline_head") in rows  # the approval is its own history entry
    assert case.four_forms == "second" and case.filed_on is not None


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


@pytest.mark.parametrize("sanction", ["demotion", "dismissal", "expulsion"])
def test_village_committee_member_only_light_admin_sanctions(api, users, townships, sanction):
    case = advance(register(users, townships, village_committee=True), users, "reviewing")
    case = fire(case, "file_review_report", users["discipline"], {"review_report": "审理报告"})
    before = case.version
    r = api(users["discipline"]).post(f"/api/v1/cases/{case.pk}/transitions/propose_decision/",
                                      {"comment": "提请", "admin_sanction": sanction}, format="json")
    assert r.status_code == 400
    assert "村委会工作人员" in r.json()["admin_sanction"][0]
    case = Case.objects.get(pk=case.pk)
    assert case.version == before and not case.pending_kind and case.state == "reviewing"


@pytest.mark.parametrize("sanction", ["warning", "demerit", "major_demerit"])
def test_village_committee_member_light_sanctions_pass(users, townships, sanction):
    case = advance(register(users, townships, village_committee=True), users, "reviewing")
    case = fire(case, "propose_decision", users["discipline"], {"admin_sanction": sanction, "review_report": "报告"})
    case = fire(case, "approve", users["discipline_head"])
    assert case.state == "decided" and case.admin_sanction == sanction


def test_other_cadres_may_be_demoted(users, townships):
    case = advance(register(users, townships, village_committee=False), users, "reviewing")
    case = fire(case, "propose_decision", users["discipline"], {"admin_sanction": "demotion", "review_report": "报告"})
    assert fire(case, "approve", users["discipline_head"]).admin_sanction == "demotion"


def test_non_member_gets_no_party_sanction(api, users, townships):
    case = advance(register(users, townships, party=False), users, "reviewing")
    r = api(users["discipline"]).post(f"/api/v1/cases/{case.pk}/transitions/propose_decision/",
                                      {"comment": "x", "party_sanction": "warning", "review_report": "报告"},
                                      format="json")
    assert r.status_code == 400 and "party_sanction" in r.json()


def test_decision_needs_review_report(api, users, townships):
    case = advance(register(users, townships), users, "reviewing")
    r = api(users["discipline"]).post(f"/api/v1/cases/{case.pk}/transitions/propose_decision/",
                                      {"comment": "提请", "party_sanction": "warning"}, format="json")
    assert r.status_code == 400
    assert "审理报告" in r.json()["review_report"][0]
    case2 = Case.objects.get(pk=case.pk)
    assert case2.version == case.version and not case2.pending_kind and not case2.review_report


def test_decision_needs_a_sanction(api, users, townships):
    case = advance(register(users, townships), users, "reviewing")
    r = api(users["discipline"]).post(f"/api/v1/cases/{case.pk}/transitions/propose_decision/",
                                      {"comment": "x", "review_report": "报告"}, format="json")
    assert r.status_code == 400


def test_closing_needs_four_forms(api, users, townships):
    case = fire(fire(register(users, townships), "propose_disposition", users["discipline"], {"target": "inquiry"}),
                "approve", users["discipline_head"])
    r = api(users["discipline"]).post(f"/api/v1/cases/{case.pk}/transitions/close/", {"comment": "函询属实"},
                                      format="json")
    assert r.status_code == 400 and "四种形态" in r.json()["four_forms"][0]
    assert Case.objects.get(pk=case.pk).state == "inquiry"
    r = api(users["discipline"]).post(f"/api/v1/cases/{case.pk}/transitions/close/",
                                      {"comment": "函询说明清楚", "four_forms": "first"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "closed" and r.json()["four_forms"] == "first"


def test_closing_after_verification_needs_light_measure_and_after_execution_a_report(users, townships):
    case = advance(register(users, townships), users, "verification")
    with pytest.raises(ValidationError):
        fire(case, "close", users["discipline"], {"four_forms": "first"})
    assert fire(case, "close", users["discipline"], {"four_forms": "first", "light_measure": "reminder_talk"}
                ).light_measure == "reminder_talk"
    case = advance(register(users, townships), users, "executed")
    with pytest.raises(ValidationError):
        fire(case, "close", users["discipline"], {"four_forms": "second"})


def test_send_back_returns_to_investigation_with_its_deadline(users, townships):
    case = advance(register(users, townships), users, "reviewing")
    case = fire(case, "send_back", users["discipline_head"], comment="事实不清，退回补充调查")
    assert case.state == "investigating" and case.due_date == case.investigation_due


def test_transfer_tags_fourth_form(users, townships):
    case = advance(register(users, townships), users, "decided")
    case = fire(case, "transfer", users["discipline_head"], comment="涉嫌职务犯罪")
    assert case.state == "transferred" and case.four_forms == "fourth"


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


def test_reexamination_outcomes(users, townships):
    h = users["discipline_head"]
    case = advance(register(users, townships, village_committee=True), users, "appealed")
    with pytest.raises(ValidationError):
        fire(case, "reexamine", h, {"outcome": "modified"})
    with pytest.raises(ValidationError):
        fire(case, "reexamine", h, {"outcome": "modified", "admin_sanction": "demotion"})
    case = fire(case, "reexamine", h, {"outcome": "modified", "admin_sanction": "demerit"})
    assert case.state == "reexamined" and case.admin_sanction == "demerit" and case.party_sanction == ""
    case = advance(register(users, townships), users, "appealed")
    case = fire(case, "reexamine", h, {"outcome": "revoked"})
    assert case.party_sanction == "" and case.admin_sanction == ""
    assert case.history.filter(party_sanction="warning").exists()  # the old decision stays in history


def test_announce_date_must_be_sensible(users, townships):
    import datetime as dt

    case = advance(register(users, townships), users, "decided")
    with pytest.raises(ValidationError):
        fire(case, "announce", users["discipline"], {"announced_on": (dt.date.today() + dt.timedelta(days=30))})
    with pytest.raises(ValidationError):
        fire(case, "announce", users["discipline"], {"announced_on": case.decided_on - dt.timedelta(days=1)})
    assert fire(case, "announce", users["discipline"], {"announced_on": case.decided_on}).state == "executed"

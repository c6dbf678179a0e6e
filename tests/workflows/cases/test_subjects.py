"""Per-subject matters: outcomes, sanctions, four forms, transfer for prosecution, execution and
appeal per subject 被审查调查人; the case closes when every subject's matter is closed."""
import datetime as dt

import pytest
from django.test import override_settings

from supervision import registry
from supervision.errors import ValidationError
from tests import helpers
from workflows.cases.models import Case, SubjectMatter
from workflows.cases.sweeps import prosecution_remind

from .conftest import advance, decide, fire, matter_to, register

pytestmark = pytest.mark.django_db

VIEW_ROLES = {"discipline", "discipline_head", "auditor"}
ROLES = ["discipline", "discipline_head", "auditor", "township_nanzhao", "leader"]
TWO = [{"name": "甲某", "post": "村党总支书记", "is_party_member": True, "is_village_committee": True},
       {"name": "乙某", "post": "村委会委员", "is_party_member": True, "is_village_committee": True}]

RIGHTS = {
    "propose_outcome": "discipline", "propose_transfer": {"discipline", "discipline_head"},
    "propose_reexam": {"discipline", "discipline_head"}, "approve": "discipline_head",
    "reject_proposal": "discipline_head", "announce": "discipline", "report_execution": "discipline",
    "appeal": "discipline", "record_prosecution": "discipline",
}

ALLOWED = {
    "open@investigating": {"propose_transfer"},
    "open@reviewing": {"propose_outcome", "propose_transfer"},
    "open+pending": {"approve", "reject_proposal"},
    "open+transferred": {"propose_outcome", "record_prosecution"},
    "decided": {"announce"},
    "executed": {"report_execution", "appeal"},
    "closed": {"appeal"},
    "closed+revoked": set(),
    "appealed": {"propose_reexam"},
}

DATA = {
    "propose_outcome": {"outcome": "sanction", "party_sanction": "warning", "four_forms": "second"},
    "propose_reexam": {"outcome": "upheld"},
    "report_execution": {"execution_report": "已执行"},
    "record_prosecution": {"procuratorate": "prosecuted", "procuratorate_on": dt.date.today().isoformat()},
}


def transferred(users, townships, stage="reviewing"):
    case = advance(register(users, townships), users, stage)
    m = fire(case.matters.get(), "propose_transfer", users["discipline"], comment="涉嫌职务犯罪")
    return fire(m, "approve", users["discipline_head"])


def build(users, townships, situation):
    if situation == "open@investigating":
        return advance(register(users, townships), users, "investigating").matters.get()
    if situation == "open+transferred":
        return transferred(users, townships)
    m = advance(register(users, townships), users, "reviewing").matters.get()
    if situation == "open+pending":
        return fire(m, "propose_outcome", users["discipline"], DATA["propose_outcome"])
    if situation == "closed+revoked":
        return decide(m, users, {"outcome": "revoked"})
    if situation == "open@reviewing":
        return m
    return matter_to(m, users, situation)


def attempt(matter, name, user):
    data = dict(DATA.get(name, {}))
    if name == "propose_outcome" and matter.transferred:
        data["four_forms"] = "fourth"
    return helpers.attempt(SubjectMatter, matter.pk, name, user, data)


def expected(situation, name, username):
    if username not in VIEW_ROLES:
        return 404
    right = RIGHTS[name]
    roles = right if isinstance(right, set) else {right}
    if username not in roles:
        return 403
    if name in ("approve", "reject_proposal") and situation == "open+pending" and username == "discipline":
        return 403
    return 200 if name in ALLOWED[situation] else 409


def test_every_subject_transition_is_in_the_matrix():
    assert set(registry.for_model(SubjectMatter).transitions()) == set(RIGHTS)


@pytest.mark.parametrize("situation", list(ALLOWED))
def test_subject_state_transition_role_matrix(users, townships, situation):
    matter = build(users, townships, situation)
    wrong = []
    for name in RIGHTS:
        for username in ROLES:
            got, want = attempt(matter, name, users[username]), expected(situation, name, username)
            if got != want:
                wrong.append((name, username, got, want))
    assert not wrong
    assert SubjectMatter.objects.get(pk=matter.pk).version == matter.version


def test_two_subjects_different_sanctions_one_appeals_case_closes_when_both_are(users, townships):
    case = advance(register(users, townships, subjects=TWO), users, "reviewing")
    a, b = case.matters.order_by("pk")
    a = matter_to(a, users, "executed", {"outcome": "sanction", "party_sanction": "probation",
                                         "admin_sanction": "major_demerit", "four_forms": "third"})
    b = matter_to(b, users, "executed", {"outcome": "sanction", "party_sanction": "warning", "four_forms": "second"})
    assert (a.party_sanction, a.four_forms, b.party_sanction, b.four_forms) == ("probation", "third", "warning",
                                                                                 "second")
    a = fire(a, "appeal", users["discipline"], comment="甲某不服，提出申诉")
    assert a.state == "appealed" and a.due_kind == "reexamination"
    b = fire(b, "report_execution", users["discipline"], {"execution_report": "处分已执行"})
    assert b.state == "closed"
    assert Case.objects.get(pk=case.pk).state == "decided"  # one subject still open
    a = fire(a, "propose_reexam", users["discipline"], {"outcome": "modified", "party_sanction": "serious_warning"})
    a = fire(a, "approve", users["discipline_head"])
    assert a.state == "executed" and a.party_sanction == "serious_warning" and a.four_forms == "second"
    assert a.history.filter(party_sanction="probation").exists()  # the earlier decision stays in history
    assert Case.objects.get(pk=case.pk).state == "decided"
    fire(a, "report_execution", users["discipline"], {"execution_report": "变更后的处分已执行"})
    case = Case.objects.get(pk=case.pk)
    assert case.state == "closed" and case.closed_on == dt.date.today()


def test_revoked_and_exempted_close_a_filed_case(users, townships):
    """撤销案件 (facts not established, no form) and 免予处分 (first form) close the case."""
    case = advance(register(users, townships, subjects=TWO), users, "reviewing")
    a, b = case.matters.order_by("pk")
    a = decide(a, users, {"outcome": "revoked"})
    assert a.state == "closed" and a.four_forms == "" and a.outcome == "revoked"
    assert Case.objects.get(pk=case.pk).state == "decided"
    b = decide(b, users, {"outcome": "exempted", "four_forms": "first"})
    assert b.state == "closed" and b.four_forms == "first"
    assert Case.objects.get(pk=case.pk).state == "closed"


def test_no_sanction_closes_a_single_subject_case(users, townships):
    case = advance(register(users, townships), users, "reviewing")
    decide(case.matters.get(), users, {"outcome": "no_sanction", "four_forms": "first"})
    assert Case.objects.get(pk=case.pk).state == "closed"


def test_four_forms_mapping_refuses_expulsion_tagged_first(api, users, townships):
    case = advance(register(users, townships), users, "reviewing")
    m = case.matters.get()
    url = f"/api/v1/case-subjects/{m.pk}/transitions/propose_outcome/"
    r = api(users["discipline"]).post(url, {"comment": "提请", "outcome": "sanction", "party_sanction": "expulsion",
                                            "four_forms": "first"}, format="json")
    assert r.status_code == 400 and "第三种形态" in r.json()["four_forms"][0]
    assert SubjectMatter.objects.get(pk=m.pk).version == m.version
    r = api(users["discipline"]).post(url, {"comment": "事实不成立", "outcome": "revoked", "four_forms": "first"},
                                      format="json")
    assert r.status_code == 400  # "no violation found" takes no form
    r = api(users["discipline"]).post(url, {"comment": "提请", "outcome": "sanction", "party_sanction": "expulsion",
                                            "four_forms": "third"}, format="json")
    assert r.status_code == 200 and r.json()["pending_kind"] == "outcome"


@override_settings(CASES={"FOUR_FORMS": {"party:warning": "first"}})
def test_the_mapping_is_a_setting(users, townships):
    m = advance(register(users, townships), users, "reviewing").matters.get()
    with pytest.raises(ValidationError):
        fire(m, "propose_outcome", users["discipline"], {"outcome": "sanction", "party_sanction": "warning",
                                                          "four_forms": "second"})
    assert decide(m, users, {"outcome": "sanction", "party_sanction": "warning", "four_forms": "first"}
                  ).four_forms == "first"


@pytest.mark.parametrize("sanction", ["demotion", "dismissal", "expulsion"])
def test_village_committee_member_only_light_admin_sanctions(api, users, townships, sanction):
    m = advance(register(users, townships, village_committee=True), users, "reviewing").matters.get()
    r = api(users["discipline"]).post(f"/api/v1/case-subjects/{m.pk}/transitions/propose_outcome/",
                                      {"comment": "提请", "outcome": "sanction", "admin_sanction": sanction,
                                       "four_forms": "third"}, format="json")
    assert r.status_code == 400 and "村委会工作人员" in r.json()["admin_sanction"][0]
    assert not SubjectMatter.objects.get(pk=m.pk).pending_kind


def test_non_member_gets_no_party_sanction(users, townships):
    m = advance(register(users, townships, party=False), users, "reviewing").matters.get()
    with pytest.raises(ValidationError):
        fire(m, "propose_outcome", users["discipline"], {"outcome": "sanction", "party_sanction": "warning",
                                                          "four_forms": "second"})
    assert decide(m, users, {"outcome": "sanction", "admin_sanction": "demerit", "four_forms": "second"}
                  ).admin_sanction == "demerit"


def test_outcome_needs_the_review_report(users, townships):
    case = advance(register(users, townships), users, "investigating")
    case = fire(case, "submit_review", users["discipline"])
    with pytest.raises(ValidationError):
        fire(case.matters.get(), "propose_outcome", users["discipline"],
             {"outcome": "exempted", "four_forms": "first"})


def test_transfer_from_investigation_sanctions_still_decided_and_executed(users, townships):
    m = transferred(users, townships, "investigating")
    assert m.transferred and m.transferred_on == dt.date.today() and m.state == "open"
    case = Case.objects.get(pk=m.case_id)
    assert case.state == "investigating"
    case = fire(fire(case, "submit_review", users["discipline"]), "file_review_report", users["discipline"],
                {"review_report": "报告"})
    m = SubjectMatter.objects.get(pk=m.pk)
    with pytest.raises(ValidationError):  # a transferred subject is the fourth form
        fire(m, "propose_outcome", users["discipline"], {"outcome": "sanction", "party_sanction": "expulsion",
                                                          "four_forms": "third"})
    m = matter_to(m, users, "closed", {"outcome": "sanction", "party_sanction": "expulsion",
                                        "admin_sanction": "expulsion", "four_forms": "fourth"})
    assert m.executed_on and m.execution_report
    m = fire(m, "record_prosecution", users["discipline"],
             {"procuratorate": "prosecuted", "procuratorate_on": dt.date.today().isoformat(),
              "judgement": "以贪污罪判处有期徒刑三年", "judgement_on": dt.date.today().isoformat()})
    assert m.procuratorate == "prosecuted" and m.judgement.startswith("以贪污罪")


def test_head_cannot_approve_own_transfer_proposal(api, users, townships):
    m = advance(register(users, townships), users, "reviewing").matters.get()
    m = fire(m, "propose_transfer", users["discipline_head"], comment="涉嫌犯罪，建议移送")
    url = f"/api/v1/case-subjects/{m.pk}/transitions/approve/"
    assert api(users["discipline_head"]).post(url, {"comment": "同意"}, format="json").status_code == 403
    assert not SubjectMatter.objects.get(pk=m.pk).transferred
    r = api(users["discipline_head2"]).post(url, {"comment": "同意"}, format="json")
    assert r.status_code == 200 and r.json()["transferred"] is True


def test_prosecution_outcome_needs_its_date(users, townships):
    m = transferred(users, townships)
    with pytest.raises(ValidationError):
        fire(m, "record_prosecution", users["discipline"], {"procuratorate": "not_prosecuted"})
    with pytest.raises(ValidationError):
        fire(m, "record_prosecution", users["discipline"], {})


def test_prosecution_reminder_once_through_the_sweep(users, townships, django_capture_on_commit_callbacks):
    import time_machine

    m = transferred(users, townships)
    assert prosecution_remind(dt.datetime.now(dt.UTC)) == 0
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=100)
    with time_machine.travel(later, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert prosecution_remind(later) == 1
        assert prosecution_remind(later) == 0  # once
    assert users["discipline"].notifications.filter(verb="cases.prosecution_reminder").count() == 1
    fire(m, "record_prosecution", users["discipline"],
         {"procuratorate": "prosecuted", "procuratorate_on": dt.date.today().isoformat()})
    much_later = later + dt.timedelta(days=200)
    with time_machine.travel(much_later, tick=False):
        assert prosecution_remind(much_later) == 1  # now the judgement is awaited


def test_subject_added_to_a_filed_case_gets_a_matter(users, townships):
    from workflows.cases.services import case_subject_add

    case = advance(register(users, townships), users, "investigating")
    s = case_subject_add(actor=users["discipline"], case=case, name="丙某", is_party_member=True)
    assert SubjectMatter.objects.filter(subject=s, case=case, state="open").exists()
    assert case.matters.count() == 2

"""Issue #16 items 3 and 8: the 优秀 bar lands on the person posted to the village, the township's
secretary and the responsible cadre, for the year the acceptance failed; the marks register;
withdrawal (proposal + a different leader's approval) and relapse from the follow-up."""
import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from supervision.models import Person, PersonMark, Role, RoleAssignment, User
from supervision.people import person_has_mark
from supervision.transitions import available_transitions
from workflows.postings.choices import Grade
from workflows.postings.models import Assessment
from workflows.postings.services import grade_refusals

from .conftest import POSTED, acceptance, post_first_secretary

pytestmark = pytest.mark.django_db
API = "/api/v1/rectifications/"
MARK_REASON = "不得评为优秀"


def post(api, user, obj, name, data=None, comment="意见"):
    return api(user).post(f"{API}{obj.pk}/transitions/{name}/", {"comment": comment, **(data or {})}, format="json")


def bars_excellent(person, year) -> bool:
    """What the postings assessment rules say about 优秀 for ``person`` in ``year`` (otherwise a
    clean record: 250 days on site, no absences)."""
    refusals = grade_refusals(assessment=Assessment(person=person, year=year), grade=Grade.EXCELLENT,
                              days=250, absences=0)
    return any(MARK_REASON in r for r in refusals)


def test_failure_on_2027_01_15_bars_2027_for_the_posted_secretary_the_township_secretary_and_the_cadre(
        make, api, web, users, people, townships):
    # The record names someone else as first secretary; the postings register says 李第一 is posted there.
    typed = Person.objects.create(name="王录入", unit=people["unit"], post="驻村第一书记")
    other_village = townships["nanzhao"].children.order_by("code")[3]
    post_first_secretary(typed, other_village, people["unit"])
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)):
        obj = make(state="acceptance_requested", year=2026, index=POSTED)
    obj.first_secretary = typed
    obj.save()
    secretary = users["secretary_nanzhao"].person
    assert people["secretary"] == secretary  # the township's is_principal user's person
    with time_machine.travel(dt.datetime(2027, 1, 15, 10, tzinfo=dt.UTC)):
        r = post(api, users["organization"], obj, "fail", acceptance(60, 20, date="2027-01-15"))
    assert r.status_code == 200, r.content
    marks = PersonMark.objects.filter(kind=PersonMark.Kind.NO_EXCELLENT)
    barred = {people["first"].pk, secretary.pk, people["cadre"].pk}
    assert {m.person_id for m in marks} == barred
    assert {(m.year_from, m.year_to) for m in marks} == {(2027, 2027)}
    for person in (people["first"], secretary, people["cadre"]):
        assert person_has_mark(person, PersonMark.Kind.NO_EXCELLENT, 2027)
        assert bars_excellent(person, 2027)
        assert not bars_excellent(person, 2026)  # the rectification's own year is unaffected
    assert not bars_excellent(typed, 2027)
    # The marks register (organisation department) lists all three for 2027, none for 2026.
    page = web(users["organization"]).get("/marks/", {"year": 2027})
    assert page.status_code == 200
    listed = {m.person_id for m in page.context["marks"]}
    assert listed == barred
    assert web(users["organization"]).get("/marks/", {"year": 2026}).context["marks"] == []
    # each person's page shows the mark
    person_page = web(users["organization"]).get(f"/marks/people/{secretary.pk}/")
    assert person_page.status_code == 200 and "2027" in person_page.content.decode()


def test_marks_register_filters_pages_exports_and_scope(make, api, web, users, people):
    obj = make(state="acceptance_requested", index=POSTED)
    assert post(api, users["organization"], obj, "fail", acceptance(60, 20)).status_code == 200
    year = obj.acceptances.get().date.year
    c = web(users["organization"])
    assert len(c.get("/marks/", {"q": people["cadre"].name}).context["marks"]) == 1
    assert len(c.get("/marks/", {"kind": "no_promotion"}).context["marks"]) == 0
    assert len(c.get("/marks/", {"year": year, "kind": "no_excellent", "sort": "person"}).context["marks"]) == 3
    assert c.get("/marks/", {"year": "abc", "page": "x", "sort": "nonsense"}).status_code == 200
    csv = c.get("/marks/", {"year": year, "export": "csv"})
    assert csv.status_code == 200 and people["cadre"].name in csv.content.decode("utf-8-sig")
    xlsx = c.get("/marks/", {"year": year, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 4  # header + three people
    for username in ("leader", "auditor"):
        assert web(users[username]).get("/marks/").status_code == 200
    for username in ("township_nanzhao", "inspector", "discipline"):
        assert web(users[username]).get("/marks/").status_code == 404


def test_pagination_of_the_marks_register(web, users, people):
    from supervision.people import person_mark_add

    for i in range(55):
        p = Person.objects.create(name=f"标记{i:02d}")
        person_mark_add(actor=users["organization"], person=p, kind=PersonMark.Kind.NO_EXCELLENT, year_from=2026,
                        year_to=2026, reason="测试")
    c = web(users["organization"])
    first = c.get("/marks/", {"year": 2026})
    assert len(first.context["marks"]) == 50 and first.context["page"].has_next()
    assert len(c.get("/marks/", {"year": 2026, "page": 2}).context["marks"]) == 5


@pytest.mark.parametrize("start", ["listed", "planned", "rectifying"])
def test_withdrawal_proposed_then_approved_by_a_leader(make, api, users, start):
    obj = make(state=start)
    org, leader = users["organization"], users["leader"]
    r = post(api, org, obj, "propose_withdrawal", comment="")
    assert r.status_code == 400 and "comment" in r.json()  # the reason is required
    assert post(api, org, obj, "propose_withdrawal", comment="该村已与邻村合并").status_code == 200
    obj.refresh_from_db()
    assert obj.state == "withdrawal_proposed" and obj.withdrawal_from == start
    assert available_transitions(obj, leader) == ["approve_withdrawal", "reject_withdrawal"]
    assert post(api, org, obj, "approve_withdrawal").status_code == 403
    assert post(api, leader, obj, "approve_withdrawal", comment="").status_code == 200
    obj.refresh_from_db()
    assert obj.state == "withdrawn" and available_transitions(obj, leader) == []
    rows = list(obj.history.order_by("history_id").values_list("transition", "history_change_reason"))
    assert rows[-2:] == [("propose_withdrawal", "该村已与邻村合并"), ("approve_withdrawal", "")]


def test_withdrawal_rejected_returns_to_the_state_it_came_from(make, api, users):
    obj = make(state="planned")
    assert post(api, users["township_nanzhao"], obj, "propose_withdrawal", comment="村已合并").status_code == 200
    assert post(api, users["leader"], obj, "reject_withdrawal", comment="").status_code == 400
    assert post(api, users["leader"], obj, "reject_withdrawal", comment="仍需整顿").status_code == 200
    obj.refresh_from_db()
    assert obj.state == "planned" and obj.withdrawal_from == "" and obj.withdrawal_proposed_by_id is None


def test_the_proposer_of_a_withdrawal_never_approves_it(make, api, users, people):
    both = User.objects.create(username="org_and_leader")
    RoleAssignment.objects.create(user=both, role=Role.ORGANIZATION)
    RoleAssignment.objects.create(user=both, role=Role.LEADER)
    obj = make(state="rectifying")
    assert post(api, both, obj, "propose_withdrawal", comment="村已合并").status_code == 200
    obj.refresh_from_db()
    assert "approve_withdrawal" not in available_transitions(obj, both)
    for name in ("approve_withdrawal", "reject_withdrawal"):
        assert post(api, both, obj, name, comment="同意").status_code == 403
    obj.refresh_from_db()
    assert obj.state == "withdrawal_proposed"
    assert post(api, users["leader"], obj, "approve_withdrawal").status_code == 200


def test_withdrawal_not_offered_outside_listed_planned_rectifying(make, api, users):
    for state in ("screened", "acceptance_requested", "failed"):
        obj = make(state=state, index=["screened", "acceptance_requested", "failed"].index(state))
        assert "propose_withdrawal" not in available_transitions(obj, users["organization"])
        assert post(api, users["organization"], obj, "propose_withdrawal", comment="x").status_code == 409


def test_relapse_during_follow_up_returns_to_rectifying_with_a_new_deadline(make, api, users,
                                                                          django_capture_on_commit_callbacks):
    obj = make(state="followed_up")
    org = users["organization"]
    assert post(api, org, obj, "relapse", {"new_deadline": "2027-06-30"}, comment="").status_code == 400
    assert post(api, org, obj, "relapse", comment="问题反弹").status_code == 400  # the deadline is required
    assert post(api, org, obj, "relapse", {"new_deadline": "2020-01-01"}, comment="问题反弹").status_code == 400
    assert post(api, users["township_nanzhao"], obj, "relapse", {"new_deadline": "2027-06-30"},
                comment="问题反弹").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        r = post(api, org, obj, "relapse", {"new_deadline": "2027-06-30"}, comment="回访发现班子再次涣散")
    assert r.status_code == 200, r.content
    obj.refresh_from_db()
    assert obj.state == "rectifying" and obj.due_date == dt.date(2027, 6, 30) and obj.follow_up_until is None
    last = obj.history.order_by("-history_id").first()
    assert (last.transition, last.from_state, last.to_state) == ("relapse", "followed_up", "rectifying")
    from supervision.models import Notification

    assert Notification.objects.filter(verb="rectification.relapse", recipient=users["township_nanzhao"]).exists()
    # accepted (not yet in follow-up) cannot relapse
    accepted = make(state="accepted", index=1)
    assert post(api, org, accepted, "relapse", {"new_deadline": "2027-06-30"}, comment="x").status_code == 409

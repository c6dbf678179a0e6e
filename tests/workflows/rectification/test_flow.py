"""Main path through the API, the acceptance bar at its boundaries, the 优秀 bar, bad input."""
import datetime as dt

import pytest

from supervision.models import Notification, PersonMark
from supervision.people import person_has_mark
from workflows.rectification.models import Acceptance, PlanItem, Rectification

from .conftest import POSTED, acceptance

pytestmark = pytest.mark.django_db
API = "/api/v1/rectifications/"


def state(obj):
    return Rectification.objects.get(pk=obj.pk).state


def post(api, user, obj, name, data=None):
    return api(user).post(f"{API}{obj.pk}/transitions/{name}/", {"comment": "意见", **(data or {})}, format="json")


def test_full_path_through_the_api(api, users, townships, people, django_capture_on_commit_callbacks):
    town = townships["nanzhao"]
    village = town.children.order_by("code").first()
    t = api(users["township_nanzhao"])
    r = t.post(API, {"village": village.pk, "year": 2026, "criteria": ["vote_buying", "other"],
                     "other_criteria": "村两委长期不和", "problem": "换届拉票",
                     "township_secretary": people["secretary"].pk,
                     "responsible_cadre": people["cadre"].pk}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "screened" and body["due_date"] == "2026-12-31" and body["township"] == town.pk
    obj = Rectification.objects.get(pk=body["id"])
    org, leader = users["organization"], users["leader"]
    assert set(api(org).get(f"{API}{obj.pk}/").json()["available_transitions"]) == {"propose_listing", "dismiss"}
    assert post(api, org, obj, "propose_listing").status_code == 200
    assert post(api, org, obj, "approve_listing").status_code == 403
    assert post(api, leader, obj, "approve_listing").status_code == 200
    # plan: township drafts items, organisation approves with the four ones
    r = t.post(f"{API}{obj.pk}/plan-items/", {"problem": "班子不团结", "measure": "调整班子", "responsible": "罗干部",
                                              "deadline": "2026-12-20"}, format="json")
    assert r.status_code == 201, r.content
    item_id = r.json()["id"]
    r = post(api, org, obj, "approve_plan", {"county_leader": people["county_leader"].pk})
    assert r.status_code == 400 and "four_ones" in r.json()
    r = post(api, org, obj, "approve_plan", {
        "county_leader": people["county_leader"].pk, "township_leader": people["township_leader"].pk,
        "first_secretary": people["first"].pk, "twinned_unit": people["unit"].pk})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "planned"
    assert post(api, users["township_nanzhao"], obj, "start").status_code == 200
    r = t.post(f"{API}{obj.pk}/progress/", {"text": "已召开支部大会", "date": "2026-11-20"}, format="json")
    assert r.status_code == 201, r.content
    assert post(api, users["township_nanzhao"], obj, "request_acceptance").status_code == 409  # item open
    assert t.post(f"{API}{obj.pk}/plan-items/{item_id}/done/", {}, format="json").status_code == 200
    assert post(api, users["township_nanzhao"], obj, "request_acceptance").status_code == 200
    r = post(api, org, obj, "accept", acceptance(65, 20))
    assert r.status_code == 409 and "验收不通过" in r.json()["detail"]
    r = post(api, org, obj, "fail", acceptance(65, 20))
    assert r.status_code == 200 and r.json()["state"] == "failed"
    assert post(api, users["township_nanzhao"], obj, "resume").status_code == 200
    assert post(api, users["township_nanzhao"], obj, "request_acceptance").status_code == 200
    r = post(api, org, obj, "accept", acceptance(82, 5))
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    detail = api(org).get(f"{API}{obj.pk}/").json()
    assert [a["passed"] for a in detail["acceptances"]] == [True, False]
    assert detail["plan_completion"] == 100
    history = api(org).get(f"{API}{obj.pk}/history/").json()
    assert [h["transition"] for h in history if h["transition"]][-3:] == ["resume", "request_acceptance", "accept"]
    assert post(api, org, obj, "follow_up").status_code == 200
    assert post(api, org, obj, "close").status_code == 409  # the follow-up year has not passed
    import time_machine

    until = Rectification.objects.get(pk=obj.pk).follow_up_until  # a year after the acceptance, whenever run
    with time_machine.travel(dt.datetime(until.year, until.month, until.day, 2, tzinfo=dt.UTC)):  # 10:00 local
        assert post(api, org, obj, "close").status_code == 200
    assert state(obj) == "closed"


@pytest.mark.parametrize("score,pct,ok", [(69, 10, False), (70, 10, True), (70, 50, True), (70, "50.01", False),
                                          (100, 51, False), (70, 0, True)])
def test_acceptance_bar_boundaries(make, api, users, score, pct, ok):
    obj = make(state="acceptance_requested")
    org = users["organization"]
    accept = post(api, org, obj, "accept", acceptance(score, pct))
    if ok:
        assert accept.status_code == 200 and state(obj) == "accepted"
        assert not PersonMark.objects.exists()
    else:
        assert accept.status_code == 409 and state(obj) == "acceptance_requested"
        assert not Acceptance.objects.exists()
        fail = post(api, org, obj, "fail", acceptance(score, pct))
        assert fail.status_code == 200 and state(obj) == "failed"


def test_fail_refused_when_bar_met(make, api, users):
    obj = make(state="acceptance_requested")
    r = post(api, users["organization"], obj, "fail", acceptance(70, 50))
    assert r.status_code == 409 and state(obj) == "acceptance_requested"
    assert not PersonMark.objects.exists()


def test_failed_acceptance_bars_exactly_three_people_that_year(make, api, users, people):
    obj = make(state="acceptance_requested", index=POSTED)  # the village 李第一 is posted to
    r = post(api, users["organization"], obj, "fail", acceptance(65, 30, new_deadline="2026-12-30"))
    assert r.status_code == 200
    marks = PersonMark.objects.filter(kind=PersonMark.Kind.NO_EXCELLENT)
    assert {m.person_id for m in marks} == {people["secretary"].pk, people["cadre"].pk, people["first"].pk}
    assert {(m.year_from, m.year_to) for m in marks} == {(obj.year, obj.year)}
    for key in ("secretary", "cadre", "first"):
        assert person_has_mark(people[key], PersonMark.Kind.NO_EXCELLENT, obj.year)
        assert not person_has_mark(people[key], PersonMark.Kind.NO_EXCELLENT, obj.year + 1)
        assert not person_has_mark(people[key], PersonMark.Kind.NO_EXCELLENT, obj.year - 1)
    for key in ("county_leader", "township_leader", "other"):
        assert not person_has_mark(people[key], PersonMark.Kind.NO_EXCELLENT, obj.year)
    assert Rectification.objects.get(pk=obj.pk).due_date == dt.date(2026, 12, 30)
    # a second failure in the same year adds no duplicate marks
    post(api, users["township_nanzhao"], obj, "resume")
    post(api, users["township_nanzhao"], obj, "request_acceptance")
    assert post(api, users["organization"], obj, "fail", acceptance(50, 60)).status_code == 200
    assert PersonMark.objects.count() == 3


@pytest.mark.parametrize("data,field", [
    (acceptance(101, 10), "score"),
    (acceptance(80, -1), "dissatisfied_pct"),
    (acceptance(80, 101), "dissatisfied_pct"),
    ({"dissatisfied_pct": 10, "inspectors": "x"}, "score"),
    (acceptance(80, 10, inspectors=""), "inspectors"),
])
def test_bad_acceptance_input_is_400_and_changes_nothing(make, api, users, data, field):
    obj = make(state="acceptance_requested")
    before = Rectification.objects.get(pk=obj.pk)
    for name in ("accept", "fail"):
        r = post(api, users["organization"], obj, name, data)
        assert r.status_code == 400, r.content
        assert field in r.json()
    after = Rectification.objects.get(pk=obj.pk)
    assert (after.state, after.version, after.due_date) == (before.state, before.version, before.due_date)
    assert not Acceptance.objects.exists() and not PersonMark.objects.exists()
    assert after.history.count() == before.history.count()


def test_bad_plan_item_is_400_and_changes_nothing(make, api, users):
    obj = make(state="listed")
    count = PlanItem.objects.count()
    t = api(users["township_nanzhao"])
    r = t.post(f"{API}{obj.pk}/plan-items/", {"problem": "p", "measure": "m", "responsible": "r"}, format="json")
    assert r.status_code == 400 and "deadline" in r.json()
    r = t.post(f"{API}{obj.pk}/plan-items/", {"problem": "p", "measure": "m", "responsible": "r",
                                              "deadline": "not-a-date"}, format="json")
    assert r.status_code == 400 and "deadline" in r.json()
    assert PlanItem.objects.count() == count


def test_bad_screening_is_400(api, users, townships, people):
    t = api(users["township_nanzhao"])
    other_village = townships["miaojie"].children.first()
    own = townships["nanzhao"].children.first()
    base = {"year": 2026, "criteria": ["vote_buying"], "problem": "x", "township_secretary": people["secretary"].pk,
            "responsible_cadre": people["cadre"].pk}
    assert t.post(API, {**base, "village": other_village.pk}, format="json").status_code == 400
    r = t.post(API, {**base, "village": own.pk, "criteria": ["nonsense"]}, format="json")
    assert r.status_code == 400 and "criteria" in r.json()
    r = t.post(API, {**base, "village": own.pk, "criteria": ["other"]}, format="json")
    assert r.status_code == 400 and "other_criteria" in r.json()
    assert t.post(API, {**base, "village": own.pk}, format="json").status_code == 201
    r = t.post(API, {**base, "village": own.pk}, format="json")
    assert r.status_code == 400 and "village" in r.json()
    assert api(users["organization"]).post(API, {**base, "village": own.pk}, format="json").status_code == 403
    assert Rectification.objects.count() == 1


def test_notifications_go_to_own_township_first_secretary_and_organization(
        make, api, users, people, django_capture_on_commit_callbacks):
    # The first secretary has an account (scoped to the township, or they could not open the record).
    from supervision.models import Role, RoleAssignment, User

    first_user = User.objects.create(username="first_secretary", person=people["first"])
    obj = make(state="screened")
    RoleAssignment.objects.create(user=first_user, role=Role.TOWNSHIP, region=obj.village.parent)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert post(api, users["organization"], obj, "propose_listing").status_code == 200
    got = set(Notification.objects.values_list("recipient__username", flat=True))
    assert {"township_nanzhao", "leader", "first_secretary"} <= got
    assert "organization" not in got  # the actor
    assert not any(u.startswith(("township_", "secretary_")) and not u.endswith("_nanzhao") for u in got)
    assert "discipline" not in got
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert post(api, users["leader"], obj, "approve_listing").status_code == 200
    got = set(Notification.objects.values_list("recipient__username", flat=True))
    # The township's users (its staff and its secretary) and the organisation department's.
    assert got == {"township_nanzhao", "secretary_nanzhao", "organization", "organization_head", "first_secretary"}


def _in_inbox(user, obj):
    from supervision.inbox import inbox_for

    inbox = inbox_for(user)
    return any(item.obj.pk == obj.pk and "request_acceptance" in item.transitions
               for item in inbox.mine + inbox.claimable if item.rt.model is Rectification)


def test_request_acceptance_is_offered_only_once_every_item_is_done(make, api, users):
    obj = make(state="rectifying")
    township = users["township_nanzhao"]
    assert "request_acceptance" not in api(township).get(f"{API}{obj.pk}/").json()["available_transitions"]
    assert not _in_inbox(township, obj)
    r = post(api, township, obj, "request_acceptance")
    assert r.status_code == 409 and "还有 1 项整改措施未完成" in r.json()["detail"]
    item = obj.plan_items.get()
    assert api(township).post(f"{API}{obj.pk}/plan-items/{item.pk}/done/", {}, format="json").status_code == 200
    assert "request_acceptance" in api(township).get(f"{API}{obj.pk}/").json()["available_transitions"]
    assert _in_inbox(township, obj)
    assert post(api, township, obj, "request_acceptance").status_code == 200


def test_close_is_refused_with_the_end_of_the_follow_up_year(make, api, users):
    obj = make(state="followed_up")
    until = Rectification.objects.get(pk=obj.pk).follow_up_until
    org = users["organization"]
    assert "close" not in api(org).get(f"{API}{obj.pk}/").json()["available_transitions"]
    r = post(api, org, obj, "close")
    assert r.status_code == 409 and until.isoformat() in r.json()["detail"]
    assert state(obj) == "followed_up"


def test_plan_item_of_another_rectification_or_malformed_ids_are_404(make, api, web, users):
    obj = make(state="rectifying")
    other = make(state="rectifying", index=1)
    item = other.plan_items.get()
    t = users["township_nanzhao"]
    assert api(t).post(f"{API}{obj.pk}/plan-items/{item.pk}/done/", {}, format="json").status_code == 404
    assert web(t).post(f"/rectification/{obj.pk}/plan-items/{item.pk}/done/", {"done": "1"}).status_code == 404
    assert not PlanItem.objects.get(pk=item.pk).done
    assert api(t).post(f"{API}x/progress/", {"text": "进展"}, format="json").status_code == 404
    assert api(t).post(f"{API}x/plan-items/", {"problem": "p", "measure": "m", "responsible": "r",
                                               "deadline": "2026-12-20"}, format="json").status_code == 404

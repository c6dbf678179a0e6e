"""Recall: the matrix, the full path (posting ends, replacement due, one accountability
signal, person barred from promotion for three years), replacement and the overdue sweep."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from supervision.models import PersonMark
from supervision.signals import accountability_referred
from supervision.sweep import run_sweeps
from workflows.postings.models import Posting, Recall

from .factories import fire, reload

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d):
    return time_machine.travel(dt.datetime(y, m, d, 10, 0, tzinfo=TZ), tick=False)


@pytest.fixture
def referrals():
    """Connect a receiver like the cases app does; collect every send."""
    sent = []

    def receiver(sender, **kwargs):
        sent.append({"sender": sender, **kwargs})
        return "matter"

    accountability_referred.connect(receiver, dispatch_uid="postings-test-receiver")
    yield sent
    accountability_referred.disconnect(dispatch_uid="postings-test-receiver")


def _propose(api, users, posting, who="township_nanzhao"):
    r = api(users[who]).post("/api/v1/recalls/", {"posting": posting.pk, "grounds": "长期不在岗，群众意见大"},
                             format="json")
    assert r.status_code == 201, r.content
    return Recall.objects.get(pk=r.json()["id"])


def _to_state(api, users, posting, state):
    recall = _propose(api, users, posting)
    steps = {"approved": [("approve", "leader", {})],
             "recalled": [("approve", "leader", {}), ("withdraw", "organization", {})]}
    for name, who, data in steps.get(state, []):
        fire(recall, name, users[who], **data)
    return reload(recall)


MATRIX = [
    # The organisation department's head or the leading group; not its staff (nor the proposer).
    ("approve", "proposed", ["organization_head", "leader"], ["organization", "township_nanzhao", "auditor"]),
    ("reject", "proposed", ["organization_head", "leader"], ["organization", "township_nanzhao", "auditor"]),
    ("withdraw", "approved", ["organization"], ["township_nanzhao", "leader", "auditor"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,state,allowed,refused", MATRIX, ids=[m[0] for m in MATRIX])
def test_recall_matrix(name, state, allowed, refused, make_posting, users, api, referrals):
    for i, username in enumerate(allowed):
        recall = _to_state(api, users, make_posting(index=i), state)
        r = api(users[username]).post(f"/api/v1/recalls/{recall.pk}/transitions/{name}/", {"comment": "同意"},
                                      format="json")
        assert r.status_code == 200, (username, r.content)
    recall = _to_state(api, users, make_posting(index=5), state)
    for username in refused:
        r = api(users[username]).post(f"/api/v1/recalls/{recall.pk}/transitions/{name}/", {"comment": "x"},
                                      format="json")
        assert r.status_code == 403, username
    for username in ["township_miaojie", "discipline", "inspector"]:
        r = api(users[username]).post(f"/api/v1/recalls/{recall.pk}/transitions/{name}/", {"comment": "x"},
                                      format="json")
        assert r.status_code == 404, username
    assert reload(recall).state == state


@pytest.mark.django_db
def test_replace_and_overdue_are_organisation_or_system_only(make_posting, users, api, units):
    recall = _to_state(api, users, make_posting(), "recalled")
    body = {"comment": "补派", "person_name": "新书记", "dispatching_unit": units["县水务局"].pk,
            "start_date": "2026-12-01", "role": "first_secretary"}
    for username in ["township_nanzhao", "leader"]:
        assert api(users[username]).post(f"/api/v1/recalls/{recall.pk}/transitions/replace/", body,
                                         format="json").status_code == 403
    r = api(users["organization"]).post(f"/api/v1/recalls/{recall.pk}/transitions/mark_overdue/", {"comment": "x"},
                                        format="json")
    assert r.status_code == 403  # only the sweep may
    assert reload(recall).state == "recalled"


@pytest.mark.django_db
def test_recall_full_path(make_posting, users, api, units, referrals, django_capture_on_commit_callbacks):
    posting = make_posting(unit=units["县农业农村局"])
    with at(2026, 6, 10):
        recall = _propose(api, users, posting)
        assert recall.state == "proposed" and recall.proposed_by == users["township_nanzhao"]
        fire(recall, "approve", users["leader"], comment="县领导小组同意召回")
        with django_capture_on_commit_callbacks(execute=True):
            r = api(users["organization"]).post(f"/api/v1/recalls/{recall.pk}/transitions/withdraw/",
                                                {"comment": "派出单位已撤回"}, format="json")
        assert r.status_code == 200, r.content
    recall = reload(recall)
    assert recall.state == "recalled" and recall.withdrawn_on == dt.date(2026, 6, 10)
    assert recall.replacement_due == dt.date(2026, 7, 10)  # 30 calendar days (setting)
    posting = reload(posting)
    assert posting.state == "recalled" and posting.ended_on == dt.date(2026, 6, 10)
    assert posting.history.filter(transition="end_by_recall").count() == 1
    # Exactly one accountability referral, against the dispatching unit.
    assert len(referrals) == 1
    sent = referrals[0]
    assert sent["sender"] is Recall and sent["source"] == recall and sent["source_kind"] == "recall"
    assert sent["target_unit"] == units["县农业农村局"] and sent["target_person"] is None
    assert sent["actor"] == users["organization"] and sent["reason"]
    # The person is barred from promotion for three years.
    marks = PersonMark.objects.filter(person=posting.person, kind=PersonMark.Kind.NO_PROMOTION)
    assert [(m.year_from, m.year_to) for m in marks] == [(2026, 2028)]
    # The township and the person's township hear about it.
    assert users["township_nanzhao"].notifications.filter(verb="postings.withdraw").exists()
    # Replacement: a new posting to the same village.
    with at(2026, 6, 20):
        r = api(users["organization"]).post(f"/api/v1/recalls/{recall.pk}/transitions/replace/", {
            "comment": "补派", "person_name": "李新派", "dispatching_unit": units["县水务局"].pk,
            "start_date": "2026-06-20", "role": "first_secretary"}, format="json")
    assert r.status_code == 200, r.content
    recall = reload(recall)
    assert recall.state == "replaced"
    new = recall.replacement
    assert (new.village_id, new.state, new.person.name, new.dispatching_unit_id) == (
        posting.village_id, "active", "李新派", units["县水务局"].pk)
    assert new.end_date == dt.date(2028, 6, 20)
    assert len(referrals) == 1


@pytest.mark.django_db
def test_propose_rules(make_posting, users, api):
    posting = make_posting()
    _propose(api, users, posting)
    r = api(users["organization"]).post("/api/v1/recalls/", {"posting": posting.pk, "grounds": "再提"}, format="json")
    assert r.status_code == 409  # 提出召回 is a transition whose condition refuses while one is open
    assert Recall.objects.filter(posting=posting).count() == 1
    other = make_posting(index=1)
    assert api(users["township_miaojie"]).post("/api/v1/recalls/", {"posting": other.pk, "grounds": "x"},
                                               format="json").status_code == 404
    assert api(users["leader"]).post("/api/v1/recalls/", {"posting": other.pk, "grounds": "x"},
                                     format="json").status_code == 403
    assert api(users["township_nanzhao"]).post("/api/v1/recalls/", {"posting": other.pk, "grounds": ""},
                                               format="json").status_code == 400
    assert not Recall.objects.filter(posting=other).exists()


@pytest.mark.django_db
def test_rejected_recall_changes_nothing(make_posting, users, api, referrals):
    posting = make_posting()
    recall = _propose(api, users, posting)
    fire(recall, "reject", users["organization_head"], comment="证据不足")
    assert reload(recall).state == "rejected" and reload(posting).state == "active"
    assert referrals == [] and not PersonMark.objects.filter(person=posting.person).exists()
    _propose(api, users, posting)  # a new proposal is possible again


@pytest.mark.django_db
def test_replacement_overdue_sweep_fires_once(make_posting, users, api, referrals):
    with at(2026, 6, 10):
        recall = _to_state(api, users, make_posting(), "recalled")
    assert run_sweeps(dt.datetime(2026, 7, 10, 12, tzinfo=TZ), only="postings")["postings.replacement_overdue"] == 0
    assert reload(recall).state == "recalled"
    assert run_sweeps(dt.datetime(2026, 7, 11, 12, tzinfo=TZ), only="postings")["postings.replacement_overdue"] == 1
    assert reload(recall).state == "overdue"
    assert run_sweeps(dt.datetime(2026, 7, 12, 12, tzinfo=TZ), only="postings")["postings.replacement_overdue"] == 0
    assert users["leader"].notifications.filter(verb="postings.replacement_overdue").count() == 1
    # Replacing still closes it.
    fire(recall, "replace", users["organization"], comment="补派", person_name="晚到", dispatching_unit=str(
        reload(recall).posting.dispatching_unit_id), start_date="2026-07-15", role="first_secretary")
    assert reload(recall).state == "replaced"
    assert Posting.objects.filter(village=recall.posting.village, state="active").count() == 1


@pytest.mark.django_db
def test_recall_opens_one_accountability_matter_in_cases(make_posting, users, api, units):
    """Against the real cases workflow when it is installed (no import of it: by app registry)."""
    from django.apps import apps

    if not apps.is_installed("workflows.cases"):
        pytest.skip("cases workflow not installed")
    Matter = apps.get_model("cases", "AccountabilityMatter")
    posting = make_posting(unit=units["县林业和草原局"])
    recall = _to_state(api, users, posting, "recalled")
    matters = Matter.objects.filter(source_type="postings.recall", source_id=str(recall.pk))
    assert matters.count() == 1
    matter = matters.get()
    assert (matter.source_kind, matter.target_unit_id, matter.target_person_id) == (
        "recall", units["县林业和草原局"].pk, None)
    fire(recall, "replace", users["organization"], comment="补派", person_name="补派人",
         dispatching_unit=str(units["县水务局"].pk), start_date="2026-12-01", role="first_secretary")
    assert Matter.objects.filter(source_type="postings.recall").count() == 1

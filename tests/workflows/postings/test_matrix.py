"""State × transition: from every state, exactly the designed transitions are possible (others 409)."""
import datetime as dt

import pytest

from supervision.errors import Conflict
from workflows.postings.models import Assessment, Recall

from . import factories
from .factories import fire, reload

PAST = str(dt.date.today() - dt.timedelta(days=20))
A_STEPS = [("submit_self_report", "township_nanzhao", {"self_report": "述职"}),
           ("township_rate", "township_nanzhao", {"grade": "competent"}),
           ("enter_unit_opinion", "organization", {"unit_opinion": "同意"}),
           ("office_review", "organization", {"grade": "competent"}),
           ("publicize", "organization", {"publicity_start": PAST}),
           ("finalize", "organization", {"grade": "competent"})]
A_ORDER = ["opened", "self_reported", "township_rated", "unit_opinion", "office_reviewed", "publicized", "finalized"]
A_WHO = {"submit_self_report": "organization", "township_rate": "township_nanzhao", "raise_objection": "organization"}
A_DATA = {name: data for name, _, data in A_STEPS}
A_EXPECTED = {
    "opened": {"submit_self_report"},
    "self_reported": {"township_rate"},
    "township_rated": {"enter_unit_opinion"},
    "unit_opinion": {"office_review"},
    "office_reviewed": {"office_review", "publicize"},
    "publicized": {"finalize"},  # the window is over (started 20 days ago): no more objections
    "finalized": set(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("state", A_ORDER)
def test_assessment_state_transition_matrix(state, make_posting, users):
    names = [n for n in Assessment._meta.get_field("state").get_all_transitions(Assessment)]
    names = sorted({t.name for t in names})
    possible = set()
    for i, name in enumerate(names):
        a = factories.assessment(make_posting(index=i % 6), year=2000 + i)
        for step, who, data in A_STEPS[: A_ORDER.index(state)]:
            fire(a, step, users[who], **data)
        try:
            fire(a, name, users[A_WHO.get(name, "organization")], comment="意见", **A_DATA.get(name, {}))
            possible.add(name)
        except Conflict:
            assert reload(a).state == state
    assert possible == A_EXPECTED[state]


R_ORDER = ["proposed", "approved", "rejected", "recalled", "overdue", "replaced"]
R_EXPECTED = {
    "proposed": {"approve", "reject"},
    "approved": {"withdraw"},
    "rejected": set(),
    "recalled": {"replace", "mark_overdue"},
    "overdue": {"replace"},
    "replaced": set(),
}


def _recall_in(state, make_posting, users, units, index):
    from workflows.postings import services

    posting = make_posting(index=index)
    recall = services.recall_propose(actor=users["township_nanzhao"], posting=posting, grounds="理由")
    path = {"approved": ["approve"], "rejected": ["reject"], "recalled": ["approve", "withdraw"],
            "overdue": ["approve", "withdraw", "mark_overdue"],
            "replaced": ["approve", "withdraw", "replace"]}.get(state, [])
    for name in path:
        _fire_recall(recall, name, users, units)
    return reload(recall)


def _fire_recall(recall, name, users, units):
    from supervision.transitions import run_transition

    data = {}
    if name == "replace":
        data = {"person_name": f"补派{recall.pk}", "dispatching_unit": str(units["县水务局"].pk),
                "start_date": "2026-12-01", "role": "member"}
    actor = users["organization_head" if name in ("approve", "reject") else "organization"]
    run_transition(model=Recall, pk=recall.pk, name=name, actor=actor, comment="意见", data=data,
                   as_system=name == "mark_overdue")


@pytest.mark.django_db
@pytest.mark.parametrize("state", R_ORDER)
def test_recall_state_transition_matrix(state, make_posting, users, units):
    names = sorted({t.name for t in Recall._meta.get_field("state").get_all_transitions(Recall)})
    possible = set()
    for i, name in enumerate(names):
        recall = _recall_in(state, make_posting, users, units, i)
        assert recall.state == state
        try:
            _fire_recall(recall, name, users, units)
            possible.add(name)
        except Conflict:
            assert reload(recall).state == state
    assert possible == R_EXPECTED[state]


@pytest.mark.django_db
def test_finalize_rights(make_posting, users, api):
    a = factories.assessment(make_posting(), 2026)
    for step, who, data in A_STEPS[:5]:
        fire(a, step, users[who], **data)
    for username in ["township_nanzhao", "leader", "auditor"]:
        r = api(users[username]).post(f"/api/v1/assessments/{a.pk}/transitions/finalize/", {"grade": "competent"},
                                      format="json")
        assert r.status_code == 403, username
    assert api(users["township_miaojie"]).post(f"/api/v1/assessments/{a.pk}/transitions/finalize/",
                                               {"grade": "competent"}, format="json").status_code == 404
    assert reload(a).state == "publicized"
    assert api(users["organization"]).post(f"/api/v1/assessments/{a.pk}/transitions/finalize/",
                                           {"grade": "competent"}, format="json").status_code == 200

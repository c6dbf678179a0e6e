"""Scope contract plus the state × transition × role matrix."""
import pytest

from supervision.transitions import available_transitions
from tests.bases import WorkflowPermissionContract
from workflows.rectification import services
from workflows.rectification.models import Rectification

from .conftest import acceptance

API = "/api/v1/rectifications/"


class TestRectificationPermissions(WorkflowPermissionContract):
    workflow = "rectification"
    api_list = API
    in_scope_user = "township_nanzhao"
    out_of_scope_user = "township_miaojie"
    no_access_users = ["discipline", "discipline_head", "inspector"]
    a_transition = "start"
    record_type = "rectification.rectification"
    allowed_user = "township_nanzhao"

    @pytest.fixture
    def record(self, make):
        """A planned rectification in 南诏镇 (made through the services and transitions)."""
        return make(state="planned")


ROLES = ["township_nanzhao", "township_miaojie", "organization", "leader", "auditor", "inspector", "discipline"]
# (state, transition) → the users allowed (everyone else: 403 in scope, 404 out of scope/no view)
ALLOWED = {
    ("screened", "propose_listing"): {"organization"},
    ("screened", "dismiss"): {"organization"},
    ("proposed", "approve_listing"): {"leader"},
    ("proposed", "reject_listing"): {"leader"},
    ("listed", "approve_plan"): {"organization"},
    ("planned", "start"): {"township_nanzhao"},
    ("rectifying", "request_acceptance"): {"township_nanzhao"},
    ("acceptance_requested", "accept"): {"organization"},
    ("acceptance_requested", "fail"): {"organization"},
    ("failed", "resume"): {"township_nanzhao"},
    ("accepted", "follow_up"): {"organization"},
    ("followed_up", "relapse"): {"organization"},
    ("listed", "propose_withdrawal"): {"organization", "township_nanzhao"},
    ("planned", "propose_withdrawal"): {"organization", "township_nanzhao"},
    ("rectifying", "propose_withdrawal"): {"organization", "township_nanzhao"},
    ("withdrawal_proposed", "approve_withdrawal"): {"leader"},
    ("withdrawal_proposed", "reject_withdrawal"): {"leader"},
}
TRANSITIONS = sorted({t for _s, t in ALLOWED} | {"close"})
STATES = ["screened", "proposed", "listed", "planned", "rectifying", "acceptance_requested", "accepted", "failed",
          "dismissed", "followed_up", "withdrawal_proposed", "withdrawn"]
SEES = {"township_nanzhao", "organization", "leader", "auditor"}


def payload(state, name, people):
    if name == "approve_plan":
        return {"county_leader": people["county_leader"].pk, "township_leader": people["township_leader"].pk,
                "twinned_unit": people["unit"].pk}
    if name == "accept":
        return acceptance(80, 10)
    if name == "fail":
        return acceptance(60, 10)
    if name == "relapse":
        return {"new_deadline": "2099-06-30"}
    return {}


HOLDERS = {name: set().union(*[who for (s, t), who in ALLOWED.items() if t == name]) for name in TRANSITIONS
           if name != "close"}
HOLDERS["close"] = {"organization"}


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_matrix(state, make, users, people, api):
    """Every role × transition in every state: allowed → 200; no view or other township → 404;
    no right → 403; right but wrong state → 409; refused attempts change nothing."""
    obj = make(state=state)
    if state == "rectifying":  # request_acceptance also needs every plan item done (test_flow)
        for item in obj.plan_items.all():
            services.plan_item_set_done(actor=users["organization"], item_id=item.pk)
    for username in ROLES:
        expected = {t for (s, t), who in ALLOWED.items() if s == state and username in who}
        if username in SEES:
            assert set(available_transitions(obj, users[username])) == expected, (state, username)
    index = 1
    for name in TRANSITIONS:
        allowed_users = ALLOWED.get((state, name), set())
        for username in ROLES:
            if username in allowed_users:
                continue
            before = Rectification.objects.get(pk=obj.pk)
            r = api(users[username]).post(f"{API}{obj.pk}/transitions/{name}/",
                                          {"comment": "x", **payload(state, name, people)}, format="json")
            if username not in SEES or username == "township_miaojie":
                want = 404
            elif username not in HOLDERS[name]:
                want = 403
            else:
                want = 409
            assert r.status_code == want, (state, name, username, r.content)
            after = Rectification.objects.get(pk=obj.pk)
            assert (after.state, after.version) == (before.state, before.version)
        for username in allowed_users:
            fresh = make(state=state, index=index)
            index += 1
            if name == "approve_plan":
                services.plan_item_add(actor=users["organization"], rectification_id=fresh.pk, data={
                    "problem": "p", "measure": "m", "responsible": "r", "deadline": "2026-12-20"})
            if name == "request_acceptance":
                for item in fresh.plan_items.all():
                    services.plan_item_set_done(actor=users["organization"], item_id=item.pk)
            r = api(users[username]).post(f"{API}{fresh.pk}/transitions/{name}/",
                                          {"comment": "x", **payload(state, name, people)}, format="json")
            assert r.status_code == 200, (state, name, username, r.content)


@pytest.mark.django_db
def test_service_rights(make, users, api):
    obj = make(state="rectifying")
    for username, want in [("township_nanzhao", 201), ("organization", 403), ("leader", 403), ("auditor", 403),
                           ("township_miaojie", 404), ("discipline", 404)]:
        r = api(users[username]).post(f"{API}{obj.pk}/progress/", {"text": "进展"}, format="json")
        assert r.status_code == want, (username, r.content)
    listed = make(state="listed", index=1)
    for username, want in [("township_nanzhao", 201), ("organization", 201), ("leader", 403), ("auditor", 403),
                           ("township_miaojie", 404)]:
        r = api(users[username]).post(f"{API}{listed.pk}/plan-items/", {
            "problem": "p", "measure": "m", "responsible": "r", "deadline": "2026-12-20"}, format="json")
        assert r.status_code == want, (username, r.content)
    # plan items cannot be added once rectifying (409)
    r = api(users["organization"]).post(f"{API}{obj.pk}/plan-items/", {
        "problem": "p", "measure": "m", "responsible": "r", "deadline": "2026-12-20"}, format="json")
    assert r.status_code == 409

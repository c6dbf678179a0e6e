"""The kernel's permission contract for the cases workflow.

Cases are county-level and confidential: only discipline roles (and auditors, read-only) see
them. A township user holds a role that never sees cases, so for this workflow "out of scope"
and "no access" coincide: both get 404 everywhere.
"""
import pytest

from tests.bases import WorkflowPermissionContract

from .conftest import register


class TestCasePermissions(WorkflowPermissionContract):
    workflow = "cases"
    api_list = "/api/v1/cases/"
    in_scope_user = "discipline"
    out_of_scope_user = "township_discipline_nanzhao"  # the case is in 南诏镇, handled by the county: 404
    no_access_users = ["township_nanzhao", "township_miaojie", "inspector", "organization", "leader"]
    a_transition = "propose_disposition"
    record_type = "cases.case"
    allowed_user = "discipline"
    transition_data = {"target": "verification"}

    def make_record(self, users, townships):
        return register(users, townships)


class TestRoutedCasePermissions(WorkflowPermissionContract):
    """A clue routed (分办) to 南诏镇纪委: its committee sees and handles it, another township's
    committee gets 404 everywhere, the county's handler sees it but does not act on it."""
    workflow = "cases"
    api_list = "/api/v1/cases/"
    in_scope_user = "township_discipline_nanzhao"
    out_of_scope_user = "township_discipline_miaojie"
    no_access_users = ["township_nanzhao", "inspector", "organization", "leader"]
    a_transition = "propose_disposition"
    record_type = "cases.case"
    allowed_user = "township_discipline_nanzhao"
    wrong_role_user = "discipline"  # sees every case; acts only on the county's own
    transition_data = {"target": "verification"}

    def make_record(self, users, townships):
        from tests.helpers import fire

        return fire(register(users, townships), "route", users["discipline"],
                    {"handling_township": townships["nanzhao"].pk})


class TestAccountabilityPermissions(WorkflowPermissionContract):
    workflow = "cases"
    api_list = "/api/v1/accountability/"
    in_scope_user = "discipline_head"
    out_of_scope_user = "township_discipline_nanzhao"  # 问责 stays with the county commission
    no_access_users = ["township_nanzhao", "township_discipline_head_nanzhao", "inspector", "organization",
                       "leader"]
    a_transition = "start_investigation"  # a handler's step (a head's approval: test_accountability_flow)
    record_type = "cases.accountabilitymatter"
    allowed_user = "discipline"
    transition_data = {}

    def make_record(self, users, townships):
        from supervision.models import Unit
        from workflows.cases.services import accountability_open

        matter, _ = accountability_open(actor=users["discipline"], reason="问责事由",
                                        target_unit=Unit.objects.get(name="县农业农村局"))
        return matter


@pytest.mark.django_db
def test_auditor_reads_but_cannot_act(api, users, townships):
    case = register(users, townships)
    client = api(users["auditor"])
    body = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert body["available_transitions"] == []
    r = client.post(f"/api/v1/cases/{case.pk}/transitions/propose_disposition/",
                    {"comment": "x", "target": "inquiry"}, format="json")
    assert r.status_code == 403
    assert client.post("/api/v1/cases/", {"source": "petition", "category": "other", "description": "x",
                                          "reporter_anonymous": True}, format="json").status_code == 403


class TestSubjectMatterPermissions(WorkflowPermissionContract):
    workflow = "cases"
    api_list = "/api/v1/case-subjects/"
    in_scope_user = "discipline"
    out_of_scope_user = "township_nanzhao"
    no_access_users = ["township_nanzhao", "inspector", "organization", "leader"]
    a_transition = "propose_transfer"
    record_type = "cases.subjectmatter"
    allowed_user = "discipline"

    def make_record(self, users, townships):
        from .conftest import advance

        return advance(register(users, townships), users, "investigating").matters.get()


class TestDetentionPermissions(WorkflowPermissionContract):
    workflow = "cases"
    api_list = "/api/v1/detentions/"
    in_scope_user = "discipline"
    out_of_scope_user = "township_nanzhao"
    no_access_users = ["township_nanzhao", "inspector", "organization", "leader"]
    a_transition = "approve"
    record_type = "cases.detention"
    allowed_user = "discipline_head"

    def make_record(self, users, townships):
        from workflows.cases.recordservices import detention_propose

        from .conftest import advance

        case = advance(register(users, townships), users, "investigating")
        return detention_propose(actor=users["discipline"], subject_id=case.subjects.get().pk, grounds="可能逃跑")

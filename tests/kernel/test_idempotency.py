"""Idempotent creation (issue 10 item 6): two identical create submits make one record — pages by
the form's one-time token, the API by the Idempotency-Key header — for every workflow."""
import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from supervision import registry
from supervision.idempotency import IdempotentPostMixin
from supervision.models import SubmissionKey
from tests.concurrency import at_once
from workflows.notices.models import Notice

pytestmark = pytest.mark.django_db


def _draft(townships, **extra):
    return {"title": "关于村级财务公开的督办通知", "findings": "未按季度公开", "requirements": "立即整改",
            "category": "party_building", "urgency": "normal",
            "target_townships": [townships["nanzhao"].pk], **extra}


def test_three_quick_submits_of_save_draft_make_one_draft(users, townships):
    page = Client()
    page.force_login(users["inspector"])
    token = "a3f9c2d4e5b6a7c8d9e0f1a2b3c4d5e6"
    responses = [page.post("/notices/new/", _draft(townships, _once=token)) for _ in range(3)]
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert Notice.objects.count() == 1
    notice = Notice.objects.get()
    assert {r["Location"] for r in responses} == {notice.get_absolute_url()}
    # A new page load (a new token) is a new draft, as intended.
    assert page.post("/notices/new/", _draft(townships, _once="b" * 32)).status_code == 302
    assert Notice.objects.count() == 2


def test_a_refused_submit_can_be_corrected_and_sent_again_with_the_same_token(users, townships):
    page = Client()
    page.force_login(users["inspector"])
    token = "c" * 32
    r = page.post("/notices/new/", _draft(townships, title="", _once=token))
    assert r.status_code == 400 and not Notice.objects.exists()
    assert not SubmissionKey.objects.exists()
    assert page.post("/notices/new/", _draft(townships, _once=token)).status_code == 302
    assert Notice.objects.count() == 1


def test_a_token_is_per_user(users, townships):
    token = "d" * 32
    for username in ("inspector", "inspector"):
        page = Client()
        page.force_login(users[username])
        page.post("/notices/new/", _draft(townships, _once=token))
    assert Notice.objects.count() == 1
    other = users["leader"]
    other.role_assignments.create(role="inspector")
    page = Client()
    page.force_login(other)
    assert page.post("/notices/new/", _draft(townships, _once=token)).status_code == 302
    assert Notice.objects.count() == 2  # another user's identical token is not their submission


def test_api_idempotency_key_replays_the_first_response(users, townships):
    api = APIClient()
    api.force_authenticate(users["inspector"])
    body = _draft(townships)
    first = api.post("/api/v1/notices/", body, format="json", HTTP_IDEMPOTENCY_KEY="create-notice-0001")
    second = api.post("/api/v1/notices/", body, format="json", HTTP_IDEMPOTENCY_KEY="create-notice-0001")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"] and second["Idempotent-Replayed"] == "true"
    assert Notice.objects.count() == 1
    assert api.post("/api/v1/notices/", body, format="json",
                    HTTP_IDEMPOTENCY_KEY="create-notice-0002").json()["id"] != first.json()["id"]
    # The same key on another endpoint is refused, not replayed.
    r = api.post(f"/api/v1/notices/{first.json()['id']}/transitions/issue/", {"comment": "x"}, format="json",
                 HTTP_IDEMPOTENCY_KEY="create-notice-0001")
    assert r.status_code == 422
    assert api.post("/api/v1/notices/", body, format="json", HTTP_IDEMPOTENCY_KEY="x").status_code == 400
    # Without a key: as before, each POST creates.
    api.post("/api/v1/notices/", body, format="json")
    assert Notice.objects.count() == 3


def test_api_refused_request_is_not_remembered(users, townships):
    api = APIClient()
    api.force_authenticate(users["inspector"])
    r = api.post("/api/v1/notices/", _draft(townships, title=""), format="json", HTTP_IDEMPOTENCY_KEY="retry-key-001")
    assert r.status_code == 400
    r = api.post("/api/v1/notices/", _draft(townships), format="json", HTTP_IDEMPOTENCY_KEY="retry-key-001")
    assert r.status_code == 201 and Notice.objects.count() == 1


def test_every_workflow_api_is_idempotent():
    viewsets = [rt.api_viewset for rt in registry.record_types() if rt.api_viewset is not None]
    assert viewsets and all(issubclass(v, IdempotentPostMixin) for v in viewsets)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel submits need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_double_submit_makes_one_record(users, townships):
    inspector = users["inspector"]

    def page_submit():
        c = Client()
        c.force_login(inspector)
        return c.post("/notices/new/", _draft(townships, _once="e" * 32))["Location"]

    def api_submit():
        c = APIClient()
        c.force_authenticate(inspector)
        return c.post("/api/v1/notices/", _draft(townships, title="经 API"), format="json",
                      HTTP_IDEMPOTENCY_KEY="parallel-key-1").json()["id"]

    assert len(set(at_once(page_submit, page_submit, page_submit))) == 1
    assert len(set(at_once(api_submit, api_submit, api_submit))) == 1
    assert Notice.objects.count() == 2

"""No input produces a 5xx (issue 10 item 2): each probe answers 400/404 with a clear message in
the user's language and changes nothing. Also 401 (with WWW-Authenticate) vs 403."""
import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from supervision.models import Notification
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"


def _token_client(user):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return c


def _state(w):
    w = Widget.objects.get(pk=w.pk)
    return w.state, w.version, w.history.count()


BODIES = ["[1]", "1.5", "null", '"text"', "true", "{", '{"comment": "a\\u0000b"}', '{"comment": "\\ud800"}',
          '{"comment": {"a": 1}}', '{"version": {"a": 1}}', '{"version": 1e400}', '{"\\ud800": 1}']


def test_non_object_or_bad_json_to_a_transition_is_400(users, townships):
    w = widget(townships["nanzhao"])
    before = _state(w)
    api = _token_client(users["township_nanzhao"])
    for body in BODIES:
        r = api.post(f"/api/v1/widgets/{w.pk}/transitions/submit/", body, content_type="application/json")
        assert r.status_code == 400, (body, r.content)
        assert r.json()
    assert _state(w) == before
    r = api.post(f"/api/v1/widgets/{w.pk}/transitions/submit/", "[1]", content_type="application/json")
    assert r.json() == {"detail": "请求体必须是一个 JSON 对象。"}


QUERIES = [f"limit={HUGE}000", f"offset={HUGE}000", "limit=-1", "offset=-5", "limit=abc", "limit=0",
           f"township={HUGE}", "township=abc", "state=%00", "limit=1e3", f"village={HUGE}", f"year={HUGE}"]
LISTS = ["/api/v1/widgets/", "/api/v1/notices/", "/api/v1/postings/", "/api/v1/notice-assignments/",
         "/api/v1/rectifications/", "/api/v1/cases/", "/api/v1/assessments/", "/api/v1/recalls/"]


@pytest.mark.parametrize("username", ["leader", "discipline"])
def test_list_query_parameters_are_bounded(users, username):
    api = _token_client(users[username])
    for url in LISTS:
        for query in QUERIES:
            r = api.get(f"{url}?{query}")
            assert r.status_code in (200, 400, 404), (url, query, r.status_code, r.content[:300])
            if r.status_code == 200:
                assert len(r.json()["results"]) <= 200


def test_a_clear_message_for_a_bad_limit(users):
    r = _token_client(users["leader"]).get("/api/v1/widgets/?limit=abc")
    assert r.status_code == 400 and "limit" in r.json()


def test_bad_record_ids_are_404(users, townships):
    w = widget(townships["nanzhao"])
    before = _state(w)
    web = Client()
    web.force_login(users["leader"])
    api = _token_client(users["leader"])
    staff = Client()
    staff.force_login(users["township_nanzhao"])
    staff_api = _token_client(users["township_nanzhao"])
    for pk in ["abc", HUGE, "-1", "1.5", "%00", "0"]:
        for url in [f"/records/kernelflow.widget/{pk}/history/", f"/records/notices.notice/{pk}/history/"]:
            assert web.get(url).status_code == 404, url
        for url in [f"/api/v1/widgets/{pk}/", f"/api/v1/widgets/{pk}/history/", f"/api/v1/notices/{pk}/"]:
            assert api.get(url).status_code == 404, url
        r = staff.post(f"/records/kernelflow.widget/{pk}/transitions/submit/", {"comment": "x"})
        assert r.status_code == 404, pk
        r = staff_api.post(f"/api/v1/widgets/{pk}/transitions/submit/", {}, format="json")
        assert r.status_code == 404, pk
    assert _state(w) == before


def test_notification_mark_read_with_bad_ids_is_400(users):
    user = users["inspector"]
    Notification.objects.create(recipient=user, verb="test", message="m")
    web = Client()
    web.force_login(user)
    for ident in ["abc", HUGE, "1.5", "-3"]:
        r = web.post("/notifications/read/", {"id": ident})
        assert r.status_code == 400 and "不是有效的编号" in r.content.decode()
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 1


def test_nul_in_a_page_comment_is_400(users, townships):
    w = widget(townships["nanzhao"])
    before = _state(w)
    web = Client()
    web.force_login(users["township_nanzhao"])
    url = f"/records/kernelflow.widget/{w.pk}/transitions/submit/"
    assert web.post(url, {"comment": "a\x00b"}).status_code == 400  # multipart
    assert web.post(url, "comment=a%00b", content_type="application/x-www-form-urlencoded").status_code == 400
    assert _state(w) == before


def test_nul_or_lone_surrogate_in_an_api_comment_is_400(users, townships):
    w = widget(townships["nanzhao"])
    before = _state(w)
    api = _token_client(users["township_nanzhao"])
    for raw in ['{"comment": "x\\u0000"}', '{"comment": "x\\udc00y"}']:
        r = api.post(f"/api/v1/widgets/{w.pk}/transitions/submit/", raw, content_type="application/json")
        assert r.status_code == 400, raw
    r = api.post(f"/api/v1/widgets/{w.pk}/transitions/submit/", {"comment": "x\x00"}, format="multipart")
    assert r.status_code == 400
    assert _state(w) == before


def test_audit_search_with_bad_filters_answers(users):
    web = Client()
    web.force_login(users["auditor"])
    for query in [f"township={HUGE}", "township=-1", "township=abc", "from=2026-13-45", "user=%00", "type=%00"]:
        assert web.get(f"/audit/?{query}").status_code in (200, 400), query
    assert web.get(f"/audit/?township={HUGE}").status_code == 400


def test_due_date_as_an_object_on_rectification_create_is_400(users):
    api = _token_client(users["township_nanzhao"])
    r = api.post("/api/v1/rectifications/", {"village": 1, "year": 2026, "criteria": ["x"], "problem": "p",
                                              "township_secretary": 1, "responsible_cadre": 1,
                                              "due_date": {"a": 1}}, format="json")
    assert r.status_code == 400


def test_missing_or_bad_credentials_are_401_with_www_authenticate(users):
    r = APIClient().get("/api/v1/me/")
    assert r.status_code == 401 and r["WWW-Authenticate"].startswith("Token")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    r = bad.get("/api/v1/widgets/")
    assert r.status_code == 401 and r["WWW-Authenticate"].startswith("Token")
    assert r.json()["detail"]


def test_known_user_without_the_right_is_403(users, townships):
    w = widget(townships["nanzhao"])
    # The township user may see the widget but not approve it (an inspector's right).
    r = _token_client(users["township_nanzhao"]).post(f"/api/v1/widgets/{w.pk}/transitions/submit/",
                                                      json.dumps({"comment": "x"}), content_type="application/json")
    assert r.status_code == 200
    r = _token_client(users["township_nanzhao"]).post(f"/api/v1/widgets/{w.pk}/transitions/approve/",
                                                      json.dumps({"comment": "x"}), content_type="application/json")
    assert r.status_code == 403

"""Every response that carries case-file content is in the read log, one row per case per request
(issue 9 item 7); the log is the auditors' to see, and only theirs."""
import pytest

from supervision.models import ReadAccess

from .conftest import fire, register

pytestmark = pytest.mark.django_db


def _reads(**kw):
    return list(ReadAccess.objects.filter(**kw).values_list("object_id", flat=True))


@pytest.fixture
def cases(users, townships):
    return [register(users, townships, description=f"线索{i}") for i in range(3)]


def _ids(cases):
    return sorted(str(c.pk) for c in cases)


def test_api_list_logs_every_case_it_returns_once_per_request(cases, users, api):
    client = api(users["discipline"])
    assert client.get("/api/v1/cases/?limit=500").status_code == 200
    assert sorted(_reads(user=users["discipline"], via="api")) == _ids(cases)
    client.get("/api/v1/cases/?limit=2")
    assert len(_reads(user=users["discipline"], via="api")) == 3 + 2
    assert ReadAccess.objects.filter(path="/api/v1/cases/?limit=500").count() == 3


def test_api_detail_history_and_transition_responses_are_logged(cases, users, api):
    case = cases[0]
    client = api(users["discipline"])
    for url in (f"/api/v1/cases/{case.pk}/", f"/api/v1/cases/{case.pk}/history/"):
        assert client.get(url).status_code == 200
    r = client.post(f"/api/v1/cases/{case.pk}/transitions/propose_disposition/",
                    {"comment": "初核", "target": "verification"}, format="json")
    assert r.status_code == 200, r.content
    assert _reads(user=users["discipline"]) == [str(case.pk)] * 3  # one per request, none twice
    refused = client.post(f"/api/v1/cases/{case.pk}/transitions/propose_disposition/",
                          {"comment": "again", "target": "verification"}, format="json")
    assert refused.status_code == 409 and len(_reads(user=users["discipline"])) == 3  # nothing sent, nothing logged


def test_pages_list_queue_detail_export_and_audit_search_are_logged(cases, users, web):
    fire(cases[1], "propose_disposition", users["discipline"], {"target": "verification"})
    client = web(users["discipline_head"])
    for url in ("/cases/", "/cases/?q=线索", "/cases/approvals/", f"/cases/{cases[0].pk}/", "/cases/export.xlsx"):
        before = ReadAccess.objects.count()
        assert client.get(url).status_code == 200, url
        logged = list(ReadAccess.objects.order_by("-pk").values_list("object_id", flat=True)[:ReadAccess.objects.count()
                                                                                           - before])
        assert len(logged) == len(set(logged)) >= 1, url  # at least what it shows, each once
    assert sorted(set(_reads(path="/cases/"))) == _ids(cases)
    assert _reads(path="/cases/approvals/") == [str(cases[1].pk)]
    assert sorted(_reads(via="export")) == _ids(cases)
    auditor = web(users["auditor"])
    assert auditor.get("/audit/?type=cases.case").status_code == 200
    assert sorted(_reads(user=users["auditor"], via="audit")) == _ids(cases)
    assert auditor.get("/audit/?type=cases.case&export=csv").status_code == 200
    assert sorted(_reads(user=users["auditor"], via="export")) == _ids(cases)


def test_auditors_read_log_page_lists_filters_exports(cases, users, api, web):
    api(users["discipline"]).get(f"/api/v1/cases/{cases[0].pk}/")
    web(users["discipline_head"]).get("/cases/")
    page = web(users["auditor"]).get("/audit/reads/")
    html = page.content.decode()
    assert page.status_code == 200 and "查阅记录" in html and "discipline_head" in html and "discipline" in html
    assert f"/api/v1/cases/{cases[0].pk}/" in html
    filtered = web(users["auditor"]).get("/audit/reads/", {"user": "discipline", "via": "api"}).content.decode()
    assert "discipline_head" not in filtered and f"#{cases[0].pk}" in filtered
    export = web(users["auditor"]).get("/audit/reads/", {"export": "csv", "user": "discipline_head"})
    text = export.content.decode("utf-8-sig")
    assert export.status_code == 200 and text.count("discipline_head") == 3 and "/cases/" in text


@pytest.mark.parametrize("username", ["township_nanzhao", "discipline", "leader", "inspector"])
def test_read_log_page_is_not_there_for_others(username, users, web):
    assert web(users[username]).get("/audit/reads/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client):
    r = client.get("/audit/reads/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_case_files_listed_in_the_inbox_are_logged(cases, users, web):
    assert web(users["discipline"]).get("/").status_code == 200
    assert sorted(_reads(user=users["discipline"], path="/")) == _ids(cases)

"""UI and API frame: login page, token, language switch, API errors, settings, seed."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from supervision.audit.chain import verify
from supervision.models import Region, User
from tests.conftest import PASSWORD
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_login_page_is_chinese(client):
    html = client.get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in html and "登录" in html and "用户名" in html


def test_every_demo_user_can_log_in(client, users):
    for username in users:
        if username in ("system",):
            continue
        assert client.login(username=username, password=PASSWORD), username
        client.logout()


def test_api_token(api, users):
    r = api().post("/api/v1/auth/token/", {"username": "leader", "password": PASSWORD}, format="json")
    token = r.json()["token"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["username"] == "leader"
    assert api().post("/api/v1/auth/token/", {"username": "leader"}, format="json").status_code == 400
    # Throttling: tests/kernel/test_signin.py.


def test_language_switch_to_english(client, users):
    client.force_login(users["inspector"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in html and "My tasks" in html and "我的待办" not in html


def test_chinese_by_default_whatever_the_browser_says(client, users):
    client.force_login(users["inspector"])
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html and "我的待办" in html


@pytest.mark.parametrize("payload,field", [
    ({}, "comment"),                                   # missing required comment
    ({"comment": ["a", "b"]}, "comment"),             # wrong type
    ({"comment": "x" * 5000}, "comment"),             # oversized text
    ({"comment": "ok", "version": "abc"}, "version"),  # wrong type
])
def test_api_bad_input_is_400_and_changes_nothing(api, users, townships, payload, field):
    from supervision.transitions import run_transition

    w = widget(townships["nanzhao"])
    run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    r = api(users["inspector"]).post(f"/api/v1/widgets/{w.pk}/transitions/approve/", payload, format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()
    w.refresh_from_db()
    assert w.state == "submitted" and w.version == 1


def test_api_unknown_transition_is_400(api, users, townships):
    w = widget(townships["nanzhao"])
    r = api(users["inspector"]).post(f"/api/v1/widgets/{w.pk}/transitions/explode/", {"comment": "x"}, format="json")
    assert r.status_code == 400 and "transition" in r.json()


def test_api_conflict_is_409(api, users, townships):
    w = widget(townships["nanzhao"])
    r = api(users["inspector"]).post(f"/api/v1/widgets/{w.pk}/transitions/approve/", {"comment": "x"}, format="json")
    assert r.status_code == 409 and "当前状态" in r.json()["detail"]


def test_ui_transition_refusal_keeps_status(web, users, townships):
    w = widget(townships["nanzhao"])
    r = web(users["inspector"]).post(reverse("record-transition", args=["kernelflow.widget", w.pk, "approve"]),
                                     {"comment": "x"})
    assert r.status_code == 409
    page = r.content.decode()
    # The record's own page again (no separate 「操作未完成」 page), the conflict at the top.
    assert "操作未完成" not in page and w.title in page
    assert "当前状态" in page and 'class="messages"' in page


def test_openapi_schema(client):
    r = client.get("/api/schema/")
    assert r.status_code == 200 and b"/api/v1/me/" in r.content
    for path in (b"/api/v1/widgets/{id}/transitions/{name}/", b"/api/v1/widgets/{id}/history/"):
        assert path in r.content


def test_seed_demo_is_idempotent(county):
    call_command("seed_demo", "--quiet-logins")
    counts = (Region.objects.count(), User.objects.count(), verify().rows)
    call_command("seed_demo", "--quiet-logins")
    assert (Region.objects.count(), User.objects.count(), verify().rows) == counts
    assert Region.objects.filter(level="township").count() == 10
    assert 80 <= Region.objects.filter(level="village").count() <= 90
    usernames = set(User.objects.values_list("username", flat=True))
    assert {"inspector", "organization", "discipline", "discipline_head", "leader", "auditor",
            "township_nanzhao", "township_qinghua"} <= usernames


def _run_manage(args, env):
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_secret():
    r = _run_manage(["check"], {"DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "",
                                "ALLOWED_HOSTS": "example.org"})
    assert r.returncode != 0 and "SECRET_KEY" in r.stderr


def test_check_deploy_is_clean_with_real_secret():
    r = _run_manage(["check", "--deploy", "--fail-level", "WARNING"],
                    {"DJANGO_SETTINGS_MODULE": "config.settings.production",
                     "SECRET_KEY": "k8Jd2-Qm9x!Lp3zR7vT0wY5bN1cF6hG4jS8aE2dU9oI7kP3mZ0qW",
                     "ALLOWED_HOSTS": "example.org"})
    if connection.vendor == "postgresql":  # the suite connects as a superuser: that one warning, nothing else
        out = r.stdout + r.stderr
        assert "supervision.W001" in out and "identified 1 issue" in out, out
    else:
        assert r.returncode == 0, r.stdout + r.stderr


def test_transition_form_does_not_redirect_off_site(web, users, townships):
    w = widget(townships["nanzhao"])
    r = web(users["township_nanzhao"]).post(
        reverse("record-transition", args=["kernelflow.widget", w.pk, "submit"]), {"next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == w.get_absolute_url()


def test_exports_keep_types_and_defuse_formulas():
    import datetime as dt
    import io

    from openpyxl import load_workbook

    from supervision.exports import csv_response, xlsx_response

    r = xlsx_response("x.xlsx", ["a", "b", "c"], [["=1+1", dt.date(2026, 1, 2), 3]])
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [c.value for c in list(ws.iter_rows())[1]]
    assert values[0] == "'=1+1" and values[1].date() == dt.date(2026, 1, 2) and values[2] == 3
    assert "'@SUM(A1)" in csv_response("x.csv", ["a"], [["@SUM(A1)"]]).content.decode("utf-8-sig")


def test_the_menu_follows_roles_staff_and_language(web, users, settings):
    """The frame's menu is written once per language, role set and staff flag (and URLconf):
    each user still sees their own, in their language."""
    from supervision import context_processors

    context_processors.forget()
    township = web(users["township_nanzhao"]).get(reverse("home")).content.decode()
    auditor = web(users["auditor"]).get(reverse("home")).content.decode()
    nav = lambda html: html.split('<nav class="mainnav">')[1].split("</nav>")[0]  # noqa: E731
    assert f'<a href="{reverse("audit-search")}">历史审计</a>' in nav(auditor)
    assert "历史审计" not in nav(township) and f'<a href="{reverse("done")}">已办</a>' in nav(township)
    assert nav(web(users["township_nanzhao"]).get(reverse("home")).content.decode()) == nav(township)
    english = web(users["auditor"])
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = english.get(reverse("home")).content.decode()
    assert "历史审计" not in nav(html) and "我的待办" not in nav(html)
    assert nav(web(users["auditor"]).get(reverse("home")).content.decode()) == nav(auditor)
    anonymous = web().get(reverse("login")).content.decode()
    assert f'<a class="brand" href="{reverse("home")}">' in anonymous
    assert f'action="{reverse("set_language")}"' in anonymous

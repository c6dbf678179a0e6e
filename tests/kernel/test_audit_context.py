"""Request context on every history row and read-log row (issue 13 item 4)."""
import datetime as dt
import logging

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from supervision.audit import context
from supervision.audit.chain import verify
from supervision.models import ReadAccess
from supervision.sweep import run_sweeps
from supervision.transitions import run_transition
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db


def _last(w):
    return w.history.order_by("-history_id").first()


def test_api_change_records_api_address_and_the_response_request_id(api, users, townships):
    w = widget(townships["nanzhao"])
    r = api(users["township_nanzhao"]).post(f"/api/v1/widgets/{w.pk}/transitions/submit/", {},
                                            format="json", REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 200, r.content
    row = _last(w)
    assert row.transition == "submit"
    assert row.via == "api"
    assert row.client_ip == "10.1.2.3"
    assert len(r["X-Request-ID"]) >= 16 and row.request_id == r["X-Request-ID"]
    assert verify().ok


def test_page_change_records_ui(web, users, townships):
    w = widget(townships["nanzhao"])
    r = web(users["township_nanzhao"]).post(reverse("record-transition", args=["kernelflow.widget", w.pk, "submit"]),
                                            {"comment": ""}, REMOTE_ADDR="192.0.2.7")
    assert r.status_code in (200, 302), r.content[:300]
    row = _last(w)
    assert (row.transition, row.via, row.client_ip, row.request_id) == ("submit", "ui", "192.0.2.7", r["X-Request-ID"])


def test_sweep_change_shows_system(users, townships):
    w = widget(townships["nanzhao"], due=dt.date(2026, 1, 5))
    run_sweeps(now=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), only="kernelflow")
    row = _last(w)
    assert row.transition == "mark_overdue"
    assert row.via == "system" and row.request_id and row.client_ip == ""
    assert context.via_label(row.via) == "系统定时任务"


def test_a_command_run_is_via_command_with_one_id():
    ctx = context.for_command(["manage.py", "seed_demo"])
    context.set_process_default(ctx)
    try:
        assert context.current().via == "command"
        with context.using(context.RequestContext(via="api", request_id="r" * 16)):
            assert context.current().via == "api"
        assert context.current() == ctx
    finally:
        context.set_process_default(context.RequestContext())


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_forwarded_address_and_request_id_only_from_a_trusted_proxy(api, users, townships):
    w = widget(townships["nanzhao"])
    client = api(users["township_nanzhao"])
    r = client.post(f"/api/v1/widgets/{w.pk}/transitions/submit/", {}, format="json", REMOTE_ADDR="10.0.0.2",
                    HTTP_X_FORWARDED_FOR="198.51.100.9, 10.0.0.3", HTTP_X_REQUEST_ID="proxy-req-12345678")
    assert r.status_code == 200
    row = _last(w)
    assert (row.client_ip, row.request_id, r["X-Request-ID"]) == ("198.51.100.9", "proxy-req-12345678",
                                                                   "proxy-req-12345678")
    w2 = widget(townships["nanzhao"])
    r = client.post(f"/api/v1/widgets/{w2.pk}/transitions/submit/", {}, format="json", REMOTE_ADDR="203.0.113.5",
                    HTTP_X_FORWARDED_FOR="198.51.100.9", HTTP_X_REQUEST_ID="spoofed-id-12345678")
    row = _last(w2)
    assert row.client_ip == "203.0.113.5"
    assert row.request_id != "spoofed-id-12345678" and row.request_id == r["X-Request-ID"]


def test_context_is_hashed_with_the_row_and_old_rows_still_verify(users, townships):
    # a row written without any context (as every row before this change) verifies unchanged
    w = widget(townships["nanzhao"])
    first = w.history.get()
    assert (first.via, first.request_id, first.client_ip) == ("", "", "")
    with context.using(context.RequestContext(client_ip="10.9.9.9", request_id="abc123def456", via="api")):
        run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    assert verify().ok
    if connection.vendor != "sqlite":
        return  # PostgreSQL refuses the UPDATE itself (test_history)
    row = _last(w)
    table = Widget.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET client_ip = '10.0.0.1' WHERE history_id = %s", [row.history_id])
    result = verify()
    assert not result.ok and result.broken_history_id == row.history_id


def test_read_log_rows_carry_address_and_request_id(api, users, townships):
    from supervision import registry

    rt = registry.for_model(Widget)
    w = widget(townships["nanzhao"])
    before = ReadAccess.objects.count()
    original = rt.confidential
    rt.confidential = True
    try:
        r = api(users["auditor"]).get(f"/api/v1/widgets/{w.pk}/", REMOTE_ADDR="10.4.4.4")
    finally:
        rt.confidential = original
    assert r.status_code == 200
    row = ReadAccess.objects.order_by("-pk").first()
    assert ReadAccess.objects.count() == before + 1
    assert (row.object_id, row.client_ip, row.request_id) == (str(w.pk), "10.4.4.4", r["X-Request-ID"])


def test_log_records_carry_the_request_id():
    from django.conf import settings

    seen = []

    class Grab(logging.Handler):
        def emit(self, record):
            seen.append(self.format(record))

    handler = Grab()
    handler.addFilter(context.RequestIdLogFilter())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["request"]["format"]))
    logger = logging.getLogger("supervision.test")
    logger.addHandler(handler)
    try:
        with context.using(context.RequestContext(client_ip="10.0.0.9", request_id="req-0123456789", via="api")):
            logger.warning("inside")
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    assert "[req-0123456789 api] inside" in seen[0]
    assert "[- -] outside" in seen[1]
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["request"]


def test_verify_history_records_its_result_for_the_integrity_page(users, townships, tmp_path, monkeypatch):
    from django.core.management import call_command

    from supervision.audit.integrity import integrity_status

    widget(townships["nanzhao"])
    call_command("verify_history")
    status = integrity_status()
    assert status["last"].ok and status["last"].rows >= 1 and len(status["last"].head) == 64
    monkeypatch.setenv("HISTORY_CHECKPOINT_KEY", "k" * 32)
    call_command("history_checkpoint", str(tmp_path))
    status = integrity_status()
    assert status["last_checkpoint"] is not None and status["last_checkpoint"].ok
    assert status["last_checkpoint"].checkpoint_created_at


def test_the_timeline_shows_the_context_to_auditors_only(api, users, townships):
    w = widget(townships["nanzhao"])
    r = api(users["township_nanzhao"]).post(f"/api/v1/widgets/{w.pk}/transitions/submit/", {}, format="json",
                                            REMOTE_ADDR="10.7.7.7")
    body = api(users["auditor"]).get(f"/api/v1/widgets/{w.pk}/history/").json()
    submit = [e for e in body if e["transition"] == "submit"][0]
    assert (submit["via"], submit["via_label"], submit["client_ip"], submit["request_id"]) == (
        "api", "接口", "10.7.7.7", r["X-Request-ID"])
    mine = api(users["township_nanzhao"]).get(f"/api/v1/widgets/{w.pk}/history/").json()
    assert all(e["client_ip"] == "" and e["request_id"] == "" for e in mine)


def test_read_log_page_filters_and_exports_with_address_and_request(web, api, users, townships):
    from django.urls import reverse

    from tests.workflows.cases.conftest import register

    case = register(users, townships)
    r = api(users["discipline"]).get(f"/api/v1/cases/{case.pk}/", REMOTE_ADDR="10.8.8.8")
    assert r.status_code == 200
    client = web(users["auditor"])
    html = client.get(reverse("audit-reads"), {"ip": "10.8.8.8"}).content.decode()
    assert r["X-Request-ID"][:12] in html and "10.8.8.8" in html and case.get_absolute_url() in html
    assert "杨某" not in html  # the record's name, not its content
    html = client.get(reverse("audit-reads"), {"user": users["discipline"].display_name()}).content.decode()
    assert "10.8.8.8" in html
    assert "10.8.8.8" not in client.get(reverse("audit-reads"), {"ip": "10.9.9.9"}).content.decode()
    export = client.get(reverse("audit-reads"), {"request": r["X-Request-ID"], "export": "csv"})
    lines = b"".join(export.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and "10.8.8.8" in lines[1] and r["X-Request-ID"] in lines[1]
    assert web(users["inspector"]).get(reverse("audit-reads")).status_code == 404


def test_integrity_page_shows_the_last_result_and_checkpoint(web, users, townships, tmp_path, monkeypatch):
    from django.core.management import call_command
    from django.urls import reverse

    widget(townships["nanzhao"])
    client = web(users["auditor"])
    call_command("verify_history")
    html = client.get(reverse("audit-integrity")).content.decode()
    from supervision.models import IntegrityCheck

    last = IntegrityCheck.objects.first()
    assert last.ok and last.head in html and "结果正常" in html and "尚无检查点" in html
    monkeypatch.setenv("HISTORY_CHECKPOINT_KEY", "k" * 32)
    call_command("history_checkpoint", str(tmp_path))
    html = client.get(reverse("audit-integrity")).content.decode()
    assert IntegrityCheck.objects.first().checkpoint_created_at in html and "尚无检查点" not in html
    assert web(users["township_nanzhao"]).get(reverse("audit-integrity")).status_code == 404

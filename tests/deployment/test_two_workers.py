"""Two ASGI workers behave as one (PostgreSQL + Redis + object storage).

Two real daphne processes on two ports, started like production workers (their own settings,
connection pool, channel layer on Redis, files in the S3-compatible store of ``s3_server``):
- a transition committed through worker A reaches a websocket connected to worker B;
- an attachment uploaded through A downloads through B (and stays out of another township's reach);
- the sign-in throttle counts attempts made through both;
- two sweeps started at once on the two machines do each thing once.
"""
import datetime as dt
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from supervision.models import Attachment, Notification
from tests.conftest import PASSWORD
from tests.deployment.wsclient import WebSocket
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget
from tests.objectstore import free_port, s3_client, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
LOGIN_LIMIT = 3

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
                       reason="two workers share PostgreSQL and Redis"),
    pytest.mark.django_db(transaction=True),
]


def _worker_env(s3_server) -> dict:
    """What a worker machine would have in /etc/weishan/env, pointed at the test database."""
    db = connection.settings_dict
    run = uuid.uuid4().hex[:8]  # fresh channel/cache namespace: nothing left from an earlier run
    return {
        **os.environ, **s3_server["env"],
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
        "CHANNEL_PREFIX": f"{os.environ.get('CHANNEL_PREFIX', 'asgi')}_mw{run}",
        "CACHE_PREFIX": f"{os.environ.get('CACHE_PREFIX', 'weishan')}_mw{run}",
        "STORAGE_URL": s3_server["url"],
        "LOGIN_MAX_FAILURES": str(LOGIN_LIMIT),
        "DB_POOL_MAX_SIZE": "4",
    }


@pytest.fixture
def workers(s3_server, users):
    env = _worker_env(s3_server)
    log_dir = ROOT / "test-artifacts"
    started = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = open(log_dir / f"worker-{name}.log", "wb")  # noqa: SIM115 - closed below
            process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                cwd=ROOT, env={**env, "DB_APPLICATION_NAME": f"{env['CHANNEL_PREFIX']}-{name}"},
                stdout=log, stderr=subprocess.STDOUT)
            started.append((process, log, port))
        for process, _log, port in started:
            wait_for_port(port, process, timeout=60)
        yield {"a": f"http://127.0.0.1:{started[0][2]}", "b": f"http://127.0.0.1:{started[1][2]}",
               "ports": (started[0][2], started[1][2]), "env": env,
               "apps": (f"{env['CHANNEL_PREFIX']}-a", f"{env['CHANNEL_PREFIX']}-b")}
    finally:
        for process, _log, _port in started:
            process.terminate()
        for process, log, _port in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def _request(method, url, *, data=None, headers=None, files=None):
    """(status, headers, body bytes) — urllib, so nothing of Django's test client is involved."""
    headers = dict(headers or {})
    body = None
    if files is not None or data is not None and method != "GET":
        if files is not None:
            boundary = uuid.uuid4().hex
            parts = []
            for key, value in (data or {}).items():
                for item in value if isinstance(value, list) else [value]:
                    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{item}\r\n'
                                 .encode())
            for key, (filename, content, ctype) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{filename}"'
                             f'\r\nContent-Type: {ctype}\r\n\r\n'.encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read()


def _backends(application_name) -> set[int]:
    """Server process ids of the connections a worker holds open (its pool)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name])
        return {pid for (pid,) in cursor.fetchall()}


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_two_workers_behave_as_one(workers, users, townships, s3_server):
    a, b = workers["a"], workers["b"]
    for url in (a, b):
        status, _h, body = _request("GET", f"{url}/readyz")
        assert status == 200, body
        assert json.loads(body)["checks"] == {"database": "ok", "redis": "ok", "migrations": "ok", "storage": "ok"}
    pool_before = [_backends(app) for app in workers["apps"]]

    inspector = {"Authorization": f"Token {Token.objects.create(user=users['inspector']).key}"}
    township = users["township_nanzhao"]

    # --- a transition committed through A reaches a websocket connected to B -----------------
    socket_b = WebSocket(workers["ports"][1], "/ws/notifications/", cookie=_session_cookie(township), origin=b)
    try:
        assert socket_b.receive_json()["type"] == "hello"
        report = "巍宝山乡督查报告。\n".encode()
        status, _h, body = _request("POST", f"{a}/api/v1/notices/", headers=inspector, data={
            "title": "两台服务器联调", "findings": "发现问题", "requirements": "限期整改",
            "target_townships": [townships["nanzhao"].pk],
        }, files={"attachment": ("督查报告.txt", report, "text/plain")})
        assert status == 201, body
        notice = json.loads(body)
        status, _h, body = _request("POST", f"{a}/api/v1/notices/{notice['id']}/transitions/issue/", headers=inspector,
                                    data={"comment": "交办", "version": notice["version"]})
        assert status == 200, body
        pushed = socket_b.receive_json(timeout=15)
        assert pushed["type"] == "notification"
        assert pushed["notification"]["verb"].startswith("notices.") and pushed["unread"] >= 1
    finally:
        socket_b.close()
    assert Notification.objects.filter(recipient=township).count() == pushed["unread"]

    # --- an attachment uploaded through A downloads through B (object storage) -------------------
    attachment = Attachment.objects.get(record_type="notices.notice", object_id=str(notice["id"]))
    assert attachment.file.name.startswith("attachments/")
    status, headers, body = _request("GET", f"{b}/files/{attachment.pk}/",
                                     headers={"Cookie": _session_cookie(township)})
    assert status == 200 and body == report
    assert "attachment" in headers["Content-Disposition"]
    status, _h, _b = _request("GET", f"{b}/files/{attachment.pk}/",
                              headers={"Cookie": _session_cookie(users["township_miaojie"])})
    assert status == 404  # out of scope on B as well
    stored = s3_client(s3_server).get_object(Bucket=s3_server["bucket"], Key=f"media/{attachment.file.name}")
    assert stored["Body"].read() == report  # in the shared store, not on worker A's disk

    # Every request and websocket call above went through each worker's pool: the connections
    # it opened first are still the ones in use, and never more than DB_POOL_MAX_SIZE.
    pool_after = [_backends(app) for app in workers["apps"]]
    for before, after in zip(pool_before, pool_after, strict=True):
        assert before and before & after and len(after) <= int(workers["env"]["DB_POOL_MAX_SIZE"]), (before, after)

    # --- two sweeps started at once, one per machine, do each thing once ------------------------
    late = [widget(townships["nanzhao"], title=f"逾期事项{i}", due=dt.date(2026, 11, 1)) for i in range(5)]
    sweep = [sys.executable, "manage.py", "run_sweeps", "--now", "2026-12-28"]
    runs = [subprocess.Popen(sweep, cwd=ROOT, env=workers["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _machine in ("a", "b")]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, out + err
    for w in late:
        assert Widget.objects.get(pk=w.pk).state == "overdue"
        assert w.history.filter(transition="mark_overdue").count() == 1
    overdue_actions = [int(line.rsplit(":", 1)[1]) for out, _err in outputs for line in out.splitlines()
                       if line.startswith("kernelflow.sweep_overdue:") and "skipped" not in line]
    assert sum(overdue_actions) == len(late)
    # The notice's assignment went overdue once, and its township was told once per event.
    from workflows.notices.models import NoticeAssignment

    assignment = NoticeAssignment.objects.get(notice_id=notice["id"])
    moves = list(assignment.history.exclude(transition="").values_list("transition", flat=True))
    assert len(moves) == len(set(moves)), moves
    verbs = list(Notification.objects.filter(recipient=township).values_list("verb", flat=True))
    assert len(verbs) == len(set(verbs)), verbs

    # --- the sign-in throttle counts attempts made through both workers -------------------------
    target = users["township_qinghua"].username
    assert _request("POST", f"{b}/api/v1/auth/token/", data={"username": target, "password": PASSWORD})[0] == 200
    for i in range(LOGIN_LIMIT):
        status, _h, _b = _request("POST", f"{(a, b)[i % 2]}/api/v1/auth/token/",
                                  data={"username": target, "password": "wrong-password"})
        assert status in (400, 401, 403), status
    # The next attempt, right password, through the worker that saw fewer failures: refused.
    other = b if LOGIN_LIMIT % 2 else a
    status, _h, body = _request("POST", f"{other}/api/v1/auth/token/", data={"username": target, "password": PASSWORD})
    assert status in (403, 429), (status, body)
    assert b"token" not in body

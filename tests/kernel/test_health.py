"""/healthz and /readyz: 200 with the database and Redis answering, 503 naming the one that is down.
"Down" is a URL pointing at a closed port on 127.0.0.1; the shared services are never touched."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.objectstore import free_port

ROOT = Path(__file__).resolve().parents[2]
REAL_REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REAL_REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not _redis_answers(), reason=f"Redis not answering at {REAL_REDIS}")


@needs_redis
@pytest.mark.django_db
def test_healthz_200_with_database_and_redis_up(client, settings):
    settings.REDIS_URL = REAL_REDIS
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_healthz_503_naming_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "redis": "down"},
                               "down": ["redis"]}


@pytest.mark.django_db
def test_probes_need_no_allowed_host_session_or_tls(client, settings):
    settings.REDIS_URL = None
    settings.SECURE_SSL_REDIRECT = True
    for path in ("/healthz", "/healthz/", "/readyz"):
        response = client.get(path, HTTP_HOST="10.1.2.3:8000")  # a balancer probing by address
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response
    assert client.post("/healthz", HTTP_HOST="10.1.2.3").status_code == 400  # only GET/HEAD are probes


@pytest.mark.django_db
def test_readyz_checks_migrations_and_the_object_store(client, settings, object_storage):
    settings.REDIS_URL = None
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "storage": "ok"}
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": {
        **settings.STORAGES["default"]["OPTIONS"], "bucket_name": "no-such-bucket-here"}}}
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["down"] == ["storage"]


def test_healthz_503_naming_the_database_when_it_is_down():
    """A worker whose DATABASE_URL points at a closed port (a fresh process: settings are read once)."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nowhere", DB_POOL_TIMEOUT="2",
               DJANGO_SETTINGS_MODULE="config.settings.base")
    code = ("import django, json; django.setup(); from django.test import Client; "
            "r = Client().get('/healthz'); print(json.dumps([r.status_code, json.loads(r.content)]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    status, body = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body == {"status": "unavailable", "checks": {"database": "down"}, "down": ["database"]}

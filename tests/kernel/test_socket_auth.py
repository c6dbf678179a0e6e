"""Opening a notification socket (supervision/socket_auth.py): two statements, and every check of
``django.contrib.auth.get_user`` kept — expired, tampered or foreign sessions, inactive users, a
changed password are refused (the socket closes with 4401); a session signed with a fallback
secret is accepted and its key cycled, as ``get_user`` does."""
import threading
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.asgi import application
from supervision import socket_auth
from supervision.models import User
from supervision.notify import notify

BACKEND = "supervision.access.ScopedRoleBackend"


def _session(user, backend=BACKEND, auth_hash=None):
    store = SessionStore()
    store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash() if auth_hash is None else auth_hash
    store.create()
    return store.session_key


def _statements(captured):
    return [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE",
                                                                               "DELETE", "WITH"))]


def _socket_code(key):
    """Open a socket with the session cookie: None when accepted (after its hello), else the
    close code."""
    async def scenario():
        comm = WebsocketCommunicator(application, "/ws/notifications/", headers=[
            (b"origin", b"http://testserver"), (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())])
        connected, code = await comm.connect()
        if not connected:
            return code
        assert (await comm.receive_json_from(timeout=5))["type"] == "hello"
        await comm.disconnect()
        return None

    return async_to_sync(scenario)()


@pytest.mark.django_db
def test_a_socket_opens_with_two_statements_and_the_user_as_the_orm_loads_it(users):
    user = users["township_qinghua"]
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    notify(recipients=[user], verb="t", message="一")
    notify(recipients=[user], verb="t", message="二")
    key = _session(user)
    with CaptureQueriesContext(connection) as captured:
        opened = socket_auth.open_state(SessionStore(key))
    statements = _statements(captured)
    assert len(statements) == 2, statements
    assert "django_session" in statements[0] and "supervision_notification" in statements[1]
    got, unread, seq = opened
    assert (unread, seq) == (2, 2)
    loaded = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:  # converters applied (SQLite: datetimes, booleans)
        assert getattr(got, field.attname) == getattr(loaded, field.attname), field.name
    assert got._state.adding is False and got._state.db == "default"
    assert got.get_session_auth_hash() == loaded.get_session_auth_hash()


@pytest.mark.django_db
def test_refused_sessions_open_nothing(users, client):
    user, other = users["township_wuyin"], users["township_zijin"]
    expired = _session(user)
    Session.objects.filter(session_key=expired).update(expire_date=timezone.now() - timedelta(seconds=1))
    unknown_backend = _session(user, backend="django.contrib.auth.backends.RemoteUserBackend")
    wrong_hash = _session(user, auth_hash="0" * 64)
    no_hash = _session(user, auth_hash="")
    tampered = _session(user)
    Session.objects.filter(session_key=tampered).update(
        session_data=SessionStore().encode({SESSION_KEY: str(other.pk), BACKEND_SESSION_KEY: BACKEND,
                                            HASH_SESSION_KEY: other.get_session_auth_hash()})[:-3] + "abc")
    for key in (expired, unknown_backend, wrong_hash, no_hash, tampered, "no-such-session-key", "x"):
        assert socket_auth.open_state(SessionStore(key)) is None, key
    # A hash that does not verify flushes the session, as get_user does.
    assert not Session.objects.filter(session_key__in=[wrong_hash, no_hash]).exists()
    assert socket_auth.open_state(None) is None


@pytest.mark.django_db(transaction=True)
def test_the_socket_is_refused_once_the_password_changes_or_the_user_is_deactivated(users):
    user = users["township_nanzhao"]
    key = _session(user)
    assert _socket_code(key) is None
    user.set_password("a-new-password-456")
    user.save()
    assert _socket_code(key) == 4401
    assert not Session.objects.filter(session_key=key).exists()  # flushed

    other = users["township_dacang"]
    key = _session(other)
    assert _socket_code(key) is None
    other.is_active = False
    other.save(update_fields=["is_active"])
    assert _socket_code(key) == 4401

    expired = _session(users["inspector"])
    Session.objects.filter(session_key=expired).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert _socket_code(expired) == 4401


@pytest.mark.django_db
def test_a_hash_made_with_a_fallback_secret_is_accepted_and_the_key_cycled(users, settings):
    user = users["inspector"]
    old_hash = user.get_session_auth_hash()  # under the current SECRET_KEY
    key = _session(user, auth_hash=old_hash)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-" + "x" * 40
    store = SessionStore(key)
    # The session data is signed with the old key too: decoding it needs the fallback.
    got, _unread, _seq = socket_auth.open_state(store)
    assert got.pk == user.pk
    assert store.session_key != key and store[HASH_SESSION_KEY] == user.get_session_auth_hash() != old_hash
    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
def test_other_session_engines_take_the_generic_path(users, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    from django.contrib.sessions.backends.cached_db import SessionStore as CachedStore

    user = users["township_qinghua"]
    store = CachedStore()
    store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    got, unread, seq = socket_auth.open_state(CachedStore(store.session_key))
    assert got.pk == user.pk and (unread, seq) == (0, 0)
    bad = CachedStore()
    bad[SESSION_KEY], bad[BACKEND_SESSION_KEY], bad[HASH_SESSION_KEY] = str(user.pk), BACKEND, "0" * 64
    bad.create()
    assert socket_auth.open_state(CachedStore(bad.session_key)) is None


@pytest.mark.django_db(transaction=True)
def test_sockets_read_the_database_on_their_own_threads_not_the_shared_one(users, monkeypatch):
    """Not on asgiref's one thread-sensitive thread, where every socket's call would queue."""
    seen = []
    open_state = socket_auth.open_state

    def recording(session):
        seen.append(threading.current_thread().name)
        return open_state(session)

    monkeypatch.setattr(socket_auth, "open_state", recording)
    assert _socket_code(_session(users["township_qinghua"])) is None
    assert len(seen) == 1 and seen[0].startswith("notify-socket-db"), seen

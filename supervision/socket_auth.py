"""Who is opening a notification socket, and what its hello says: in two statements.

``django.contrib.auth.get_user`` and ``notify.unread_and_seq`` read the same answer in three (the
session, the user, the unread count and ``seq``), each through the ORM's query compiler; on one
daphne worker opening a thousand sockets that Python work, on the GIL the event loop needs, was
most of what a project socket cost over a bare one. Here, with the database session engine and a
backend that loads the user as ``ModelBackend`` does (this project's configuration):

1. the session row, unexpired, as ``SessionStore.load`` reads it, decoded (signature checked) by
   the store itself;
2. the user row with the unread count and the latest ``seq`` in the same statement.

Every check of ``get_user`` is kept, in the same order: the backend must be configured, the
backend's ``user_can_authenticate`` (inactive users are refused), and the session auth hash
(a password change or a rotated ``SECRET_KEY`` without fallback logs the socket out and flushes
the session; a hash made with a fallback key cycles the session key, as ``get_user`` does).
Any other session engine, a backend with its own ``get_user``, or database routers: the
generic path, ``get_user`` then ``unread_and_seq``.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db as db_sessions
from django.db import connection
from django.db.models.manager import BaseManager
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from . import notify


class _SessionRequest:
    """What ``django.contrib.auth.get_user`` reads from a request: the session."""

    def __init__(self, session):
        self.session = session


def open_state(session):
    """``(user, unread count, latest seq)`` of the session's user, or None when the session
    does not authenticate an active user (the socket is then refused)."""
    if session is None:
        return None
    if not _plain_db_session(session):
        return _generic(session)
    data = _load(session)
    user_model = get_user_model()
    try:
        user_id = user_model._meta.pk.to_python(data[SESSION_KEY])
        backend_path = data[BACKEND_SESSION_KEY]
    except KeyError:
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    backend = load_backend(backend_path)
    if not _plain_model_backend(type(backend), user_model):
        return _generic(session)  # the session is loaded: get_user reads it without a query
    found = _user_with_state(user_model, user_id)
    if found is None:
        return None
    user, unread, seq = found
    if not backend.user_can_authenticate(user):
        return None
    if not _session_verified(session, user):
        return None
    return user, unread, seq


def _generic(session):
    user = get_user(_SessionRequest(session))
    if not user.is_authenticated:
        return None
    unread, seq = notify.unread_and_seq(user)
    return user, unread, seq


def _plain_db_session(session) -> bool:
    cls = session.__class__  # through channels' LazyObject: the store's class
    return (issubclass(cls, db_sessions.SessionStore) and not settings.DATABASE_ROUTERS
            and cls.load is db_sessions.SessionStore.load
            and cls._get_session_from_db is db_sessions.SessionStore._get_session_from_db)


def _plain_model_backend(cls, user_model) -> bool:
    """The backend loads the user as ``ModelBackend.get_user`` does: by primary key through a
    default manager with no filtering of its own, then ``user_can_authenticate``."""
    return (issubclass(cls, ModelBackend) and cls.get_user is ModelBackend.get_user
            and type(user_model._default_manager).get_queryset is BaseManager.get_queryset)


def _load(session) -> dict:
    """``SessionStore.load`` of the database engine, in raw SQL: the unexpired row, decoded by
    the store (a bad signature decodes to an empty session). A missing or expired row leaves the
    store without a key, as ``load`` does."""
    session.accessed = True
    if hasattr(session, "_session_cache"):
        return session._session_cache
    key = session.session_key  # None when the cookie's key is malformed
    data = {}
    if key is not None:
        table = connection.ops.quote_name(session.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",
                           [key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:
            session._session_key = None
        else:
            data = session.decode(row[0])
    session._session_cache = data
    return data


def _user_with_state(user_model, user_id):
    """The user (a model instance, as the ORM would build it) and its unread count and latest
    notification number, in one statement; None when there is no such user."""
    from .models import Notification, NotificationCounter

    qn = connection.ops.quote_name
    meta = user_model._meta
    fields = meta.concrete_fields
    columns = ", ".join(f"u.{qn(f.column)}" for f in fields)
    pk = f"u.{qn(meta.pk.column)}"
    sql = (f"SELECT {columns}, "
           f"{notify.capped_unread_sql(qn(Notification._meta.db_table), pk)}, "
           f"COALESCE((SELECT c.last FROM {qn(NotificationCounter._meta.db_table)} c WHERE c.user_id = {pk}), 0) "
           f"FROM {qn(meta.db_table)} u WHERE {pk} = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row[:len(fields)])
    for i, field in enumerate(fields):  # what the compiler applies (SQLite: datetimes, booleans)
        col = field.get_col(meta.db_table)
        for convert in connection.ops.get_db_converters(col) + field.get_db_converters(connection):
            values[i] = convert(values[i], col, connection)
    user = user_model.from_db(connection.alias, [f.attname for f in fields], values)
    return user, int(row[-2]), int(row[-1])


def _session_verified(session, user) -> bool:
    """``get_user``'s verification of the session auth hash, unchanged."""
    if not hasattr(user, "get_session_auth_hash"):
        return True
    session_hash = session.get(HASH_SESSION_KEY)
    if session_hash:
        session_auth_hash = user.get_session_auth_hash()
        if constant_time_compare(session_hash, session_auth_hash):
            return True
        if any(constant_time_compare(session_hash, fallback) for fallback in user.get_session_auth_fallback_hash()):
            session.cycle_key()
            session[HASH_SESSION_KEY] = session_auth_hash
            return True
    session.flush()
    return False

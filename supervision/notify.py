"""Notifications service (DESIGN §3.4): persist now, push after commit."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from channels.layers import get_channel_layer
from django.db import transaction

from .models import Notification, NotificationCounter
from .pushing import Pusher

log = logging.getLogger(__name__)


# The badge counts to 99 and shows "99+" beyond: every unread count stops at UNREAD_CAP rows, so a
# user with 20,000 unread notifications (an issuer 1,000 townships answer) costs each page, socket
# and push what one with 100 costs, not a scan of all 20,000 (issue 11).
UNREAD_CAP = 100


def capped_unread_sql(table: str, recipient: str) -> str:
    """SQL for the unread count of ``recipient`` (a column or a placeholder), stopping at UNREAD_CAP."""
    return (f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} unread_n WHERE unread_n.recipient_id = {recipient} "
            f"AND unread_n.read_at IS NULL LIMIT {UNREAD_CAP}) capped)")


def user_group(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def notify(*, recipients: Iterable, verb: str, message: str, target=None, url: str = "",
           exclude=None) -> list[Notification]:
    """Persist one notification per recipient; push each to its socket after commit.

    Recipients are deduplicated and inactive users skipped. ``exclude`` (usually the actor)
    is not notified about their own action. When ``target`` is a workflow record, recipients
    who may not see it are dropped (the same scope function as every page). A rollback
    removes the rows and the push.
    """
    rows, seen = _rows(recipients, verb=verb, message=message, target=target, url=url, exclude=exclude)
    if not rows:
        return []
    from django.db import connection

    unread = None
    if connection.vendor == "postgresql":
        created, unread = _insert_numbered(rows)
    else:
        seqs = take_seqs(sorted(seen))
        for n in rows:
            n.seq = seqs[n.recipient_id]
        created = Notification.objects.bulk_create(rows)
        if any(n.pk is None for n in created):  # backends that don't return ids: (recipient, seq) is unique
            found = {(r, q): pk for pk, r, q in Notification.objects.filter(
                recipient__in=seen, seq__in={n.seq for n in rows}).values_list("pk", "recipient_id", "seq")}
            for n in created:
                n.pk = found.get((n.recipient_id, n.seq))
    payloads = [(n.recipient_id, n.as_payload()) for n in created]
    if unread is None:  # counted after commit, in one query
        transaction.on_commit(lambda: push(payloads, with_unread=True), robust=True)
    else:  # counted by the insert itself
        transaction.on_commit(lambda: push(payloads, unread=unread), robust=True)
    return created


def _rows(recipients, *, verb: str, message: str, target=None, url: str = "", exclude=None,
          check_scope: bool | None = None) -> tuple[list[Notification], set[int]]:
    """The unsaved notifications of ``notify`` (deduplicated, active, in scope) and their
    recipients' ids."""
    from django.conf import settings
    from django.utils import translation

    from . import access, registry

    if check_scope is None:
        check_scope = target is not None and registry.is_registered(target)
    # Stored once for everyone, so in the county's language, not the actor's UI language.
    with translation.override(settings.LANGUAGE_CODE):
        message = str(message)
    seen, rows = set(), []
    exclude_id = getattr(exclude, "pk", exclude)
    record_type = target._meta.label_lower if target is not None else ""
    object_id = str(target.pk) if target is not None else ""
    if not url and target is not None and hasattr(target, "get_absolute_url"):
        url = target.get_absolute_url()
    recipients = [u for u in recipients if u is not None]
    if check_scope:
        access.preload_grants(recipients)
    for user in recipients:
        if user.pk in seen or user.pk == exclude_id or not user.is_active:
            continue
        if check_scope and not access.can(user, "view", target):
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, verb=verb, message=message[:500],
                                 record_type=record_type, object_id=object_id, url=url))
    return rows, seen


def notify_many(items: Iterable[dict]) -> list[Notification]:
    """Many ``notify`` calls at once (a sweep's reminders): each item holds ``notify``'s keyword
    arguments (``recipients``, ``verb``, ``message``, ``target``, ``url``, ``exclude``), with the
    same rules per item (deduplicated, active, in scope). The recipients' numbers are taken in
    one statement and the rows inserted in one more; the pushes go out after commit, with the
    unread counts read in one query. A rollback removes the rows and the pushes."""
    from . import access

    # One user object per user (a batch's records each load their own copy of, say, the issuer):
    # the grants of all of them in one query, checked from there on with none.
    users: dict = {}
    items = [{**item, "recipients": [users.setdefault(u.pk, u) for u in item["recipients"] if u is not None]}
             for item in items]
    access.preload_grants(list(users.values()))
    rows = []
    for item in items:
        rows += _rows(**item)[0]
    if not rows:
        return []
    per_user: dict[int, int] = {}
    for n in rows:
        per_user[n.recipient_id] = per_user.get(n.recipient_id, 0) + 1
    last = take_seqs(sorted(per_user), per_user)
    for n in rows:  # numbers in the order of the rows, ending at each user's new last
        per_user[n.recipient_id] -= 1
        n.seq = last[n.recipient_id] - per_user[n.recipient_id]
    created = Notification.objects.bulk_create(rows)
    if any(n.pk is None for n in created):  # backends that don't return ids: (recipient, seq) is unique
        found = {(r, q): pk for pk, r, q in Notification.objects.filter(
            recipient__in=list(last), seq__in={n.seq for n in rows}).values_list("pk", "recipient_id", "seq")}
        for n in created:
            n.pk = found.get((n.recipient_id, n.seq))
    payloads = [(n.recipient_id, n.as_payload()) for n in created]
    transaction.on_commit(lambda: push(payloads, with_unread=True), robust=True)
    return created


def _insert_numbered(rows: list[Notification]) -> tuple[list[Notification], dict[int, int]]:
    """PostgreSQL: take the recipients' next numbers and insert the notifications in one statement
    (a data-modifying CTE: the counter upsert feeds the insert). Same locking as ``take_seqs``.

    The same statement returns each recipient's unread count for the push (what the statement
    sees — this transaction's earlier notifications included — plus the row it inserts), so the
    push needs no query after commit. A count that moves meanwhile (a read elsewhere, another
    commit) is corrected by the next message or page: the badge is a hint, the list is exact."""
    from django.db import connection
    from django.utils import timezone

    qn = connection.ops.quote_name
    counter = qn(NotificationCounter._meta.db_table)
    table = qn(Notification._meta.db_table)
    by_user = {n.recipient_id: n for n in rows}
    ids = sorted(by_user)
    first = rows[0]
    now = timezone.now()
    sql = (f"WITH c AS (INSERT INTO {counter} (user_id, last) VALUES {', '.join(['(%s, 1)'] * len(ids))} "
           f"ON CONFLICT (user_id) DO UPDATE SET last = {counter}.last + 1 RETURNING user_id, last) "
           f"INSERT INTO {table} (recipient_id, verb, message, record_type, object_id, url, created_at, read_at, seq) "
           f"SELECT c.user_id, %s, %s, %s, %s, %s, %s, NULL, c.last FROM c ORDER BY c.user_id "
           f"RETURNING id, recipient_id, seq, LEAST({UNREAD_CAP}, 1 + "
           f"{capped_unread_sql(table, f'{table}.recipient_id')})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, first.verb, first.message, first.record_type, first.object_id, first.url, now])
        returned = cursor.fetchall()
    unread = {}
    for pk, user_id, seq, count in returned:
        n = by_user[user_id]
        n.pk, n.seq, n.created_at = pk, seq, now
        n._state.adding, n._state.db = False, connection.alias
        unread[user_id] = count
    return rows, unread  # rows in the recipients' order, as bulk_create would


def take_seqs(user_ids: list[int], counts: dict[int, int] | None = None) -> dict[int, int]:
    """The next notification number of each user, in one statement (an upsert on the counter);
    with ``counts``, ``counts[user]`` numbers each, and the last of them is returned.

    The counter rows stay locked until commit: concurrent notifications to one user are numbered
    in commit order, with no gap and no duplicate. Ids are sorted so lockers never cross.
    """
    from django.db import connection

    table = connection.ops.quote_name(NotificationCounter._meta.db_table)
    values = ", ".join(["(%s, %s)"] * len(user_ids))
    sql = (f"INSERT INTO {table} (user_id, last) VALUES {values} "
           f"ON CONFLICT (user_id) DO UPDATE SET last = {table}.last + excluded.last RETURNING user_id, last")
    params = []
    for user_id in user_ids:
        params += [user_id, (counts or {}).get(user_id, 1)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def unread_counts(user_ids) -> dict[int, int]:
    """Unread notifications per user (at most UNREAD_CAP), in one query."""
    from django.db.models import Count

    counts = dict.fromkeys(user_ids, 0)
    counts.update((user_id, min(n, UNREAD_CAP)) for user_id, n in Notification.objects.filter(
        recipient_id__in=list(user_ids), read_at__isnull=True).values_list("recipient_id").annotate(
        n=Count("id")).values_list("recipient_id", "n"))
    return counts


def push(payloads, *, with_unread: bool = False, unread: dict | None = None) -> None:
    """Send each payload to its recipient's group, after commit. At-most-once: the per-user
    ``seq`` in each payload lets the browser see a gap and catch up over HTTP.

    The unread count travels with the message (given as ``unread``, or counted here in one
    query with ``with_unread``; never one query per socket), and all the messages of one commit
    go out together (``pushing.Pusher``: on channels-redis from this thread, in one or two
    pipelined round trips).
    """
    if not payloads:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    events = []
    unread = dict(unread or {})
    if with_unread and not unread:
        try:
            unread = unread_counts({user_id for user_id, _p in payloads})
        except Exception:  # the push is best-effort; the badge catches up on the next page
            log.exception("unread count for push failed")
    for user_id, payload in payloads:
        event = {"type": "notification.new", "notification": payload}
        if user_id in unread:
            event["unread"] = unread[user_id]
        events.append((user_group(user_id), event))
    _pusher.send(layer, events)


_pusher = Pusher()
flush_pushes = _pusher.flush


def unread_count(user) -> int:
    """The user's unread notifications, counted up to UNREAD_CAP."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True)[:UNREAD_CAP].count()


def notifications_since(user, after_id: int = 0, limit: int = 50, *, after_seq: int | None = None
                        ) -> list[Notification]:
    """What the user has not seen: after a notification id, or after the user's own ``seq``
    (the live script's catch-up; numbers follow commit order, so nothing slips behind)."""
    qs = Notification.objects.filter(recipient=user)
    if after_seq is not None:
        return list(qs.filter(seq__gt=after_seq).order_by("seq")[:limit])
    return list(qs.filter(pk__gt=after_id).order_by("id")[:limit])


def unread_and_seq(user) -> tuple[int, int]:
    """(unread count up to UNREAD_CAP, latest ``seq``) in one query: what a socket says hello with."""
    from django.db import connection

    qn = connection.ops.quote_name
    table, counter = qn(Notification._meta.db_table), qn(NotificationCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {capped_unread_sql(table, '%s')}, "
                       f"COALESCE((SELECT last FROM {counter} WHERE user_id = %s), 0)", [user.pk, user.pk])
        unread, seq = cursor.fetchone()
    return int(unread), int(seq)


def last_seq(user) -> int:
    """The user's latest notification number (0: none yet)."""
    return NotificationCounter.objects.filter(user_id=user.pk).values_list("last", flat=True).first() or 0


def mark_read(user, ids=None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def users_with_role(role: str, township_id: int | None = None):
    """Active users holding ``role`` — county-wide, or scoped to ``township_id`` when given."""
    from .models import User

    # One filter() call: the role and the township on the same assignment (two calls would match a
    # user holding the role anywhere and any other assignment in the township).
    if township_id is None:
        return User.objects.filter(is_active=True, role_assignments__role=role).distinct()
    return User.objects.filter(is_active=True, role_assignments__role=role,
                               role_assignments__region_id=township_id).distinct()


def users_with_role_by_township(role: str, township_ids) -> dict[int, list]:
    """``users_with_role(role, township_id=t)`` for many townships in one query: {t: [users]}
    (one user object per user, shared between townships)."""
    from .models import RoleAssignment, User

    found: dict[int, list] = {t: [] for t in township_ids}
    if not found:
        return found
    users: dict[int, User] = {}
    for ra in (RoleAssignment.objects.filter(role=role, region_id__in=list(found), user__is_active=True)
               .select_related("user").order_by("region_id", "user_id")):
        user = users.setdefault(ra.user_id, ra.user)
        if user not in found[ra.region_id]:
            found[ra.region_id].append(user)
    return found

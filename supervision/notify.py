"""Notifications service (DESIGN §3.4): persist now, push after commit."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .models import Notification

log = logging.getLogger(__name__)


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
    from django.conf import settings
    from django.utils import translation

    from . import access, registry

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
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    if any(n.pk is None for n in created):  # backends that don't return ids
        created = list(Notification.objects.filter(recipient__in=seen).order_by("-id")[: len(rows)])
    payloads = [(n.recipient_id, n.as_payload()) for n in created]
    transaction.on_commit(lambda: push(payloads), robust=True)
    return created


def push(payloads) -> None:
    """Send to each recipient's group. At-most-once: catch-up on reconnect covers drops."""
    layer = get_channel_layer()
    if layer is None:
        return
    for user_id, payload in payloads:
        try:
            async_to_sync(layer.group_send)(user_group(user_id), {"type": "notification.new", "notification": payload})
        except Exception:  # a broker outage must not fail a committed request
            log.exception("notification push failed for user %s", user_id)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_since(user, after_id: int, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, pk__gt=after_id).order_by("id")[:limit])


def mark_read(user, ids=None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def users_with_role(role: str, township_id: int | None = None):
    """Active users holding ``role`` — county-wide, or scoped to ``township_id`` when given."""
    from .models import User

    qs = User.objects.filter(is_active=True, role_assignments__role=role)
    if township_id is not None:
        qs = qs.filter(role_assignments__region_id=township_id)
    return qs.distinct()

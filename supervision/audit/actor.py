"""Who is acting: the web user, the API user, or the named system actor of commands/timers."""
import contextlib
import threading

from django.conf import settings

_local = threading.local()


def system_actor():
    """The named system user that commands and timers act as (created on first use)."""
    from django.db import IntegrityError, transaction

    from supervision.models import User

    username = settings.SUPERVISION["SYSTEM_USERNAME"]
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name="系统", is_system=True, is_active=False)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # another process created it first
            user = User.objects.get(username=username)
    return user


@contextlib.contextmanager
def acting_as(user):
    """Attribute every history row written inside the block to ``user``."""
    previous = getattr(_local, "actor", None)
    _local.actor = user
    try:
        yield user
    finally:
        _local.actor = previous


def current_actor():
    return getattr(_local, "actor", None)


def current_history_user(instance, request):
    explicit = getattr(instance, "_history_user", None)
    if explicit is not None:
        return explicit
    actor = current_actor()
    if actor is not None:
        return actor
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
    return None

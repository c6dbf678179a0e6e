"""Users who acted stay (DESIGN §3.3): they are deactivated, never deleted.

A user "acted" when any history row names them as its actor or the read log has their reads.
Deleting such a user is refused everywhere: ``User.delete()``, queryset deletes (the actor FK
of every history table is PROTECT, the read log's too) and the admin, which offers
deactivation instead.
"""
from __future__ import annotations

from django.db.models import ProtectedError
from django.utils.translation import gettext as _


class UserHasActed(ProtectedError):
    def __init__(self, user):
        message = _("用户“%(u)s”已有操作或查阅记录，不能删除；请停用该账号（取消“有效”）。") % {"u": user.username}
        super().__init__(message, set())
        self.message = message


def user_has_acted(user) -> bool:
    from .audit.chain import historical_models
    from .models import ReadAccess

    if user.pk is None:
        return False
    if ReadAccess.objects.filter(user_id=user.pk).exists():
        return True
    return any(m._default_manager.filter(history_user_id=user.pk).exists() for m in historical_models())


def user_delete_refusal(user) -> None:
    if user_has_acted(user):
        raise UserHasActed(user)


def user_deactivate(*, actor, user, reason: str = "") -> None:
    """Switch the account off (it can no longer sign in); its history stays as it was."""
    from .transitions import save_with_history

    if not user.is_active:
        return
    user.is_active = False
    save_with_history(user, actor=actor, reason=reason or _("停用账号"))

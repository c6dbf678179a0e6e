"""Who may know the reporter, and who has stepped aside: a case's team and its recusals (issue 20).

**The reporter rule.** A case's reporter (``Case.reporter_name``, ``reporter_contact``; the
record type's ``masked_fields``) is shown only to

1. the user who registered the clue (``Case.registered_by``);
2. the case's handlers 承办人: ``Case.handler`` and the team members a head adds
   (``CaseMember`` with role 承办人 or 办案组成员);
3. the heads who decide on it: heads on the team as 审批领导 — added by a head (the case's
   ``manage_team`` right), or added automatically the first time a head approves or rejects a
   proposal on the case or on one of its subjects' matters (deciding is taking part). Being
   notified of a pending proposal is not enough: until a head decides, the proposal page shows
   the reporter masked.

and only while they hold a discipline role and have not recused. Everybody else — other
discipline staff, heads with no part in the case, auditors — sees ``***`` everywhere: pages,
API, history diffs, 历史审计, exports (``access.unmasked`` → ``RecordType.unmask`` = ``may_know_reporter``).

**Recusal 回避.** A handler or head steps aside from a case by recording it (no approval: the
law obliges the person to step aside, so the record is the act); a head may also record
another person's recusal (决定回避). A ``CaseRecusal`` row (who, when, by whom, reason) is a part
of the case's timeline, with history. From then on the person neither sees nor acts on the case
or anything belonging to it: the kernel's ``scope_filter``/``scope_check`` hooks
(``recusal_scope(path)``) make it a 404 on every page, API, export, inbox, notification and
timeline. A recusal is final (a new one for the same person is refused by a unique constraint).

Record types whose records belong to a case follow its recusals with one line in their
registration: ``registry.RecordType(..., **recusal_scope("case"))`` (``path`` from the record to
its case, e.g. ``"subject__case"``).

Reads are cheap: every check reads the case's prefetched ``members``/``recusals`` (the hooks'
``scope_prefetch``), computed once per case object.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supervision.models import audited_history


class MemberRole(models.TextChoices):
    HANDLER = "handler", gettext_lazy("承办人")
    MEMBER = "member", gettext_lazy("办案组成员")
    HEAD = "head", gettext_lazy("审批领导")


class CaseMember(models.Model):
    """A person on a case's team: a handler, a team member or a deciding head (one row per person;
    removal keeps the row, inactive, so the history reads in order)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="members",
                             verbose_name=gettext_lazy("线索/案件"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=gettext_lazy("人员"))
    role = models.CharField(gettext_lazy("办案职责"), max_length=10, choices=MemberRole.choices)
    active = models.BooleanField(gettext_lazy("在办案组中"), default=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=gettext_lazy("确定人"))
    reason = models.CharField(gettext_lazy("事由"), max_length=500, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["pk"]
        verbose_name = gettext_lazy("办案人员")
        verbose_name_plural = gettext_lazy("办案人员")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="uniq_case_member",
                                               violation_error_message=gettext_lazy("该人员已在办案组中。"))]

    def __str__(self):
        return f"{self.user.display_name()}（{self.get_role_display()}）"


class CaseRecusal(models.Model):
    """回避: ``user`` stepped aside from ``case`` (self-declared, or decided by a head)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="recusals",
                             verbose_name=gettext_lazy("线索/案件"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=gettext_lazy("回避人员"))
    reason = models.TextField(gettext_lazy("回避理由"))
    self_declared = models.BooleanField(gettext_lazy("自行回避"), default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=gettext_lazy("登记人"))
    recorded_at = models.DateTimeField(gettext_lazy("回避时间"), default=timezone.now)

    history = audited_history()

    class Meta:
        ordering = ["pk"]
        verbose_name = gettext_lazy("回避")
        verbose_name_plural = gettext_lazy("回避")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="uniq_case_recusal",
                                               violation_error_message=gettext_lazy("该人员已回避本案。"))]

    def __str__(self):
        return _("%(name)s 回避") % {"name": self.user.display_name()}


# --- reads (prefetch ``members`` and ``recusals`` for lists) ------------------------------------

def _cached(case, key: str, compute):
    found = case.__dict__.get(key)
    if found is None:
        found = case.__dict__[key] = frozenset(compute())
    return found


def forget(case) -> None:
    """Drop what was read about ``case``'s team (after a change to it on this object)."""
    for key in ("_team_recused", "_team_ids", "_team_handlers"):
        case.__dict__.pop(key, None)
    cache = getattr(case, "_prefetched_objects_cache", None)
    if cache:
        cache.pop("members", None)
        cache.pop("recusals", None)


def recused_ids(case) -> frozenset[int]:
    return _cached(case, "_team_recused", lambda: (r.user_id for r in case.recusals.all()))


def team_ids(case) -> frozenset[int]:
    """Users who may know the reporter (recused ones included; the caller checks recusal)."""
    def compute():
        ids = {m.user_id for m in case.members.all() if m.active}
        ids |= {case.registered_by_id, case.handler_id}
        ids.discard(None)
        return ids

    return _cached(case, "_team_ids", compute)


def handler_ids(case) -> frozenset[int]:
    """The case's handlers: ``Case.handler`` and the team's 承办人 / 办案组成员, not recused."""
    def compute():
        ids = {m.user_id for m in case.members.all() if m.active and m.role != MemberRole.HEAD}
        if case.handler_id:
            ids.add(case.handler_id)
        return ids - recused_ids(case)

    return _cached(case, "_team_handlers", compute)


def is_recused(user, case) -> bool:
    return user is not None and user.pk is not None and user.pk in recused_ids(case)


def _on_the_team(user, case) -> bool:
    """The commission's rule (the module's): registrar, handlers, deciding heads, none recused."""
    return user.pk is not None and user.pk in team_ids(case) and not is_recused(user, case)


def may_know_reporter(user, case) -> bool:
    """``RecordType.unmask`` of cases: the commission's rule — and, for a case a township committee
    handles, its own people only when the routing shared the reporter (``Case.route_share_reporter``)."""
    from .units import acts_for_unit

    if case.handling_township_id is not None and acts_for_unit(user, case):
        return case.route_share_reporter and not is_recused(user, case)
    return _on_the_team(user, case)


def case_of(obj, path: str):
    for part in path.split("__") if path else ():
        obj = getattr(obj, part)
        if obj is None:
            return None
    return obj


def recusal_scope(path: str = "", *, also_prefetch: tuple[str, ...] = ()) -> dict:
    """The kernel hooks (``RecordType`` keyword arguments) that hide a case-owned record from
    everyone recused from its case. ``path``: from the record to its case ("" for the case)."""
    prefix = f"{path}__" if path else ""

    def scope_filter(user, qs):
        if user is None or user.pk is None:
            return qs
        return qs.exclude(**{f"{prefix}recusals__user": user.pk})

    def scope_check(user, obj) -> bool:
        case = case_of(obj, path)
        return case is None or not is_recused(user, case)

    return {"scope_filter": scope_filter, "scope_check": scope_check,
            "scope_prefetch": (f"{prefix}recusals", *also_prefetch)}


# --- writes (inside a transition of the case: the case row is locked) ---------------------------

def _unit_user(user, case, *, head: bool = False, county_too: bool = False, field: str = "user"):
    """``user`` belongs to the unit handling ``case`` (is its head, with ``head``); ``county_too``:
    or to the county commission (a recusal: the commission's people may know a township's case)."""
    from django.core.exceptions import ValidationError

    from .units import acts_for_unit, is_county_staff, is_unit_head

    ok = user is not None and user.is_active and (
        is_unit_head(user, case) if head else acts_for_unit(user, case) or (county_too and is_county_staff(user)))
    if not ok:
        unit = case.handling_unit_label
        raise ValidationError({field: _("审批领导须是承办单位（%(unit)s）的领导。") % {"unit": unit} if head
                               else _("须是承办单位（%(unit)s）的办案人员或领导。") % {"unit": unit}})


def release_kernel_handler(case, user, *, actor, reason: str) -> None:
    """A recused person stops being the kernel's 承办人 (由我办理 / 指派) of the case and its matters."""
    from supervision.models import RecordHandler
    from supervision.transitions import save_with_history

    keys = [("cases.case", [case.pk]), ("cases.subjectmatter", list(case.matters.values_list("pk", flat=True)))]
    cond = models.Q(pk__in=[])
    for key, pks in keys:
        cond |= models.Q(record_type=key, object_id__in=pks)
    for row in RecordHandler.objects.select_for_update(of=("self",)).filter(cond, handler=user):
        row.handler, row.assigned_by, row.since, row.reason = None, None, None, reason[:500]
        save_with_history(row, actor=actor, reason=reason, transition="handler_release")


def record_recusal(case, *, user, actor, reason: str, self_declared: bool) -> CaseRecusal:
    from supervision.transitions import save_with_history

    if user.pk in recused_ids(case):
        from supervision.errors import Conflict

        raise Conflict(_("%(name)s 已回避本案。") % {"name": user.display_name()})
    _unit_user(user, case, county_too=True)
    text = _("回避：%(reason)s") % {"reason": reason}
    release_kernel_handler(case, user, actor=actor, reason=text)
    row = CaseRecusal(case=case, user=user, reason=reason, self_declared=self_declared, recorded_by=actor)
    save_with_history(row, actor=actor, reason=text[:500])
    forget(case)
    return row


def member_add(case, *, user, role: str, actor, reason: str = "") -> CaseMember:
    from django.core.exceptions import ValidationError

    from supervision.transitions import save_with_history

    if is_recused(user, case):
        raise ValidationError({"user": _("%(name)s 已回避本案，不能加入办案组。") % {"name": user.display_name()}})
    _unit_user(user, case, head=role == MemberRole.HEAD)
    row = CaseMember.objects.filter(case=case, user=user).first()
    if row is not None and row.active and row.role == role:
        raise ValidationError({"user": _("%(name)s 已在办案组中。") % {"name": user.display_name()}})
    row = row or CaseMember(case=case, user=user)
    row.role, row.active, row.added_by, row.reason = role, True, actor, (reason or "")[:500]
    save_with_history(row, actor=actor, reason=row.reason or _("加入办案组"))
    forget(case)
    return row


def member_remove(case, *, user, actor, reason: str = "") -> CaseMember:
    from django.core.exceptions import ValidationError

    from supervision.transitions import save_with_history

    row = CaseMember.objects.filter(case=case, user=user, active=True).first()
    if row is None:
        raise ValidationError({"user": _("%(name)s 不在办案组中。") % {"name": user.display_name()}})
    row.active = False
    save_with_history(row, actor=actor, reason=(reason or _("退出办案组"))[:500])
    forget(case)
    return row


def note_decider(case_id: int, head, *, reason: str) -> None:
    """A head decided (approved or rejected) a proposal on the case: a deciding head from now on."""
    from supervision.transitions import save_with_history

    Case = CaseMember._meta.get_field("case").related_model  # noqa: N806 (models imports this module)
    if head is None or getattr(head, "is_system", False):
        return
    list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk", flat=True))  # the case's lock
    row = CaseMember.objects.filter(case_id=case_id, user=head).first()
    if row is not None and row.active:
        return
    row = row or CaseMember(case_id=case_id, user=head)
    row.role, row.active, row.added_by, row.reason = MemberRole.HEAD, True, head, reason[:500]
    save_with_history(row, actor=head, reason=row.reason)

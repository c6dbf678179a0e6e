"""Who is told what (DESIGN §3.4, issue 3). Notifications persist now and push after commit.

- issued → every staff user of the target township
- acknowledged / responded / extension requested → the issuing inspector
- returned / closed / extension decided / urged / criticized / withdrawn → the township
- reminder / overdue → the township and the issuing inspector
- interview / accountability referral → the township and the county leaders
"""
from __future__ import annotations

import contextlib
import contextvars

from django.utils import translation
from django.utils.translation import gettext as _

from supervision.notify import notify, notify_many, users_with_role, users_with_role_by_township

# A sweep's run: every township's staff (and a role's holders) read once, in one query.
_preloaded: contextvars.ContextVar[dict | None] = contextvars.ContextVar("notices_recipients", default=None)


@contextlib.contextmanager
def preloaded_recipients(township_ids):
    """Within: ``township_staff`` of these townships (and ``inspector``/``leader`` holders) come
    from one query each, the same user objects every time (their grants loaded once)."""
    from supervision import access

    staff = users_with_role_by_township("township", set(township_ids))
    access.preload_grants({u.pk: u for users in staff.values() for u in users}.values())  # their scope checks
    token = _preloaded.set({"township": staff, "roles": {}})
    try:
        yield
    finally:
        _preloaded.reset(token)


def township_staff(assignment):
    cache = _preloaded.get()
    if cache is not None and assignment.township_id in cache["township"]:
        return cache["township"][assignment.township_id]
    return users_with_role("township", township_id=assignment.township_id)


def _holders(role: str):
    cache = _preloaded.get()
    if cache is None:
        return users_with_role(role)
    if role not in cache["roles"]:
        cache["roles"][role] = list(users_with_role(role))
    return cache["roles"][role]


def issuing_inspectors(assignment):
    issuer = assignment.notice.issued_by
    if issuer is not None and issuer.is_active:
        return [issuer]
    return list(_holders("inspector"))


def leaders():
    return _holders("leader")


_messages_by_language: dict[str | None, dict] = {}


def _messages():
    """The rules below in the active language (built once per language: fifteen translations per
    notification otherwise)."""
    language = translation.get_language()
    found = _messages_by_language.get(language)
    if found is None:
        found = _messages_by_language[language] = _build_messages()
    return found


def _build_messages():
    # name → (recipients, message template); %(n)s notice, %(t)s township, %(d)s due date, %(c)s comment
    to_township = (township_staff,)
    to_inspector = (issuing_inspectors,)
    both = (township_staff, issuing_inspectors)
    up = (township_staff, lambda a: leaders())
    return {
        "issued": (to_township, _("新交办：%(n)s，请于 %(d)s 前办结。")),
        "acknowledge": (to_inspector, _("%(t)s 已签收：%(n)s")),
        "respond": (to_inspector, _("%(t)s 已报送整改报告：%(n)s")),
        "request_extension": (to_inspector, _("%(t)s 申请延期：%(n)s（理由：%(c)s）")),
        "return_for_rework": (to_township, _("整改报告被退回：%(n)s（意见：%(c)s）")),
        "close": (to_township, _("已审核销号：%(n)s")),
        "approve_extension": (to_township, _("延期申请已批准，新期限 %(d)s：%(n)s")),
        "reject_extension": (to_township, _("延期申请未获批准：%(n)s（意见：%(c)s）")),
        "urge": (to_township, _("催办：%(n)s 已逾期，请立即办理。%(c)s")),
        "criticize": (to_township, _("通报批评：%(t)s 逾期未办 %(n)s。%(c)s")),
        "interview": (up, _("约谈：%(t)s 逾期未办 %(n)s。%(c)s")),
        "refer_accountability": (up, _("移交问责：%(t)s 逾期未办 %(n)s。%(c)s")),
        "cancel": (to_township, _("通知已撤回：%(n)s（%(c)s）")),
        "mark_overdue": (both, _("已逾期：%(t)s 未在 %(d)s 前办结 %(n)s")),
        "reminder": (both, _("即将到期：%(t)s 须于 %(d)s 前办结 %(n)s")),
    }


def _notification(assignment, event: str, *, actor=None, comment: str = "", rule=None) -> dict | None:
    """``notify``'s arguments for ``event`` about ``assignment`` (None: no one is told of it)."""
    rule = rule or _messages().get(event)
    if rule is None:
        return None
    recipient_fns, template = rule
    recipients = [u for fn in recipient_fns for u in fn(assignment)]
    notice = assignment.notice
    message = template % {"n": f"{notice.number} {notice.title}".strip(), "t": assignment.township.name,
                          "d": assignment.due_date.isoformat(), "c": comment or ""}
    return {"recipients": recipients, "verb": f"notices.{event}", "message": message.strip(),
            "target": assignment, "exclude": actor}


def on_assignment_event(assignment, event: str, *, actor=None, comment: str = "") -> int:
    """Notify the recipients of ``event`` about ``assignment``; returns how many were told."""
    item = _notification(assignment, event, actor=actor, comment=comment)
    return 0 if item is None else len(notify(**item))


def on_assignments_event(assignments, event: str) -> int:
    """``on_assignment_event`` for many assignments (a sweep's batch): the township staff read in
    one query, the notifications written in one insert. Returns how many were told."""
    assignments = list(assignments)
    rule = _messages().get(event)
    if rule is None or not assignments:
        return 0
    with preloaded_recipients({a.township_id for a in assignments}):
        items = [_notification(a, event, rule=rule) for a in assignments]
    return len(notify_many(items))

"""Side effects of the transitions of 留置 (``Detention``): one ``do_<transition>`` each, run by
the kernel's dispatcher inside the transition's transaction (notifications pushed after commit).
Recipients who may not see the detention (the case) are dropped by ``notify``."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from supervision.models import User
from supervision.notify import notify, users_with_role


def _heads():
    return users_with_role("discipline_head")


def _handler(d) -> list:
    return [d.case.handler] if d.case.handler_id else []


def _proposer(d) -> list:
    proposer_id = getattr(d, "_last_proposer_id", None)
    return list(User.objects.filter(pk=proposer_id)) if proposer_id else []


def _tell(ctx, recipients, verb: str, text: str) -> None:
    d = ctx.obj
    notify(recipients=recipients, verb=f"cases.detention_{verb}", target=d, exclude=ctx.actor,
           message=_("%(case)s %(d)s：%(text)s") % {"case": d.case.number, "d": d, "text": text})


def do_approve(ctx) -> None:
    d = ctx.obj
    text = _("延长留置 %(n)d 个月已批准，期限至 %(due)s") % {"n": d.extended_months, "due": d.due_date} \
        if ctx.approved_kind == "extension" else _("留置已批准")
    _tell(ctx, _proposer(d) + _handler(d), "approve", text)


def do_reject_proposal(ctx) -> None:
    d = ctx.obj
    text = _("延长留置未获批准") if ctx.rejected_kind == "extension" else _("留置未获批准")
    _tell(ctx, _proposer(d) + _handler(d), "reject", text)


def do_propose_extension(ctx) -> None:
    """Only the commission's principal head may approve it; the heads are all told."""
    _tell(ctx, _heads(), "extension_proposal", _("申请延长留置 %(n)d 个月，待主要负责人审批") % {
        "n": ctx.obj.pending_data.get("months", 0)})


def do_start(ctx) -> None:
    d = ctx.obj
    _tell(ctx, [*_heads(), *_handler(d)], "start", _("已执行留置，请于 %(t)s 前通知家属和所在单位") % {
        "t": timezone.localtime(d.notify_due_at).strftime("%Y-%m-%d %H:%M")})


def do_release(ctx) -> None:
    _tell(ctx, [*_heads(), *_handler(ctx.obj)], "release", _("已解除留置"))


def do_mark_overdue(ctx) -> None:
    d = ctx.obj
    notify(recipients=[*_heads(), *_handler(d)], verb="cases.detention_overdue", target=d,
           message=_("%(case)s %(d)s 已超过留置期限（%(due)s），请立即处理") % {
               "case": d.case.number, "d": d, "due": d.due_date})

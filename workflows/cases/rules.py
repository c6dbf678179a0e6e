"""Who is told what (notifications). Case notifications reach discipline roles only: the kernel's
``notify`` drops every recipient who may not see the record (e.g. a leader who referred an
accountability matter is not told about its progress)."""
from __future__ import annotations

from django.utils.translation import gettext as _

from supervision.models import User
from supervision.notify import notify, users_with_role


def heads():
    return users_with_role("discipline_head")


def case_after_transition(ctx) -> None:
    case, name, actor = ctx.obj, ctx.name, ctx.actor
    handler = [case.handler] if case.handler_id else []
    if name.startswith("propose_"):
        notify(recipients=heads(), verb="cases.proposal", target=case, exclude=actor,
               message=_("%(case)s：%(kind)s待审批") % {"case": case, "kind": case.get_pending_kind_display()})
    elif name in ("approve", "reject_proposal"):
        proposer_id = getattr(case, "_last_proposer_id", None)
        recipients = list(User.objects.filter(pk=proposer_id)) if proposer_id else []
        verdict = _("已同意") if name == "approve" else _("未同意")
        notify(recipients=recipients + handler, verb=f"cases.{name}", target=case, exclude=actor,
               message=_("%(case)s：提议%(verdict)s，当前状态：%(state)s") % {
                   "case": case, "verdict": verdict, "state": case.get_state_display()})
    elif name == "escalate":
        notify(recipients=[*heads(), *handler], verb="cases.escalated", target=case, exclude=actor,
               message=_("%(case)s 已提级办理/上级督办") % {"case": case})
    elif name == "mark_overdue":
        notify(recipients=[*heads(), *handler], verb="cases.overdue", target=case,
               message=_("%(case)s 已超过办理期限（%(due)s）") % {"case": case, "due": case.due_date})
    elif name == "urge":
        notify(recipients=handler, verb="cases.urged", target=case, exclude=actor,
               message=_("%(case)s 逾期，领导督办：%(comment)s") % {"case": case, "comment": ctx.comment})
    else:
        notify(recipients=handler, verb=f"cases.{name}", target=case, exclude=actor,
               message=_("%(case)s：%(state)s") % {"case": case, "state": case.get_state_display()})


def matter_after_transition(ctx) -> None:
    matter = ctx.obj
    recipients = [matter.opened_by] if matter.opened_by_id else []
    notify(recipients=[*recipients, *heads()], verb=f"accountability.{ctx.name}", target=matter,
           exclude=ctx.actor, message=_("%(m)s：%(state)s") % {"m": matter, "state": matter.get_state_display()})

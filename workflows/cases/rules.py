"""Side effects of the cases workflow's transitions: one ``do_<transition>`` function each, which
``case_after_transition`` / ``subject_after_transition`` dispatch to by name (inside the
transition's transaction; notifications are pushed after commit).

Case notifications reach discipline roles only: the kernel's ``notify`` drops every recipient
who may not see the record (e.g. a leader who referred an accountability matter)."""
from __future__ import annotations

import sys

from django.urls import reverse
from django.utils.translation import gettext as _

from supervision.models import User
from supervision.notify import notify, users_with_role

from . import services, team


def heads(record=None):
    """Who approves on ``record``: its handling unit's heads (a township committee's, for a
    routed case; the commission's otherwise)."""
    case = getattr(record, "case", record)
    township_id = getattr(case, "handling_township_id", None)  # a 问责 matter has none: the county's
    if township_id:
        return users_with_role("township_discipline_head", township_id)
    return users_with_role("discipline_head")


def _handler(record) -> list:
    """Who is told about a step: the case's handlers (``Case.handler`` and the team's 承办人, none
    recused; team.py), or, for a routed clue no one of the receiving committee has taken yet,
    that committee's staff."""
    case = getattr(record, "case", record)
    ids = team.handler_ids(case)
    if not ids:
        if getattr(case, "handling_township_id", None):
            return list(users_with_role("township_discipline", case.handling_township_id))
        return []
    if ids == {case.handler_id}:
        return [case.handler]  # loaded with the record (transition_related)
    return list(User.objects.filter(pk__in=ids))


handler_or_unit = _handler  # the sweep's reminders go to the same people


def _decided_by_head(ctx) -> None:
    """A head who approves or rejects a proposal on the case is one of its deciding heads (team.py)."""
    case_id = getattr(ctx.obj, "case_id", None) or ctx.obj.pk
    team.note_decider(case_id, ctx.actor, reason=_("审批本案提议"))


def _proposer(record) -> list:
    proposer_id = getattr(record, "_last_proposer_id", None)
    return list(User.objects.filter(pk=proposer_id)) if proposer_id else []


def _dispatch(prefix: str, ctx, default) -> None:
    """Run ``<prefix><transition>`` of this module, or ``default``: no chain of ifs."""
    getattr(sys.modules[__name__], f"{prefix}{ctx.name}", default)(ctx)


# --- the case -----------------------------------------------------------------------------

def case_after_transition(ctx) -> None:
    _dispatch("do_", ctx, do_case_step)


def _proposal_made(ctx) -> None:
    notify(recipients=heads(ctx.obj), verb="cases.proposal", target=ctx.obj, exclude=ctx.actor,
           message=_("%(case)s：%(kind)s待审批") % {"case": ctx.obj, "kind": ctx.obj.get_pending_kind_display()})


do_propose_disposition = do_propose_filing = do_propose_extension = do_propose_send_back = _proposal_made


def _proposal_decided(ctx, verdict: str) -> None:
    case = ctx.obj
    notify(recipients=_proposer(case) + _handler(case), verb=f"cases.{ctx.name}", target=case, exclude=ctx.actor,
           message=_("%(case)s：提议%(verdict)s，当前状态：%(state)s") % {
               "case": case, "verdict": verdict, "state": case.get_state_display()})


def do_approve(ctx) -> None:
    """A filing approved: every subject 被审查调查人 gets a matter of their own."""
    if getattr(ctx, "approved_kind", "") == "filing":
        services.subject_matters_open(case=ctx.obj, actor=ctx.actor)
    _decided_by_head(ctx)
    _proposal_decided(ctx, _("已同意"))


def do_reject_proposal(ctx) -> None:
    _decided_by_head(ctx)
    _proposal_decided(ctx, _("未同意"))


def do_route(ctx) -> None:
    case = ctx.obj
    notify(recipients=[*_handler(case), *heads(case)], verb="cases.routed", target=case, exclude=ctx.actor,
           message=_("%(case)s 已分办至%(unit)s，请于 %(due)s 前提出处置意见") % {
               "case": case, "unit": case.handling_unit_label, "due": case.due_date})


def _unit_people(township_id) -> list:
    return [*users_with_role("township_discipline", township_id),
            *users_with_role("township_discipline_head", township_id)]


def do_request_take_up(ctx) -> None:
    notify(recipients=heads(), verb="cases.take_up_requested", target=ctx.obj, exclude=ctx.actor,
           message=_("%(case)s：%(unit)s申请提级办理（%(reason)s）") % {
               "case": ctx.obj, "unit": ctx.obj.handling_unit_label, "reason": ctx.comment})


def do_take_up(ctx) -> None:
    case = ctx.obj
    notify(recipients=heads(), verb="cases.taken_up", target=case, exclude=ctx.actor,
           message=_("%(case)s 已提级由县纪委监委办理") % {"case": case})
    # The committee no longer sees the case: it is told with a link to what it wrote (handover.py).
    notify(recipients=_unit_people(case.taken_up_from_id), verb="cases.taken_up", target=None, exclude=ctx.actor,
           url=reverse("cases:handed-over-detail", args=[case.pk]),
           message=_("%(number)s 已提级由县纪委监委办理，本单位不再承办") % {"number": case.number})


def do_decline_take_up(ctx) -> None:
    notify(recipients=_unit_people(ctx.obj.handling_township_id), verb="cases.take_up_declined", target=ctx.obj,
           exclude=ctx.actor, message=_("%(case)s：县纪委监委不同意提级办理（%(reason)s）") % {
               "case": ctx.obj, "reason": ctx.comment})


def do_supervise(ctx) -> None:
    case = ctx.obj
    notify(recipients=_unit_people(case.handling_township_id), verb="cases.supervised", target=case,
           exclude=ctx.actor, message=_("%(case)s 列为上级督办，请于 %(due)s 前报告落实情况：%(comment)s") % {
               "case": case, "due": case.supervise_due, "comment": ctx.comment})


def do_report_supervision(ctx) -> None:
    notify(recipients=heads(), verb="cases.supervision_reported", target=ctx.obj, exclude=ctx.actor,
           message=_("%(case)s：%(unit)s已报告督办落实情况") % {
               "case": ctx.obj, "unit": ctx.obj.handling_unit_label})
def do_recuse(ctx) -> None:
    _recusal_told(ctx, ctx.actor)


def do_order_recusal(ctx) -> None:
    _recusal_told(ctx, ctx.params["user"])


def _recusal_told(ctx, user) -> None:
    """The case's handlers and the heads learn who stepped aside (the recused cannot see it)."""
    notify(recipients=[*_handler(ctx.obj), *heads()], verb="cases.recused", target=ctx.obj, exclude=ctx.actor,
           message=_("%(case)s：%(name)s 已回避") % {"case": ctx.obj, "name": user.display_name()})


def do_add_member(ctx) -> None:
    notify(recipients=[ctx.params["user"]], verb="cases.member_added", target=ctx.obj, exclude=ctx.actor,
           message=_("%(case)s：您已被确定为%(role)s") % {
               "case": ctx.obj, "role": dict(team.MemberRole.choices)[ctx.params["role"]]})


def do_escalate(ctx) -> None:
    notify(recipients=[*heads(), *heads(ctx.obj), *_handler(ctx.obj)], verb="cases.escalated", target=ctx.obj,
           exclude=ctx.actor,
           message=_("%(case)s 已提级办理/上级督办") % {"case": ctx.obj})


def do_mark_overdue(ctx) -> None:
    case = ctx.obj
    notify(recipients=[*heads(case), *_handler(case)], verb="cases.overdue", target=case,
           message=_("%(case)s 已超过办理期限（%(due)s）") % {"case": case, "due": case.due_date})


def do_urge(ctx) -> None:
    notify(recipients=_handler(ctx.obj), verb="cases.urged", target=ctx.obj, exclude=ctx.actor,
           message=_("%(case)s 逾期，领导督办：%(comment)s") % {"case": ctx.obj, "comment": ctx.comment})


def do_case_step(ctx) -> None:
    """Any other step: the handler is told the new state."""
    notify(recipients=_handler(ctx.obj), verb=f"cases.{ctx.name}", target=ctx.obj, exclude=ctx.actor,
           message=_("%(case)s：%(state)s") % {"case": ctx.obj, "state": ctx.obj.get_state_display()})


# --- a subject's matter ---------------------------------------------------------------------

def subject_after_transition(ctx) -> None:
    _dispatch("do_subject_", ctx, do_subject_step)
    # The case follows its subjects: decisions begun, or every matter closed.
    services.case_follow_subjects(case_id=ctx.obj.case_id, actor=ctx.actor)


def _subject_proposal_made(ctx) -> None:
    m = ctx.obj
    notify(recipients=heads(m), verb="cases.subject_proposal", target=m.case, exclude=ctx.actor,
           message=_("%(m)s：%(kind)s待审批") % {"m": m, "kind": m.get_pending_kind_display()})


do_subject_propose_outcome = do_subject_propose_transfer = do_subject_propose_reexam = _subject_proposal_made


def do_subject_approve(ctx) -> None:
    m = ctx.obj
    if getattr(ctx, "approved_kind", "") == "unit":  # a township decision on its way to the county
        notify(recipients=users_with_role("discipline_head"), verb="cases.county_approval", target=m.case,
               exclude=ctx.actor, message=_("%(m)s：%(unit)s已同意，须报县纪委监委审批") % {
                   "m": m, "unit": m.case.handling_unit_label})
        return
    _decided_by_head(ctx)
    notify(recipients=_proposer(m) + _handler(m), verb="cases.subject_approve", target=m.case, exclude=ctx.actor,
           message=_("%(m)s：提议已同意，当前状态：%(state)s") % {"m": m, "state": m.get_state_display()})


def do_subject_reject_proposal(ctx) -> None:
    m = ctx.obj
    _decided_by_head(ctx)
    notify(recipients=_proposer(m) + _handler(m), verb="cases.subject_reject", target=m.case, exclude=ctx.actor,
           message=_("%(m)s：提议未同意") % {"m": m})


def do_subject_step(ctx) -> None:
    m = ctx.obj
    notify(recipients=_handler(m), verb=f"cases.subject_{ctx.name}", target=m.case, exclude=ctx.actor,
           message=_("%(m)s：%(state)s") % {"m": m, "state": m.get_state_display()})


# --- accountability -------------------------------------------------------------------------

def matter_after_transition(ctx) -> None:
    """Who opened and who handles the matter, and the heads, hear of each step; a proposal's
    outcome reaches its proposer."""
    matter = ctx.obj
    recipients = [u for u in (matter.opened_by, matter.handler) if u is not None] + _proposer(matter)
    text = matter.get_state_display()
    if matter.pending_kind:
        text = _("%(kind)s待审批") % {"kind": matter.get_pending_kind_display()}
    notify(recipients=[*recipients, *heads()], verb=f"accountability.{ctx.name}", target=matter,
           exclude=ctx.actor, message=_("%(m)s：%(state)s") % {"m": matter, "state": text})

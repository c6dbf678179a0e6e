"""Services of the notices workflow: ``<entity>_<verb>(*, actor, ...)``.

Creation and draft editing are here; every state change goes through the kernel's
``run_transition`` (the thin ``notice_*``/``assignment_*`` wrappers below are what seeds, tests
and other code call; the UI and the API reach the same path through the kernel's generic
transition endpoints). The side effects of each transition are its ``do_<transition>``
function here (``supervision.effects``: the record types' ``after_transition`` dispatches to it by
name), run inside the transition's transaction: related rows, follow-on system transitions,
notifications (sent after commit) and the cross-workflow accountability signal.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from supervision import access, deadlines, registry
from supervision.attachments import attachment_create
from supervision.errors import Conflict, Http404, PermissionDenied, ValidationError
from supervision.models import Region, Unit
from supervision.signals import accountability_referred
from supervision.transitions import TransitionContext, run_transition, save_with_history
from supervision.workdays import add_working_days

from . import clock, conf, rules
from .choices import FINAL_STATES, AssignmentState
from .models import ExtensionRequest, Notice, NoticeAssignment, NoticeCounter, NoticeResponse

# --- notices -------------------------------------------------------------------------------


def _default_issuing_unit() -> Unit:
    unit = Unit.objects.filter(kind=Unit.Kind.INSPECTION).order_by("pk").first()
    if unit is None:
        unit, _created = Unit.objects.get_or_create(name="县委督查室", defaults={"kind": Unit.Kind.INSPECTION})
    return unit


def _clean_townships(townships) -> list[Region]:
    found = list(townships or [])
    ids = [t.pk if isinstance(t, Region) else t for t in found]
    regions = list(Region.objects.filter(pk__in=ids, level=Region.Level.TOWNSHIP).order_by("code"))
    if not ids:
        raise ValidationError({"target_townships": [_("请至少选择一个交办乡镇。")]})
    if len(regions) != len(set(ids)):
        raise ValidationError({"target_townships": [_("交办对象必须是本县的乡镇。")]})
    return regions


@transaction.atomic
def notice_create(*, actor, title: str, findings: str, requirements: str, category: str, urgency: str,
                  target_townships, issuing_unit: Unit | None = None, attachment=None) -> Notice:
    """Draft a notice (inspectors). Issue it with ``notice_issue``."""
    if not access.can_anywhere(actor, registry.for_model(Notice), "draft"):  # no record yet: no scope
        raise PermissionDenied(_("您无权执行此操作。"))
    townships = _clean_townships(target_townships)
    notice = Notice(title=title.strip(), findings=findings.strip(), requirements=requirements.strip(),
                    category=category, urgency=urgency, issuing_unit=issuing_unit or _default_issuing_unit(),
                    created_by=actor)
    notice.full_clean(exclude=["created_by", "issuing_unit", "state"])
    # The target list is a many-to-many, not in the row's history; it is not put into the
    # reason either: a township user reads the notice's history and must not learn the others.
    save_with_history(notice, actor=actor, reason=_("起草"))
    notice.target_townships.set(townships)
    if attachment is not None:
        attachment_create(actor=actor, target=notice, upload=attachment)
    return notice


@transaction.atomic
def notice_update_draft(*, actor, notice: Notice, **fields) -> Notice:
    """Edit a draft (only drafts can change; an issued notice is fixed)."""
    notice = access.visible(actor, Notice).select_for_update(of=("self",)).filter(pk=notice.pk).first()
    if notice is None:
        raise Http404(_("记录不存在或无权查看。"))
    if not access.can(actor, "draft", notice):
        raise PermissionDenied(_("您无权执行此操作。"))
    if notice.state != "draft":
        raise Conflict(_("只有草稿可以修改。"))
    townships = fields.pop("target_townships", None)
    townships = _clean_townships(townships) if townships is not None else list(notice.target_townships.all())
    attachment = fields.pop("attachment", None)
    for name in ("title", "findings", "requirements", "category", "urgency", "issuing_unit"):
        if name in fields and fields[name] not in (None, ""):
            setattr(notice, name, fields[name])
    notice.full_clean(exclude=["created_by", "issuing_unit", "state"])
    save_with_history(notice, actor=actor, reason=_("修改草稿"))
    notice.target_townships.set(townships)
    if attachment is not None:
        attachment_create(actor=actor, target=notice, upload=attachment)
    return notice


def notice_number_take(*, year: int) -> tuple[int, int, str]:
    """The next number of ``year`` (``NoticeCounter.take``)."""
    return NoticeCounter.take(year=year)


def notice_issue(*, actor, notice: Notice, comment: str = "") -> Notice:
    return run_transition(model=Notice, pk=notice.pk, name="issue", actor=actor, comment=comment).obj


def notice_withdraw(*, actor, notice: Notice, comment: str) -> Notice:
    return run_transition(model=Notice, pk=notice.pk, name="withdraw", actor=actor, comment=comment).obj


def _assignments_create(ctx: TransitionContext) -> list[NoticeAssignment]:
    notice = ctx.obj
    deadline = add_working_days(notice.issued_on, conf.days_for(notice.urgency))
    created = []
    for township in notice.target_townships.order_by("code"):
        assignment = NoticeAssignment(notice=notice, township=township, due_date=deadline.date,
                                      original_due_date=deadline.date, due_provisional=deadline.provisional)
        save_with_history(assignment, actor=ctx.actor, reason=ctx.comment or _("交办"), transition="issue",
                          to_state=AssignmentState.ISSUED)
        # Start and rule kept, so the date is recomputed once a guessed year is entered.
        deadlines.remember(assignment, "due_date", deadline, provisional_field="due_provisional",
                           mirror_field="original_due_date")
        created.append(assignment)
    return created


# --- side effects of the notice's transitions (supervision.effects: do_<transition>) ---------


def do_issue(ctx: TransitionContext) -> None:
    """Issued: one assignment per target township, each told of its deadline."""
    for assignment in _assignments_create(ctx):
        rules.on_assignment_event(assignment, "issued", actor=ctx.actor)


def do_withdraw(ctx: TransitionContext) -> None:
    """Withdrawn: every assignment still open is cancelled (each tells its township)."""
    for assignment in ctx.obj.assignments.exclude(state__in=FINAL_STATES):
        run_transition(model=NoticeAssignment, pk=assignment.pk, name="cancel", actor=ctx.actor,
                       comment=ctx.comment, as_system=True)


# --- assignments ---------------------------------------------------------------------------


def extension_pending(*, assignment: NoticeAssignment) -> ExtensionRequest:
    return assignment.pending_extension()


def township_unit(township: Region) -> Unit:
    """The township's party committee (the target of an accountability referral)."""
    unit = Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, region=township).order_by("pk").first()
    if unit is None:
        unit, _created = Unit.objects.get_or_create(name=f"{township.name}党委",
                                                    defaults={"kind": Unit.Kind.TOWNSHIP, "region": township})
    return unit


# --- side effects of an assignment's transitions (supervision.effects: do_<transition>) -----


def _tell(ctx: TransitionContext) -> None:
    """The notification of this transition (rules: who is told what)."""
    rules.on_assignment_event(ctx.obj, ctx.name, actor=ctx.actor, comment=ctx.comment)


def do_acknowledge(ctx: TransitionContext) -> None:
    _tell(ctx)


def do_respond(ctx: TransitionContext) -> None:
    """The report: a numbered response row, its file (if any), the inspector told."""
    assignment, actor = ctx.obj, ctx.actor
    response = NoticeResponse(assignment=assignment, round=assignment.responses.count() + 1,
                              text=ctx.params["text"], submitted_by=actor)
    save_with_history(response, actor=actor, reason=ctx.comment or _("报送整改报告"))
    if ctx.params.get("attachment"):
        attachment_create(actor=actor, target=assignment, upload=ctx.params["attachment"],
                          part=response.attachment_part)
    _tell(ctx)


def do_request_extension(ctx: TransitionContext) -> None:
    """The request row (the previous and the asked-for deadline), the inspector told."""
    assignment = ctx.obj
    request = ExtensionRequest(assignment=assignment, previous_due_date=assignment.due_date,
                               requested_due_date=ctx.params["due_date"], reason=ctx.comment,
                               requested_by=ctx.actor)
    save_with_history(request, actor=ctx.actor, reason=ctx.comment)
    _tell(ctx)


def _decide_extension(ctx: TransitionContext, decision: str) -> None:
    assignment = ctx.obj
    request = assignment.pending_extension()
    if request is not None:
        request.decision = decision
        request.granted_due_date = assignment.due_date if decision == ExtensionRequest.Decision.APPROVED else None
        request.decided_by = ctx.actor
        request.decided_at = clock.now()
        request.decision_comment = ctx.comment
        save_with_history(request, actor=ctx.actor, reason=ctx.comment or request.get_decision_display())
    _tell(ctx)


def do_approve_extension(ctx: TransitionContext) -> None:
    """The pending request approved with the granted date, the township told."""
    _decide_extension(ctx, ExtensionRequest.Decision.APPROVED)


def do_reject_extension(ctx: TransitionContext) -> None:
    _decide_extension(ctx, ExtensionRequest.Decision.REJECTED)


def do_return_for_rework(ctx: TransitionContext) -> None:
    _tell(ctx)


def do_close(ctx: TransitionContext) -> None:
    """Closed: the notice completes when it was the last open assignment; the township told."""
    _complete_notice_if_done(ctx.obj, ctx.actor)
    _tell(ctx)


def do_cancel(ctx: TransitionContext) -> None:
    """Cancelled with its notice: a pending extension request dies too; the township told."""
    request = ctx.obj.pending_extension()
    if request is not None:
        request.decision = ExtensionRequest.Decision.CANCELLED
        request.decided_at = clock.now()
        request.decision_comment = ctx.comment
        save_with_history(request, actor=ctx.actor, reason=ctx.comment)
    _tell(ctx)


def do_mark_overdue(ctx: TransitionContext) -> None:
    _tell(ctx)


def do_urge(ctx: TransitionContext) -> None:
    _tell(ctx)


def do_criticize(ctx: TransitionContext) -> None:
    _tell(ctx)


def do_interview(ctx: TransitionContext) -> None:
    _tell(ctx)


def do_refer_accountability(ctx: TransitionContext) -> None:
    """Referred: the cases workflow opens an accountability matter (signal); township and leaders told."""
    assignment = ctx.obj
    accountability_referred.send(
        sender=NoticeAssignment, source=assignment, actor=ctx.actor, reason=ctx.comment,
        target_unit=township_unit(assignment.township), target_person=None, source_kind="notice_overdue")
    _tell(ctx)


def _complete_notice_if_done(assignment: NoticeAssignment, actor) -> None:
    siblings = NoticeAssignment.objects.filter(notice_id=assignment.notice_id)
    if not siblings.exclude(state=AssignmentState.CLOSED).exists():
        run_transition(model=Notice, pk=assignment.notice_id, name="complete", actor=actor,
                       comment=_("各乡镇均已销号，通知办结。"), as_system=True)


def _fire(name: str, *, actor, assignment, comment: str = "", **data):
    return run_transition(model=NoticeAssignment, pk=assignment.pk, name=name, actor=actor, comment=comment,
                          data={k: v for k, v in data.items() if k != "files"}, files=data.get("files")).obj


def assignment_acknowledge(*, actor, assignment, comment: str = ""):
    return _fire("acknowledge", actor=actor, assignment=assignment, comment=comment)


def assignment_respond(*, actor, assignment, text: str, attachment=None, comment: str = ""):
    files = {"attachment": attachment} if attachment is not None else None
    return _fire("respond", actor=actor, assignment=assignment, comment=comment, text=text, files=files)


def assignment_return(*, actor, assignment, comment: str, due_date: dt.date | None = None):
    extra = {"due_date": due_date.isoformat()} if due_date else {}
    return _fire("return_for_rework", actor=actor, assignment=assignment, comment=comment, **extra)


def assignment_close(*, actor, assignment, comment: str = ""):
    return _fire("close", actor=actor, assignment=assignment, comment=comment)


def assignment_request_extension(*, actor, assignment, due_date: dt.date, comment: str):
    return _fire("request_extension", actor=actor, assignment=assignment, comment=comment,
                 due_date=due_date.isoformat())


def assignment_decide_extension(*, actor, assignment, approve: bool, comment: str = "",
                                due_date: dt.date | None = None):
    extra = {"due_date": due_date.isoformat()} if due_date else {}
    return _fire("approve_extension" if approve else "reject_extension", actor=actor, assignment=assignment,
                 comment=comment, **extra)


def assignment_escalate(*, actor, assignment, step: str, comment: str):
    """One step of the ladder: ``urge``, ``criticize``, ``interview`` or ``refer_accountability``."""
    if step not in ("urge", "criticize", "interview", "refer_accountability"):
        raise ValidationError({"step": [_("未知的督办措施。")]})
    return _fire(step, actor=actor, assignment=assignment, comment=comment)


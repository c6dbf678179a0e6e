"""Who hears about what: the organisation department, the township and the person concerned (if
they have an account) at every step. The kernel's ``notify`` drops whoever may not see the
record — the person sees the records about themselves (``RecordType.person_lookup``) — and
stores the message in the county's language: messages here are lazy (``_message``) so that
they are rendered there, whichever language the actor's page was in."""
from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from supervision.models import User
from supervision.notify import notify, users_with_role


def _render(text, values, tail="") -> str:
    return str(text) % values + tail


_message = lazy(_render, str)


def _people(*, township_id=None, person_id=None, leaders: bool = False) -> list:
    found = list(users_with_role("organization"))
    if township_id is not None:
        found += users_with_role("township", township_id=township_id)
    if leaders:
        found += users_with_role("leader")
    if person_id is not None:
        found += User.objects.filter(person_id=person_id)
    return found


def _township_of(obj):
    return getattr(obj, "township_id", None) or obj.village.parent_id


def dispatching(actions):
    """A record type's ``after_transition``: ``actions.do_<transition>(ctx)`` if the module has
    one (the side effects), then the notification of the step."""

    def after_transition(ctx) -> None:
        handler = getattr(actions, f"do_{ctx.name}", None)
        if handler is not None:
            handler(ctx)
        notify_step(ctx)

    return after_transition


def notify_step(ctx) -> None:
    obj = ctx.obj
    label = ctx.rt.transitions()[ctx.name].custom.get("label", ctx.name)
    message = _message(_("%(obj)s：%(label)s（%(state)s）"),
                       {"obj": obj, "label": label, "state": type(obj).State(ctx.to_state).label},
                       " — " + ctx.comment[:200] if ctx.comment else "")
    person_id = getattr(obj, "person_id", None) or getattr(getattr(obj, "posting", None), "person_id", None)
    notify(recipients=_people(township_id=_township_of(obj), person_id=person_id),
           verb=f"postings.{ctx.name}", message=message, target=obj, exclude=ctx.actor)


def notify_posting_created(posting, actor) -> None:
    notify(recipients=_people(township_id=posting.village.parent_id, person_id=posting.person_id),
           verb="postings.posted", message=_message(_("%(p)s：已选派到村"), {"p": posting}), target=posting,
           exclude=actor)


def notify_funds_shortfall(funds, actor) -> None:
    posting = funds.posting
    notify(recipients=_people(township_id=posting.village.parent_id),
           verb="postings.funds_shortfall",
           message=_message(_("%(p)s：%(y)d 年度工作经费 %(a)s 元，低于第一书记工作经费标准"),
                            {"p": posting, "y": funds.year, "a": funds.amount}),
           target=posting, exclude=actor)


def notify_leave_requested(leave, actor) -> None:
    notify(recipients=_people(township_id=leave.township_id, person_id=leave.posting.person_id),
           verb="postings.leave_requested", message=_message(_("%(l)s：请假待审批"), {"l": leave}), target=leave,
           exclude=actor)


def notify_assessment_opened(assessment, actor) -> None:
    notify(recipients=_people(township_id=assessment.township_id, person_id=assessment.person_id),
           verb="postings.assessment_opened",
           message=_message(_("%(a)s 已启动，请提交述职报告"), {"a": assessment}), target=assessment, exclude=actor)


def notify_year_opened(year, count, actor) -> None:
    recipients = list(users_with_role("organization")) + list(users_with_role("township"))
    notify(recipients=recipients, verb="postings.assessment_year_opened",
           message=_message(_("%(y)d 年度驻村干部考核已启动（%(n)d 人）"), {"y": year, "n": count}), exclude=actor)


def notify_recall_proposed(recall, actor) -> None:
    notify(recipients=_people(township_id=recall.township_id, person_id=recall.person_id, leaders=True),
           verb="postings.recall_proposed", message=_message(_("%(r)s：已提出召回，待批准"), {"r": recall}),
           target=recall, exclude=actor)


def notify_term_end(posting) -> None:
    notify(recipients=_people(township_id=posting.village.parent_id, person_id=posting.person_id),
           verb="postings.term_end",
           message=_message(_("%(p)s：任期将于 %(d)s 届满，请办理期满离任或连任"),
                            {"p": posting, "d": posting.end_date}),
           target=posting)


def notify_replacement_overdue(recall) -> None:
    notify(recipients=_people(township_id=recall.township_id, leaders=True), verb="postings.replacement_overdue",
           message=_message(_("%(r)s：补派期限 %(d)s 已过，尚未补派"), {"r": recall, "d": recall.replacement_due}),
           target=recall)


def notify_publicity_over(assessment) -> None:
    notify(recipients=_people(), verb="postings.publicity_over",
           message=_message(_("%(a)s：公示期满无异议，可以定档"), {"a": assessment}), target=assessment)

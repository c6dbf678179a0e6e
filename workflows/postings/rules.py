"""Who hears about what: the township, the organisation department and the person (if they
have an account) at every step. Notifications persist now and push after commit."""
from __future__ import annotations

import functools

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from supervision import access
from supervision.models import User
from supervision.notify import notify as kernel_notify
from supervision.notify import users_with_role


def _county_language(fn):
    """Stored notifications are written in the county's language, whoever triggered them."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return fn(*args, **kwargs)

    return wrapper


class _Recipients(list):
    """Staff users, plus the posted person's own account(s) (``person_id``)."""

    person_id = None


def _people(*, township_id=None, person_id=None, leaders: bool = False) -> list:
    found = _Recipients(users_with_role("organization"))
    if township_id is not None:
        found += list(users_with_role("township", township_id=township_id))
    if leaders:
        found += list(users_with_role("leader"))
    found.person_id = person_id
    return found


def notify(*, recipients, verb, message, target=None, exclude=None):
    """The kernel's notify for staff (it drops anyone who may not see ``target``). The person
    concerned, when they have an account but no role that sees the record, still hears about
    their own posting — as a message without a link, so nothing outside their scope opens."""
    person_id = getattr(recipients, "person_id", None)
    own = list(User.objects.filter(person_id=person_id, is_active=True)) if person_id is not None else []
    own_ids = {u.pk for u in own}
    kernel_notify(recipients=[u for u in recipients if u.pk not in own_ids], verb=verb, message=message,
                  target=target, exclude=exclude)
    if not own:
        return
    seeing = [u for u in own if target is not None and access.can(u, "view", target)]
    blind = [u for u in own if u not in seeing]
    if seeing:
        kernel_notify(recipients=seeing, verb=verb, message=message, target=target, exclude=exclude)
    if blind:
        kernel_notify(recipients=blind, verb=verb, message=message, target=None, exclude=exclude)


def _township_of(obj):
    return getattr(obj, "township_id", None) or obj.village.parent_id


@_county_language
def after_transition(ctx) -> None:
    obj = ctx.obj
    label = ctx.rt.transitions()[ctx.name].custom.get("label", ctx.name)
    message = _("%(obj)s：%(label)s（%(state)s）") % {"obj": obj, "label": label, "state": obj.get_state_display()}
    if ctx.comment:
        message += " — " + ctx.comment[:200]
    person_id = getattr(obj, "person_id", None) or getattr(getattr(obj, "posting", None), "person_id", None)
    leaders = obj._meta.model_name == "recall" and ctx.to_state == "proposed"
    notify(recipients=_people(township_id=_township_of(obj), person_id=person_id, leaders=leaders),
           verb=f"postings.{ctx.name}", message=message, target=obj, exclude=ctx.actor)


@_county_language
def notify_posting_created(posting, actor) -> None:
    notify(recipients=_people(township_id=posting.village.parent_id, person_id=posting.person_id),
           verb="postings.posted", message=_("%(p)s：已选派到村") % {"p": posting}, target=posting, exclude=actor)


@_county_language
def notify_funds_shortfall(funds, actor) -> None:
    posting = funds.posting
    notify(recipients=_people(township_id=posting.village.parent_id),
           verb="postings.funds_shortfall",
           message=_("%(p)s：%(y)d 年度工作经费 %(a)s 元，低于第一书记工作经费标准") % {
               "p": posting, "y": funds.year, "a": funds.amount},
           target=posting, exclude=actor)


@_county_language
def notify_leave_requested(leave, actor) -> None:
    notify(recipients=_people(township_id=leave.township_id, person_id=leave.posting.person_id),
           verb="postings.leave_requested", message=_("%(l)s：请假待审批") % {"l": leave}, target=leave, exclude=actor)


@_county_language
def notify_assessment_opened(assessment, actor) -> None:
    notify(recipients=_people(township_id=assessment.township_id, person_id=assessment.person_id),
           verb="postings.assessment_opened", message=_("%(a)s 已启动，请提交述职报告") % {"a": assessment},
           target=assessment, exclude=actor)


@_county_language
def notify_year_opened(year, count, actor) -> None:
    recipients = list(users_with_role("organization")) + list(users_with_role("township"))
    notify(recipients=recipients, verb="postings.assessment_year_opened",
           message=_("%(y)d 年度驻村干部考核已启动（%(n)d 人）") % {"y": year, "n": count}, exclude=actor)


@_county_language
def notify_recall_proposed(recall, actor) -> None:
    notify(recipients=_people(township_id=recall.township_id, person_id=recall.person_id, leaders=True),
           verb="postings.recall_proposed", message=_("%(r)s：已提出召回，待批准") % {"r": recall}, target=recall,
           exclude=actor)


@_county_language
def notify_term_end(posting) -> None:
    notify(recipients=_people(township_id=posting.village.parent_id, person_id=posting.person_id),
           verb="postings.term_end",
           message=_("%(p)s：任期将于 %(d)s 届满，请办理期满离任或连任") % {"p": posting, "d": posting.end_date},
           target=posting)


@_county_language
def notify_replacement_overdue(recall) -> None:
    notify(recipients=_people(township_id=recall.township_id, leaders=True), verb="postings.replacement_overdue",
           message=_("%(r)s：补派期限 %(d)s 已过，尚未补派") % {"r": recall, "d": recall.replacement_due},
           target=recall)


@_county_language
def notify_publicity_over(assessment) -> None:
    notify(recipients=_people(), verb="postings.publicity_over",
           message=_("%(a)s：公示期满无异议，可以定档") % {"a": assessment}, target=assessment)

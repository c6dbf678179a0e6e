"""Write side: creation, plan items, progress reports. State changes go through
supervision.transitions.run_transition (see models.Rectification for the transitions)."""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from supervision import access, clock
from supervision.attachments import attachment_create
from supervision.errors import Conflict, Http404, PermissionDenied, ValidationError
from supervision.transitions import save_with_history

from . import rules
from .forms import PlanItemForm, ProgressForm, ScreeningForm
from .models import OPEN_STATES, PlanItem, ProgressReport, Rectification, State, end_of_year

PLAN_EDIT_STATES = (State.SCREENED, State.PROPOSED, State.LISTED, State.FAILED)
ITEM_DONE_STATES = (State.PLANNED, State.RECTIFYING, State.FAILED)
PROGRESS_STATES = (State.PLANNED, State.RECTIFYING, State.FAILED)


def _form_errors(form) -> ValidationError:
    return ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})


def _locked(actor, pk) -> Rectification:
    # Lock only the rectification row: PostgreSQL refuses FOR UPDATE on the nullable side of an
    # outer join (village → parent).
    try:
        obj = (access.visible(actor, Rectification).select_for_update(of=("self",))
               .select_related("village__parent").filter(pk=pk).first())
    except (ValueError, TypeError):  # a malformed id from a URL
        obj = None
    if obj is None:
        raise Http404(_("记录不存在或无权查看。"))
    return obj


def rectification_screen(*, actor, data) -> Rectification:
    """排查上报: a township user reports a weak village branch of their own township."""
    if not actor.has_perm("rectification.screen"):
        raise PermissionDenied(_("只有乡镇用户可以排查上报。"))
    towns = access.scope(actor, {"township"})[1]  # the townships of their township role
    form = ScreeningForm(data=data, townships=towns)
    if not form.is_valid():
        raise _form_errors(form)
    d = form.cleaned_data
    village = d["village"]
    if village.parent_id not in towns:
        raise ValidationError({"village": [_("只能上报本乡镇的村。")]})
    if Rectification.objects.filter(village=village, year=d["year"]).exists():
        raise ValidationError({"village": [_("%(v)s %(y)d 年已有整顿记录。") % {"v": village.name, "y": d["year"]}]})
    due = d.get("due_date") or end_of_year(d["year"])
    obj = Rectification(village=village, year=d["year"], criteria=list(d["criteria"]),
                        other_criteria=d.get("other_criteria") or "", problem=d["problem"],
                        township_secretary=d["township_secretary"], responsible_cadre=d["responsible_cadre"],
                        township_leader=d.get("township_leader"), first_secretary=d.get("first_secretary"),
                        due_date=due, screened_by=actor)
    try:
        with transaction.atomic():
            save_with_history(obj, actor=actor, reason=_("排查上报"), transition="screen", to_state=obj.state)
            rules.notify_event(obj, verb="rectification.screen", actor=actor,
                               message=_("%(obj)s：乡镇排查上报软弱涣散村党组织") % {"obj": obj})
    except IntegrityError:
        message = _("%(v)s %(y)d 年已有整顿记录。") % {"v": village.name, "y": d["year"]}
        raise ValidationError({"village": [message]}) from None
    return obj


def plan_item_add(*, actor, rectification_id, data) -> PlanItem:
    """Add one problem/measure to the 一村一策 plan (township or organisation, before approval)."""
    form = PlanItemForm(data=data)
    if not form.is_valid():
        raise _form_errors(form)
    with transaction.atomic():
        obj = _locked(actor, rectification_id)
        if not access.can(actor, "edit_plan", obj):
            raise PermissionDenied(_("您无权编辑整顿方案。"))
        if obj.state not in PLAN_EDIT_STATES:
            raise Conflict(_("当前状态“%(s)s”下不能修改方案。") % {"s": obj.get_state_display()})
        item = PlanItem(rectification=obj, **form.cleaned_data)
        save_with_history(item, actor=actor, reason=_("新增整改项"))
    return item


def plan_item_set_done(*, actor, item_id, done: bool = True, rectification_id=None) -> PlanItem:
    """Tick a plan item done (or reopen it). With ``rectification_id`` (from a URL) the item must
    belong to that rectification, else 404."""
    with transaction.atomic():
        try:
            items = PlanItem.objects.filter(pk=item_id)
            if rectification_id is not None:
                items = items.filter(rectification_id=rectification_id)
            item = items.first()
        except (ValueError, TypeError):  # a malformed id from a URL
            item = None
        if item is None:
            raise Http404(_("记录不存在或无权查看。"))
        obj = _locked(actor, item.rectification_id)
        if not access.can(actor, "mark_item", obj):
            raise PermissionDenied(_("您无权更新整改项。"))
        if obj.state not in ITEM_DONE_STATES:
            raise Conflict(_("当前状态“%(s)s”下不能更新整改项。") % {"s": obj.get_state_display()})
        item = PlanItem.objects.select_for_update().get(pk=item_id)
        if item.done != done:  # under the item's lock: a second click at once finds it done, writes nothing
            item.done = done
            item.done_on = clock.today() if done else None
            save_with_history(item, actor=actor, reason=_("整改项已完成") if done else _("整改项改为未完成"))
    return item


def progress_report_add(*, actor, rectification_id, data, files=None) -> ProgressReport:
    """报送整顿进展 (township, while rectifying), with an optional attachment."""
    form = ProgressForm(data=data, files=files)
    if not form.is_valid():
        raise _form_errors(form)
    d = form.cleaned_data
    with transaction.atomic():
        obj = _locked(actor, rectification_id)
        if not access.can(actor, "report_progress", obj):
            raise PermissionDenied(_("您无权报送整顿进展。"))
        if obj.state not in PROGRESS_STATES:
            raise Conflict(_("当前状态“%(s)s”下不能报送进展。") % {"s": obj.get_state_display()})
        report = ProgressReport(rectification=obj, date=d["date"], text=d["text"], reported_by=actor)
        save_with_history(report, actor=actor, reason=_("报送整顿进展"))
        if d.get("attachment"):
            attachment_create(actor=actor, target=obj, upload=d["attachment"], part=report.attachment_part)
        rules.notify_event(obj, verb="rectification.progress", actor=actor,
                           message=_("%(obj)s：报送了整顿进展（%(d)s）") % {"obj": obj, "d": d["date"].isoformat()})
    return report


def rectification_flag_overdue(*, actor, obj, today: dt.date) -> None:
    """Mark the deadline overdue (a tracked non-state change, by the sweep)."""
    with transaction.atomic():
        fresh = Rectification.objects.select_for_update().get(pk=obj.pk)
        if fresh.state not in OPEN_STATES or fresh.due_date >= today:
            return
        fresh.overdue_flagged_on = today
        save_with_history(fresh, actor=actor, reason=_("整顿期限已过"),
                          update_fields=["overdue_flagged_on", "updated_at"])

"""Postings services: creation and every change that is not a plain state transition.

Keyword-only ``<entity>_<verb>(*, actor, ...)``. Rights and scope are asked of the kernel
(``supervision.access``); domain errors are ``ValidationError`` (→ 400, nothing changed).
"""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supervision import access, clock
from supervision.errors import Http404, PermissionDenied, ValidationError
from supervision.models import Person, PersonMark, Region, Unit
from supervision.people import person_has_mark, person_mark_add
from supervision.signals import accountability_referred
from supervision.transitions import run_transition, save_with_history
from supervision.workdays import WorkCalendar, add_months

from . import conf, rules
from .choices import GRADE_RANK, Grade, PostingRole
from .models import (
    OPEN_RECALL_STATES,
    Assessment,
    AssessmentYear,
    LeaveRequest,
    MonthlyAttendance,
    Posting,
    Recall,
    WorkFunds,
)


def _render(text, values) -> str:
    return str(text) % values


# Refusals raised from a transition's side effects (run in the county's language by the kernel)
# are rendered when shown, in the reader's language.
_lazy = lazy(_render, str)


def _today() -> dt.date:
    return clock.today()  # the demo's story date while seeding (supervision.demo.story_at)


def _require(actor, right: str, obj) -> None:
    """404 when ``obj`` is outside the actor's scope, 403 when the role may not do it."""
    if not access.visible(actor, type(obj)).filter(pk=obj.pk).exists():
        raise Http404(_("记录不存在或无权查看。"))
    if not access.can(actor, right, obj):
        raise PermissionDenied(_("您无权执行此操作。"))


def _int(name: str, value, *, minimum: int = 0) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({name: [_("请输入整数。")]}) from None
    if number < minimum:
        raise ValidationError({name: [_("不能小于 %(n)d。") % {"n": minimum}]})
    return number


# --- Postings -------------------------------------------------------------------------------------------

def person_get_or_create(*, actor, name: str, unit: Unit | None) -> Person:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"person_name": [_("请填写人员姓名。")]})
    person = Person.objects.filter(name=name, unit=unit).first()
    if person is None:
        person = Person(name=name, unit=unit, post=_("驻村干部"))
        save_with_history(person, actor=actor, reason=_("选派驻村新增人员"))
    return person


def _posting_new(*, actor, person: Person, dispatching_unit: Unit, village: Region, role: str,
                 start_date: dt.date, term_years: int | None = None, renewal_of: Posting | None = None,
                 reason: str = "") -> Posting:
    if village.level != Region.Level.VILLAGE:
        raise ValidationError({"village": [_("请选择一个村/社区。")]})
    if role not in PostingRole.values:
        raise ValidationError({"role": [_("身份无效。")]})
    term = term_years or conf.get("DEFAULT_TERM_YEARS")
    minimum = 1 if renewal_of is not None else conf.get("MIN_TERM_YEARS")
    if term < minimum:
        raise ValidationError({"term_years": [_("任期不少于 %(n)d 年。") % {"n": minimum}]})
    if role == PostingRole.FIRST_SECRETARY:
        clash = Posting.objects.filter(village=village, role=PostingRole.FIRST_SECRETARY, state=Posting.State.ACTIVE)
        if renewal_of is not None:
            clash = clash.exclude(pk=renewal_of.pk)
        if clash.exists():
            raise ValidationError({"village": [_("%(village)s 已有在岗的第一书记。") % {"village": village.name}]})
    if Posting.objects.filter(person=person, state=Posting.State.ACTIVE).exclude(
            pk=getattr(renewal_of, "pk", None)).exists():
        raise ValidationError({"person": [_("%(name)s 已有在岗的驻村选派。") % {"name": person.name}]})
    posting = Posting(person=person, dispatching_unit=dispatching_unit, village=village, role=role,
                      start_date=start_date, term_years=term, end_date=add_months(start_date, 12 * term).date,
                      renewal_of=renewal_of)
    save_with_history(posting, actor=actor, reason=reason or _("选派驻村"))
    rules.notify_posting_created(posting, actor)
    return posting


def posting_create(*, actor, dispatching_unit: Unit, village: Region, role: str, start_date: dt.date,
                   person: Person | None = None, person_name: str = "", term_years: int | None = None,
                   reason: str = "") -> Posting:
    """选派: organisation staff post a person (existing, or new by name) to a village."""
    if not access.has_role(actor, "organization"):
        raise PermissionDenied(_("只有县委组织部（联席办）可以选派驻村干部。"))
    with transaction.atomic():
        if person is None:
            person = person_get_or_create(actor=actor, name=person_name, unit=dispatching_unit)
        return _posting_new(actor=actor, person=person, dispatching_unit=dispatching_unit, village=village,
                            role=role, start_date=start_date, term_years=term_years, reason=reason)


def posting_renewal_create(*, actor, posting: Posting, term_years: int, reason: str = "") -> Posting:
    """连任: the same person, unit and village for a new term starting when the old one ends."""
    return _posting_new(actor=actor, person=posting.person, dispatching_unit=posting.dispatching_unit,
                        village=posting.village, role=posting.role, start_date=posting.end_date,
                        term_years=term_years, renewal_of=posting, reason=reason or _("连任"))


# --- Attendance, funds, leave ---------------------------------------------------------------------------

def attendance_record(*, actor, posting: Posting, year, month, days_on_site, leave_days=0, absences=0,
                      note: str = "") -> MonthlyAttendance:
    """Record (or correct) one month's attendance. Days must fit in the month."""
    _require(actor, "record_attendance", posting)
    year = _int("year", year, minimum=2000)
    if year > 2100:
        raise ValidationError({"year": [_("年度应在 2000 到 2100 之间。")]})
    month = _int("month", month, minimum=1)
    if month > 12:
        raise ValidationError({"month": [_("月份应在 1 到 12 之间。")]})
    days_on_site = _int("days_on_site", days_on_site)
    entered_leave = _int("leave_days", leave_days)
    absences = _int("absences", absences)
    # Approved leave requests count as leave in their months whatever was typed.
    leave_days = max(entered_leave, approved_leave_days(posting.pk, year, month))
    dim = calendar.monthrange(year, month)[1]
    errors = {}
    if days_on_site > dim:
        errors["days_on_site"] = [_("在岗天数 %(d)d 超过了 %(y)d年%(m)d月 的天数（%(n)d 天）。")
                                  % {"d": days_on_site, "y": year, "m": month, "n": dim}]
    elif days_on_site + leave_days + absences > dim:
        errors["leave_days"] = [_("在岗、请假与缺勤合计 %(d)d 天，超过了当月的 %(n)d 天。")
                                % {"d": days_on_site + leave_days + absences, "n": dim}]
    if errors:
        raise ValidationError(errors)
    last = posting.ended_on or posting.end_date
    if not (posting.start_date.year, posting.start_date.month) <= (year, month) <= (last.year, last.month):
        raise ValidationError({"month": [_("%(y)d年%(m)d月 不在该同志驻村期间（%(s)s 至 %(e)s）。")
                                         % {"y": year, "m": month, "s": posting.start_date, "e": last}]})
    with transaction.atomic():
        # A correction locks the month's row (writers of one record queue); a first registration
        # is an INSERT that the unique (posting, year, month) rule lets only one request make:
        # the other gets a clear 400 and corrects after a refresh.
        row = MonthlyAttendance.objects.select_for_update().filter(posting=posting, year=year, month=month).first()
        reason = _("更正考勤") if row else _("登记考勤")
        if row is None:
            row = MonthlyAttendance(posting=posting, year=year, month=month, days_on_site=0)
        row.days_on_site, row.leave_days, row.absences = days_on_site, leave_days, absences
        row.note = (note or "")[:200]
        save_with_history(row, actor=actor, reason=reason)
    return row


def funds_record(*, actor, posting: Posting, year, amount, note: str = "") -> WorkFunds:
    """Record a year's work funds; a first secretary below the minimum is flagged (not refused)."""
    _require(actor, "record_funds", posting)
    year = _int("year", year, minimum=2000)
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"amount": [_("请输入金额。")]}) from None
    if not amount.is_finite():
        raise ValidationError({"amount": [_("请输入金额。")]})
    if amount < 0:
        raise ValidationError({"amount": [_("工作经费不能为负数。")]})
    if amount >= Decimal("10000000000"):
        raise ValidationError({"amount": [_("金额过大。")]})
    with transaction.atomic():  # as attendance: the row locked to correct, the unique rule decides a first entry
        row = (WorkFunds.objects.select_for_update().filter(posting=posting, year=year).first()
               or WorkFunds(posting=posting, year=year))
        row.amount, row.note = amount.quantize(Decimal("0.01")), (note or "")[:200]
        save_with_history(row, actor=actor, reason=_("登记工作经费"))
    if row.shortfall:
        rules.notify_funds_shortfall(row, actor)
    return row


def leave_days(start_date: dt.date, end_date: dt.date, calendar_: WorkCalendar | None = None) -> int:
    """Days of a leave from ``start_date`` to ``end_date`` (both included), counted as the
    ``LEAVE_DAY_COUNT`` setting says: working days (default) or calendar days."""
    if end_date < start_date:
        return 0
    if conf.get_str("LEAVE_DAY_COUNT") == "calendar":
        return (end_date - start_date).days + 1
    calendar_ = calendar_ or WorkCalendar(start_date, end_date)
    return calendar_.working_days_between(start_date - dt.timedelta(days=1), end_date)


def leave_day_count_label() -> str:
    """How leave days are counted, for the leave form."""
    if conf.get_str("LEAVE_DAY_COUNT") == "calendar":
        return _("请假天数按自然日计算（含周末和节假日）。")
    return _("请假天数按工作日计算（不含周末和法定节假日）。")


def leave_request_create(*, actor, posting: Posting, start_date: dt.date, end_date: dt.date,
                         reason: str) -> LeaveRequest:
    _require(actor, "request_leave", posting)
    if posting.state != Posting.State.ACTIVE:
        raise ValidationError({"posting": [_("该选派已离岗，不能请假。")]})
    if end_date < start_date:
        raise ValidationError({"end_date": [_("结束日期不能早于开始日期。")]})
    if (end_date - start_date).days + 1 > 90:
        raise ValidationError({"end_date": [_("单次请假不能超过 90 天。")]})
    days = leave_days(start_date, end_date)
    if days == 0:
        raise ValidationError({"end_date": [_("所选期间没有工作日，无需请假。")]})
    leave = LeaveRequest(posting=posting, township_id=posting.village.parent_id, start_date=start_date,
                         end_date=end_date, days=days, reason=reason[:500], requested_by=actor)
    save_with_history(leave, actor=actor, reason=_("登记请假申请"))
    rules.notify_leave_requested(leave, actor)
    return leave


def _leave_days_by_month(leave: LeaveRequest, calendar_: WorkCalendar) -> dict[tuple[int, int], int]:
    """{(year, month): days of this leave in that month} (counted as the setting says)."""
    found: dict[tuple[int, int], int] = {}
    day = leave.start_date
    while day <= leave.end_date:
        last = dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        n = leave_days(day, min(last, leave.end_date), calendar_)
        if n:
            found[(day.year, day.month)] = n
        day = last + dt.timedelta(days=1)
    return found


def approved_leave_days(posting_id: int, year: int, month: int) -> int:
    """Approved leave of a posting in one month (every approved request that touches it)."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    leaves = LeaveRequest.objects.filter(posting_id=posting_id, state=LeaveRequest.State.APPROVED,
                                         start_date__lte=last, end_date__gte=first)
    cal = WorkCalendar(first, last)
    return sum(_leave_days_by_month(leave, cal).get((year, month), 0) for leave in leaves)


def attendance_apply_leave(*, actor, leave: LeaveRequest) -> None:
    """An approved leave enters each month's attendance as leave days (never as absence): the
    month's row, or a new one waiting for its days on site."""
    for (year, month), _days in sorted(_leave_days_by_month(leave, WorkCalendar(leave.start_date,
                                                                                   leave.end_date)).items()):
        approved = approved_leave_days(leave.posting_id, year, month)
        row = (MonthlyAttendance.objects.select_for_update().filter(posting_id=leave.posting_id, year=year,
                                                                    month=month).first()
               or MonthlyAttendance(posting_id=leave.posting_id, year=year, month=month, days_on_site=0,
                                    note=_("批准请假，待登记在岗天数")))
        if row.pk is not None and row.leave_days >= approved:
            continue
        row.leave_days = approved
        save_with_history(row, actor=actor, reason=_("批准请假 %(s)s 至 %(e)s（%(d)d 天）")
                          % {"s": leave.start_date, "e": leave.end_date, "d": leave.days})


# --- Assessments ----------------------------------------------------------------------------------------

def assessment_open(*, actor, posting: Posting, year) -> Assessment:
    """启动年度考核 for one posting."""
    _require(actor, "open_assessment", posting)
    year = _int("year", year, minimum=2000)
    if posting.start_date.year > year:
        raise ValidationError({"year": [_("%(year)d 年该同志尚未到村。") % {"year": year}]})
    if Assessment.objects.filter(posting=posting, year=year).exists():
        raise ValidationError({"year": [_("该选派 %(year)d 年度考核已启动。") % {"year": year}]})
    assessment = Assessment(posting=posting, person_id=posting.person_id, township_id=posting.village.parent_id,
                            year=year)
    save_with_history(assessment, actor=actor, reason=_("启动年度考核"))
    rules.notify_assessment_opened(assessment, actor)
    return assessment


def assessments_open_year(*, actor, year) -> int:
    """Open the year's assessment for every posting in post (skipping those already open)."""
    if not access.has_role(actor, "organization"):
        raise PermissionDenied(_("只有县委组织部（联席办）可以启动年度考核。"))
    year = _int("year", year, minimum=2000)
    done = 0
    with transaction.atomic():
        postings = (Posting.objects.filter(state=Posting.State.ACTIVE, start_date__year__lte=year)
                    .exclude(assessments__year=year).select_related("village", "person"))
        for posting in postings:
            assessment = Assessment(posting=posting, person_id=posting.person_id,
                                    township_id=posting.village.parent_id, year=year)
            save_with_history(assessment, actor=actor, reason=_("启动年度考核"))
            done += 1
        if done:
            rules.notify_year_opened(year, done, actor)
    return done


def attendance_totals(posting_ids, year: int) -> dict[int, dict]:
    """{posting_id: {"days": on site, "leave": approved leave, "absences": unexplained, "months": n}}; one query."""
    rows = (MonthlyAttendance.objects.filter(posting_id__in=list(posting_ids), year=year)
            .values("posting_id").annotate(days=Sum("days_on_site"), leave=Sum("leave_days"),
                                           absences=Sum("absences"), months=Count("id")))
    return {r["posting_id"]: r for r in rows}


def excellent_quota(year: int, exclude_pk=None) -> dict:
    """The 优秀 quota of a year: ``limit = floor(P% × N)`` with N every assessment of the year
    (county-wide, any state); ``used`` the finalized 优秀 (excluding ``exclude_pk``). Two queries."""
    percent = conf.get("EXCELLENT_QUOTA_PERCENT")
    stats = Assessment.objects.filter(year=year).aggregate(
        total=Count("id"),
        used=Count("id", filter=Q(state=Assessment.State.FINALIZED, final_grade=Grade.EXCELLENT)
                   & ~Q(pk=exclude_pk or 0)))
    total = stats["total"]
    return {"year": year, "percent": percent, "total": total, "limit": total * percent // 100,
            "used": stats["used"]}


def days_on_site_target(posting: Posting | None, year: int) -> int:
    """Days on site a posting needs in ``year``: ``MIN_DAYS_ON_SITE`` (200) × the share of the
    year it was on post (``PRO_RATE_DAYS_ON_SITE``, on by default), rounded up. Posted on
    2026-07-01: 200 × 184 / 365 → 101. No posting (a person's rules checked on their own): the
    full target."""
    full = conf.get("MIN_DAYS_ON_SITE")
    if posting is None or not conf.get("PRO_RATE_DAYS_ON_SITE"):
        return full
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    start = max(posting.start_date, first)
    end = min(posting.ended_on or posting.end_date, last)
    if end < start:
        return 0
    on_post, in_year = (end - start).days + 1, (last - first).days + 1
    return -(-full * on_post // in_year)


def funds_missing(posting: Posting, year: int, entered_years) -> bool:
    """A first secretary with no work-funds entry for ``year`` (``entered_years``: the years
    that have one) is flagged: the county grants each one at least 1 万元 a year."""
    return posting.role == PostingRole.FIRST_SECRETARY and year not in entered_years


def funds_missing_years(posting: Posting, entered_years, today: dt.date | None = None) -> list[int]:
    """Years of a first secretary's posting (up to this year) with no work-funds entry."""
    if posting.role != PostingRole.FIRST_SECRETARY:
        return []
    today = today or _today()
    last = min((posting.ended_on or posting.end_date).year, today.year)
    return [y for y in range(posting.start_date.year, last + 1) if y not in entered_years]


def excellent_bars(*, assessment: Assessment) -> list:
    """Marks on the person that bar 优秀 in the assessed year (e.g. a failed rectification of the
    village: ``PersonMark.Kind.NO_EXCELLENT``). The one place the assessment reads marks."""
    if person_has_mark(assessment.person, PersonMark.Kind.NO_EXCELLENT, assessment.year):
        return [_lazy(gettext_lazy("该同志 %(y)d 年度有“不得评为优秀”记录（所驻村软弱涣散整顿验收未通过等），"
                                   "不得评为优秀。"), {"y": assessment.year})]
    return []


def grade_refusals(*, assessment: Assessment, grade: str, days: int, absences: int) -> list:
    """Why ``grade`` may not be given (empty: it may). Quota not included (it needs a lock)."""
    label = Grade(grade).label
    reasons = []
    if absences >= 3 and grade != Grade.INCOMPETENT:
        reasons.append(_lazy(gettext_lazy("全年无故缺勤 %(n)d 次（3 次及以上），只能评定为不称职。"), {"n": absences}))
    elif absences == 2 and GRADE_RANK[grade] < GRADE_RANK[Grade.BASIC]:
        reasons.append(_lazy(gettext_lazy("全年无故缺勤 2 次，最高只能评定为基本称职，不能评为%(g)s。"), {"g": label}))
    elif absences == 1 and grade == Grade.EXCELLENT:
        reasons.append(gettext_lazy("全年无故缺勤 1 次，不得评为优秀。"))
    if grade == Grade.EXCELLENT:
        minimum = days_on_site_target(assessment.posting if assessment.posting_id else None, assessment.year)
        if days < minimum:
            reasons.append(_lazy(gettext_lazy("全年在岗 %(d)d 天，少于 %(n)d 天，不得评为优秀。"),
                                 {"d": days, "n": minimum}))
        reasons += excellent_bars(assessment=assessment)
    return reasons


def assessment_apply_final_grade(*, actor, assessment: Assessment, reason: str = "") -> None:
    """Called by ``actions.assessment.do_finalize`` inside the kernel's transaction, once the
    assessment is finalized with its publicised grade: enforce the rules (a refusal rolls the
    transition back: 400 listing every reason), then the grade's effects
    (promotion priority; automatic recall proposal). The year's figures were recorded by
    ``Assessment.finalize``."""
    grade = assessment.final_grade
    days, absences = assessment.days_on_site or 0, assessment.absences or 0
    reasons = grade_refusals(assessment=assessment, grade=grade, days=days, absences=absences)
    if grade == Grade.EXCELLENT and not reasons:
        # Serialise 优秀 grants of one year, then count.
        AssessmentYear.objects.get_or_create(year=assessment.year)
        AssessmentYear.objects.select_for_update().get(year=assessment.year)
        quota = excellent_quota(assessment.year, exclude_pk=assessment.pk)
        if quota["used"] + 1 > quota["limit"]:
            reasons.append(_lazy(gettext_lazy(
                "优秀名额已满：%(y)d 年度全县共 %(t)d 人参加考核，优秀不超过 %(p)d%%（即 %(l)d 人），"
                "已评定优秀 %(u)d 人。"),
                {"y": assessment.year, "t": quota["total"], "p": quota["percent"], "l": quota["limit"],
                 "u": quota["used"]}))
    if reasons:
        raise ValidationError({"grade": reasons})
    if grade == Grade.EXCELLENT:
        years = conf.get("PROMOTION_PRIORITY_YEARS")
        person_mark_add(actor=actor, person=assessment.person, kind=PersonMark.Kind.PROMOTION_PRIORITY,
                        year_from=assessment.year, year_to=assessment.year + years - 1,
                        reason=_("%(y)d 年度驻村考核优秀") % {"y": assessment.year}, source=assessment)
    elif grade == Grade.INCOMPETENT:
        recall_propose_for_assessment(actor=actor, assessment=assessment)


# --- Recalls --------------------------------------------------------------------------------------------

def _recall_new(*, actor, posting: Posting, grounds: str, auto: bool = False,
                assessment: Assessment | None = None) -> Recall:
    recall = Recall(posting=posting, person_id=posting.person_id, township_id=posting.village.parent_id,
                    grounds=grounds[:5000], proposed_by=actor, auto=auto, assessment=assessment)
    save_with_history(recall, actor=actor, reason=grounds[:300])
    rules.notify_recall_proposed(recall, actor)
    return recall


def recall_propose(*, actor, posting: Posting, grounds: str) -> Recall:
    """提出召回 (township staff of that township, or the joint office): the posting's
    ``propose_recall`` transition — refused (409) while a recall of that posting is open, and
    not offered then; the recall record is created by its side effect (``recall_create``)."""
    ctx = run_transition(model=Posting, pk=posting.pk, name="propose_recall", actor=actor,
                         data={"grounds": grounds})
    return ctx.recall


def recall_create(*, actor, posting: Posting, grounds: str) -> Recall:
    """The recall record of ``propose_recall`` (the posting row is locked by the transition; a
    second open recall is also a database rule)."""
    return _recall_new(actor=actor, posting=posting, grounds=grounds.strip())


def recall_propose_for_assessment(*, actor, assessment: Assessment) -> Recall:
    """An 不称职 grade proposes exactly one recall (or joins the one already open)."""
    existing = Recall.objects.filter(Q(assessment=assessment) | Q(posting_id=assessment.posting_id,
                                                                  state__in=OPEN_RECALL_STATES)).first()
    if existing is not None:
        return existing
    posting = Posting.objects.select_related("village").get(pk=assessment.posting_id)
    grounds = _("%(y)d 年度考核被评定为不称职，按规定提出召回。") % {"y": assessment.year}
    return _recall_new(actor=actor, posting=posting, grounds=grounds, auto=True, assessment=assessment)


def recall_carry_out(*, actor, recall: Recall, reason: str = "") -> None:
    """Side effects of ``Recall.withdraw`` (which set the dates): end the posting, bar the
    person's promotion and open the accountability matter against the dispatching unit."""
    posting = Posting.objects.select_related("dispatching_unit", "person", "village").get(pk=recall.posting_id)
    run_transition(model=Posting, pk=posting.pk, name="end_by_recall", actor=actor,
                   comment=reason or _("召回离岗"), as_system=True)
    years = conf.get("NO_PROMOTION_YEARS")
    year = recall.withdrawn_on.year
    text = _("驻村期间被召回（%(v)s）") % {"v": posting.village.name}
    person_mark_add(actor=actor, person=posting.person, kind=PersonMark.Kind.NO_PROMOTION, year_from=year,
                    year_to=year + years - 1, reason=text, source=recall)
    accountability_referred.send(
        sender=Recall, source=recall, actor=actor,
        reason=_("%(name)s 被召回，派出单位 %(unit)s 负有选派管理责任。理由：%(grounds)s")
        % {"name": posting.person.name, "unit": posting.dispatching_unit.name, "grounds": recall.grounds},
        target_unit=posting.dispatching_unit, target_person=None, source_kind="recall")


def recall_replacement_create(*, actor, recall: Recall, params: dict, reason: str = "") -> Posting:
    """Side effect of ``Recall.replace``: a new posting to the same village, linked to the recall."""
    unit = params["dispatching_unit"]
    person = params.get("person") or person_get_or_create(actor=actor, name=params.get("person_name", ""), unit=unit)
    village = Region.objects.get(pk=recall.posting.village_id)
    posting = _posting_new(actor=actor, person=person, dispatching_unit=unit, village=village,
                           role=params["role"], start_date=params["start_date"], reason=reason or _("召回后补派"))
    recall.replacement = posting
    save_with_history(recall, actor=actor, reason=_("补派：%(p)s") % {"p": posting},
                      update_fields=["replacement", "updated_at"])
    return posting

"""Deadlines shown and kept exact (DESIGN §3.5): traffic lights, and recomputation of
provisional deadlines once a year's official schedule is entered.

Traffic lights — one rule for the inbox, registers, detail pages, exports and the API:
- green 正常: more working days left than the record type's reminder window;
- amber 临期: within the window (``RecordType.reminder_days`` working days), the deadline
  day included;
- red 逾期: past the deadline day.
Each light carries its text (days left or overdue by), never a colour alone. Only records in
a state whose deadline runs (``RecordType.timed_states``) get a light.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import registry, workdays

GREEN, AMBER, RED, NONE = "green", "amber", "red", ""
COLOURS = (GREEN, AMBER, RED)
COLOUR_CHOICES = [(GREEN, gettext_lazy("正常")), (AMBER, gettext_lazy("临期")), (RED, gettext_lazy("逾期"))]
_COLOUR_LABELS = dict(COLOUR_CHOICES)


# --- traffic lights --------------------------------------------------------------------------

@dataclass(frozen=True)
class Light:
    colour: str
    due: dt.date | None
    days_left: int | None = None
    overdue_by: int | None = None
    provisional: bool = False
    provisional_reason: str = ""

    @property
    def colour_label(self) -> str:
        return str(_COLOUR_LABELS.get(self.colour, ""))

    @property
    def text(self) -> str:
        """Days left or overdue by, in words (the signal that does not need colour)."""
        if self.colour == RED:
            return _("已超期 %(n)d 个工作日") % {"n": self.overdue_by} if self.overdue_by else _("今日已超期")
        if self.colour in (GREEN, AMBER):
            if self.days_left == 0:
                return _("今日到期")
            return _("剩 %(n)d 个工作日") % {"n": self.days_left}
        return ""

    def as_dict(self) -> dict:
        return {
            "due_date": self.due.isoformat() if self.due else None,
            "colour": self.colour or None,
            "colour_label": self.colour_label or None,
            "text": self.text or None,
            "working_days_left": self.days_left,
            "overdue_working_days": self.overdue_by,
            "provisional": self.provisional,
            "provisional_reason": self.provisional_reason or None,
        }


def reminder_days(rt: registry.RecordType) -> int:
    value = rt.reminder_days
    if callable(value):
        value = value()
    if value is None:
        value = settings.SUPERVISION.get("REMINDER_WORKING_DAYS", 3)
    return int(value)


def provisional_field(rt: registry.RecordType) -> str | None:
    """The boolean field marking ``rt.due_field`` provisional (``due_provisional`` …). Worked out
    once per record type (a register asks for every row), again if its declaration changes."""
    declared = (rt.due_field, rt.due_provisional_field)
    cached = getattr(rt, "_provisional_field", None)
    if cached is not None and cached[0] == declared:
        return cached[1]
    found = _provisional_field(rt)
    rt._provisional_field = (declared, found)
    return found


def _provisional_field(rt: registry.RecordType) -> str | None:
    if rt.due_provisional_field is not None:
        return rt.due_provisional_field or None
    if not rt.due_field:
        return None
    names = {f.name for f in rt.model._meta.concrete_fields}
    due = rt.due_field
    for candidate in (f"{due}_provisional", due.removesuffix("_date") + "_provisional",
                      due.split("_")[0] + "_provisional"):
        if candidate in names:
            return candidate
    return None


def calendar_for(request=None) -> workdays.WorkCalendar:
    """One working-day calendar per request (two queries, whatever the number of rows)."""
    if request is None:
        return workdays.WorkCalendar()
    cal = getattr(request, "_supervision_calendar", None)
    if cal is None:
        cal = workdays.WorkCalendar()
        request._supervision_calendar = cal
    return cal


def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
        return True
    except NotImplementedError:
        return False


def provisional_reason(due: dt.date | None, calendar: workdays.WorkCalendar | None = None,
                       since: dt.date | None = None) -> str:
    """Why a deadline is provisional, in the user's words."""
    if due is None:
        return ""
    calendar = calendar or workdays.WorkCalendar(due, due)
    calendar.is_working_day(due)  # loads the year's entry state
    first = min((since or timezone.localdate()).year, due.year)
    unknown = [y for y in range(first, due.year + 1) if y not in calendar.entered_years and not library_knows(y)]
    if not unknown:
        return _("期限计算时有年份的节假日安排尚未公布，可能与正式安排有出入。")
    return _("%(years)s年的节假日安排尚未公布或未录入，期限暂按周末及元旦、劳动节、国庆节推算；"
             "管理员录入该年安排后将自动重算。") % {"years": "、".join(str(y) for y in unknown)}


def light(obj, rt: registry.RecordType | None = None, *, today: dt.date | None = None,
          calendar: workdays.WorkCalendar | None = None, due: dt.date | None = None,
          window: int | None = None) -> Light:
    """The traffic light of ``obj``'s deadline (``rt.due_field``) as of ``today``; ``window``:
    ``reminder_days(rt)`` when the caller has it (a register reads it once a page)."""
    rt = rt or registry.for_model(obj)
    if due is None and rt.due_field:
        due = getattr(obj, rt.due_field, None)
    if isinstance(due, dt.datetime):
        due = timezone.localtime(due).date() if timezone.is_aware(due) else due.date()
    pfield = provisional_field(rt)
    provisional = bool(pfield and getattr(obj, pfield, False))
    if due is None:
        return Light(NONE, None)
    calendar = calendar or workdays.WorkCalendar()
    reason = provisional_reason(due, calendar) if provisional else ""
    if getattr(obj, rt.state_field, None) not in timed_states(rt):
        return Light(NONE, due, provisional=provisional, provisional_reason=reason)
    today = today or timezone.localdate()
    if today > due:
        return Light(RED, due, overdue_by=calendar.working_days_between(due, today),
                     provisional=provisional, provisional_reason=reason)
    left = calendar.working_days_between(today, due)
    colour = AMBER if left <= (reminder_days(rt) if window is None else window) else GREEN
    return Light(colour, due, days_left=left, provisional=provisional, provisional_reason=reason)


def timed_states(rt: registry.RecordType) -> frozenset[str]:
    """States in which the record's deadline runs: declared, or every state that is the
    source of an inbox transition (someone has to act)."""
    if rt.timed_states is not None:
        return frozenset(rt.timed_states)
    cached = getattr(rt, "_timed_states", None)
    if cached is None:
        cached = frozenset(str(t.source) for t in rt.all_transitions()
                           if t.custom.get("inbox", True) and t.source not in ("*", "+"))
        rt._timed_states = cached
    return cached


def colour_q(rt: registry.RecordType, colour: str, *, today: dt.date | None = None) -> models.Q:
    """The records of ``rt`` whose light is ``colour`` today, as a filter (same rule as ``light``)."""
    if not rt.due_field or colour not in COLOURS:
        return models.Q(pk__in=[])
    today = today or timezone.localdate()
    due = rt.due_field
    timed = models.Q(**{f"{rt.state_field}__in": sorted(timed_states(rt)), f"{due}__isnull": False})
    if colour == RED:
        return timed & models.Q(**{f"{due}__lt": today})
    # Amber ⟺ at most ``window`` working days in (today, due] ⟺ due before the (window+1)-th
    # working day after today.
    first_green = workdays.add_working_days(today, reminder_days(rt) + 1).date
    if colour == AMBER:
        return timed & models.Q(**{f"{due}__gte": today, f"{due}__lt": first_green})
    return timed & models.Q(**{f"{due}__gte": first_green})


def filter_by_colour(qs: models.QuerySet, colour: str, *, today: dt.date | None = None) -> models.QuerySet:
    if colour not in COLOURS:
        return qs
    return qs.filter(colour_q(registry.for_model(qs.model), colour, today=today))


# --- deadline bases and recomputation ------------------------------------------------------

def remember(obj, field: str, deadline: workdays.Deadline | None, *, provisional_field: str = "",
             mirror_field: str = "") -> None:
    """Keep how ``obj.<field>`` was computed (call when setting it from a rule; ``obj`` saved or
    locked by the caller). A deadline without a rule (None, or typed in) drops nothing: a
    stored basis only applies while the field still holds the date it produced."""
    from .models import DeadlineBasis

    if deadline is None or not deadline.rule or deadline.start is None or obj.pk is None:
        return
    key = {"record_type": obj._meta.label_lower, "object_id": obj.pk, "field": field}
    values = {
        "provisional_field": provisional_field, "mirror_field": mirror_field, "start": deadline.start,
        "rule": deadline.rule, "months": deadline.months, "days": deadline.days, "computed": deadline.date,
        "provisional": deadline.provisional, "guessed_years": ",".join(str(y) for y in deadline.guessed_years),
    }
    basis = DeadlineBasis.objects.select_for_update().filter(**key).first()
    if basis is None:
        basis = DeadlineBasis(**key)
    elif all(getattr(basis, k) == v for k, v in values.items()):
        return
    for k, v in values.items():
        setattr(basis, k, v)
    basis.save()


def basis_of(obj, field: str):
    from .models import DeadlineBasis

    return DeadlineBasis.objects.filter(record_type=obj._meta.label_lower, object_id=obj.pk, field=field).first()


def extended(obj, field: str, *, months: int = 0, days: int = 0, fallback_start: dt.date | None = None
             ) -> workdays.Deadline:
    """The deadline of ``obj.<field>`` extended by ``months``/``days``, counted from the original
    end of the period (民法典 arts. 201–203, see ``workdays.period_end``): the stored start
    with the total length, not the previous (clamped or moved) last day."""
    basis = basis_of(obj, field)
    current = getattr(obj, field, None)
    if basis is not None and basis.rule == basis.Rule.PERIOD and basis.computed == current:
        return workdays.period_end(basis.start, months=basis.months + months, days=basis.days + days)
    return workdays.period_end(current or fallback_start or timezone.localdate(), months=months, days=days)


@dataclass
class Recomputed:
    obj: object
    field: str
    old: dt.date
    new: dt.date


def calendar_year_entered(year: int, *, actor=None) -> list[Recomputed]:
    """Recompute every provisional deadline falling in or after ``year`` from its original
    start and rule, now that the year's schedule is known (or changed).

    Each record is locked, its date and provisional mark updated and saved with a history
    row by the system actor giving the old and new date; when a date moves earlier the
    record's handler and issuing side (``RecordType.deadline_watchers``) are notified.
    Deadlines settled by an earlier entry of the same year are recomputed as well (the
    schedule may have been corrected). A date changed by hand since (an extension approved,
    a date typed in) is left alone.
    """
    from .audit.actor import system_actor
    from .models import DeadlineBasis

    actor = actor or system_actor()
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    candidates = DeadlineBasis.objects.filter(computed__gte=first, start__lte=last).order_by("record_type", "pk")
    calendar = workdays.WorkCalendar()
    done = []
    for basis_id in list(candidates.values_list("pk", flat=True)):
        change = _recompute_one(basis_id, year, actor, calendar)
        if change is not None:
            done.append(change)
    return done


def _recompute_one(basis_id: int, year: int, actor, calendar) -> Recomputed | None:
    from .models import DeadlineBasis
    from .notify import notify
    from .transitions import save_with_history

    with transaction.atomic():
        basis = DeadlineBasis.objects.filter(pk=basis_id).first()
        if basis is None:
            return None
        try:
            rt = registry.for_key(basis.record_type)
        except LookupError:
            return None
        obj = rt.model._default_manager.select_for_update(of=("self",)).filter(pk=basis.object_id).first()
        basis = DeadlineBasis.objects.select_for_update().get(pk=basis_id)
        if obj is None or getattr(obj, basis.field, None) != basis.computed:
            return None  # changed by hand since: no longer the rule's date
        pfield = basis.provisional_field
        was_provisional = bool(pfield and getattr(obj, pfield, False)) if pfield else basis.provisional
        new = workdays.recompute(basis.start, basis.rule, months=basis.months, days=basis.days, calendar=calendar)
        old = basis.computed
        if new.date == old and new.provisional == was_provisional:
            return None
        fields = [basis.field]
        setattr(obj, basis.field, new.date)
        if pfield:
            setattr(obj, pfield, new.provisional)
            fields.append(pfield)
        if basis.mirror_field and getattr(obj, basis.mirror_field, None) == old:
            setattr(obj, basis.mirror_field, new.date)
            fields.append(basis.mirror_field)
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            fields.append("updated_at")
        label = str(obj._meta.get_field(basis.field).verbose_name)
        if new.date == old:
            reason = _("录入%(year)d年节假日安排后确认%(label)s：%(old)s（不再待确认）") % {
                "year": year, "label": label, "old": old.isoformat()}
        else:
            reason = _("录入%(year)d年节假日安排后重算%(label)s：%(old)s → %(new)s") % {
                "year": year, "label": label, "old": old.isoformat(), "new": new.date.isoformat()}
        if new.provisional:
            reason += _("（仍待确认）")
        save_with_history(obj, actor=actor, reason=reason, transition="deadline_recomputed", update_fields=fields)
        basis.computed = new.date
        basis.provisional = new.provisional
        basis.guessed_years = ",".join(str(y) for y in new.guessed_years)
        basis.save()
        if new.date < old:
            from . import handlers

            recipients = [handlers.current_handler(obj)]
            if rt.deadline_watchers is not None:
                recipients += list(rt.deadline_watchers(obj))
            notify(recipients=recipients, verb="deadline.earlier", target=obj,
                   message=_("%(obj)s 的%(label)s按%(year)d年节假日安排提前为 %(new)s（原 %(old)s）") % {
                       "obj": obj, "label": label, "year": year, "new": new.date.isoformat(),
                       "old": old.isoformat()})
    return Recomputed(obj, basis.field, old, new.date)


# --- a year's schedule ---------------------------------------------------------------------

FIXED_FESTIVAL_DATES = {"new_year": (1, 1), "labour": (5, 1), "national": (10, 1)}


def missing_festivals(year: int, days) -> list[str]:
    """Statutory holidays a year's schedule does not name: ``days`` are (date, is_working_day,
    festival) triples. The fixed-date ones must include their date."""
    from .models import Festival

    named: dict[str, set[dt.date]] = {}
    for day, working, festival in days:
        if festival and not working and day and day.year == year:
            named.setdefault(festival, set()).add(day)
    missing = []
    for value, label in Festival.choices:
        dates = named.get(value)
        fixed = FIXED_FESTIVAL_DATES.get(value)
        if not dates or (fixed and dt.date(year, *fixed) not in dates):
            missing.append(str(label))
    return missing


def calendar_year_enter(*, actor, year: int, days, source: str = "", confirm_incomplete: bool = False):
    """Enter (or replace) a year's official schedule: ``days`` of (date, is_working_day,
    festival, note). Refused (400) unless it names every statutory holiday, or the
    administrator confirms explicitly. Then recomputes the provisional deadlines."""
    from .errors import ValidationError
    from .models import CalendarDay, CalendarYear

    days = [(t[0], bool(t[1]), (t[2] if len(t) > 2 else "") or "", (t[3] if len(t) > 3 else "") or "")
            for t in days]
    wrong = [t[0] for t in days if t[0].year != year]
    if wrong:
        raise ValidationError({"days": _("日期 %(d)s 不在 %(year)d 年内。") % {"d": wrong[0], "year": year}})
    missing = missing_festivals(year, [(d, w, f) for d, w, f, _n in days])
    if missing and not confirm_incomplete:
        raise ValidationError({"days": _("%(year)d年安排缺少法定节假日：%(missing)s。请补录，或明确确认后保存。") % {
            "year": year, "missing": "、".join(missing)}})
    with transaction.atomic():
        entry = CalendarYear.objects.select_for_update().filter(year=year).first()
        if entry is None:
            entry = CalendarYear(year=year)
        entry.source = source or entry.source
        entry.confirmed_incomplete = bool(missing)
        entry._history_user = actor
        entry.save()
        for day, working, festival, note in days:
            row = CalendarDay.objects.filter(date=day).first() or CalendarDay(date=day)
            row.is_working_day, row.festival, row.calendar_year = working, festival, entry
            row.note = note or row.note
            row._history_user = actor
            row.save()
    return entry, calendar_year_entered(year)


# --- registers -------------------------------------------------------------------------------

def colour_param(params, name: str = "light") -> str:
    """The colour asked for in a query string ("" for none); anything else is a clear 400."""
    from .errors import ValidationError

    value = (params.get(name) or "").strip()
    if value and value not in COLOURS:
        raise ValidationError({name: _("期限状态应为 green（正常）、amber（临期）或 red（逾期）。")})
    return value


def colour_of(params, name: str = "light") -> str:
    """Pages: the colour asked for, or "" (an unknown value filters nothing, like a reset)."""
    value = (params.get(name) or "").strip()
    return value if value in COLOURS else ""


def light_filter(**kwargs):
    """A django-filter filter for any register's FilterSet: ``light = deadlines.light_filter()``."""
    import django_filters

    kwargs.setdefault("label", gettext_lazy("期限状态"))
    kwargs.setdefault("empty_label", gettext_lazy("全部"))
    return django_filters.ChoiceFilter(choices=COLOUR_CHOICES, method=_filter_method, **kwargs)


def _filter_method(queryset, name, value):
    return filter_by_colour(queryset, value)


def light_export_cells(obj, *, calendar=None, rt=None) -> list[str]:
    """Two export columns for a record's deadline: the light's words and provisional mark.

    The words are memoised per language on the calendar (one per export): a 100k-row export
    has a few hundred distinct lights, so it translates a few hundred times, not 200k."""
    lt = light(obj, rt, calendar=calendar)
    words = _export_words(calendar)
    key = (lt.colour, lt.days_left, lt.overdue_by, lt.provisional)
    cells = words.get(key)
    if cells is None:
        cells = words[key] = [f"{lt.colour_label} · {lt.text}" if lt.colour else "", _("是") if lt.provisional else ""]
    return list(cells)


def _export_words(calendar) -> dict:
    if calendar is None:
        return {}
    memo = calendar.__dict__.setdefault("_export_words", {})
    return memo.setdefault(translation.get_language(), {})


def light_export_headers() -> list[str]:
    return [_("期限状态"), _("期限待确认")]

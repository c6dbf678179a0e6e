"""Read side: every queryset is built on ``supervision.access.visible`` (scope in SQL)."""
from __future__ import annotations

from django.db.models import Count, Q

from supervision import access
from supervision.models import Person, PersonMark, Region, Unit

from .choices import Grade
from .models import Assessment, LeaveRequest, MonthlyAttendance, Posting, Recall, WorkFunds


def posting_list_visible_to(*, user, township=None, unit=None, state=None, role=None, q=None):
    qs = access.visible(user, Posting).select_related("person", "dispatching_unit", "village__parent")
    if township:
        qs = qs.filter(village__parent_id=township)
    if unit:
        qs = qs.filter(dispatching_unit_id=unit)
    if state:
        qs = qs.filter(state=state)
    if role:
        qs = qs.filter(role=role)
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(village__name__contains=q))
    return qs.order_by("village__parent__code", "village__code", "-start_date", "-pk")


def posting_summary(qs) -> dict:
    """Counts of a (filtered) register by township and by state: two aggregate queries."""
    by_township = list(qs.order_by().values("village__parent_id", "village__parent__name", "village__parent__code")
                       .annotate(total=Count("id"), active=Count("id", filter=Q(state=Posting.State.ACTIVE)))
                       .order_by("village__parent__code"))
    states = dict(qs.order_by().values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    return {"by_township": by_township,
            "by_state": [(value, label, states.get(value, 0)) for value, label in Posting.State.choices]}


def townships_visible_to(*, user):
    """Townships for the filters: every one for county-wide viewers, else the user's own."""
    from supervision import registry

    county_wide, ids = access.scope(user, registry.for_model(Posting).view_roles)
    qs = Region.objects.filter(level=Region.Level.TOWNSHIP)
    if not county_wide:
        qs = qs.filter(pk__in=ids)
    return qs.order_by("code")


def dispatching_units():
    return Unit.objects.filter(is_dispatching=True).order_by("name")


def person_get_visible(*, user, pk) -> Person | None:
    """A person is visible to whoever may see one of their postings."""
    if not access.visible(user, Posting).filter(person_id=pk).exists():
        return None
    return Person.objects.select_related("unit").get(pk=pk)


def person_page(*, user, person: Person) -> dict:
    """Everything on a person's page, in a fixed number of queries."""
    postings = list(access.visible(user, Posting).filter(person=person)
                    .select_related("dispatching_unit", "village__parent").order_by("-start_date"))
    ids = [p.pk for p in postings]
    attendance = list(MonthlyAttendance.objects.filter(posting_id__in=ids).order_by("year", "month"))
    years: dict[int, list] = {}
    for row in attendance:
        years.setdefault(row.year, [None] * 12)[row.month - 1] = row
    calendar = []
    for year in sorted(years, reverse=True):
        months = years[year]
        calendar.append({
            "year": year, "months": months,
            "days": sum(m.days_on_site for m in months if m), "leave": sum(m.leave_days for m in months if m),
            "absences": sum(m.absences for m in months if m),
        })
    assessments = list(access.visible(user, Assessment).filter(posting_id__in=ids).order_by("-year"))
    funds = list(WorkFunds.objects.filter(posting_id__in=ids).select_related("posting").order_by("-year"))
    recalls = list(access.visible(user, Recall).filter(posting_id__in=ids).order_by("-pk"))
    marks = list(PersonMark.objects.filter(person=person).order_by("-year_from"))
    return {"postings": postings, "calendar": calendar, "assessments": assessments, "funds": funds,
            "recalls": recalls, "marks": marks}


def posting_detail(*, user, posting: Posting) -> dict:
    attendance = list(posting.attendance.order_by("-year", "-month"))
    return {
        "attendance": attendance,
        "funds": list(posting.funds.select_related("posting").order_by("-year")),
        "leaves": list(access.visible(user, LeaveRequest).filter(posting=posting).order_by("-start_date")),
        "assessments": list(access.visible(user, Assessment).filter(posting=posting).order_by("-year")),
        "recalls": list(access.visible(user, Recall).filter(posting=posting).order_by("-pk")),
        "renewals": list(access.visible(user, Posting).filter(renewal_of=posting)),
    }


def assessment_board(*, user, year: int, township=None, state=None, page=None, page_size: int = 50) -> dict:
    """The year's assessments visible to ``user`` with attendance totals, per-state counts and
    the county-wide 优秀 quota. A fixed number of queries whatever the number of rows; the rows
    come one page (``page``, ``page_size``) at a time, with their totals."""
    from django.core.paginator import Paginator

    from .services import attendance_totals, excellent_quota

    qs = access.visible(user, Assessment).filter(year=year).select_related(
        "person", "township", "posting__village", "posting__dispatching_unit")
    if township:
        qs = qs.filter(township_id=township)
    counts = dict(qs.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    if state:
        qs = qs.filter(state=state)
    pager = Paginator(qs.order_by("township__code", "posting__village__code", "pk"), page_size).get_page(page)
    rows = list(pager.object_list)
    totals = attendance_totals([a.posting_id for a in rows], year)
    for a in rows:
        t = totals.get(a.posting_id, {})
        a.year_days = t.get("days") or 0
        a.year_absences = t.get("absences") or 0
    grades = dict(qs.filter(state=Assessment.State.FINALIZED).values_list("final_grade").annotate(n=Count("id"))
                  .values_list("final_grade", "n"))
    states = [(value, label, counts.get(value, 0)) for value, label in Assessment.State.choices]
    return {"rows": rows, "page": pager, "states": states, "quota": excellent_quota(year),
            "grades": [(value, label, grades.get(value, 0)) for value, label in Grade.choices]}


def recall_list_visible_to(*, user, state=None, township=None):
    qs = access.visible(user, Recall).select_related("person", "township", "posting__village",
                                                     "posting__dispatching_unit", "replacement__person")
    if state:
        qs = qs.filter(state=state)
    if township:
        qs = qs.filter(township_id=township)
    return qs.order_by("-pk")


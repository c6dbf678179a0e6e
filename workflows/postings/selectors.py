"""Read side: every queryset is built on ``supervision.access.visible`` (scope in SQL)."""
from __future__ import annotations

from django.db.models import Count, Max, Q

from supervision import access, registry
from supervision.models import Person, PersonMark, Region, Unit

from .choices import Grade
from .models import Assessment, LeaveRequest, MonthlyAttendance, Posting, Recall, WorkFunds
from .services import attendance_totals, days_on_site_target, excellent_quota, funds_missing, funds_missing_years


def posting_list_visible_to(*, user):
    """The register's rows before its filters (``filters.POSTINGS``), in register order."""
    return (access.visible(user, Posting).select_related("person", "dispatching_unit", "village__parent")
            .order_by("village__parent__code", "village__code", "-start_date", "-pk"))


def assessment_list_visible_to(*, user):
    """The assessment board's rows before its filters (``filters.ASSESSMENTS``), in board order."""
    return (access.visible(user, Assessment).select_related("person", "township", "posting__village",
                                                           "posting__dispatching_unit")
            .order_by("township__code", "posting__village__code", "pk"))


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
    entered: dict[int, set] = {}
    for f in funds:
        entered.setdefault(f.posting_id, set()).add(f.year)
    missing = [(p, years) for p in postings if (years := funds_missing_years(p, entered.get(p.pk, set())))]
    return {"postings": postings, "calendar": calendar, "assessments": assessments, "funds": funds,
            "funds_missing": missing, "recalls": recalls, "marks": marks}


def posting_detail(*, user, posting: Posting) -> dict:
    attendance = list(posting.attendance.order_by("-year", "-month"))
    funds = list(posting.funds.select_related("posting").order_by("-year"))
    return {
        "attendance": attendance,
        "funds": funds,
        "funds_missing": funds_missing_years(posting, {f.year for f in funds}),
        "leaves": list(access.visible(user, LeaveRequest).filter(posting=posting).order_by("-start_date")),
        "assessments": list(access.visible(user, Assessment).filter(posting=posting).order_by("-year")),
        "recalls": list(access.visible(user, Recall).filter(posting=posting).order_by("-pk")),
        "renewals": list(access.visible(user, Posting).filter(renewal_of=posting)),
    }


def assessment_board(*, user, year: int, township=None, rows) -> dict:
    """The board around one page of ``rows`` (already filtered by ``filters.ASSESSMENTS``): each
    row's attendance totals, days-on-site target (pro-rated) and missing-funds flag; the year's
    per-state and per-grade counts (in the township filter, every state) and the county-wide 优秀
    quota. A fixed number of queries whatever the number of rows."""
    qs = access.visible(user, Assessment).filter(year=year)
    if township:
        qs = qs.filter(township_id=township)
    counts = dict(qs.order_by().values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    rows = list(rows)
    totals = attendance_totals([a.posting_id for a in rows], year)
    with_funds = set(WorkFunds.objects.filter(posting_id__in=[a.posting_id for a in rows], year=year)
                     .values_list("posting_id", flat=True))
    for a in rows:
        t = totals.get(a.posting_id, {})
        a.year_days = t.get("days") or 0
        a.year_absences = t.get("absences") or 0
        a.days_target = days_on_site_target(a.posting, a.year)
        a.funds_missing = funds_missing(a.posting, a.year, {a.year} if a.posting_id in with_funds else set())
    grades = dict(qs.filter(state=Assessment.State.FINALIZED).order_by().values_list("final_grade")
                  .annotate(n=Count("id")).values_list("final_grade", "n"))
    states = [(value, label, counts.get(value, 0)) for value, label in Assessment.State.choices]
    return {"rows": rows, "states": states, "quota": excellent_quota(year),
            "grades": [(value, label, grades.get(value, 0)) for value, label in Grade.choices]}


def assessment_latest_year(*, user) -> int | None:
    """The latest year that has assessments ``user`` may see (the board opens on it)."""
    return access.visible(user, Assessment).aggregate(y=Max("year"))["y"]


def assessment_detail(*, assessment: Assessment) -> dict:
    """What an assessment's page shows besides the record: the year's attendance, the days-on-site
    target (pro-rated), the missing-funds flag and the quota."""
    totals = attendance_totals([assessment.posting_id], assessment.year).get(assessment.posting_id, {})
    entered = set(WorkFunds.objects.filter(posting_id=assessment.posting_id, year=assessment.year)
                  .values_list("year", flat=True))
    return {"year_days": totals.get("days") or 0, "year_absences": totals.get("absences") or 0,
            "days_target": days_on_site_target(assessment.posting, assessment.year),
            "funds_missing": funds_missing(assessment.posting, assessment.year, entered),
            "quota": excellent_quota(assessment.year)}


def recall_list_visible_to(*, user, state=None, township=None):
    qs = access.visible(user, Recall).select_related("person", "township", "posting__village",
                                                     "posting__dispatching_unit", "replacement__person")
    if state:
        qs = qs.filter(state=state)
    if township:
        qs = qs.filter(township_id=township)
    return qs.order_by("-pk")


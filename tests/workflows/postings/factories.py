"""Direct builders for test data (transitions still go through the kernel in the tests)."""
import datetime as dt
import itertools

from supervision.models import Person
from supervision.transitions import save_with_history
from supervision.workdays import add_months
from tests.helpers import fire, reload  # noqa: F401  (the shared helpers, re-exported for these tests)
from workflows.postings.models import Assessment, MonthlyAttendance, Posting

_seq = itertools.count(1)


def person(name=None, unit=None):
    p = Person(name=name or f"驻村干部{next(_seq)}", unit=unit)
    save_with_history(p, actor=None, reason="test")
    return p


def posting(*, village, unit, actor=None, role="first_secretary", start=dt.date(2025, 1, 1), term_years=2,
            who=None, name=None, state="active"):
    """``state`` other than active: an earlier, ended posting (one active posting per person and
    one active first secretary per village are database rules)."""
    p = Posting(person=who or person(name, unit), dispatching_unit=unit, village=village, role=role,
                start_date=start, term_years=term_years, end_date=add_months(start, 12 * term_years).date,
                state=state)
    save_with_history(p, actor=actor, reason="test")
    return p


def assessment(posting, year=2025, actor=None):
    a = Assessment(posting=posting, person_id=posting.person_id, township_id=posting.village.parent_id, year=year)
    save_with_history(a, actor=actor, reason="test")
    return a


def attendance(posting, year=2025, days=240, absences=0, actor=None):
    """Spread ``days`` on site and ``absences`` over the twelve months of ``year``."""
    base, extra = divmod(days, 12)
    for month in range(1, 13):
        d = base + (1 if month <= extra else 0)
        MonthlyAttendance.objects.create(posting=posting, year=year, month=month, days_on_site=d,
                                         absences=1 if month <= absences else 0)


def to_publicized(a, users, grade="competent"):
    """Walk an assessment to 公示 through the kernel as the rightful users, with the office
    proposing ``grade`` (the publicised grade, which 定档 uses)."""
    township = next(u for n, u in users.items() if n.startswith("township_")
                    and u.role_assignments.filter(region_id=a.township_id).exists())
    fire(a, "submit_self_report", township, self_report="全年述职")
    fire(a, "township_rate", township, grade="competent", comment="初评称职")
    fire(a, "enter_unit_opinion", users["organization"], unit_opinion="同意")
    fire(a, "office_review", users["organization"], grade=grade, comment="审核通过")
    fire(a, "publicize", users["organization"], comment="")
    return reload(a)

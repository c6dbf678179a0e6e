import io

import pytest
from django.utils import timezone

from supervision import registry
from supervision.models import Region
from workflows.postings.models import Assessment, LeaveRequest, MonthlyAttendance, Posting, Recall, WorkFunds
from workflows.postings.services import funds_missing_years


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_varied(county):
    seed = registry.get_workflow("postings").seed_demo
    seed(io.StringIO())
    counts = (Posting.objects.count(), Assessment.objects.count(), Recall.objects.count(),
              MonthlyAttendance.objects.count(), Posting.history.count(), Assessment.history.count(),
              WorkFunds.objects.count(), LeaveRequest.objects.count())
    assert LeaveRequest.objects.filter(days__gt=5).count() == 1
    assert any(f.shortfall for f in WorkFunds.objects.select_related("posting"))
    townships = set(Posting.objects.values_list("village__parent", flat=True))
    assert townships == set(Region.objects.filter(level="township").values_list("pk", flat=True))
    states = set(Assessment.objects.values_list("state", flat=True))
    assert {"opened", "self_reported", "township_rated", "unit_opinion", "office_reviewed", "publicized",
            "finalized"} <= states
    grades = set(Assessment.objects.exclude(final_grade="").values_list("final_grade", flat=True))
    assert {"excellent", "competent", "basic", "incompetent"} <= grades
    assert Recall.objects.filter(state="recalled").count() == 1
    assert Posting.objects.filter(state="recalled").count() == 1
    # This year's funds: entered for most first secretaries, missing (flagged) for a few.
    this_year = timezone.localdate().year
    first = [p for p in Posting.objects.filter(role="first_secretary").prefetch_related("funds")
             if p.start_date.year <= this_year]
    missing = [p for p in first if this_year in funds_missing_years(p, {f.year for f in p.funds.all()})]
    assert 0 < len(missing) <= len(first) // 4, (len(missing), len(first))
    seed(io.StringIO())
    assert counts == (Posting.objects.count(), Assessment.objects.count(), Recall.objects.count(),
                      MonthlyAttendance.objects.count(), Posting.history.count(), Assessment.history.count(),
                      WorkFunds.objects.count(), LeaveRequest.objects.count())

"""The demo county's story in time (issue #16 item 9): each demo step's history row carries its
story date (``supervision.demo.story_at``), written once and chained like any other row."""
import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from supervision import clock
from supervision.audit.chain import verify
from supervision.demo import story_at
from supervision.models import Person
from supervision.transitions import save_with_history

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Weishan


def local_day(value):
    return timezone.localtime(value).date()


def test_story_at_moves_the_clock_and_the_history_stamp_only_inside(county):
    person = Person(name="故事测试")
    with story_at(dt.date(2026, 3, 9)) as when:
        assert clock.today() == dt.date(2026, 3, 9) and clock.now() == when
        save_with_history(person, actor=None, reason="建档")
    assert clock.story_now() is None and clock.today() == timezone.localdate()
    person.post = "干部"
    save_with_history(person, actor=None, reason="改职务")
    first, second = person.history.order_by("history_id")
    assert local_day(first.history_date) == dt.date(2026, 3, 9)
    assert local_day(second.history_date) == timezone.localdate()
    assert second.prev_hash == first.row_hash
    assert verify().ok


def test_story_is_never_later_than_now(county):
    with story_at(timezone.now() + dt.timedelta(days=3)):
        assert clock.now() <= timezone.now()


@pytest.mark.django_db(transaction=True)
def test_seed_demo_tells_its_story_with_a_valid_chain(county):
    from workflows.notices.models import Notice, NoticeAssignment
    from workflows.postings.models import Assessment, Posting, Recall
    from workflows.rectification.models import Acceptance, Rectification
    from workflows.targets.models import TrainingSession

    with time_machine.travel(NOW):
        call_command("seed_demo", quiet_logins=True, stdout=StringIO())
        notice = Notice.objects.get(issued_on=dt.date(2026, 11, 11))
        acknowledged = notice.assignments.exclude(acknowledged_at=None)
        assert acknowledged.exists()
        for a in acknowledged:
            # its acknowledgement: the day after the issue, on the record, in its history and on its page
            assert local_day(a.acknowledged_at) == dt.date(2026, 11, 12)
            row = a.history.get(transition="acknowledge")
            assert local_day(row.history_date) == dt.date(2026, 11, 12)
        issue_row = notice.history.get(transition="issue")
        assert local_day(issue_row.history_date) == dt.date(2026, 11, 11)
        overdue = NoticeAssignment.objects.get(state="overdue")
        assert local_day(overdue.history.get(transition="mark_overdue").history_date) == overdue.due_date + \
            dt.timedelta(days=1)
        # every demo record's history moves forward in time, and nothing is dated after the seed ran
        for model in (Notice, NoticeAssignment, Rectification, Posting, Assessment, Recall, TrainingSession):
            for obj in model.objects.all():
                dates = list(obj.history.order_by("history_id").values_list("history_date", flat=True))
                assert dates == sorted(dates) and dates[-1] <= timezone.now(), obj
        failed = Rectification.objects.get(state="failed")
        acceptance = Acceptance.objects.get(rectification=failed)
        assert local_day(failed.history.get(transition="fail").history_date) == acceptance.date
        assert local_day(failed.history.get(transition="screen").history_date) < acceptance.date
        # postings: the 2025 assessments run in early 2026, each date on the record is its step's story date
        finalized = Assessment.objects.filter(state="finalized")
        assert finalized.exists()
        for a in finalized:
            assert local_day(a.history.get(transition="finalize").history_date) == a.finalized_on
            assert local_day(a.history.get(transition="publicize").history_date) == a.publicity_start
            assert a.finalized_on.year == a.year + 1 and a.finalized_on > a.publicity_start
        posting = Posting.objects.filter(start_date=dt.date(2025, 1, 1)).first()
        assert local_day(posting.history.order_by("history_id").first().history_date) == posting.start_date
        # targets: the county training is held on its last day
        session = TrainingSession.objects.get()
        assert local_day(session.history.get(transition="hold").history_date) == session.end_date
        out = StringIO()
        call_command("verify_history", stdout=out)
        assert out.getvalue().startswith("OK")
        assert verify().ok


def test_one_day_answers_the_day_it_was_entered_on(county):
    """我的待办 checks every candidate's conditions inside ``clock.one_day()``: the day is worked
    out once, and a listing running across midnight does not change its mind halfway."""
    before_midnight = dt.datetime(2026, 12, 1, 15, 59, 59, tzinfo=dt.UTC)  # 23:59:59 in Weishan
    with time_machine.travel(before_midnight, tick=False) as traveller:
        with clock.one_day() as day:
            assert day == dt.date(2026, 12, 1)
            traveller.shift(dt.timedelta(seconds=2))
            assert clock.today() == dt.date(2026, 12, 1)
        assert clock.today() == dt.date(2026, 12, 2)
        with story_at(dt.date(2026, 3, 9)), clock.one_day():
            assert clock.today() == dt.date(2026, 3, 9)

"""Two offices finalize the last 优秀 place at once: one wins, the other is refused (PostgreSQL)."""
import datetime as dt

import pytest
from django.db import connection

from supervision.errors import ValidationError
from supervision.transitions import run_transition
from tests.concurrency import at_once
from workflows.postings.models import Assessment

from . import factories
from .factories import fire

PAST = str(dt.date.today() - dt.timedelta(days=20))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_last_excellent_place_taken_once(make_posting, users):
    ready = []
    for i in range(4):  # four assessments → one 优秀
        p = make_posting(index=i)
        factories.attendance(p, year=2026, days=240)
        a = factories.assessment(p, 2026)
        for name, who, data in [("submit_self_report", "organization", {"self_report": "述职"}),
                                ("township_rate", "township_nanzhao", {"grade": "excellent"}),
                                ("enter_unit_opinion", "organization", {"unit_opinion": "同意"}),
                                ("office_review", "organization", {"grade": "excellent"}),
                                ("publicize", "organization", {"publicity_start": PAST})]:
            fire(a, name, users[who], **data)
        ready.append(a)
    outcomes = at_once(*[
        lambda a=a: run_transition(model=Assessment, pk=a.pk, name="finalize", actor=users["organization"],
                                   comment="", data={"grade": "excellent"})
        for a in ready[:2]])
    results = ["400" if isinstance(o, ValidationError) else "ok" if not isinstance(o, Exception) else repr(o)
               for o in outcomes]
    assert sorted(results) == ["400", "ok"]
    assert Assessment.objects.filter(year=2026, final_grade="excellent").count() == 1

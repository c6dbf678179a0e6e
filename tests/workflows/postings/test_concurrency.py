"""Two offices finalize the last 优秀 place at once: one wins, the other is refused (PostgreSQL)."""
import datetime as dt
import threading

import pytest
from django.db import connection, connections

from supervision.errors import ValidationError
from supervision.transitions import run_transition
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
    barrier = threading.Barrier(2)
    results = []

    def finalize(a):
        try:
            barrier.wait()
            run_transition(model=Assessment, pk=a.pk, name="finalize", actor=users["organization"], comment="",
                           data={"grade": "excellent"})
            results.append("ok")
        except ValidationError:
            results.append("400")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=finalize, args=(a,)) for a in ready[:2]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["400", "ok"]
    assert Assessment.objects.filter(year=2026, final_grade="excellent").count() == 1

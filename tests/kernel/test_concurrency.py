"""Two connections fire the same transition on one row at once: one wins, the other gets 409."""
import pytest
from django.db import connection

from supervision.errors import Conflict
from supervision.transitions import run_transition
from tests.concurrency import at_once
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget


def _race(pk, name, actors, comment=""):
    outcomes = at_once(*[
        lambda a=a: run_transition(model=Widget, pk=pk, name=name, actor=a, comment=comment) for a in actors])
    return sorted("409" if isinstance(o, Conflict) else "ok" if not isinstance(o, Exception) else repr(o)
                  for o in outcomes)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_same_transition_twice_at_once(users, townships):
    w = widget(townships["nanzhao"])
    assert _race(w.pk, "submit", [users["township_nanzhao"], users["township_nanzhao"]]) == ["409", "ok"]
    assert Widget.objects.get(pk=w.pk).state == "submitted"
    assert w.history.filter(transition="submit").count() == 1


@pytest.mark.django_db(transaction=True)
def test_sequential_second_attempt_is_a_conflict(users, townships):
    """Also on SQLite: the loser of a race (or a stale page) gets 409, nothing written twice."""
    w = widget(townships["nanzhao"])
    run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    with pytest.raises(Conflict):
        run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    assert w.history.filter(transition="submit").count() == 1

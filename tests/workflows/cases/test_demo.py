"""seed_demo: cases in varied states (one overdue investigation, a subject's appeal, a closed case
with two subjects: one sanctioned, one exempted), idempotent."""
import io

import pytest

from supervision import registry
from supervision.audit.actor import acting_as, system_actor
from workflows.cases.models import AccountabilityMatter, Case, SubjectMatter

pytestmark = pytest.mark.django_db


def seed():
    out = io.StringIO()
    with acting_as(system_actor()):
        registry.get_workflow("cases").seed_demo(out)
    return out.getvalue()


def test_seed_demo_is_varied_and_idempotent(users):
    seed()
    states = set(Case.objects.values_list("state", flat=True))
    assert {"received", "verification", "inquiry", "investigating", "closed"} <= states
    assert SubjectMatter.objects.filter(state="appealed").count() == 1
    two = Case.objects.get(description__contains="两名村干部")
    assert two.state == "closed"
    assert sorted(two.matters.values_list("outcome", "four_forms")) == [("exempted", "first"), ("sanction", "third")]
    assert Case.objects.filter(state="investigating", overdue=True).count() == 1
    assert Case.objects.filter(state="received").exclude(pending_kind="").exists()  # awaiting a head
    assert AccountabilityMatter.objects.count() == 1
    approvals = Case.history.filter(transition="approve")
    assert approvals.exists()
    assert not approvals.filter(history_user__username="system").exists()  # done as the demo users
    counts = (Case.objects.count(), Case.history.count(), AccountabilityMatter.history.count())
    seed()
    assert (Case.objects.count(), Case.history.count(), AccountabilityMatter.history.count()) == counts

import io

import pytest

from workflows.rectification.demo import seed_demo
from workflows.rectification.models import Rectification

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_varied(county, django_capture_on_commit_callbacks):
    from supervision.audit.actor import acting_as, system_actor
    from workflows.postings.demo import seed_demo as seed_postings

    with acting_as(system_actor()):
        seed_demo(io.StringIO())
        seed_postings(io.StringIO())  # either demo may come first: they post to different villages
        count = Rectification.objects.count()
        history = Rectification.history.count()
        states = set(Rectification.objects.values_list("state", flat=True))
        assert count == 11
        assert {"screened", "proposed", "listed", "planned", "rectifying", "acceptance_requested", "accepted",
                "failed", "dismissed", "followed_up"} <= states
        assert len(set(Rectification.objects.values_list("village__parent", flat=True))) == 10
        seed_demo(io.StringIO())
    assert Rectification.objects.count() == count and Rectification.history.count() == history

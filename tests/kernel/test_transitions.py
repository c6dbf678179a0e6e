"""The one transition path: rights, scope, state, payload, version, history, side effects."""
import pytest

from supervision.errors import Conflict, Http404, PermissionDenied, ValidationError
from supervision.models import Notification
from supervision.transitions import available_transitions, run_transition
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db

# state × transition × role: expected outcome ("ok" or the exception).
MATRIX = [
    ("draft", "submit", "township_nanzhao", "ok"),
    ("draft", "submit", "township_miaojie", Http404),
    ("draft", "submit", "inspector", PermissionDenied),
    ("draft", "submit", "discipline", Http404),
    ("draft", "approve", "inspector", Conflict),
    ("submitted", "approve", "inspector", "ok"),
    ("submitted", "approve", "township_nanzhao", PermissionDenied),
    ("submitted", "approve", "leader", PermissionDenied),
    ("submitted", "submit", "township_nanzhao", Conflict),
    ("approved", "approve", "inspector", Conflict),
    ("draft", "mark_overdue", "inspector", PermissionDenied),
    ("draft", "mark_overdue", "auditor", PermissionDenied),
]


def _at_state(townships, users, state):
    w = widget(townships["nanzhao"])
    if state in ("submitted", "approved"):
        run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    if state == "approved":
        run_transition(model=Widget, pk=w.pk, name="approve", actor=users["inspector"], comment="同意")
    return Widget.objects.get(pk=w.pk)


@pytest.mark.parametrize("state,name,username,expected", MATRIX)
def test_matrix(users, townships, state, name, username, expected):
    w = _at_state(townships, users, state)
    before = (w.state, w.version, w.history.count())
    if expected == "ok":
        ctx = run_transition(model=Widget, pk=w.pk, name=name, actor=users[username], comment="同意")
        assert ctx.from_state == state and ctx.to_state != state
        w.refresh_from_db()
        assert w.version == before[1] + 1 and w.history.count() == before[2] + 1
    else:
        with pytest.raises(expected):
            run_transition(model=Widget, pk=w.pk, name=name, actor=users[username], comment="同意")
        w.refresh_from_db()
        assert (w.state, w.version, w.history.count()) == before


def test_history_row_carries_actor_reason_and_states(users, townships):
    w = _at_state(townships, users, "submitted")
    run_transition(model=Widget, pk=w.pk, name="approve", actor=users["inspector"], comment="材料齐全，同意")
    row = w.history.order_by("-history_id").first()
    assert row.history_user == users["inspector"]
    assert row.history_change_reason == "材料齐全，同意"
    assert (row.transition, row.from_state, row.to_state) == ("approve", "submitted", "approved")
    # The actor and reason do not stick to the instance for the next save (DESIGN §6).
    w = Widget.objects.get(pk=w.pk)
    assert not hasattr(w, "_history_user")


def test_missing_comment_is_refused(users, townships):
    w = _at_state(townships, users, "submitted")
    with pytest.raises(ValidationError) as exc:
        run_transition(model=Widget, pk=w.pk, name="approve", actor=users["inspector"], comment="  ")
    assert "comment" in exc.value.message_dict
    assert Widget.objects.get(pk=w.pk).state == "submitted"


def test_stale_version_is_a_conflict(users, townships):
    w = widget(townships["nanzhao"])
    with pytest.raises(Conflict):
        run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"], version=7)
    run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"], version=0)
    assert Widget.objects.get(pk=w.pk).state == "submitted"


def test_state_field_cannot_be_assigned(townships):
    w = widget(townships["nanzhao"])
    with pytest.raises(AttributeError):
        w.state = "approved"


def test_available_transitions_respect_role_and_state(users, townships):
    w = widget(townships["nanzhao"])
    assert available_transitions(w, users["township_nanzhao"]) == ["submit"]
    assert available_transitions(w, users["inspector"]) == []
    w = _at_state(townships, users, "submitted")
    assert available_transitions(w, users["inspector"]) == ["approve"]


def test_side_effects_only_after_commit(users, townships, django_capture_on_commit_callbacks):
    w = widget(townships["nanzhao"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    assert Notification.objects.filter(recipient=users["inspector"], verb="widget.submitted").count() == 1
    assert len(callbacks) == 1  # the push waits for commit


def test_failed_transition_leaves_no_notification(users, townships):
    w = _at_state(townships, users, "submitted")
    with pytest.raises(Conflict):
        run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    assert Notification.objects.filter(verb="widget.submitted").count() == 1


def test_unknown_transition_on_invisible_record_is_404(users, townships):
    w = widget(townships["nanzhao"])
    with pytest.raises(Http404):
        run_transition(model=Widget, pk=w.pk, name="explode", actor=users["township_miaojie"])
    with pytest.raises(ValidationError):
        run_transition(model=Widget, pk=w.pk, name="explode", actor=users["township_nanzhao"])


def test_failed_condition_gives_its_own_message(users, townships):
    from django_fsm import transition  # noqa: F401

    def not_locked(obj):
        return obj.title != "锁定"

    not_locked.message = "已锁定，不能报送"
    w = widget(townships["nanzhao"], title="锁定")
    meta = Widget.submit._django_fsm.get_transition("draft")
    meta.conditions.append(not_locked)
    try:
        with pytest.raises(Conflict, match="已锁定，不能报送"):
            run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    finally:
        meta.conditions.remove(not_locked)

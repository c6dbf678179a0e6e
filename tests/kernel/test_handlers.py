"""Handlers 承办人: take, assign, re-assign, release — history, scope, eligibility, live notice."""
import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from supervision import handlers
from supervision.models import Notification, RecordHandler, Role, RoleAssignment, User
from supervision.notify import user_group
from supervision.transitions import run_transition
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db


def _staff(username, township, *, lead=False, role=Role.TOWNSHIP):
    user = User.objects.create_user(username=username, password="x-pass-123", first_name=username)
    RoleAssignment.objects.create(user=user, role=role, region=township, is_lead=lead)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def nanzhao(townships):
    return {
        "lead": _staff("nz_lead", townships["nanzhao"], lead=True),
        "staff": _staff("nz_staff", townships["nanzhao"]),
        "other": _staff("mj_staff", townships["miaojie"]),
        "other_lead": _staff("mj_lead", townships["miaojie"], lead=True),
    }


def _ops(w):
    return list(w.history.order_by("history_id").values_list("transition", "history_user__username",
                                                            "history_change_reason"))


def test_take_then_release_are_history_entries(users, townships, nanzhao):
    w = widget(townships["nanzhao"])
    handlers.handler_take(actor=nanzhao["staff"], model=Widget, pk=w.pk, reason="我来办")
    assert handlers.current_handler(w) == nanzhao["staff"]
    handlers.handler_release(actor=nanzhao["staff"], model=Widget, pk=w.pk, reason="出差")
    assert handlers.current_handler(w) is None
    ops = _ops(w)[1:]
    assert [(op, who) for op, who, _ in ops] == [("handler_take", "nz_staff"), ("handler_release", "nz_staff")]
    assert "我来办" in ops[0][2] and "出差" in ops[1][2]
    row = RecordHandler.objects.get(record_type="kernelflow.widget", object_id=w.pk)
    assert [h.transition for h in row.history.order_by("history_id")] == ["handler_take", "handler_release"]


def test_a_second_take_is_a_conflict_and_outsiders_cannot_take(users, townships, nanzhao):
    from supervision.errors import Conflict, Http404, PermissionDenied

    w = widget(townships["nanzhao"])
    handlers.handler_take(actor=nanzhao["staff"], model=Widget, pk=w.pk)
    with pytest.raises(Conflict):
        handlers.handler_take(actor=nanzhao["lead"], model=Widget, pk=w.pk)
    with pytest.raises(Http404):
        handlers.handler_take(actor=nanzhao["other"], model=Widget, pk=w.pk)
    with pytest.raises(PermissionDenied):  # sees it, but has nothing to do in this state
        handlers.handler_take(actor=users["inspector"], model=Widget, pk=w.pk)


def test_assign_and_reassign_notify_the_new_handler_live(users, townships, nanzhao,
                                                        django_capture_on_commit_callbacks):
    w = widget(townships["nanzhao"])
    layer = get_channel_layer()
    async_to_sync(layer.group_add)(user_group(nanzhao["staff"].pk), "test.staff")
    with django_capture_on_commit_callbacks(execute=True):
        handlers.handler_assign(actor=nanzhao["lead"], model=Widget, pk=w.pk, handler_id=nanzhao["staff"].pk,
                                reason="熟悉情况")
    message = async_to_sync(layer.receive)("test.staff")
    assert message["type"] == "notification.new"
    assert "指派您承办" in message["notification"]["message"]
    assert Notification.objects.filter(recipient=nanzhao["staff"], verb="handler.assigned").count() == 1
    # Re-assign to the lead themself: the previous handler is told, the new one holds it.
    with django_capture_on_commit_callbacks(execute=True):
        handlers.handler_assign(actor=nanzhao["lead"], model=Widget, pk=w.pk, handler_id=nanzhao["lead"].pk)
    assert handlers.current_handler(w) == nanzhao["lead"]
    assert Notification.objects.filter(recipient=nanzhao["staff"], verb="handler.reassigned").count() == 1
    assert [op for op, who, _ in _ops(w)[1:]] == ["handler_assign", "handler_assign"]
    assert all(who == "nz_lead" for _op, who, _ in _ops(w)[1:])


def test_lead_cannot_assign_out_of_scope_or_to_ineligible_users(users, townships, nanzhao, api):
    w = widget(townships["nanzhao"])
    url = f"/api/v1/widgets/{w.pk}/handler/assign/"
    # Another township's user is not eligible for a 南诏镇 record: 400, nothing changes.
    r = api(nanzhao["lead"]).post(url, {"handler": nanzhao["other"].pk}, format="json")
    assert r.status_code == 400 and "handler" in r.json()
    # The inspector sees the record but has nothing to do in its state: not eligible either.
    r = api(nanzhao["lead"]).post(url, {"handler": users["inspector"].pk}, format="json")
    assert r.status_code == 400
    # Another township's lead cannot even see the record: 404.
    r = api(nanzhao["other_lead"]).post(url, {"handler": nanzhao["staff"].pk}, format="json")
    assert r.status_code == 404
    # A staff member without the lead flag may not assign: 403.
    r = api(nanzhao["staff"]).post(url, {"handler": nanzhao["staff"].pk}, format="json")
    assert r.status_code == 403
    assert handlers.current_handler(w) is None
    r = api(nanzhao["lead"]).post(url, {"handler": nanzhao["staff"].pk, "reason": "请办理"}, format="json")
    assert r.status_code == 200 and r.json()["handler"]["username"] == "nz_staff"
    r = api(nanzhao["lead"]).post(url, {"handler": "x"}, format="json")
    assert r.status_code == 400


def test_rights_unchanged_a_handler_is_not_an_exclusive_right(users, townships, nanzhao):
    w = widget(townships["nanzhao"])
    handlers.handler_take(actor=nanzhao["staff"], model=Widget, pk=w.pk)
    # A colleague may still act (a handler is who is expected to act, not who may).
    run_transition(model=Widget, pk=w.pk, name="submit", actor=nanzhao["lead"])
    # Nothing left for the handler in the new state: released automatically, with history.
    assert handlers.current_handler(w) is None
    row = RecordHandler.objects.get(object_id=w.pk, record_type="kernelflow.widget")
    assert row.history.order_by("-history_id").first().transition == "handler_release"


def test_one_current_handler_per_record_is_a_database_constraint(townships, nanzhao):
    w = widget(townships["nanzhao"])
    RecordHandler.objects.create(record_type="kernelflow.widget", object_id=w.pk, handler=nanzhao["staff"])
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordHandler.objects.create(record_type="kernelflow.widget", object_id=w.pk, handler=nanzhao["lead"])


def test_pages_take_and_assign(web, townships, nanzhao):
    w = widget(townships["nanzhao"], title="页面事项")
    key = "kernelflow.widget"
    r = web(nanzhao["staff"]).post(reverse("record-handler", args=[key, w.pk, "take"]), {"reason": ""})
    assert r.status_code == 302
    assert handlers.current_handler(w) == nanzhao["staff"]
    r = web(nanzhao["lead"]).post(reverse("record-handler", args=[key, w.pk, "assign"]),
                                  {"handler": nanzhao["other"].pk})
    assert r.status_code == 400
    assert "不能办理此事项" in r.content.decode()
    r = web(nanzhao["other"]).post(reverse("record-handler", args=[key, w.pk, "release"]))
    assert r.status_code == 404
    r = web(nanzhao["staff"]).post(reverse("record-handler", args=[key, w.pk, "nonsense"]))
    assert r.status_code == 404
    assert handlers.current_handler(w) == nanzhao["staff"]


def test_eligible_users_for_the_assign_list(townships, nanzhao, users):
    w = widget(townships["nanzhao"])
    names = {u.username for u in handlers.eligible_users(w)}
    assert {"nz_lead", "nz_staff", "township_nanzhao"} <= names
    assert not names & {"mj_staff", "mj_lead", "inspector"}


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_takes_at_once_one_wins(users, townships):
    from supervision.errors import Conflict
    from tests.concurrency import at_once

    a = _staff("race_a", townships["nanzhao"])
    b = _staff("race_b", townships["nanzhao"])
    w = widget(townships["nanzhao"])
    outcomes = at_once(lambda: handlers.handler_take(actor=a, model=Widget, pk=w.pk),
                       lambda: handlers.handler_take(actor=b, model=Widget, pk=w.pk))
    assert sorted("409" if isinstance(o, Conflict) else "ok" for o in outcomes) == ["409", "ok"]
    assert RecordHandler.objects.filter(object_id=w.pk, record_type="kernelflow.widget").count() == 1
    assert w.history.filter(transition="handler_take").count() == 1

"""Accountability matters: by hand, and from the cross-workflow signal (exactly once per source)."""
import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from config.asgi import application
from supervision.models import Notification, Person, Unit
from supervision.signals import accountability_referred
from workflows.cases.models import AccountabilityMatter


def send(source, actor, kind="notice_overdue", unit=None, person=None, reason="逾期未整改，移送问责"):
    responses = accountability_referred.send(sender=type(source), source=source, actor=actor, reason=reason,
                                             target_unit=unit, target_person=person, source_kind=kind)
    return [r for _recv, r in responses if isinstance(r, AccountabilityMatter)]


@pytest.mark.django_db
def test_signal_opens_exactly_one_matter(users, api, web, django_capture_on_commit_callbacks):
    source = Unit.objects.get(name="南诏镇党委")
    with django_capture_on_commit_callbacks(execute=True):
        first = send(source, users["inspector"], unit=source)
        second = send(source, users["inspector"], unit=source)
    assert len(first) == 1 and first == second
    matter = first[0]
    assert AccountabilityMatter.objects.count() == 1
    assert (matter.source_type, matter.source_id, matter.source_kind) == ("supervision.unit", str(source.pk),
                                                                          "notice_overdue")
    assert matter.state == "opened" and matter.target_unit == source
    # visible to discipline staff, not to the inspector who referred it
    body = api(users["discipline"]).get("/api/v1/accountability/").json()
    assert [m["id"] for m in body["results"]] == [matter.pk]
    assert api(users["inspector"]).get(f"/api/v1/accountability/{matter.pk}/").status_code == 404
    assert web(users["discipline"]).get(matter.get_absolute_url()).status_code == 200
    # the heads are told, once
    for head in ("discipline_head", "discipline_head2"):
        assert Notification.objects.filter(recipient=users[head], verb="accountability.opened").count() == 1
    assert not Notification.objects.filter(recipient=users["inspector"]).exists()
    # another kind of referral from the same record is another matter
    assert send(source, users["organization"], kind="recall", unit=source)[0].pk != matter.pk
    assert AccountabilityMatter.objects.count() == 2


@pytest.mark.django_db
def test_signal_rolls_back_with_the_sender(users):
    source = Unit.objects.get(name="县财政局")
    try:
        with transaction.atomic():
            send(source, users["inspector"], unit=source)
            raise RuntimeError
    except RuntimeError:
        pass
    assert AccountabilityMatter.objects.count() == 0


@pytest.mark.django_db
def test_signal_with_a_person_and_no_actor(users):
    person = Person.objects.filter(unit__isnull=False).first()
    matter = send(person, None, kind="recall", person=person)[0]
    assert matter.target_person == person and matter.opened_by is None
    assert matter.history.first().history_user.username == "system"


@pytest.mark.django_db
def test_matter_by_hand_and_its_transitions(users, api):
    unit = Unit.objects.get(name="县农业农村局")
    r = api(users["discipline"]).post("/api/v1/accountability/", {"target_unit": unit.pk, "reason": "监管不力"},
                                      format="json")
    assert r.status_code == 201 and r.json()["state"] == "opened"
    pk = r.json()["id"]
    assert api(users["discipline"]).post("/api/v1/accountability/", {"reason": "x"}, format="json").status_code == 400
    assert api(users["auditor"]).post("/api/v1/accountability/", {"target_unit": unit.pk, "reason": "x"},
                                      format="json").status_code == 403
    url = f"/api/v1/accountability/{pk}/transitions/"
    target = r.json()["targets"][0]
    assert target["unit"] == unit.pk and target["status"] == "pending"
    # investigation by a handler; a decision proposed by a handler and approved by a head
    assert api(users["discipline_head"]).post(url + "start_investigation/", {"comment": "x"},
                                              format="json").status_code == 403
    assert api(users["discipline"]).post(url + "start_investigation/", {"comment": "调查核实"},
                                         format="json").json()["state"] == "investigating"
    measure = f"measure_{target['id']}"
    assert api(users["discipline"]).post(url + "propose_decision/", {"comment": "x", measure: "bogus"},
                                         format="json").status_code == 400
    r = api(users["discipline"]).post(url + "propose_decision/", {"comment": "通报批评", measure: "circular"},
                                      format="json")
    assert r.status_code == 200 and r.json()["pending_kind"] == "decision"
    assert api(users["discipline"]).post(url + "approve/", {}, format="json").status_code == 403
    r = api(users["discipline_head"]).post(url + "approve/", {"comment": "同意"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "decided" and r.json()["targets"][0]["measure"] == "circular"
    r = api(users["discipline"]).post(url + "apply_measure/", {"comment": "已通报", "target": target["id"]},
                                      format="json")
    assert r.json()["targets"][0]["status"] == "applied"
    r = api(users["discipline"]).post(url + "close/", {"comment": "已通报"}, format="json")
    assert r.json()["state"] == "closed"


@pytest.mark.django_db
def test_matter_pages(users, web):
    client = web(users["discipline"])
    unit = Unit.objects.get(name="县水务局")
    r = client.post(reverse("cases:matter-create"), {"target_unit": unit.pk, "reason": "项目监管缺位"})
    assert r.status_code == 302
    matter = AccountabilityMatter.objects.get()
    page = client.get(reverse("cases:matter-list")).content.decode()
    assert matter.get_absolute_url() in page
    detail = client.get(matter.get_absolute_url()).content.decode()
    assert "开始调查核实" in detail and "县水务局" in detail
    assert client.post(reverse("cases:matter-create"), {"reason": "无对象"}).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_heads_are_notified_live(users, client):
    head = users["discipline_head"]
    client.force_login(head)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    source = Unit.objects.get(name="庙街镇党委")

    def refer():
        with transaction.atomic():
            send(source, users["inspector"], unit=source)

    async def scenario():
        comm = WebsocketCommunicator(application, "/ws/notifications/",
                                     headers=[(b"origin", b"http://testserver"), (b"cookie", cookie.encode())])
        connected, _ = await comm.connect()
        assert connected
        assert (await comm.receive_json_from(timeout=5))["type"] == "hello"
        await database_sync_to_async(refer)()
        msg = await comm.receive_json_from(timeout=5)
        assert msg["type"] == "notification" and msg["notification"]["verb"] == "accountability.opened"
        assert msg["notification"]["record_type"] == "cases.accountabilitymatter"
        await database_sync_to_async(refer)()  # sent twice: no second matter, no second push
        assert await comm.receive_nothing(timeout=0.5)
        await comm.disconnect()

    async_to_sync(scenario)()
    assert AccountabilityMatter.objects.count() == 1




@pytest.mark.django_db
def test_referring_leader_is_not_told_about_progress(users, api, django_capture_on_commit_callbacks):
    source = Unit.objects.get(name="永建镇党委")
    with django_capture_on_commit_callbacks(execute=True):
        matter = send(source, users["leader"], unit=source)[0]
        url = f"/api/v1/accountability/{matter.pk}/transitions/"
        assert api(users["discipline"]).post(url + "start_investigation/", {"comment": "调查"},
                                             format="json").status_code == 200
        target = matter.targets.get()
        assert api(users["discipline"]).post(url + "propose_decision/", {
            "comment": "约谈后问责", f"measure_{target.pk}": "admonishment"}, format="json").status_code == 200
        r = api(users["discipline_head"]).post(url + "approve/", {"comment": "同意"}, format="json")
        assert r.status_code == 200
    assert matter.opened_by_id == users["leader"].pk
    assert not Notification.objects.filter(recipient=users["leader"]).exists()

# The state × transition × role matrix of 问责 matters: test_accountability_flow.py.

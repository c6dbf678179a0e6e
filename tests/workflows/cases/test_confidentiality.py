"""Confidentiality: only discipline roles (and read-only auditors, reporter masked) see cases; the
reporter only those on the case (test_reporter.py)."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from supervision.models import Notification, ReadAccess, User
from supervision.sweep import run_sweeps
from workflows.cases.services import accountability_open

from .conftest import advance, fire, register

pytestmark = pytest.mark.django_db

OUTSIDERS = ["inspector", "organization", "leader", "township_nanzhao", "township_yongjian", "nobody"]


@pytest.fixture
def nobody(county):
    return User.objects.create_user("nobody", password="x-pass-123")


@pytest.fixture
def world(users, townships, nobody):
    from supervision.models import Unit

    case = register(users, townships, attachment=SimpleUploadedFile("证据.pdf", b"%PDF-1.4 test"))
    matter, _ = accountability_open(actor=users["discipline"], reason="问责", target_unit=Unit.objects.first())
    return {"case": case, "matter": matter, "users": {**users, "nobody": nobody}}


def case_urls(case, matter):
    from supervision.models import Attachment

    attachment = Attachment.objects.get(record_type="cases.case", object_id=str(case.pk))
    return [
        reverse("cases:list"), reverse("cases:create"), reverse("cases:export"), reverse("cases:approvals"),
        reverse("cases:stats"), reverse("cases:detail", args=[case.pk]), reverse("cases:matter-list"),
        reverse("cases:matter-create"), reverse("cases:matter-detail", args=[matter.pk]),
        reverse("record-history", args=["cases.case", case.pk]),
        reverse("record-history", args=["cases.accountabilitymatter", matter.pk]),
        attachment.get_absolute_url(),
    ]


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_get_404_on_every_page(world, web, username):
    case, matter, user = world["case"], world["matter"], world["users"][username]
    client = web(user)
    for url in case_urls(case, matter):
        assert client.get(url).status_code == 404, url
    r = client.post(reverse("record-transition", args=["cases.case", case.pk, "propose_disposition"]),
                    {"comment": "x", "target": "inquiry"})
    assert r.status_code == 404
    r = client.post(reverse("cases:create"), {"source": "petition", "category": "other", "description": "x"})
    assert r.status_code == 404
    assert ReadAccess.objects.count() == 0


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_get_404_or_nothing_from_the_api(world, api, username):
    case, matter, user = world["case"], world["matter"], world["users"][username]
    client = api(user)
    for base, obj, state, name in (("/api/v1/cases/", case, "received", "escalate"),
                                   ("/api/v1/accountability/", matter, "opened", "dismiss")):
        # No role that may see this record type: the list itself is 404 (nothing to count).
        for url in (base, f"{base}?state={state}"):
            r = client.get(url)
            assert r.status_code == 404, url
        assert client.get(f"{base}{obj.pk}/").status_code == 404
        assert client.get(f"{base}{obj.pk}/history/").status_code == 404
        assert client.post(f"{base}{obj.pk}/transitions/{name}/", {"comment": "x"}, format="json").status_code == 404
    r = client.post("/api/v1/cases/", {"source": "petition", "category": "other", "description": "x",
                                       "reporter_anonymous": True}, format="json")
    assert r.status_code == 404
    r = client.post("/api/v1/accountability/", {"reason": "x", "target_unit": matter.target_unit_id}, format="json")
    assert r.status_code == 404


@pytest.mark.parametrize("username", OUTSIDERS)
def test_no_counts_or_menu_for_outsiders(world, web, username):
    client = web(world["users"][username])
    home = client.get(reverse("home")).content.decode()
    for word in ("线索", "巍纪", "/cases/", "问责事项"):
        assert word not in home, word
    assert client.get(reverse("notification-list")).status_code == 200


def test_no_case_notification_reaches_outsiders(users, townships, django_capture_on_commit_callbacks):
    from supervision.models import Unit

    with django_capture_on_commit_callbacks(execute=True):
        case = register(users, townships)
        fire(case, "escalate", users["discipline"], comment="提级")
        case = advance(case, users, "investigating")
        fire(case, "propose_extension", users["discipline"], {"days": 10})
        accountability_open(actor=users["discipline"], reason="问责", target_unit=Unit.objects.first())
    import time_machine

    with time_machine.travel("2030-01-01 09:00 +0800"), django_capture_on_commit_callbacks(execute=True):
        run_sweeps()
    case_notes = Notification.objects.filter(record_type__startswith="cases.")
    assert case_notes.exists()
    allowed = set(User.objects.filter(role_assignments__role__in=["discipline", "discipline_head"])
                  .values_list("pk", flat=True))
    assert set(case_notes.values_list("recipient_id", flat=True)) <= allowed
    assert not case_notes.filter(recipient__username="auditor").exists()


def test_auditor_sees_history_with_reporter_masked(world, api, web):
    case, auditor = world["case"], world["users"]["auditor"]
    fire(case, "propose_disposition", world["users"]["discipline"], {"target": "inquiry"})
    page = web(auditor).get(reverse("record-history", args=["cases.case", case.pk])).content.decode()
    assert "王举报" not in page and "13800000000" not in page and "***" in page
    detail = web(auditor).get(case.get_absolute_url()).content.decode()
    assert "王举报" not in detail and "13800000000" not in detail and "***" in detail
    history = api(auditor).get(f"/api/v1/cases/{case.pk}/history/").json()
    assert "王举报" not in str(history)
    body = api(auditor).get(f"/api/v1/cases/{case.pk}/").json()
    assert body["reporter_name"] == "***" and body["reporter_contact"] == "***"
    wb = load_workbook(io.BytesIO(web(auditor).get(reverse("cases:export")).content))
    cells = [c for row in wb.active.iter_rows(values_only=True) for c in row]
    assert "王举报" not in cells and "***" in cells
    # the registrar (its handler) sees the identity, and a head once they decide on the case;
    # a head with no part in it does not (issue 20: no longer every discipline user)
    assert api(world["users"]["discipline"]).get(f"/api/v1/cases/{case.pk}/").json()["reporter_name"] == "王举报"
    head = world["users"]["discipline_head"]
    assert "王举报" not in web(head).get(case.get_absolute_url()).content.decode()
    fire(case, "approve", head)
    assert "王举报" in web(head).get(case.get_absolute_url()).content.decode()
    assert "王举报" not in web(world["users"]["discipline_head2"]).get(case.get_absolute_url()).content.decode()


@pytest.mark.parametrize("username", ["discipline", "discipline_head", "auditor"])
def test_each_opening_adds_one_read_log_row(world, api, web, username):
    case, user = world["case"], world["users"][username]
    openings = [
        lambda: web(user).get(case.get_absolute_url()),
        lambda: web(user).get(reverse("record-history", args=["cases.case", case.pk])),
        lambda: api(user).get(f"/api/v1/cases/{case.pk}/"),
        lambda: api(user).get(f"/api/v1/cases/{case.pk}/history/"),
    ]
    for open_ in openings:
        before = ReadAccess.objects.filter(user=user, record_type="cases.case", object_id=str(case.pk)).count()
        assert open_().status_code == 200
        after = ReadAccess.objects.filter(user=user, record_type="cases.case", object_id=str(case.pk)).count()
        assert after == before + 1


def test_export_logs_each_case_once(world, web, users, townships):
    register(users, townships)
    web(users["auditor"]).get(reverse("cases:export"))
    assert ReadAccess.objects.filter(user=users["auditor"], via="export").count() == 2

"""留置 (detention) of a subject: the state × transition × role matrix, the two-person rule, the
24-hour notification, the 3-month limit and its one extension by the principal head, the one
sweep (reminders, overdue exactly once), one open detention per subject, outsiders 404."""
import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from supervision import registry, workdays
from supervision.errors import PermissionDenied, ValidationError
from supervision.models import Notification, RoleAssignment, SweepMark, User
from supervision.sweep import run_sweeps
from tests import helpers
from tests.concurrency import at_once
from workflows.cases.custody import Detention
from workflows.cases.custodysweeps import detention_limit_remind, detention_mark_overdue, detention_notify_remind
from workflows.cases.recordservices import detention_propose

from .conftest import advance, fire, register

pytestmark = pytest.mark.django_db

VIEW_ROLES = {"discipline", "discipline_head", "discipline_principal", "auditor"}
ROLES = ["discipline", "discipline_head", "discipline_principal", "auditor", "township_nanzhao", "leader"]
HEADS = {"discipline_head", "discipline_principal"}
RIGHTS = {
    "approve": HEADS, "reject_proposal": HEADS, "propose_extension": {"discipline"}, "start": {"discipline"},
    "cancel": {"discipline"}, "record_notification": {"discipline"}, "release": {"discipline"},
    "mark_overdue": set(),
}
ALLOWED = {
    "proposed": {"approve", "reject_proposal"},
    "approved": {"start", "cancel"},
    "cancelled": set(),
    "started": {"record_notification", "release"},
    "notified": {"propose_extension", "release"},
    "notified+extension": {"approve", "reject_proposal", "release"},
    "extended": {"release"},  # a second extension: 400 (below)
    "released": set(),
}


def _now_iso(minutes_ago=0):
    return timezone.localtime(timezone.now() - dt.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def data(name):
    """The form data of each transition, at the time it is fired (the start is "now": an
    approval is today's, and a start cannot precede it)."""
    return {
        "start": {"started_at": _now_iso(), "place": "县留置点"},
        "record_notification": {"family_notified": True, "unit_notified": True, "notified_at": _now_iso()},
        "propose_extension": {"months": 2},
        "release": {"release_reason": "审查调查终结"},
    }.get(name, {})


def proposed(users, townships, **kw):
    case = advance(register(users, townships, **kw), users, "investigating")
    return detention_propose(actor=users["discipline"], subject_id=case.subjects.get().pk,
                             grounds="涉嫌严重职务违法，可能逃跑")


def detention_to(users, townships, situation):
    d = proposed(users, townships)
    d_ = users["discipline"]
    steps = {
        "proposed": [],
        "approved": [("approve", users["discipline_head"], {})],
        "cancelled": [("reject_proposal", users["discipline_head"], {})],
        "started": [("approve", users["discipline_head"], {}), ("start", d_, data("start"))],
        "notified": [("approve", users["discipline_head"], {}), ("start", d_, data("start")),
                     ("record_notification", d_, data("record_notification"))],
    }
    base = steps["notified"]
    steps["notified+extension"] = [*base, ("propose_extension", d_, data("propose_extension"))]
    steps["extended"] = [*steps["notified+extension"], ("approve", users["discipline_principal"], {})]
    steps["released"] = [*steps["started"], ("release", d_, data("release"))]
    d = helpers.advance(d, steps[situation])
    return d


def expected(situation, name, username):
    if username not in VIEW_ROLES:
        return 404
    if username not in RIGHTS[name]:
        return 403
    if name in ("approve", "reject_proposal") and situation == "notified+extension" \
            and username != "discipline_principal":
        return 403  # an extension: only the commission's principal head
    if name == "propose_extension" and situation == "extended":
        return "400"
    return 200 if name in ALLOWED[situation] else 409


def test_every_detention_transition_is_in_the_matrix():
    assert set(registry.for_model(Detention).transitions()) == set(RIGHTS)


@pytest.mark.parametrize("situation", list(ALLOWED))
def test_detention_state_transition_role_matrix(users, townships, situation):
    d = detention_to(users, townships, situation)
    wrong = []
    for name in RIGHTS:
        for username in ROLES:
            got = helpers.attempt(Detention, d.pk, name, users[username], data(name))
            got = got[0] if isinstance(got, tuple) else got
            want = expected(situation, name, username)
            if got != want:
                wrong.append((name, username, got, want))
    assert not wrong
    assert Detention.objects.get(pk=d.pk).version == d.version  # every attempt rolled back


def test_the_whole_way_and_its_history(users, townships):
    d = detention_to(users, townships, "extended")
    d = fire(d, "release", users["discipline"], data("release"))
    assert d.state == "released" and d.release_reason == "审查调查终结" and d.released_at
    rows = list(d.history.order_by("history_id").values_list("transition", "from_state", "to_state"))
    assert rows == [("", "", ""), ("approve", "proposed", "approved"), ("start", "approved", "started"),
                    ("record_notification", "started", "notified"), ("propose_extension", "notified", "notified"),
                    ("approve", "notified", "extended"), ("release", "extended", "released")]
    first = d.history.earliest("history_id")
    assert first.history_user_id == users["discipline"].pk and "提请留置" in first.history_change_reason


def test_two_person_rule_a_head_cannot_approve_their_own_proposal(users, townships):
    head = users["discipline_head"]
    RoleAssignment.objects.create(user=head, role="discipline")
    head = User.objects.get(pk=head.pk)
    case = advance(register(users, townships), users, "investigating")
    d = detention_propose(actor=head, subject_id=case.subjects.get().pk, grounds="可能串供")
    assert d.pending_by_id == head.pk
    assert helpers.attempt(Detention, d.pk, "approve", head) == 403
    assert helpers.attempt(Detention, d.pk, "reject_proposal", head) == 403
    d = fire(d, "approve", users["discipline_head2"])
    assert d.state == "approved" and d.approved_on == timezone.localdate() and not d.pending_by_id


def test_rejection_cancels_and_frees_the_subject(users, townships):
    d = fire(proposed(users, townships), "reject_proposal", users["discipline_head"], comment="证据不足")
    assert d.state == "cancelled"
    again = detention_propose(actor=users["discipline"], subject_id=d.subject_id, grounds="补充证据后再次提请")
    assert again.state == "proposed"


def test_at_most_one_open_detention_per_subject_service_and_constraint(users, townships):
    d = proposed(users, townships)
    with pytest.raises(ValidationError) as exc:
        detention_propose(actor=users["discipline"], subject_id=d.subject_id, grounds="重复提请")
    assert "已有未解除的留置" in str(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Detention.objects.create(case=d.case, subject=d.subject, grounds="绕过服务")
    assert Detention.objects.filter(subject=d.subject).count() == 1


def test_proposal_needs_a_filed_case_handler_and_grounds(users, townships, api):
    case = register(users, townships)
    subject = case.subjects.get()
    with pytest.raises(ValidationError) as exc:
        detention_propose(actor=users["discipline"], subject_id=subject.pk, grounds="x")
    assert "立案后" in str(exc.value)
    case = advance(case, users, "investigating")
    with pytest.raises(PermissionDenied):
        detention_propose(actor=users["auditor"], subject_id=subject.pk, grounds="x")
    r = api(users["discipline"]).post("/api/v1/detentions/", {"subject": subject.pk, "grounds": "  "}, format="json")
    assert r.status_code == 400
    r = api(users["discipline"]).post("/api/v1/detentions/", {"subject": 999999, "grounds": "理由"}, format="json")
    assert r.status_code == 400 and "被审查调查人" in str(r.json())
    assert not Detention.objects.filter(subject=subject).exists()
    r = api(users["discipline"]).post("/api/v1/detentions/", {"subject": subject.pk, "grounds": "可能逃跑"},
                                      format="json")
    assert r.status_code == 201, r.content
    assert r.json()["state"] == "proposed" and r.json()["available_transitions"] == []
    r2 = api(users["discipline"]).post("/api/v1/detentions/", {"subject": subject.pk, "grounds": "再次"},
                                       format="json")
    assert r2.status_code == 400 and "已有未解除的留置" in str(r2.json())


def test_three_month_limit_and_one_extension_by_the_principal(users, townships, api):
    d = detention_to(users, townships, "notified")
    start = timezone.localdate(d.started_at)
    assert d.due_date == workdays.period_end(start, months=3).date
    assert d.notify_due_at == d.started_at + dt.timedelta(hours=24)
    client = api(users["discipline"])
    url = f"/api/v1/detentions/{d.pk}/transitions/propose_extension/"
    r = client.post(url, {"comment": "案情复杂", "months": 4}, format="json")
    assert r.status_code == 400 and "最多延长 3 个月" in str(r.json())
    d = fire(d, "propose_extension", users["discipline"], {"months": 3}, comment="案情重大复杂")
    r = api(users["discipline_head"]).post(f"/api/v1/detentions/{d.pk}/transitions/approve/", {"comment": "同意"},
                                            format="json")
    assert r.status_code == 403  # a head, but not the principal
    d = fire(d, "approve", users["discipline_principal"])
    assert d.state == "extended" and d.extended_months == 3
    assert d.due_date == workdays.period_end(start, months=6).date
    r = client.post(url, {"comment": "再延长", "months": 1}, format="json")
    assert r.status_code == 400 and "只能延长一次" in str(r.json())
    assert Detention.objects.get(pk=d.pk).version == d.version


def test_notification_late_or_missing_needs_the_reason(users, townships, api):
    d = detention_to(users, townships, "started")
    url = f"/api/v1/detentions/{d.pk}/transitions/record_notification/"
    client = api(users["discipline"])
    r = client.post(url, {"family_notified": True}, format="json")
    assert r.status_code == 400 and "通知时间" in str(r.json())
    r = client.post(url, {"family_notified": True, "notified_at": _now_iso()}, format="json")
    assert r.status_code == 400 and "须填写原因" in str(r.json())  # the unit not notified, no reason
    r = client.post(url, {}, format="json")
    assert r.status_code == 400 and "有碍调查" in str(r.json())
    before = timezone.localtime(d.started_at - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(url, {"family_notified": True, "unit_notified": True, "notified_at": before}, format="json")
    assert r.status_code == 400 and "不能早于留置开始时间" in str(r.json())
    assert Detention.objects.get(pk=d.pk).state == "started"
    r = client.post(url, {"not_notified_reason": "有碍调查，经批准暂不通知"}, format="json")
    assert r.status_code == 200, r.content
    d = Detention.objects.get(pk=d.pk)
    assert d.state == "notified" and not d.family_notified and d.not_notified_reason.startswith("有碍调查")


def test_notification_recorded_after_24_hours_needs_the_reason(users, townships):
    d = detention_to(users, townships, "approved")
    Detention.objects.filter(pk=d.pk).update(approved_on=timezone.localdate() - dt.timedelta(days=2))
    d = fire(d, "start", users["discipline"], {"started_at": _now_iso(60 * 30), "place": "县留置点"})
    payload = {"family_notified": True, "unit_notified": True, "notified_at": _now_iso()}
    got = helpers.attempt(Detention, d.pk, "record_notification", users["discipline"], payload)
    assert got[0] == "400" and "24 小时" in got[1][0]
    d = fire(d, "record_notification", users["discipline"],
             {**payload, "not_notified_reason": "家属在外地，次日联系上"})
    assert d.notified_late


def _notes(verb):
    return Notification.objects.filter(verb=verb)


def test_the_24_hour_notification_reminder_once_then_late_once(users, townships):
    d = detention_to(users, townships, "started")
    at = d.started_at
    assert detention_notify_remind(at + dt.timedelta(hours=11)) == 0
    assert detention_notify_remind(at + dt.timedelta(hours=13)) == 1
    assert detention_notify_remind(at + dt.timedelta(hours=14)) == 0
    handler_note = _notes("cases.detention_notify_reminder").get()
    assert handler_note.recipient_id == users["discipline"].pk and "通知家属和所在单位" in handler_note.message
    assert detention_notify_remind(at + dt.timedelta(hours=25)) == 1  # late: handler and heads
    assert detention_notify_remind(at + dt.timedelta(hours=26)) == 0
    recipients = set(_notes("cases.detention_notify_late").values_list("recipient__username", flat=True))
    assert {"discipline", "discipline_head", "discipline_principal"} <= recipients


def test_a_recorded_notification_silences_the_reminder(users, townships):
    d = detention_to(users, townships, "notified")
    assert detention_notify_remind(d.started_at + dt.timedelta(hours=30)) == 0


def _noon(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def test_limit_reminder_once_and_overdue_exactly_once_by_the_one_sweep(users, townships):
    from supervision import deadlines

    d = detention_to(users, townships, "notified")
    due = d.due_date
    # Day by day towards the limit: the one reminder comes the first day the light is amber.
    reminded = []
    for back in range(20, -1, -1):
        day = due - dt.timedelta(days=back)
        amber = deadlines.light(d, today=day).colour == deadlines.AMBER
        sent = detention_limit_remind(_noon(day))
        assert sent == (amber and not reminded), (day, amber, sent)
        if sent:
            reminded.append(day)
    assert len(reminded) == 1
    assert "留置期限" in _notes("cases.detention_limit_reminder").first().message
    assert detention_mark_overdue(_noon(due)) == 0
    first = run_sweeps(_noon(due + dt.timedelta(days=1)))
    assert first["cases.detention_mark_overdue"] == 1
    second = run_sweeps(_noon(due + dt.timedelta(days=2)))
    assert second["cases.detention_mark_overdue"] == 0
    d = Detention.objects.get(pk=d.pk)
    assert d.overdue and d.state == "notified"
    assert d.history.filter(transition="mark_overdue").count() == 1
    assert _notes("cases.detention_overdue").filter(recipient=users["discipline_head"]).count() == 1
    # Released: nothing more from the sweep.
    fire(d, "release", users["discipline"], data("release"))
    assert run_sweeps(_noon(due + dt.timedelta(days=3)))["cases.detention_mark_overdue"] == 0


def test_an_extension_gives_a_new_limit_and_a_new_reminder(users, townships):
    d = detention_to(users, townships, "notified")
    assert detention_limit_remind(_noon(d.due_date - dt.timedelta(days=2))) == 1
    d = fire(fire(d, "propose_extension", users["discipline"], {"months": 1}), "approve", users["discipline_principal"])
    assert detention_limit_remind(_noon(d.due_date - dt.timedelta(days=2))) == 1
    assert SweepMark.objects.filter(key="cases.detention_limit_reminder", object_id=str(d.pk)).count() == 2


@pytest.mark.parametrize("username", ["township_nanzhao", "organization", "inspector", "leader"])
def test_outsiders_get_404(api, users, townships, username):
    d = detention_to(users, townships, "started")
    client = api(users[username])
    assert client.get("/api/v1/detentions/").status_code == 404
    assert client.get(f"/api/v1/detentions/{d.pk}/").status_code == 404
    assert client.get(f"/api/v1/detentions/{d.pk}/history/").status_code == 404
    r = client.post(f"/api/v1/detentions/{d.pk}/transitions/release/", {"comment": "x", **data("release")},
                    format="json")
    assert r.status_code == 404
    assert client.post("/api/v1/detentions/", {"subject": d.subject_id, "grounds": "x"},
                       format="json").status_code == 404
    assert Detention.objects.get(pk=d.pk).state == "started"


def test_the_api_reads_are_logged_and_the_auditor_only_reads(api, users, townships):
    from supervision.models import ReadAccess

    d = detention_to(users, townships, "started")
    body = api(users["auditor"]).get(f"/api/v1/detentions/{d.pk}/").json()
    assert body["state"] == "started" and body["available_transitions"] == []
    assert body["deadline"]["due_date"] == d.due_date.isoformat()
    assert ReadAccess.objects.filter(user=users["auditor"], record_type="cases.detention", object_id=str(d.pk)).exists()
    body = api(users["discipline"]).get(f"/api/v1/detentions/?case={d.case_id}").json()
    assert [x["id"] for x in body["results"]] == [d.pk]
    assert set(body["results"][0]["available_transitions"]) == {"record_notification", "release"}


def test_detention_is_on_the_case_timeline_page_and_api(api, users, townships, web):
    from supervision.audit.timeline import history_entries

    d = detention_to(users, townships, "notified")
    parts = [e for e in history_entries(d.case, users["auditor"])
             if e["part"] and e["part"]["model"] == "cases.detention"]
    assert [e["transition"] for e in parts] == ["", "approve", "start", "record_notification"]
    assert parts[0]["part"]["label"] == "留置" and "杨某" in parts[0]["part"]["name"]
    body = api(users["discipline_head"]).get(f"/api/v1/cases/{d.case_id}/history/").json()
    assert [e["transition"] for e in body if e["part"] and e["part"]["model"] == "cases.detention"] == [
        "", "approve", "start", "record_notification"]
    timeline = web(users["discipline_head"]).get(d.case.get_absolute_url()).content.decode().split(
        'class="card record-timeline"')[1]
    assert timeline.count('<span class="tag part-tag">留置</span>') == 4
    outsider = users["township_nanzhao"]
    assert not [e for e in history_entries(d.case, outsider) if e["part"] and e["part"]["model"] == "cases.detention"]
    assert api(outsider).get(f"/api/v1/cases/{d.case_id}/history/").status_code == 404


def _race(pk, actors):
    def post(actor):
        client = APIClient()
        client.force_authenticate(actor)
        return lambda: client.post(f"/api/v1/detentions/{pk}/transitions/approve/", {"comment": "同意"},
                                   format="json").status_code
    return sorted(at_once(*[post(a) for a in actors]))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_heads_approve_a_detention_at_once(users, townships):
    from supervision.audit.chain import verify

    d = proposed(users, townships)
    assert _race(d.pk, [users["discipline_head"], users["discipline_head2"]]) == [200, 409]
    d = Detention.objects.get(pk=d.pk)
    assert d.state == "approved" and not d.pending_kind and d.version == 1
    assert d.history.filter(transition="approve").count() == 1
    assert d.history.count() == 2
    assert verify(models_=[Detention.history.model]).ok


def test_a_proposed_detention_is_on_the_heads_task_list_and_an_extension_on_the_principals(api, users, townships):
    def approvable(username) -> set:
        rows = []
        for part in ("mine", "claimable"):
            rows += api(users[username]).get(f"/api/v1/me/tasks/?part={part}").json()["results"]
        return {r["id"] for r in rows if r["record_type"] == "cases.detention" and "approve" in r["transitions"]}

    d = proposed(users, townships)
    assert d.pk in approvable("discipline_head")
    e = detention_to(users, townships, "notified+extension")
    assert e.pk in approvable("discipline_principal")
    assert e.pk not in approvable("discipline_head")  # an extension: the principal head's alone

"""The whole path of a notice: issue, acknowledge, respond, return, close, complete; the
escalation ladder and the accountability referral; history with actor and reason."""
import pytest

from supervision.audit.chain import verify
from supervision.models import Notification, Unit
from supervision.signals import accountability_referred
from supervision.sweep import fire_system_transition
from supervision.transitions import run_transition
from workflows.notices import services
from workflows.notices.models import Notice, NoticeAssignment, NoticeResponse

from .helpers import issue, reload


def test_full_path_completes_the_notice_with_history(users, townships, django_capture_on_commit_callbacks):
    inspector, nanzhao, miaojie = users["inspector"], users["township_nanzhao"], users["township_miaojie"]
    with django_capture_on_commit_callbacks(execute=True):
        notice = issue(users, townships, targets=("nanzhao", "miaojie"))
    assert notice.state == "issued" and notice.number == f"巍督〔{notice.issued_on.year}〕{notice.seq}号"
    a1, a2 = notice.assignments.order_by("township__code")
    assert (a1.township.pinyin, a2.township.pinyin) == ("nanzhao", "miaojie")
    # issued → every staff user of each target township
    assert Notification.objects.filter(recipient=nanzhao, verb="notices.issued").count() == 1
    assert Notification.objects.filter(recipient=miaojie, verb="notices.issued").count() == 1

    services.assignment_acknowledge(actor=nanzhao, assignment=a1)
    services.assignment_respond(actor=nanzhao, assignment=a1, text="第一次整改报告")
    assert Notification.objects.filter(recipient=inspector, verb="notices.respond").count() == 1
    services.assignment_return(actor=inspector, assignment=a1, comment="证明材料不全")
    assert Notification.objects.filter(recipient=nanzhao, verb="notices.return_for_rework").count() == 1
    services.assignment_respond(actor=nanzhao, assignment=a1, text="第二次整改报告")
    assert list(NoticeResponse.objects.filter(assignment=a1).values_list("round", "text")) == [
        (1, "第一次整改报告"), (2, "第二次整改报告")]
    services.assignment_close(actor=inspector, assignment=a1, comment="同意销号")
    assert Notice.objects.get(pk=notice.pk).state == "issued"  # 庙街镇 still open

    services.assignment_acknowledge(actor=miaojie, assignment=a2)
    services.assignment_respond(actor=miaojie, assignment=a2, text="已整改")
    services.assignment_close(actor=inspector, assignment=a2)
    assert Notice.objects.get(pk=notice.pk).state == "completed"

    history = list(NoticeAssignment.history.filter(id=a1.pk).order_by("history_id"))
    assert [(h.transition, h.from_state, h.to_state) for h in history] == [
        ("issue", "", "issued"), ("acknowledge", "issued", "acknowledged"), ("respond", "acknowledged", "responded"),
        ("return_for_rework", "responded", "returned"), ("respond", "returned", "responded"),
        ("close", "responded", "closed")]
    assert [h.history_user.username for h in history] == [
        "inspector", "township_nanzhao", "township_nanzhao", "inspector", "township_nanzhao", "inspector"]
    assert history[3].history_change_reason == "证明材料不全"
    notice_rows = list(Notice.history.filter(id=notice.pk).order_by("history_id"))
    assert [(h.transition, h.history_user.username) for h in notice_rows] == [
        ("", "inspector"), ("issue", "inspector"), ("complete", "inspector")]
    assert notice_rows[-1].history_change_reason
    result = verify()
    assert result.ok, result


def test_escalation_ladder_and_referral_signal(users, townships, api, django_capture_on_commit_callbacks):
    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    fire_system_transition(a, "mark_overdue", comment="逾期")
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    accountability_referred.connect(receiver, weak=False)
    try:
        inspector, leader = api(users["inspector"]), api(users["leader"])
        url = f"/api/v1/notice-assignments/{a.pk}/transitions/"
        # out of order: the next step needs the one before
        assert leader.post(url + "interview/", {"comment": "约谈"}, format="json").status_code == 409
        assert inspector.post(url + "criticize/", {"comment": "批评"}, format="json").status_code == 409
        body = inspector.get(f"/api/v1/notice-assignments/{a.pk}/").json()
        assert body["available_transitions"] == ["urge"]
        assert inspector.post(url + "urge/", {"comment": "请三日内报送"}, format="json").status_code == 200
        assert inspector.post(url + "urge/", {"comment": "再催"}, format="json").status_code == 409
        assert inspector.post(url + "criticize/", {"comment": "全县通报"}, format="json").status_code == 200
        assert inspector.post(url + "interview/", {"comment": "约谈"}, format="json").status_code == 403
        with django_capture_on_commit_callbacks(execute=True):
            assert leader.post(url + "interview/", {"comment": "约谈党委书记"}, format="json").status_code == 200
            r = leader.post(url + "refer_accountability/", {"comment": "多次催办仍未整改"}, format="json")
        assert r.status_code == 200 and r.json()["escalation"] == 4
    finally:
        accountability_referred.disconnect(receiver)
    a = reload(a)
    assert a.state == "overdue" and a.referral_reason == "多次催办仍未整改" and a.referred_at
    assert len(received) == 1
    sent = received[0]
    assert sent["source"] == a and sent["actor"] == users["leader"] and sent["reason"] == "多次催办仍未整改"
    assert sent["source_kind"] == "notice_overdue" and sent["target_person"] is None
    assert sent["target_unit"] == Unit.objects.get(name="南诏镇党委") and sent["target_unit"].kind == "township"
    # interview and referral → township and leaders
    assert Notification.objects.filter(recipient=users["township_nanzhao"],
                                       verb="notices.refer_accountability").exists()
    assert not Notification.objects.filter(recipient=users["leader"], verb="notices.refer_accountability").exists()
    assert Notification.objects.filter(recipient=users["township_nanzhao"], verb="notices.interview").exists()


def test_referral_rolls_back_with_a_failing_receiver(users, townships):
    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    fire_system_transition(a, "mark_overdue", comment="逾期")
    for step in ("urge", "criticize"):
        services.assignment_escalate(actor=users["inspector"], assignment=a, step=step, comment="x")
    services.assignment_escalate(actor=users["leader"], assignment=a, step="interview", comment="x")

    def broken(sender, **kwargs):
        raise RuntimeError("cases down")

    accountability_referred.connect(broken, weak=False)
    try:
        with pytest.raises(RuntimeError):
            services.assignment_escalate(actor=users["leader"], assignment=a, step="refer_accountability",
                                         comment="移交")
    finally:
        accountability_referred.disconnect(broken)
    assert reload(a).escalation == 3


def test_extension_approved_moves_the_deadline(users, townships, django_capture_on_commit_callbacks):
    import datetime as dt

    a = issue(users, townships).assignments.get()
    staff, inspector = users["township_nanzhao"], users["inspector"]
    new_due = a.due_date + dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        a = services.assignment_request_extension(actor=staff, assignment=a, due_date=new_due, comment="需调研")
    assert a.state == "extension_requested"
    assert Notification.objects.filter(recipient=inspector, verb="notices.request_extension").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        a = services.assignment_decide_extension(actor=inspector, assignment=a, approve=True)
    assert a.state == "issued" and a.due_date == new_due and a.original_due_date == new_due - dt.timedelta(days=7)
    ext = a.extensions.get()
    assert ext.decision == "approved" and ext.granted_due_date == new_due and ext.decided_by == inspector
    assert Notification.objects.filter(recipient=staff, verb="notices.approve_extension").count() == 1
    # a second request, rejected: the deadline stays
    a = services.assignment_request_extension(actor=staff, assignment=a, due_date=new_due + dt.timedelta(days=3),
                                              comment="再延")
    a = services.assignment_decide_extension(actor=inspector, assignment=a, approve=False, comment="不同意")
    assert a.state == "issued" and a.due_date == new_due
    assert a.extensions.order_by("pk").last().decision == "rejected"


def test_notice_number_unique_per_year_and_sequential(users, townships):
    numbers = [issue(users, townships, title=f"通知{i}").number for i in range(3)]
    seqs = [int(n.split("〕")[1].rstrip("号")) for n in numbers]
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]
    assert len(set(numbers)) == 3


def test_system_transitions_are_refused_to_people(users, townships):
    from supervision.errors import PermissionDenied

    a = issue(users, townships).assignments.get()
    with pytest.raises(PermissionDenied):
        run_transition(model=NoticeAssignment, pk=a.pk, name="mark_overdue", actor=users["inspector"], comment="x")


def test_withdrawing_the_notice_ends_a_pending_extension(users, townships):
    import datetime as dt

    notice = issue(users, townships, targets=("nanzhao", "miaojie"))
    a = notice.assignments.get(township=townships["nanzhao"])
    services.assignment_request_extension(actor=users["township_nanzhao"], assignment=a,
                                          due_date=a.due_date + dt.timedelta(days=5), comment="需要延期")
    services.notice_withdraw(actor=users["inspector"], notice=notice, comment="情况已变化")
    assert reload(a).state == "withdrawn"
    assert a.extensions.get().decision == "cancelled"

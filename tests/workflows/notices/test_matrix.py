"""The state × transition × role matrix: every allowed move works; every other answers
403 (role may not), 404 (not visible) or 409 (not from this state) and changes nothing."""
import pytest

from workflows.notices.models import NoticeAssignment

from .helpers import build, payload, reload

RIGHTS = {
    "acknowledge": "township", "respond": "township", "request_extension": "township",
    "return_for_rework": "inspector", "close": "inspector", "approve_extension": "inspector",
    "reject_extension": "inspector", "urge": "inspector", "criticize": "inspector",
    "interview": "leader", "refer_accountability": "leader", "mark_overdue": None, "cancel": None,
}
ALLOWED = {
    ("issued", "acknowledge"): "acknowledged",
    ("issued", "request_extension"): "extension_requested",
    ("acknowledged", "respond"): "responded",
    ("acknowledged", "request_extension"): "extension_requested",
    ("returned", "respond"): "responded",
    ("returned", "request_extension"): "extension_requested",
    ("overdue", "respond"): "responded",
    ("overdue", "urge"): "overdue",
    ("responded", "return_for_rework"): "returned",
    ("responded", "close"): "closed",
    ("extension_requested", "approve_extension"): "acknowledged",
    ("extension_requested", "reject_extension"): "acknowledged",
}
STATES = ["issued", "acknowledged", "responded", "returned", "extension_requested", "overdue", "closed", "withdrawn"]
USERS = {"inspector": "inspector", "township_nanzhao": "township", "township_miaojie": "township_other",
         "leader": "leader", "auditor": "auditor"}


def expected(state, name, role):
    if role == "township_other":
        return 404
    if RIGHTS[name] is None or RIGHTS[name] != role:
        return 403
    if (state, name) not in ALLOWED:
        return 409
    return 200


@pytest.mark.parametrize("state", STATES)
def test_matrix(state, users, townships, api):
    shared = build(state, users, townships)
    assert shared.state == state
    for name in RIGHTS:
        for username, role in USERS.items():
            code = expected(state, name, role)
            target = shared if code != 200 else build(state, users, townships)
            before = reload(target)
            history_before = target.history.count()
            r = api(users[username]).post(f"/api/v1/notice-assignments/{target.pk}/transitions/{name}/",
                                          payload(name, target), format="json")
            assert r.status_code == code, (state, name, username, r.status_code, r.content)
            after = reload(target)
            if code == 200:
                assert after.state == ALLOWED[(state, name)], (state, name)
                assert r.json()["state"] == after.state
                assert target.history.count() == history_before + 1
            else:
                assert (after.state, after.version, after.due_date) == (before.state, before.version, before.due_date)
                assert target.history.count() == history_before
                assert r.json().get("detail"), r.content


def test_notice_transitions_matrix(users, townships, api):
    from workflows.notices import services

    from .helpers import issue

    draft = services.notice_create(actor=users["inspector"], title="草稿", findings="f", requirements="r",
                                   category="other", urgency="normal", target_townships=[townships["nanzhao"]])
    for username in ["township_nanzhao", "leader", "auditor"]:
        code = 404 if username.startswith("township") else 403  # a draft is invisible to townships
        r = api(users[username]).post(f"/api/v1/notices/{draft.pk}/transitions/issue/", {}, format="json")
        assert r.status_code == code, username
    r = api(users["inspector"]).post(f"/api/v1/notices/{draft.pk}/transitions/complete/", {}, format="json")
    assert r.status_code == 403
    r = api(users["inspector"]).post(f"/api/v1/notices/{draft.pk}/transitions/issue/", {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "issued" and r.json()["number"].startswith("巍督〔")
    r = api(users["inspector"]).post(f"/api/v1/notices/{draft.pk}/transitions/issue/", {}, format="json")
    assert r.status_code == 409
    r = api(users["township_nanzhao"]).post(f"/api/v1/notices/{draft.pk}/transitions/withdraw/",
                                            {"comment": "x"}, format="json")
    assert r.status_code == 403
    notice = issue(users, townships, targets=("nanzhao", "miaojie"))
    r = api(users["inspector"]).post(f"/api/v1/notices/{notice.pk}/transitions/withdraw/", {"comment": "撤回"},
                                     format="json")
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    assert set(NoticeAssignment.objects.filter(notice=notice).values_list("state", flat=True)) == {"withdrawn"}

"""The shared scope contract, for notices and for assignments."""
from tests.bases import WorkflowPermissionContract
from workflows.notices import services


def _issued_to_nanzhao(users, townships):
    notice = services.notice_create(actor=users["inspector"], title="关于村务公开的督办通知", findings="问题",
                                    requirements="要求", category="party_building", urgency="normal",
                                    target_townships=[townships["nanzhao"]])
    return services.notice_issue(actor=users["inspector"], notice=notice)


class TestNoticeAssignmentPermissions(WorkflowPermissionContract):
    workflow = "notices"
    api_list = "/api/v1/notice-assignments/"
    in_scope_user = "township_nanzhao"
    out_of_scope_user = "township_miaojie"
    no_access_users = ["discipline", "discipline_head", "organization"]
    a_transition = "acknowledge"
    record_type = "notices.noticeassignment"
    allowed_user = "township_nanzhao"

    def make_record(self, users, townships):
        return _issued_to_nanzhao(users, townships).assignments.get()


class TestNoticePermissions(WorkflowPermissionContract):
    workflow = "notices"
    api_list = "/api/v1/notices/"
    in_scope_user = "township_nanzhao"
    out_of_scope_user = "township_miaojie"
    no_access_users = ["discipline", "discipline_head", "organization"]
    a_transition = "withdraw"
    record_type = "notices.notice"
    allowed_user = "inspector"
    wrong_role_user = "township_nanzhao"

    def make_record(self, users, townships):
        return _issued_to_nanzhao(users, townships)

"""Build assignments in a given state through the real services (no state is ever assigned)."""
import datetime as dt

from supervision.sweep import fire_system_transition
from tests.helpers import reload
from workflows.notices import services


def issue(users, townships, targets=("nanzhao",), urgency="normal", title="关于村务公开不及时问题的督办通知"):
    notice = services.notice_create(actor=users["inspector"], title=title, findings="发现的问题",
                                    requirements="整改要求", category="party_building", urgency=urgency,
                                    target_townships=[townships[t] for t in targets])
    return services.notice_issue(actor=users["inspector"], notice=notice, comment="请按期办结")


def build(state, users, townships, township="nanzhao"):
    """An assignment of 南诏镇 (by default) in ``state``."""
    notice = issue(users, townships, targets=(township,))
    a = notice.assignments.get()
    staff, inspector = users[f"township_{township}"], users["inspector"]
    if state == "issued":
        return a
    if state == "withdrawn":
        services.notice_withdraw(actor=inspector, notice=notice, comment="撤回")
        return reload(a)
    if state == "overdue":
        fire_system_transition(a, "mark_overdue", comment="逾期")
        return reload(a)
    a = services.assignment_acknowledge(actor=staff, assignment=a)
    if state == "acknowledged":
        return a
    if state == "extension_requested":
        return services.assignment_request_extension(actor=staff, assignment=a,
                                                     due_date=a.due_date + dt.timedelta(days=10), comment="需要延期")
    a = services.assignment_respond(actor=staff, assignment=a, text="已整改")
    if state == "responded":
        return a
    if state == "returned":
        return services.assignment_return(actor=inspector, assignment=a, comment="请补充材料")
    if state == "closed":
        return services.assignment_close(actor=inspector, assignment=a)
    raise ValueError(state)


def payload(name, assignment):
    data = {"comment": "理由"}
    if name == "respond":
        data["text"] = "整改情况"
    if name == "request_extension":
        data["due_date"] = (assignment.due_date + dt.timedelta(days=10)).isoformat()
    return data

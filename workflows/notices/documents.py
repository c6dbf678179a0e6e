"""Documents of the notices workflow: 督查督办通知 (whole notice), 督办通知单 (per township),
督查通报 (a township criticised on the escalation ladder)."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision import workdays
from supervision.documents import DocumentKind, chinese_date, county_body, paragraphs, register

from .choices import Escalation, NoticeState
from .models import Notice, NoticeAssignment

CC = "县委办公室，县人民政府办公室"


def _issued(notice: Notice) -> bool:
    return notice.state in (NoticeState.ISSUED, NoticeState.COMPLETED) and bool(notice.number)


def notice_context(notice: Notice, part: str) -> dict:
    assignments = list(notice.assignments.select_related("township").order_by("township__code"))
    townships = [a.township.name for a in assignments]
    issuer = county_body(notice.issuing_unit.name)
    return {
        "issuer": issuer, "title": notice.title, "date": notice.issued_on, "cc": CC,
        "addressee": "、".join(f"{t}党委" for t in townships),
        "notice": notice, "assignments": assignments, "township": "、".join(townships),
        "findings": paragraphs(notice.findings), "requirements": paragraphs(notice.requirements),
    }


def assignment_context(assignment: NoticeAssignment, part: str) -> dict:
    notice = assignment.notice
    return {
        "issuer": county_body(notice.issuing_unit.name), "title": _("督办通知单"), "date": notice.issued_on,
        "cc": CC, "notice": notice, "assignment": assignment, "township": assignment.township.name,
        "due_cn": chinese_date(assignment.due_date), "issued_cn": chinese_date(notice.issued_on),
        "findings": paragraphs(notice.findings), "requirements": paragraphs(notice.requirements),
    }


def _criticised(assignment: NoticeAssignment) -> bool:
    return assignment.escalation >= Escalation.CRITICIZED


def criticism_context(assignment: NoticeAssignment, part: str) -> dict:
    notice = assignment.notice
    step = assignment.history.filter(transition="criticize").order_by("history_date").first()
    day = timezone.localtime(step.history_date).date() if step else timezone.localdate()
    urged = assignment.history.filter(transition="urge").order_by("history_date").first()
    return {
        "issuer": county_body(notice.issuing_unit.name), "date": day,
        "title": _("关于%(township)s逾期未落实督办事项的通报") % {"township": assignment.township.name},
        "addressee": "各乡镇党委，县直各部门", "cc": "县委、县人大常委会、县人民政府、县政协领导",
        "notice": notice, "assignment": assignment, "township": assignment.township.name,
        "issued_cn": chinese_date(notice.issued_on), "due_cn": chinese_date(assignment.due_date),
        "urged_cn": chinese_date(timezone.localtime(urged.history_date).date()) if urged else "",
        "day_cn": chinese_date(day), "overdue_days": max(workdays.working_days_between(assignment.due_date, day), 0),
        "reason": step.history_change_reason if step else "",
    }


register(DocumentKind(model=Notice, key="notice", label=_("督查督办通知"), template="notices/documents/notice.html",
                      context=notice_context, own_number=lambda n: n.number, available=_issued))
register(DocumentKind(model=NoticeAssignment, key="notice", label=_("督办通知单"),
                      template="notices/documents/assignment.html", context=assignment_context,
                      own_number=lambda a: a.notice.number, available=lambda a: _issued(a.notice)))
register(DocumentKind(model=NoticeAssignment, key="criticism", label=_("督查通报"),
                      template="notices/documents/criticism.html", context=criticism_context, prefix="巍督通",
                      available=_criticised))

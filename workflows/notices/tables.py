"""The notices register's rows (``supervision.tables``): one row per assignment."""
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from supervision.tables import Column, Table, link


def _state(a, ctx):
    if a.escalation:
        return format_html('<span class="state state-{}">{}</span> <span class="tag warn">{}</span>',
                           a.state, a.get_state_display(), a.get_escalation_display())
    return format_html('<span class="state state-{}">{}</span>', a.state, a.get_state_display())


ASSIGNMENT_TABLE = Table(
    columns=(
        Column(_("文号"), lambda a, ctx: a.notice.number),
        Column(_("标题"), lambda a, ctx: link(a.get_absolute_url(), a.notice.title), attrs=' class="title"',
               labelled=False),
        Column(_("乡镇"), lambda a, ctx: a.township.name),
        Column(_("紧急程度"), lambda a, ctx: a.notice.get_urgency_display(), key=lambda a: a.notice.urgency),
        Column(_("下发日期"), lambda a, ctx: a.notice.issued_on.isoformat() if a.notice.issued_on else ""),
        Column(_("办结期限"), lambda a, ctx: ctx.deadline(a)),
        Column(_("状态"), _state, key=lambda a: (a.state, a.escalation)),
    ),
    row_attrs=lambda a: {"class": "overdue" if a.state == "overdue" else "", "data-assignment": a.pk},
    related=("notice", "township"),
    # the cells' fields, the deadline light's (due date, state, provisional mark) included
    reads=("state", "escalation", "due_date", "due_provisional", "notice__number", "notice__title",
           "notice__urgency", "notice__issued_on", "township__name"),
)

"""Documents of the cases workflow: 处分决定书 (per sanctioned subject) and 函询通知 (per subject).

Neither names the reporter: the context carries only what the document prints (never the case
object, whose reporter fields a template could otherwise reach)."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision.documents import DocumentKind, chinese_date, county_body, register
from supervision.models import Unit

from .models import Case

ISSUER_FALLBACK = "县纪委监委"


def _issuer() -> str:
    unit = Unit.objects.filter(kind=Unit.Kind.DISCIPLINE).order_by("pk").first()
    return county_body(unit.name if unit else ISSUER_FALLBACK)


def _sanctioned(case: Case):
    """The subjects' matters with a sanction decided (one decision document each)."""
    return [m for m in case.matters.select_related("subject").order_by("pk")
            if m.outcome == "sanction" and m.decided_on and (m.party_sanction or m.admin_sanction)]


def _has_decision(case: Case) -> bool:
    return bool(_sanctioned(case))


def decision_parts(case: Case) -> list[tuple[str, str]]:
    """One part per sanctioned subject (the subject's id, as before per-subject matters)."""
    return [(str(m.subject_id), m.subject.name) for m in _sanctioned(case)]


def _subject(case: Case, part: str):
    return case.subjects.get(pk=int(part))


def _identity(subject, township: str) -> str:
    bits = [subject.name]
    if subject.is_party_member:
        bits.append("中共党员")
    where = "".join(x for x in (township, subject.village) if x)
    if subject.post:
        bits.append(f"{where}{subject.post}")
    elif where:
        bits.append(where)
    return "，".join(bits)


def decision_context(case: Case, part: str) -> dict:
    subject = _subject(case, part)
    matter = subject.matter
    township = case.township.name if case.township_id else ""
    sanctions = []
    if matter.party_sanction:
        sanctions.append(f"党内{matter.get_party_sanction_display()}处分" if matter.party_sanction in (
            "warning", "serious_warning") else f"{matter.get_party_sanction_display()}处分")
    if matter.admin_sanction:
        sanctions.append(f"政务{matter.get_admin_sanction_display()}处分")
    sanction_text = "、".join(sanctions)
    issuer = _issuer()
    return {
        "issuer": issuer, "date": matter.decided_on, "township": township,
        "title": _("关于给予%(name)s%(sanction)s的决定") % {"name": subject.name, "sanction": sanction_text},
        "cc": f"县委组织部，{township}党委" if township else "县委组织部",
        "subject_name": subject.name, "identity": _identity(subject, township),
        "category": case.get_category_display(), "case_number": case.number,
        "facts": case.review_report or "", "amount": case.amount if case.amount else None,
        "sanction_text": sanction_text, "party_sanction": bool(matter.party_sanction),
        "admin_sanction": bool(matter.admin_sanction), "filed_cn": chinese_date(case.filed_on),
        "confidential": "",
    }


def inquiry_parts(case: Case) -> list[tuple[str, str]]:
    return [(str(s.pk), s.name) for s in case.subjects.all()]


def _in_inquiry(case: Case) -> bool:
    return case.disposition == "inquiry"


def inquiry_context(case: Case, part: str) -> dict:
    subject = _subject(case, part)
    township = case.township.name if case.township_id else ""
    step = case.history.filter(to_state="inquiry").order_by("history_date").first()
    day = timezone.localtime(step.history_date).date() if step else case.received_on
    due = case.due_date if case.due_kind == "inquiry" else None
    return {
        "issuer": _issuer(), "date": day, "township": township,
        "title": _("函询通知书"), "addressee": f"{subject.name}同志",
        "cc": f"{township}党委" if township else "", "category": case.get_category_display(),
        "identity": _identity(subject, township), "subject_name": subject.name,
        "due_cn": chinese_date(due), "case_number": case.number, "confidential": "密件",
    }


register(DocumentKind(model=Case, key="decision", label=_("处分决定书"), template="cases/documents/decision.html",
                      context=decision_context, prefix="巍纪处", available=_has_decision, parts=decision_parts))
register(DocumentKind(model=Case, key="inquiry", label=_("函询通知"), template="cases/documents/inquiry.html",
                      context=inquiry_context, prefix="巍纪函", available=_in_inquiry, parts=inquiry_parts))

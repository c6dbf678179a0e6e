"""Services of 留置 (its proposal; every later step is a kernel transition) and of the records
of the work (函询 and its reply, talks, the evidence list).

Every write happens under the case's row lock (``_locked_case``: the case as the actor may see
it, ``SELECT … FOR UPDATE``), by someone holding the case's right (``handle``; ``propose`` for
a detention), and is saved with its history row (``save_with_history``). Bad input is a
``ValidationError`` naming the field, in Chinese (400), and nothing is written.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from supervision import access
from supervision.attachments import attachment_create
from supervision.forms import validate_upload
from supervision.notify import notify, users_with_role
from supervision.transitions import run_transition, save_with_history

from . import fourforms
from .choices import OPEN_STATES
from .conf import limit
from .custody import OPEN_DETENTION_STATES, Detention
from .models import Case, CaseSubject
from .workrecords import EvidenceItem, EvidenceKind, InquiryConclusion, InquiryLetter, Talk

DETENTION_CASE_STATES = ("filed", "investigating")


def _locked_case(actor, case_id, right: str = "handle") -> Case:
    case = access.visible(actor, Case).select_for_update(of=("self",)).select_related("handler") \
        .filter(pk=case_id).first()
    if case is None:
        raise Http404(_("记录不存在或无权查看。"))
    if not access.can(actor, right, case):
        raise PermissionDenied(_("您无权执行此操作。"))
    return case


def _text(errors: dict, name: str, value, *, required: bool = True, max_length: int | None = None) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = _("必须是文本。")
        return ""
    value = value.strip()
    n = max_length or limit("MAX_TEXT_LENGTH")
    if required and not value:
        errors[name] = _("此项为必填项。")
    elif len(value) > n:
        errors[name] = _("内容不能超过 %(n)d 个字。") % {"n": n}
    return value


def _date(errors: dict, name: str, value, *, required: bool = True, not_before: dt.date | None = None,
          not_before_label: str = ""):
    if value in (None, ""):
        if required:
            errors[name] = _("请填写日期。")
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            errors[name] = _("日期格式应为 2026-12-01。")
            return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        errors[name] = _("日期格式应为 2026-12-01。")
        return None
    today = timezone.localdate()
    if value > today:
        errors[name] = _("日期不能晚于今天（%(d)s）。") % {"d": today}
    elif value < today - dt.timedelta(days=limit("BACKDATE_MAX_DAYS")):
        errors[name] = _("日期不能早于 %(n)d 天前。") % {"n": limit("BACKDATE_MAX_DAYS")}
    elif not_before is not None and value < not_before:
        errors[name] = _("日期不能早于%(what)s（%(d)s）。") % {"what": not_before_label, "d": not_before}
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _open_case(errors: dict, case: Case) -> None:
    if case.state not in OPEN_STATES:
        errors["__all__"] = _("已了结的线索/案件不能再增加或修改工作记录。")


def _attach(actor, case: Case, part, upload) -> None:
    if upload is not None:
        attachment_create(actor=actor, target=case, upload=upload, part=part.attachment_part)


def _check_upload(errors: dict, upload) -> None:
    if upload is None:
        return
    try:
        validate_upload(upload)
    except ValidationError as exc:
        errors["attachment"] = exc.messages


def heads():
    return users_with_role("discipline_head")


# --- 留置 ---------------------------------------------------------------------------------------

def detention_propose(*, actor, subject_id, grounds: str) -> Detention:
    """A handler proposes to detain a subject 被审查调查人 of a filed case; a head other than the
    proposer approves (``Detention.approve``). One open detention per subject (a constraint)."""
    subject = CaseSubject.objects.filter(pk=subject_id).only("pk", "case_id", "name").first() \
        if str(subject_id).isdigit() else None
    if subject is None:
        raise ValidationError({"subject": _("请选择本案的被审查调查人。")})
    with transaction.atomic():
        case = _locked_case(actor, subject.case_id, "propose")
        errors: dict = {}
        grounds = _text(errors, "grounds", grounds)
        if case.state not in DETENTION_CASE_STATES:
            errors["__all__"] = _("立案后、审查调查阶段才能提请留置（当前：%(state)s）。") % {
                "state": case.get_state_display()}
        elif Detention.objects.filter(subject_id=subject.pk, state__in=OPEN_DETENTION_STATES).exists():
            errors["subject"] = _("该被审查调查人已有未解除的留置措施。")
        _raise(errors)
        d = Detention(case=case, subject=subject, grounds=grounds, pending_kind="detention", pending_by=actor,
                      pending_at=timezone.now())
        save_with_history(d, actor=actor, reason=_("提请留置：%(g)s") % {"g": grounds[:200]})
        notify(recipients=heads(), verb="cases.detention_proposal", target=d, exclude=actor,
               message=_("%(case)s：%(d)s待审批") % {"case": case, "d": d})
    return d


# --- 函询 ----------------------------------------------------------------------------------------

def _letter(actor, pk) -> tuple[InquiryLetter, Case]:
    letter = InquiryLetter.objects.filter(pk=pk).only("pk", "case_id").first() if str(pk).isdigit() else None
    if letter is None:
        raise Http404(_("记录不存在或无权查看。"))
    case = _locked_case(actor, letter.case_id)
    return InquiryLetter.objects.select_for_update().get(pk=letter.pk), case


def inquiry_letter_add(*, actor, case_id, sent_on, letter_text: str, attachment=None) -> InquiryLetter:
    """The 函询 letter sent (the case in 谈话函询)."""
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        errors: dict = {}
        if case.state != "inquiry":
            errors["__all__"] = _("线索处置为谈话函询后才能登记函询。")
        sent_on = _date(errors, "sent_on", sent_on, not_before=case.received_on, not_before_label=_("受理日期"))
        letter_text = _text(errors, "letter_text", letter_text)
        _check_upload(errors, attachment)
        _raise(errors)
        letter = InquiryLetter(case=case, sent_on=sent_on, letter_text=letter_text, recorded_by=actor)
        save_with_history(letter, actor=actor, reason=_("登记函询"))
        _attach(actor, case, letter, attachment)
    return letter


def inquiry_letter_update(*, actor, pk, **fields) -> InquiryLetter:
    """Correct the letter (date, text) or record its reply (``reply_on``, ``reply_text``)."""
    with transaction.atomic():
        letter, case = _letter(actor, pk)
        errors: dict = {}
        _open_case(errors, case)
        if letter.conclusion:
            errors["__all__"] = _("函询已作出结论，不能再修改。")
        if "sent_on" in fields:
            letter.sent_on = _date(errors, "sent_on", fields["sent_on"], not_before=case.received_on,
                                   not_before_label=_("受理日期"))
        if "letter_text" in fields:
            letter.letter_text = _text(errors, "letter_text", fields["letter_text"])
        if "reply_on" in fields or "reply_text" in fields:
            reply_on = _date(errors, "reply_on", fields.get("reply_on", letter.reply_on),
                             not_before=letter.sent_on, not_before_label=_("函询日期"))
            reply_text = _text(errors, "reply_text", fields.get("reply_text", letter.reply_text))
            letter.reply_on, letter.reply_text = reply_on, reply_text
        _check_upload(errors, fields.get("attachment"))
        _raise(errors)
        replied = "reply_text" in fields and not letter.history.exclude(reply_text="").exists()
        save_with_history(letter, actor=actor, reason=_("登记函询回复") if replied else _("修改函询"))
        _attach(actor, case, letter, fields.get("attachment"))
    return letter


def inquiry_letter_conclude(*, actor, pk, conclusion: str, comment: str = "") -> InquiryLetter:
    """The reply assessed. Not a path of its own: "accepted" fires the case's 了结 from inquiry
    (``close``: the first form), "verify" its disposition proposal to 初步核实, which a head then
    approves or rejects like any other. Both, and the letter's conclusion, in one transaction."""
    with transaction.atomic():
        letter, case = _letter(actor, pk)
        errors: dict = {}
        if conclusion not in InquiryConclusion.values:
            errors["conclusion"] = _("请选择函询结论。")
        if letter.conclusion:
            errors["__all__"] = _("该函询已作出结论。")
        elif not letter.reply_on:
            errors["__all__"] = _("请先登记被函询人的回复。")
        elif case.state != "inquiry":
            errors["__all__"] = _("线索不在谈话函询阶段，不能作出函询结论。")
        comment = _text(errors, "comment", comment, required=False, max_length=500)
        _raise(errors)
        letter.conclusion = conclusion
        letter.concluded_on = timezone.localdate()
        label = InquiryConclusion(conclusion).label
        save_with_history(letter, actor=actor, reason=comment or str(label))
        reason = _("函询结论：%(c)s") % {"c": label} + (f"。{comment}" if comment else "")
        if conclusion == "accepted":
            run_transition(model=Case, pk=case.pk, name="close", actor=actor, comment=reason,
                           data={"four_forms": fourforms.fitting(clue="inquiry")})
        else:
            run_transition(model=Case, pk=case.pk, name="propose_disposition", actor=actor, comment=reason,
                           data={"target": "verification"})
    return letter


# --- 谈话 ----------------------------------------------------------------------------------------

def _talk_fields(errors: dict, case: Case, fields: dict, talk: Talk) -> None:
    if "held_on" in fields:
        talk.held_on = _date(errors, "held_on", fields["held_on"], not_before=case.received_on,
                             not_before_label=_("受理日期"))
    if "present" in fields:
        talk.present = _text(errors, "present", fields["present"], max_length=500)
    if "summary" in fields:
        talk.summary = _text(errors, "summary", fields["summary"])


def talk_add(*, actor, case_id, held_on, present: str, summary: str, attachment=None) -> Talk:
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        errors: dict = {}
        _open_case(errors, case)
        talk = Talk(case=case, recorded_by=actor)
        _talk_fields(errors, case, {"held_on": held_on, "present": present, "summary": summary}, talk)
        _check_upload(errors, attachment)
        _raise(errors)
        save_with_history(talk, actor=actor, reason=_("登记谈话"))
        _attach(actor, case, talk, attachment)
    return talk


def talk_update(*, actor, pk, **fields) -> Talk:
    found = Talk.objects.filter(pk=pk).only("pk", "case_id").first() if str(pk).isdigit() else None
    if found is None:
        raise Http404(_("记录不存在或无权查看。"))
    with transaction.atomic():
        case = _locked_case(actor, found.case_id)
        talk = Talk.objects.select_for_update().get(pk=found.pk)
        errors: dict = {}
        _open_case(errors, case)
        _talk_fields(errors, case, fields, talk)
        _check_upload(errors, fields.get("attachment"))
        _raise(errors)
        save_with_history(talk, actor=actor, reason=_("修改谈话记录"))
        _attach(actor, case, talk, fields.get("attachment"))
    return talk


# --- 证据清单 ------------------------------------------------------------------------------------

def _evidence_fields(errors: dict, case: Case, fields: dict, ev: EvidenceItem) -> None:
    if "item" in fields:
        ev.item = _text(errors, "item", fields["item"], max_length=200)
    if "kind" in fields:
        if fields["kind"] not in EvidenceKind.values:
            errors["kind"] = _("请选择证据种类。")
        else:
            ev.kind = fields["kind"]
    if "source" in fields:
        ev.source = _text(errors, "source", fields["source"], max_length=200)
    if "obtained_on" in fields:
        ev.obtained_on = _date(errors, "obtained_on", fields["obtained_on"], not_before=case.received_on,
                               not_before_label=_("受理日期"))


def evidence_add(*, actor, case_id, item: str, kind: str, source: str, obtained_on, attachment=None) -> EvidenceItem:
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        errors: dict = {}
        _open_case(errors, case)
        ev = EvidenceItem(case=case, recorded_by=actor)
        _evidence_fields(errors, case, {"item": item, "kind": kind, "source": source, "obtained_on": obtained_on},
                         ev)
        _check_upload(errors, attachment)
        _raise(errors)
        save_with_history(ev, actor=actor, reason=_("登记证据"))
        _attach(actor, case, ev, attachment)
    return ev


def evidence_update(*, actor, pk, **fields) -> EvidenceItem:
    found = EvidenceItem.objects.filter(pk=pk).only("pk", "case_id").first() if str(pk).isdigit() else None
    if found is None:
        raise Http404(_("记录不存在或无权查看。"))
    with transaction.atomic():
        case = _locked_case(actor, found.case_id)
        ev = EvidenceItem.objects.select_for_update().get(pk=found.pk)
        errors: dict = {}
        _open_case(errors, case)
        _evidence_fields(errors, case, fields, ev)
        _check_upload(errors, fields.get("attachment"))
        _raise(errors)
        save_with_history(ev, actor=actor, reason=_("修改证据"))
        _attach(actor, case, ev, fields.get("attachment"))
    return ev

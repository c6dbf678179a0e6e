"""Services: creating clues and accountability matters (state changes go through the kernel)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from supervision import access, registry
from supervision.attachments import attachment_create
from supervision.audit.actor import system_actor
from supervision.models import Region, Unit
from supervision.notify import notify, users_with_role
from supervision.transitions import run_transition, save_with_history

from . import choices
from .accountability import target_add
from .choices import CASE_STAGES, OPEN_STATES
from .conf import limit, setting
from .forms import check_earlier_date
from .models import AccountabilityMatter, Case, CaseCounter, CaseSubject, SubjectMatter


def require_right(actor, model, right: str) -> None:
    rt = registry.for_model(model)
    if not access.can_anywhere(actor, rt, "view"):
        raise Http404(_("记录不存在或无权查看。"))
    if not access.can_anywhere(actor, rt, right):
        raise PermissionDenied(_("您无权执行此操作。"))


def _text(errors, name, value, *, required=False):
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        errors[name] = _("必须是文本。")
        return ""
    if required and not value:
        errors[name] = _("此项为必填项。")
    elif len(value) > limit("MAX_TEXT_LENGTH"):
        errors[name] = _("内容不能超过 %(n)d 个字。") % {"n": limit("MAX_TEXT_LENGTH")}
    return value


def case_number_format(year: int, seq: int) -> str:
    return _("%(prefix)s〔%(year)d〕%(n)d号") % {"prefix": setting("NUMBER_PREFIX"), "year": year, "n": seq}


def case_number_take(*, year: int) -> tuple[int, int, str]:
    """The next case number of ``year`` (巍纪〔2026〕7号), safe under concurrency.

    Called inside the registering transaction. The year's counter row is created once, starting
    after the highest number already used in that year (numbers given before the counter
    existed keep theirs); a race on the create is caught. Then one UPDATE increments it, which
    holds the row lock (PostgreSQL) or the write lock (SQLite) until commit, so two intakes never
    read the same value. The unique (number_year, number_seq) constraint is the backstop."""
    if not CaseCounter.objects.filter(year=year).exists():
        used = Case.objects.filter(number_year=year).aggregate(m=Max("number_seq"))["m"] or 0
        try:
            with transaction.atomic():
                CaseCounter.objects.create(year=year, last=used)
        except IntegrityError:
            pass  # another intake created it first
    CaseCounter.objects.filter(year=year).update(last=F("last") + 1)
    seq = CaseCounter.objects.get(year=year).last
    return year, seq, case_number_format(year, seq)


def case_register(*, actor, source: str, category: str, description: str, reporter_anonymous: bool = False,
                  reporter_name: str = "", reporter_contact: str = "", township: Region | None = None,
                  amount=0, subjects: list[dict] | None = None, attachment=None,
                  received_on: dt.date | None = None) -> Case:
    """Register a clue 问题线索 in ``received``; the actor becomes its handler.

    ``received_on`` (default today) records a clue received on paper before it was entered here."""
    require_right(actor, Case, "create")
    errors: dict = {}
    if received_on is not None:
        try:
            check_earlier_date(received_on, field="received_on")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if source not in choices.Source.values:
        errors["source"] = _("未知的线索来源：%(v)s") % {"v": source}
    if category not in choices.Category.values:
        errors["category"] = _("未知的问题类别：%(v)s") % {"v": category}
    description = _text(errors, "description", description, required=True)
    reporter_name = _text(errors, "reporter_name", reporter_name)[:50]
    reporter_contact = _text(errors, "reporter_contact", reporter_contact)[:100]
    if not reporter_anonymous and not reporter_name:
        errors["reporter_name"] = _("实名举报请填写反映人姓名，否则请选择匿名。")
    try:
        amount = Decimal(str(amount if amount not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        errors["amount"] = _("涉及金额必须是数字。")
        amount = Decimal(0)
    if amount < 0:
        errors["amount"] = _("涉及金额不能为负数。")
    if township is not None and getattr(township, "level", None) != Region.Level.TOWNSHIP:
        errors["township"] = _("请选择一个乡镇。")
    clean_subjects = []
    for i, s in enumerate(subjects or []):
        name = (s.get("name") or "").strip()
        if not name:
            continue
        if len(name) > 50:
            errors[f"subjects[{i}].name"] = _("姓名不能超过 50 个字。")
        clean_subjects.append({
            "name": name[:50], "post": (s.get("post") or "").strip()[:100],
            "village": (s.get("village") or "").strip()[:64],
            "is_party_member": bool(s.get("is_party_member")),
            "is_village_committee": bool(s.get("is_village_committee")),
            "is_township_cadre": bool(s.get("is_township_cadre"))})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        received_on = received_on or timezone.localdate()
        year, seq, number = case_number_take(year=received_on.year)
        case = Case(source=source, category=category, description=description,
                    reporter_anonymous=bool(reporter_anonymous),
                    reporter_name="" if reporter_anonymous else reporter_name,
                    reporter_contact=reporter_contact, township=township, amount=amount, handler=actor,
                    registered_by=actor,
                    received_on=received_on, number=number, number_year=year, number_seq=seq)
        save_with_history(case, actor=actor, reason=_("受理登记"))
        for s in clean_subjects:
            save_with_history(CaseSubject(case=case, **s), actor=actor, reason=_("登记被反映人"))
        if attachment is not None:
            attachment_create(actor=actor, target=case, upload=attachment)
        notify(recipients=users_with_role("discipline_head"), verb="cases.received", target=case, exclude=actor,
               message=_("新受理问题线索：%(case)s") % {"case": case})
    return case


def accountability_open(*, actor, reason: str, target_unit=None, target_person=None, source=None,
                        source_kind: str = "manual", check_rights: bool = True, extra_units=None,
                        extra_persons=None) -> tuple[AccountabilityMatter, bool]:
    """Open an accountability matter 问责 (or return the one already opened for this source).

    Exactly one matter per (source record, source_kind): the unique constraint decides races.
    Its targets (``AccountabilityTarget``): ``target_unit``/``target_person`` (also kept on the
    matter as the target it was opened against) and any ``extra_units``/``extra_persons``.
    Returns (matter, created). Notifies the discipline heads when created.
    """
    if check_rights:
        require_right(actor, AccountabilityMatter, "create")
    errors: dict = {}
    reason = _text(errors, "reason", reason, required=True)
    if source is None and target_unit is None and target_person is None and not extra_units and not extra_persons:
        errors["target"] = _("请选择问责单位或问责干部。")
    if source_kind not in choices.MatterSource.values:
        errors["source_kind"] = _("未知的问责来源：%(v)s") % {"v": source_kind}
    if errors:
        raise ValidationError(errors)
    actor = actor or system_actor()
    source_type = source._meta.label_lower if source is not None else ""
    source_id = str(source.pk) if source is not None else ""
    if source is not None:
        found = AccountabilityMatter.objects.filter(source_type=source_type, source_id=source_id,
                                                    source_kind=source_kind).first()
        if found is not None:
            return found, False
    matter = AccountabilityMatter(reason=reason, target_unit=target_unit, target_person=target_person,
                                  source_kind=source_kind, source_type=source_type, source_id=source_id,
                                  source_label=str(source)[:200] if source is not None else "",
                                  opened_by=actor if not getattr(actor, "is_system", False) else None)
    try:
        with transaction.atomic():
            save_with_history(matter, actor=actor, reason=reason[:500])
            for unit in [target_unit, *(extra_units or [])]:
                if unit is not None and not matter.targets.filter(unit=unit).exists():
                    target_add(matter, unit=unit, actor=actor)
            for person in [target_person, *(extra_persons or [])]:
                if person is not None and not matter.targets.filter(person=person).exists():
                    target_add(matter, person=person, actor=actor)
    except IntegrityError:
        if source is None:
            raise
        return AccountabilityMatter.objects.get(source_type=source_type, source_id=source_id,
                                                source_kind=source_kind), False
    notify(recipients=users_with_role("discipline_head"), verb="accountability.opened", target=matter,
           exclude=actor, message=_("新问责事项：%(m)s（%(src)s）") % {
               "m": matter, "src": matter.get_source_kind_display()})
    return matter, True


def on_accountability_referred(sender, *, source, actor=None, reason="", target_unit=None, target_person=None,
                               source_kind="other", **kwargs) -> AccountabilityMatter:
    """Receiver of ``supervision.signals.accountability_referred``: open (once) the matter."""
    if source_kind not in choices.MatterSource.values:
        source_kind = "other"
    if target_unit is None and target_person is None:
        # The referral names no target: hold the matter against the source's own unit if any.
        target_unit = getattr(source, "unit", None) or getattr(source, "dispatching_unit", None)
    if target_unit is None and target_person is None:
        target_unit = source if isinstance(source, Unit) else None
    reason = (reason or _("移送问责"))[: limit("MAX_TEXT_LENGTH")]
    matter, _created = accountability_open(actor=actor, reason=reason, target_unit=target_unit,
                                           target_person=target_person, source=source, source_kind=source_kind,
                                           check_rights=False)
    return matter


def case_attachment_add(*, actor, case: Case, upload):
    """Attach a file (evidence, report) to a case: its handlers only."""
    if not access.can(actor, "handle", case):
        raise PermissionDenied(_("您无权执行此操作。"))
    return attachment_create(actor=actor, target=case, upload=upload)


def case_subject_add(*, actor, case: Case, name: str, post: str = "", village: str = "",
                     is_party_member: bool = False, is_village_committee: bool = False,
                     is_township_cadre: bool = False) -> CaseSubject:
    """Add a person reported 被反映人 found during handling (open cases only)."""
    if not access.can(actor, "handle", case):
        raise PermissionDenied(_("您无权执行此操作。"))
    errors: dict = {}
    name = _text(errors, "name", name, required=True)
    if len(name) > 50:
        errors["name"] = _("姓名不能超过 50 个字。")
    if case.state not in OPEN_STATES:
        errors["__all__"] = _("已办结的线索/案件不能再增加被反映人。")
    if errors:
        raise ValidationError(errors)
    subject = CaseSubject(case=case, name=name, post=(post or "").strip()[:100], village=(village or "").strip()[:64],
                          is_party_member=bool(is_party_member), is_village_committee=bool(is_village_committee),
                          is_township_cadre=bool(is_township_cadre))
    with transaction.atomic():
        save_with_history(subject, actor=actor, reason=_("登记被反映人"))
        if case.state in CASE_STAGES:
            subject_matters_open(case=case, actor=actor)
    return subject


def subject_matters_open(*, case: Case, actor) -> list[SubjectMatter]:
    """A filed case: a matter for each of its subjects that has none yet (filing, or a subject
    added later). Inside the caller's transaction."""
    made = []
    for subject in case.subjects.filter(matter__isnull=True):
        matter = SubjectMatter(case=case, subject=subject)
        save_with_history(matter, actor=actor, reason=_("立案审查调查：%(name)s") % {"name": subject.name})
        made.append(matter)
    return made


def case_follow_subjects(*, case_id: int, actor) -> str | None:
    """Move the case after its subjects' matters (inside the matter's transition): into its
    decision phase once an outcome is approved, closed once every matter is. Returns the
    case transition fired, if any. The case's own history row names the actor."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case_id)
    states = list(SubjectMatter.objects.filter(case_id=case_id).values_list("state", flat=True))
    name = None
    if case.state in ("reviewing", "decided") and states and all(s in choices.SUBJECT_DONE_STATES for s in states):
        name, comment = "conclude", _("全部被审查调查人已办结")
    elif case.state == "reviewing" and any(s != "open" for s in states):
        name, comment = "enter_decisions", _("已对被审查调查人作出处理决定")
    if name:
        run_transition(model=Case, pk=case_id, name=name, actor=actor, comment=comment, as_system=True)
    return name

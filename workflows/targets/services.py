"""Write side of the targets workflow: ``<entity>_<verb>(*, actor, ...)``.

Every write to a tracked row happens here, inside a transaction, under a row lock (the row
itself for an edit; the village — or township — row for a creation, which serialises the
writers of that village's registers). State changes go through ``run_transition``.
Invariants are database constraints; their violations come back as translated 400s.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from supervision import access, registry
from supervision.errors import Conflict, Http404, PermissionDenied, ValidationError
from supervision.models import Person, Region
from supervision.transitions import save_with_history

from . import registers
from .forms import AttendanceForm
from .models import (
    AidPairing,
    TrainingAttendance,
    TrainingSession,
    VillageCadre,
    VillagerGroup,
)

# Constraint name → (field, message) for the 400 a violation becomes.
CONSTRAINT_MESSAGES = {
    "targets_uniq_income_village_year": ("year", lambda: _("该村该年度的集体经济收入已填报，请修改原记录。")),
    "targets_uniq_group_name": ("name", lambda: _("该村已有同名村民小组。")),
    "targets_uniq_attendance": ("people", lambda: _("该人员已登记参加本期培训。")),
    "targets_uniq_shop_name": ("name", lambda: _("该乡镇已有同名示范点。")),
    "household_no": ("household_no", lambda: _("户编号已存在。")),
    "targets_income_not_negative": ("amount", lambda: _("收入不能为负数。")),
    "targets_reserve_born_before_entered": ("birth_date", lambda: _("出生日期须早于入库日期。")),
    "targets_training_ends_after_start": ("end_date", lambda: _("结业日期不能早于开班日期。")),
    "targets_training_level_township": ("township", lambda: _("乡级培训须选择举办乡镇；县级轮训不选乡镇。")),
    "targets_aid_household_only_cadre": ("household_no", lambda: _("只有干部帮户填写贫困户。")),
}


def integrity_error(exc: IntegrityError) -> ValidationError:
    text = str(exc)
    for name, (field, message) in CONSTRAINT_MESSAGES.items():
        if name in text:
            return ValidationError({field: [message()]})
    # SQLite names the columns rather than the constraint of a unique violation.
    if "targets_collectiveincome.village_id, targets_collectiveincome.year" in text:
        return ValidationError({"year": [CONSTRAINT_MESSAGES["targets_uniq_income_village_year"][1]()]})
    if "targets_villagergroup.village_id, targets_villagergroup.name" in text:
        return ValidationError({"name": [CONSTRAINT_MESSAGES["targets_uniq_group_name"][1]()]})
    if "targets_trainingattendance" in text:
        return ValidationError({"people": [CONSTRAINT_MESSAGES["targets_uniq_attendance"][1]()]})
    if "targets_ecommerceshop.township_id, targets_ecommerceshop.name" in text:
        return ValidationError({"name": [CONSTRAINT_MESSAGES["targets_uniq_shop_name"][1]()]})
    return ValidationError({"__all__": [_("数据与已有记录冲突，未保存。")]})


def form_errors(form) -> ValidationError:
    return ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})


def _rt(model):
    return registry.for_model(model)


def _may_create(actor, reg: registers.Register) -> None:
    if not access.can_anywhere(actor, _rt(reg.model), reg.create_right):
        if not access.can_anywhere(actor, _rt(reg.model), "view"):
            raise Http404(_("记录不存在或无权查看。"))
        raise PermissionDenied(_("您无权填报%(r)s。") % {"r": reg.label})


def _lock_place(d: dict) -> None:
    """Serialise the writers of one village's (or township's) registers."""
    place = d.get("village") or d.get("township")
    if place is not None:
        Region.objects.select_for_update().filter(pk=place.pk).first()


def _next_group_code(village: Region) -> str:
    """The next villager-group code under a village: its code plus a 3-digit serial."""
    codes = Region.objects.filter(parent=village, level=Region.Level.GROUP).values_list("code", flat=True)
    serials = [
        int(c[len(village.code) :]) for c in codes if c.startswith(village.code) and c[len(village.code) :].isdigit()
    ]
    return f"{village.code}{(max(serials) + 1 if serials else 1):03d}"


def build(reg: registers.Register, d: dict, actor):
    """An unsaved row from cleaned form data (related rows — a Region, a Person — are created)."""
    model = reg.model
    if model is VillagerGroup:
        village = d["village"]
        if VillagerGroup.objects.filter(village=village, name=d["name"]).exists():
            raise ValidationError({"name": [CONSTRAINT_MESSAGES["targets_uniq_group_name"][1]()]})
        region = Region(code=_next_group_code(village), name=d["name"], level=Region.Level.GROUP, parent=village)
        save_with_history(region, actor=actor, reason=_("登记村民小组"))
        return VillagerGroup(
            region=region,
            village=village,
            name=d["name"],
            households=d.get("households"),
            party_members=d["party_members"],
            has_branch=d.get("has_branch", False),
            note=d.get("note", ""),
        )
    if model is VillageCadre:
        village = d["village"]
        person = Person.objects.filter(name=d["name"], region=village).first()
        if person is None:
            post = str(dict(VillageCadre._meta.get_field("post").flatchoices)[d["post"]])
            person = Person(
                name=d["name"],
                region=village,
                post=f"{village.name}{post}",
                is_party_member=d.get("is_party_member", False),
            )
            save_with_history(person, actor=actor, reason=_("登记村干部名册"))
        if VillageCadre.objects.filter(person=person, post=d["post"], state=VillageCadre.State.SERVING).exists():
            raise ValidationError({"name": [_("%(n)s 已在名册中担任该职务。") % {"n": person.name}]})
        return VillageCadre(village=village, person=person, post=d["post"], started_on=d["started_on"])
    if model is AidPairing:
        return AidPairing(
            kind=d["kind"],
            village=d["village"],
            household=d.get("household"),
            helper_name=d["helper_name"],
            helper_unit=d.get("helper_unit", ""),
            started_on=d["started_on"],
        )
    fields = {f.name for f in model._meta.concrete_fields}
    return model(**{k: v for k, v in d.items() if k in fields})


def record_create(*, actor, key: str, data):
    """填报: validate ``data`` with the register's entry form (scoped to the actor) and save one row."""
    reg = registers.get(key)
    _may_create(actor, reg)
    form = reg.form(data=data, user=actor)
    if not form.is_valid():
        raise form_errors(form)
    try:
        with transaction.atomic():
            _lock_place(form.cleaned_data)
            obj = build(reg, form.cleaned_data, actor)
            save_with_history(obj, actor=actor, reason=_("填报"), to_state=obj.state)
    except IntegrityError as exc:
        raise integrity_error(exc) from None
    return obj


def locked_visible(actor, model, pk):
    """The row under a lock, if the actor may see it (else 404)."""
    try:
        obj = access.visible(actor, model).select_for_update(of=("self",)).filter(pk=pk).first()
    except (ValueError, TypeError):
        obj = None
    if obj is None:
        raise Http404(_("记录不存在或无权查看。"))
    return obj


def record_update(*, actor, key: str, pk, data):
    """修改: the editable fields of a row (only in the register's editable states)."""
    reg = registers.get(key)
    if reg.edit_form is None:
        raise Http404
    form = reg.edit_form(data=data)
    if not form.is_valid():
        raise form_errors(form)
    with transaction.atomic():
        obj = locked_visible(actor, reg.model, pk)
        if not access.can(actor, "edit", obj):
            raise PermissionDenied(_("您无权修改此记录。"))
        if obj.state not in reg.edit_states:
            raise Conflict(_("当前状态“%(s)s”下不能修改。") % {"s": obj.get_state_display()})
        changed = [k for k, v in form.cleaned_data.items() if getattr(obj, k) != v]
        if not changed:
            return obj
        for k in changed:
            setattr(obj, k, form.cleaned_data[k])
        try:
            with transaction.atomic():
                save_with_history(obj, actor=actor, reason=_("修改"), update_fields=[*changed, "updated_at"])
        except IntegrityError as exc:
            raise integrity_error(exc) from None
    return obj


# --- training attendance ----------------------------------------------------------------------


def training_roster(*, session: TrainingSession, villages=None):
    """Who a session may record: the village cadres serving and the 驻村 people posted at its
    start (of the session's township, or of ``villages`` for a county session)."""
    from workflows.postings.models import Posting

    day = session.start_date
    cadres = VillageCadre.objects.filter(started_on__lte=day).exclude(left_on__lt=day)
    postings = Posting.objects.filter(start_date__lte=day).exclude(ended_on__lt=day)
    if session.township_id:
        cadres = cadres.filter(village__parent_id=session.township_id)
        postings = postings.filter(village__parent_id=session.township_id)
    elif villages is not None:
        cadres = cadres.filter(village__in=villages)
        postings = postings.filter(village__in=villages)
    seen, rows = set(), []
    for person_id, name, village_id, village, post in cadres.values_list(
        "person_id", "person__name", "village_id", "village__name", "post"
    ).order_by("village__code"):
        if person_id not in seen:
            seen.add(person_id)
            label = dict(VillageCadre._meta.get_field("post").flatchoices)[post]
            rows.append(
                {
                    "person_id": person_id,
                    "village_id": village_id,
                    "name": name,
                    "label": f"{village} · {name}（{label}）",
                }
            )
    for person_id, name, village_id, village, role in postings.values_list(
        "person_id", "person__name", "village_id", "village__name", "role"
    ).order_by("village__code"):
        if person_id not in seen:
            seen.add(person_id)
            label = dict(Posting._meta.get_field("role").flatchoices)[role]
            rows.append(
                {
                    "person_id": person_id,
                    "village_id": village_id,
                    "name": name,
                    "label": f"{village} · {name}（{label}）",
                }
            )
    return rows


def attendance_add(*, actor, session_id, data) -> list[TrainingAttendance]:
    """登记参训: add roster people to a session (planned or held)."""
    with transaction.atomic():
        session = locked_visible(actor, TrainingSession, session_id)
        if not access.can(actor, "edit", session):
            raise PermissionDenied(_("您无权登记参训人员。"))
        if session.state == TrainingSession.State.CANCELLED:
            raise Conflict(_("培训班已取消，不能登记参训人员。"))
        roster = training_roster(session=session)
        form = AttendanceForm(data=data, roster=roster)
        if not form.is_valid():
            raise form_errors(form)
        village_of = {r["person_id"]: r["village_id"] for r in roster}
        already = set(session.attendance.values_list("person_id", flat=True))
        made = []
        try:
            with transaction.atomic():
                for person_id in form.cleaned_data["people"]:
                    if person_id in already:
                        continue
                    row = TrainingAttendance(session=session, person_id=person_id, village_id=village_of[person_id])
                    save_with_history(row, actor=actor, reason=_("登记参训"))
                    made.append(row)
        except IntegrityError as exc:
            raise integrity_error(exc) from None
    return made


# --- 发督办 -------------------------------------------------------------------------------------


def shortfall_notice_draft(*, actor, township_id, year: int, target: str = ""):
    """发督办: a DRAFT inspection notice to one township naming its villages' gaps for ``year``
    (all targets, or one). Created through the notices workflow's own service; the inspector
    edits and issues it there."""
    from workflows.notices import services as notices

    from . import evaluate

    township = Region.objects.filter(pk=township_id, level=Region.Level.TOWNSHIP).first()
    if township is None:
        raise Http404(_("记录不存在或无权查看。"))
    board = evaluate.board_for(user=actor, year=year, township_id=township.pk)
    if not board.towns:
        raise Http404(_("记录不存在或无权查看。"))
    town = board.towns[0]
    lines = evaluate.shortfall_lines(town, target=target)
    if not lines:
        raise Conflict(_("%(t)s %(y)d 年各项目标均已达标，无需督办。") % {"t": township.name, "y": year})
    label = evaluate.TARGET_LABELS.get(target, "") if target else ""
    title = _("关于督促%(t)s落实抓党建促脱贫攻坚目标任务的通知（%(y)d年%(what)s）") % {
        "t": township.name,
        "y": year,
        "what": f"·{label}" if label else "",
    }
    findings = (
        _(
            "对照巍办发〔2017〕25号《关于加强基层党组织建设服务脱贫攻坚的实施意见》，"  # noqa: E501
            "%(t)s %(y)d 年以下目标未达标或存在风险："
        )
        % {"t": township.name, "y": year}
        + "\n"
        + "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))
    )
    requirements = _("请对照文件要求逐村逐项整改，补齐短板，在办理期限内报送整改情况；对整改不力的，将按规定严肃问责。")
    return notices.notice_create(
        actor=actor,
        title=title[:200],
        findings=findings,
        requirements=requirements,
        category="party_building",
        urgency="normal",
        target_townships=[township],
    )

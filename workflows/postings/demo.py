"""Demo data for the postings workflow (``manage.py seed_demo``). Idempotent: every record is
looked up before it is made, and transitions are fired only on records this run created, as
the demo users (organization, township_*, leader) through the services and the kernel path."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from supervision.demo import story_at
from supervision.models import Person, Region, Unit, User
from supervision.transitions import run_transition

from . import services
from .choices import Grade, PostingRole
from .models import Assessment, MonthlyAttendance, Posting, Recall

YEAR_OFFSET = 1  # the assessed year is last year
SURNAMES = "杨李张王赵罗茶字左何鲁苏段陈马"
GIVEN = ["建华", "丽萍", "志强", "海燕", "文兵", "春梅", "国庆", "晓东", "红英", "正华", "永福", "雪梅", "德明", "玉兰",
         "光辉", "秀珍", "学军", "云鹏", "金凤", "成林"]

# Walk of the assessed year's assessments, by posting index: (target state, grade, absences, days).
PLAN = [
    ("finalized", Grade.EXCELLENT, 0, 236),
    ("finalized", Grade.COMPETENT, 0, 221),
    ("finalized", Grade.BASIC, 2, 205),
    ("publicized", Grade.COMPETENT, 0, 230),
    ("office_reviewed", Grade.COMPETENT, 1, 212),
    ("unit_opinion", Grade.COMPETENT, 0, 219),
    ("township_rated", Grade.COMPETENT, 0, 226),
    ("self_reported", Grade.COMPETENT, 0, 208),
    ("opened", Grade.COMPETENT, 0, 198),
]
ORDER = ["opened", "self_reported", "township_rated", "unit_opinion", "office_reviewed", "publicized", "finalized"]


def _fire(obj, name, actor, comment="", **data):
    return run_transition(model=type(obj), pk=obj.pk, name=name, actor=actor, comment=comment, data=data)


def _story_days(target, year, today) -> list[dt.date]:
    """Story dates of the walk's steps (issue #16 item 9): a finalised assessment is finalised in
    mid-February of the next year, publicised 20 days before; a publicity still open was started
    today; other walks end in late January. Steps before are four days apart."""
    n = ORDER.index(target)
    if n == 0:
        return []
    if target == "finalized":
        last = min(dt.date(year + 1, 2, 16), today)
    elif target == "publicized":
        last = today
    else:
        last = min(dt.date(year + 1, 1, 28), today)
    days = [last]
    for k in range(n - 1, 0, -1):
        days.insert(0, days[0] - dt.timedelta(days=20 if k == 5 else 4))
    return days


def _walk(assessment, target, grade, township_user, org):
    today = timezone.localdate()
    days = _story_days(target, assessment.year, today)
    steps = [
        ("submit_self_report", township_user, "", {"self_report": "全年驻村工作述职：抓党建、促脱贫、办实事。"}),
        ("township_rate", township_user, "乡镇党委初评", {"grade": grade}),
        ("enter_unit_opinion", org, "", {"unit_opinion": "派出单位同意乡镇初评意见。"}),
        ("office_review", org, "联席办审核", {"grade": grade}),
        ("publicize", org, "", {}),
        ("finalize", org, "公示无异议，定档", {"grade": grade}),
    ]
    for day, (name, actor, comment, data) in zip(days, steps[: ORDER.index(target)], strict=True):
        if name == "publicize":
            data = {"publicity_start": str(day)}
        with story_at(day):
            _fire(assessment, name, actor, comment, **data)


def _open_day(target, year, today) -> dt.date:
    days = _story_days(target, year, today)
    return min([dt.date(year + 1, 1, 5), today] + [d - dt.timedelta(days=3) for d in days])


def seed_demo(stdout) -> None:
    org = User.objects.filter(username="organization").first()
    leader = User.objects.filter(username="leader").first()
    if org is None:
        return
    today = timezone.localdate()
    year = today.year - YEAR_OFFSET
    units = list(Unit.objects.filter(is_dispatching=True).order_by("name"))
    townships = list(Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code"))
    created = 0
    index = 0
    incompetent_done = Recall.objects.filter(auto=True).exists()
    for t_i, township in enumerate(townships):
        township_user = User.objects.filter(username=f"township_{township.pinyin}").first()
        villages = list(Region.objects.filter(parent=township, level=Region.Level.VILLAGE).order_by("code")[:3])
        for v_i, village in enumerate(villages):
            unit = units[(t_i * 3 + v_i) % len(units)]
            name = SURNAMES[(t_i + v_i) % len(SURNAMES)] + GIVEN[(t_i * 3 + v_i) % len(GIVEN)]
            role = PostingRole.FIRST_SECRETARY if v_i < 2 else PostingRole.TEAM_LEADER
            person = Person.objects.filter(name=name, unit=unit).first()
            posting = Posting.objects.filter(village=village, person__name=name).first()
            if posting is None:
                # Two terms end on 20 December this year: the term-end sweep flags them from late November.
                start = dt.date(year - 1, 12, 20) if v_i == 2 and t_i < 2 else dt.date(year, 1, 1)
                with story_at(start):
                    posting = services.posting_create(actor=org, person=person, person_name=name,
                                                      dispatching_unit=unit, village=village, role=role,
                                                      start_date=start, reason="演示数据：选派驻村")
                created += 1
            state, grade, absences, days = PLAN[index % len(PLAN)]
            if t_i == 4 and v_i == 0:  # one 不称职 → automatic recall
                state, grade, absences, days = ("finalized", Grade.INCOMPETENT, 3, 170)
            index += 1
            for month in range(1, 13):
                if MonthlyAttendance.objects.filter(posting=posting, year=year, month=month).exists():
                    continue
                base, extra = divmod(days, 12)
                with story_at(min(dt.date(year, month, 28), today)):
                    services.attendance_record(actor=township_user or org, posting=posting, year=year, month=month,
                                               days_on_site=base + (1 if month <= extra else 0), leave_days=2,
                                               absences=1 if month <= absences else 0, note="")
            if not posting.funds.filter(year=year).exists() and posting.role == PostingRole.FIRST_SECRETARY:
                amount = 8000 if index % 7 == 3 else 10000 + (index % 4) * 5000  # a few shortfalls
                with story_at(min(dt.date(year, 12, 20), today)):
                    services.funds_record(actor=org, posting=posting, year=year, amount=amount, note="")
            # This year's funds are in for most first secretaries (paid mid-year); two are not yet,
            # and the board flags those two.
            if (posting.role == PostingRole.FIRST_SECRETARY and index % 9 != 4 and posting.start_date.year <= today.year
                    and not posting.funds.filter(year=today.year).exists()):
                with story_at(min(dt.date(today.year, 6, 30), today)):
                    services.funds_record(actor=org, posting=posting, year=today.year, amount=10000, note="")
            if v_i == 0 and t_i < 3 and not posting.leave_requests.exists() and posting.state == "active":
                start = today + dt.timedelta(days=7 + t_i)
                end = start + dt.timedelta(days=2)
                if t_i == 1:  # one long leave (over 5 working days) waits for the organisation department
                    end = start + dt.timedelta(days=7)
                    while services.leave_days(start, end) <= 5 and (end - start).days < 60:  # weekends, holidays
                        end += dt.timedelta(days=1)
                services.leave_request_create(actor=township_user or org, posting=posting, start_date=start,
                                              end_date=end, reason="家中有事")
            if not Assessment.objects.filter(posting=posting, year=year).exists():
                opening = "finalized" if grade == Grade.EXCELLENT else state
                with story_at(_open_day(opening, year, today)):
                    assessment = services.assessment_open(actor=org, posting=posting, year=year)
                if grade == Grade.EXCELLENT:
                    # Open every assessment first so the 25% quota has its denominator.
                    continue
                _walk(assessment, state, grade, township_user, org)
    # Second pass: the 优秀 grades, once the year's assessments are all open.
    for assessment in Assessment.objects.filter(year=year, state="opened").select_related("posting__village"):
        plan_index = _plan_index(assessment)
        if plan_index is None:
            continue
        township_user = User.objects.filter(username=f"township_{assessment.township.pinyin}").first()
        quota = services.excellent_quota(year)
        grade = Grade.EXCELLENT if quota["used"] < quota["limit"] else Grade.COMPETENT
        _walk(assessment, "finalized", grade, township_user, org)
    if not incompetent_done:
        recall = Recall.objects.filter(auto=True, state="proposed").first()
        if recall is not None and leader is not None:
            decided = _story_days("finalized", year, today)[-1]
            with story_at(min(decided + dt.timedelta(days=3), today)):
                _fire(recall, "approve", leader, "县驻村工作领导小组研究同意召回")
            with story_at(min(decided + dt.timedelta(days=6), today)):
                _fire(recall, "withdraw", org, "派出单位已撤回，待补派")
    stdout.write(f"postings: {created} new postings, {Assessment.objects.filter(year=year).count()} "
                 f"assessments for {year}, {Recall.objects.count()} recall(s)\n")


def _plan_index(assessment) -> int | None:
    """The demo plan row of an opened assessment: only those planned 优秀 and still untouched."""
    if assessment.history.count() != 1:
        return None
    township = assessment.posting.village.parent
    townships = list(Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code").values_list("pk", flat=True))
    t_i = townships.index(township.pk)
    villages = list(Region.objects.filter(parent_id=township.pk, level=Region.Level.VILLAGE).order_by("code")
                    .values_list("pk", flat=True)[:3])
    if assessment.posting.village_id not in villages:
        return None
    index = t_i * 3 + villages.index(assessment.posting.village_id)
    first_village = villages.index(assessment.posting.village_id) == 0
    if PLAN[index % len(PLAN)][1] != Grade.EXCELLENT or (t_i == 4 and first_village):
        return None
    return index

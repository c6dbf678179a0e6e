"""Demo notices for ``python manage.py seed_demo`` — idempotent (each keyed by its title),
created through the services and transitions as the demo users. The demo tells a story in time:
each step runs at its story date (``supervision.demo.story_at``: drafted the day before issue,
acknowledged the day after, …, see ``STEP_DAYS``), so its history row, its dates and the
deadline it meets agree; one of them is overdue by now."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from supervision.demo import story_at
from supervision.models import Region, User

from . import services, sweeps
from .models import Notice

DEMO = [
    # title, urgency, category, days ago issued (None: draft), {township: [steps]}
    ("关于村级活动场所管理使用不规范问题的督办通知", "normal", "party_building", 10,
     {"nanzhao": ["acknowledge", "respond"], "miaojie": []}),
    ("关于扶贫项目资金拨付滞后问题的督查通报", "urgent", "poverty", 20,
     {"dacang": ["acknowledge", "respond", "close"], "yongjian": ["acknowledge", "overdue", "urge"]}),
    ("关于“三会一课”制度落实情况的督查通知", "normal", "party_building", 14,
     {"weibaoshan": ["acknowledge", "respond", "close"]}),
    ("关于驻村工作队考勤管理问题的督办通知", "difficult", "work_style", 5,
     {"maanshan": ["acknowledge", "respond", "return"], "wuyin": ["acknowledge", "extend"]}),
    ("关于农村集体“三资”清理工作的督查通知（草稿）", "normal", "rectification", None,
     {"zijin": [], "qinghua": []}),
]

# Story: a step's day, counted in calendar days from the issue date ("overdue" and "urge": from the
# assignment's due date). Never later than the day the seed runs.
STEP_DAYS = {"acknowledge": 1, "extend": 2, "respond": 3, "return": 4, "close": 5}
AFTER_DUE = {"overdue": 1, "urge": 2}
DRAFT_DAYS_AGO = 2

FINDINGS = "督查组实地抽查发现，部分村（社区）存在台账不全、公开不及时、整改责任未落实到人等问题。"
REQUIREMENTS = "请各乡镇党委对照问题清单逐项整改，明确责任人和完成时限，按期报送整改报告及佐证材料。"


def seed_demo(stdout=None) -> int:
    inspector = User.objects.get(username="inspector")
    townships = {r.pinyin: r for r in Region.objects.filter(level=Region.Level.TOWNSHIP)}
    created = 0
    today = timezone.localdate()
    for title, urgency, category, days_ago, targets in DEMO:
        if Notice.objects.filter(title=title).exists():
            continue
        created += 1
        issued = today - dt.timedelta(days=days_ago if days_ago is not None else DRAFT_DAYS_AGO - 1)
        with story_at(issued - dt.timedelta(days=1)):
            notice = services.notice_create(actor=inspector, title=title, findings=FINDINGS,
                                            requirements=REQUIREMENTS, category=category, urgency=urgency,
                                            target_townships=[townships[p] for p in targets])
        if days_ago is None:
            continue
        with story_at(issued):
            notice = services.notice_issue(actor=inspector, notice=notice, comment="请按期办结")
        for pinyin, steps in targets.items():
            user = User.objects.get(username=f"township_{pinyin}")
            assignment = notice.assignments.get(township=townships[pinyin])
            for step in steps:
                if step in AFTER_DUE:
                    day = assignment.due_date + dt.timedelta(days=AFTER_DUE[step])
                else:
                    day = issued + dt.timedelta(days=STEP_DAYS[step])
                with story_at(min(day, today)):
                    assignment = _step(step, assignment, township_user=user, inspector=inspector)
    sweeps.mark_overdue()
    if stdout is not None and created:
        stdout.write(f"notices: {created} demo notice(s) created")
    return created


def _step(step, assignment, *, township_user, inspector):
    if step == "acknowledge":
        return services.assignment_acknowledge(actor=township_user, assignment=assignment)
    if step == "respond":
        return services.assignment_respond(actor=township_user, assignment=assignment,
                                           text="已召开专题会议研究部署，问题已逐项整改到位，详见附件材料。")
    if step == "close":
        return services.assignment_close(actor=inspector, assignment=assignment, comment="整改到位，同意销号")
    if step == "return":
        return services.assignment_return(actor=inspector, assignment=assignment,
                                          comment="整改措施不够具体，请补充佐证材料后重新报送")
    if step == "extend":
        return services.assignment_request_extension(actor=township_user, assignment=assignment,
                                                     due_date=assignment.due_date + dt.timedelta(days=14),
                                                     comment="涉及多个村的资料收集，需延期两周")
    if step == "overdue":
        sweeps.mark_overdue()
        return type(assignment).objects.get(pk=assignment.pk)
    if step == "urge":
        return services.assignment_escalate(actor=inspector, assignment=assignment, step="urge",
                                            comment="请于三日内报送整改报告")
    raise ValueError(step)

"""Demo rectifications across the townships in varied states (idempotent).

Everything goes through the services and the transition path, as the demo users
(township_*, organization, leader). A (village, year) that already has a record is skipped.

The story in time: each step runs at its story date (``supervision.demo.story_at``), ``STORY``
days after the screening (spread over this year up to the day the seed runs), so its history
row, the dates it stamps (start, acceptance) and the year a failed acceptance bars agree. The
first secretary is the one the postings register has for the village: this demo posts one through
the postings service (on 1 January last year) where the village has none, in villages the
postings demo does not use, so either demo may be seeded first.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from supervision.demo import story_at
from supervision.models import Person, Region, Unit, User
from supervision.transitions import run_transition
from workflows.postings import services as postings
from workflows.postings.choices import PostingRole

from . import fit, services
from .models import Rectification

SECRETARIES = {"nanzhao": "段志强", "miaojie": "茶建华", "dacang": "左永明", "yongjian": "马国庆",
               "weibaoshan": "字光荣", "zijin": "罗正华", "maanshan": "毕绍文", "wuyin": "鲁文斌",
               "niujie": "杞德昌", "qinghua": "阿学军"}
CADRES = {"nanzhao": "张丽", "miaojie": "李琼", "dacang": "杨斌", "yongjian": "沙云",
          "weibaoshan": "王芳", "zijin": "何军", "maanshan": "朱红", "wuyin": "苏杰",
          "niujie": "周涛", "qinghua": "茶敏"}
FIRST_SECRETARY_NAMES = ["陈立新", "赵文博", "刘海峰", "黄晓东", "吴建国", "徐志远", "孙明亮", "胡海涛",
                         "郭伟", "林永康", "何春雷"]
DISPATCHING = ["县财政局", "县农业农村局", "县教育体育局", "县卫生健康局", "县住房和城乡建设局", "县审计局",
               "县水务局", "县林业和草原局", "巍山县农村信用合作联社"]

# (township, village index, target state, criteria, problem). Villages from the third on: the
# postings demo posts first secretaries to the first two of each township, this demo its own.
PLAN = [
    ("nanzhao", 2, "accepted", ["rules_on_paper", "no_new_members"], "“三会一课”不落实，连续三年未发展党员。"),
    ("nanzhao", 5, "rectifying", ["secretary_incompetent"], "支部书记年龄偏大、带富能力弱。"),
    ("miaojie", 3, "screened", ["affairs_undisclosed"], "村务、财务公开不及时，群众反映强烈。"),
    ("dacang", 3, "proposed", ["committee_divided", "public_order"], "两委班子不团结，信访矛盾集中。"),
    ("yongjian", 3, "listed", ["clan_interference"], "宗族势力干扰村务决策。"),
    ("weibaoshan", 3, "planned", ["committee_incomplete"], "支部书记长期缺职，由村主任代管。"),
    ("zijin", 2, "failed", ["low_satisfaction", "rules_on_paper"], "群众满意度测评仅 52%，组织生活流于形式。"),
    ("maanshan", 3, "acceptance_requested", ["vote_buying"], "换届中存在拉票现象。"),
    ("wuyin", 4, "dismissed", ["other"], "反映村集体经济薄弱，经核实不属于软弱涣散情形。"),
    ("niujie", 3, "followed_up", ["public_order"], "村内治安案件多发。"),
    ("qinghua", 3, "rectifying", ["no_new_members", "secretary_incompetent"], "两年以上未发展党员，书记履职不力。"),
]

# Story: days after the screening of each step (at most SPAN; compressed to fit between 5 January
# and the day the seed runs).
STORY = {"screened": 0, "proposed": 7, "listed": 14, "plan_items": 25, "planned": 30, "rectifying": 35,
         "progress": 40, "items_done": 150, "acceptance_requested": 155, "accepted": 165, "failed": 165,
         "followed_up": 172, "dismissed": 10}
SPAN = 200

STEPS = ["screened", "proposed", "listed", "planned", "rectifying", "acceptance_requested"]


def _person(name, unit, post, region=None):
    person = Person.objects.filter(name=name, unit=unit).first()
    if person is None:
        person = Person.objects.create(name=name, unit=unit, post=post, region=region)
    return person


def _fire(obj, name, user, comment="", data=None):
    run_transition(model=Rectification, pk=obj.pk, name=name, actor=user, comment=comment or "同意", data=data or {})


class _Story:
    """Story dates of one record: screened ``SPAN`` days ago (i days earlier for the i-th record),
    within this year, never after today."""

    def __init__(self, today: dt.date, i: int):
        self.today = today
        start = today - dt.timedelta(days=SPAN + i)
        first = dt.date(today.year, 1, 5)
        self.start = max(start, first)
        self.scale = min(1.0, max((today - self.start).days, 0) / (SPAN + 5))

    def at(self, step: str):
        day = self.start + dt.timedelta(days=round(STORY[step] * self.scale))
        return story_at(min(day, self.today))


def seed_demo(stdout) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=["organization", "leader"]
                                                         + [f"township_{p}" for p in SECRETARIES])}
    if "organization" not in users or "leader" not in users:
        return
    today = timezone.localdate()
    year = today.year
    leader_person = users["leader"].person
    made = 0
    for i, (pinyin, index, target, criteria, problem) in enumerate(PLAN):
        town = Region.objects.filter(level=Region.Level.TOWNSHIP, pinyin=pinyin).first()
        township_user = users.get(f"township_{pinyin}")
        if town is None or township_user is None:
            continue
        villages = list(Region.objects.filter(parent=town, level=Region.Level.VILLAGE).order_by("code"))
        if index >= len(villages):
            continue
        village = villages[index]
        if Rectification.objects.filter(village=village, year=year).exists():
            continue
        story = _Story(today, i)
        made += 1
        _walk(story, i, town, village, year, target, criteria, problem, township_user, users, leader_person)
    stdout.write(f"rectification: {made} demo rectifications added ({Rectification.objects.count()} in all)\n")


def _walk(story, i, town, village, year, target, criteria, problem, township_user, users, leader_person):
    pinyin = town.pinyin
    party = Unit.objects.filter(name=f"{town.name}党委").first()
    secretary = fit.township_secretary(town.pk) or _person(SECRETARIES[pinyin], party, f"{town.name}党委书记", town)
    cadre = _person(CADRES[pinyin], party, f"{town.name}组织委员", town)
    township_leader = _person(f"{CADRES[pinyin][0]}副{'镇长' if town.name.endswith('镇') else '乡长'}", party,
                              f"{town.name}包村领导", town)
    dispatch = Unit.objects.filter(name=DISPATCHING[i % len(DISPATCHING)]).first()
    first = fit.posted_first_secretary(village.pk, story.today)
    if first is None and dispatch is not None:
        start = dt.date(year - 1, 1, 1)
        with story_at(start):
            first = postings.posting_create(
                actor=users["organization"], person_name=FIRST_SECRETARY_NAMES[i % len(FIRST_SECRETARY_NAMES)],
                dispatching_unit=dispatch, village=village, role=PostingRole.FIRST_SECRETARY, start_date=start,
                reason="演示数据：选派驻村").person
    data = {"village": village.pk, "year": year, "criteria": criteria, "problem": problem,
            "township_secretary": secretary.pk, "responsible_cadre": cadre.pk,
            "first_secretary": first.pk if first else "", "township_leader": township_leader.pk}
    if "other" in criteria:
        data["other_criteria"] = "集体经济薄弱"
    with story.at("screened"):
        obj = services.rectification_screen(actor=township_user, data=data)
    org, leader = users["organization"], users["leader"]
    if target == "dismissed":
        with story.at("dismissed"):
            _fire(obj, "dismiss", org, "经核实，不属于软弱涣散情形")
        return
    goal = "acceptance_requested" if target in ("accepted", "failed", "followed_up") else target
    for step in STEPS[1:STEPS.index(goal) + 1]:
        if step == "proposed":
            with story.at(step):
                _fire(obj, "propose_listing", org, "经研判，建议列入整顿名单")
        elif step == "listed":
            with story.at(step):
                _fire(obj, "approve_listing", leader, "同意列入")
        elif step == "planned":
            with story.at("plan_items"):
                for problem_text, measure in [("班子战斗力不强", "选优配强支部书记，调整充实班子"),
                                              ("组织生活不规范", "每月固定主题党日，严格“三会一课”"),
                                              ("服务群众能力弱", "建立为民服务代办点，公开村务财务")]:
                    services.plan_item_add(actor=township_user, rectification_id=obj.pk, data={
                        "problem": problem_text, "measure": measure, "responsible": cadre.name,
                        "deadline": min(dt.date(year, 12, 20), obj.due_date)})
            with story.at(step):
                _fire(obj, "approve_plan", org, "方案可行，同意实施", data={
                    "county_leader": leader_person.pk if leader_person else "",
                    "township_leader": township_leader.pk, "first_secretary": first.pk,
                    "twinned_unit": dispatch.pk if dispatch else ""})
        elif step == "rectifying":
            with story.at(step):
                _fire(obj, "start", township_user, "召开动员会，启动整顿")
            with story.at("progress"):
                services.progress_report_add(actor=township_user, rectification_id=obj.pk, data={
                    "text": "已召开支部党员大会，调整班子分工，建立整改台账。"})
        elif step == "acceptance_requested":
            with story.at("items_done"):
                for item in list(obj.plan_items.all()):
                    services.plan_item_set_done(actor=township_user, item_id=item.pk)
            with story.at(step):
                _fire(obj, "request_acceptance", township_user, "整改措施均已完成，申请验收")
    if target == "rectifying" and pinyin == "nanzhao":
        first_item = obj.plan_items.first()
        if first_item:
            with story.at("items_done"):
                services.plan_item_set_done(actor=township_user, item_id=first_item.pk)
    if goal != "acceptance_requested":
        return
    if target in ("accepted", "followed_up"):
        with story.at("accepted"):
            _fire(obj, "accept", org, "整顿成效明显，同意销号", data={
                "score": 86, "dissatisfied_pct": 8, "inspectors": "县委组织部验收组：杨组织等 3 人",
                "opinion": "班子健全，制度落实，群众认可。"})
    if target == "followed_up":
        with story.at("followed_up"):
            _fire(obj, "follow_up", org, "转入为期一年的跟踪回访")
    if target == "failed":
        with story.at("failed"):
            _fire(obj, "fail", org, "群众满意度不高，验收不通过", data={
                "score": 65, "dissatisfied_pct": 38, "inspectors": "县委组织部验收组：杨组织等 3 人",
                "opinion": "整改不彻底，群众不满意率偏高，需重新整顿。"})

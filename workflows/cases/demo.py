"""Demo cases for ``python manage.py seed_demo``: through the services and the transition path,
acting as the demo users ``discipline`` (handler), ``discipline_head`` and ``discipline_head2``."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from supervision.models import Region, Unit, User
from supervision.transitions import run_transition

from .models import AccountabilityMatter, Case

MARK = "【演示】"

# (description, category, township pinyin, amount, subjects, steps)
# steps: (transition, actor, data) fired in order.
SCENARIOS = [
    ("村支书强占村民承包地、威胁举报人", "village_tyrant", "nanzhao", 0,
     [{"name": "杨某某", "post": "村党总支书记", "village": "鸡碧村", "is_party_member": True,
       "is_village_committee": True}], []),
    ("村会计截留易地扶贫搬迁补助资金", "poverty_funds", "yongjian", 36800,
     [{"name": "李某", "post": "村委会会计", "village": "永瑞村", "is_party_member": False,
       "is_village_committee": True}],
     [("propose_disposition", "discipline", {"target": "verification"}), ("approve", "discipline_head", {})]),
    ("村干部在低保评定中优亲厚友", "favouritism", "weibaoshan", 0,
     [{"name": "张某", "post": "村委会主任", "village": "龙潭村", "is_party_member": True,
       "is_village_committee": True}],
     [("propose_disposition", "discipline", {"target": "inquiry"}), ("approve", "discipline_head2", {})]),
    ("驻村工作队员工作作风漂浮、长期不在岗", "work_style", "maanshan", 0,
     [{"name": "王某", "post": "工作队员", "village": "三胜村", "is_party_member": True}],
     [("propose_disposition", "discipline", {"target": "parked"})]),
]


def _run(case, name, username, data, comment):
    actor = User.objects.get(username=username)
    run_transition(model=type(case), pk=case.pk, name=name, actor=actor, comment=comment, data=data)
    case.refresh_from_db()


def _demo_case(desc, category, township, amount, subjects, steps):
    from .services import case_register

    description = f"{MARK}{desc}"
    case = Case.objects.filter(description=description).first()
    if case is not None:
        return case, False
    handler = User.objects.get(username="discipline")
    case = case_register(actor=handler, source="petition", category=category, description=description,
                         reporter_anonymous=len(desc) % 2 == 0, reporter_name="" if len(desc) % 2 == 0 else "群众甲",
                         reporter_contact="138****0000", township=Region.objects.get(pinyin=township),
                         amount=amount, subjects=subjects)
    for name, username, data in steps:
        _run(case, name, username, data, comment="演示数据")
    return case, True


def _full_case(desc, township, subjects, *, filed_days_ago, until, decision=()):
    """A case filed on paper ``filed_days_ago`` days ago, entered now and carried on to ``until``.

    The paper dates go in as data (``received_on``, the approvals' ``approved_on``), so its time
    limits count from them; its history rows keep the real time they were entered."""
    from .services import case_register

    description = f"{MARK}{desc}"
    case = Case.objects.filter(description=description).first()
    if case is not None:
        return case, False
    today = timezone.localdate()
    handler = User.objects.get(username="discipline")
    case = case_register(actor=handler, source="inspection", category="embezzlement", description=description,
                         reporter_anonymous=True, township=Region.objects.get(pinyin=township), amount=52000,
                         subjects=subjects, received_on=today - dt.timedelta(days=filed_days_ago + 30))
    _run(case, "propose_disposition", "discipline", {"target": "verification"}, "初核")
    _run(case, "approve", "discipline_head", {"approved_on": today - dt.timedelta(days=filed_days_ago + 25)},
         "同意初核（纸质审批补录）")
    _run(case, "propose_filing", "discipline", {}, "证据确凿，提请立案")
    _run(case, "approve", "discipline_head2", {"approved_on": today - dt.timedelta(days=filed_days_ago)},
         "同意立案（纸质审批补录）")
    _run(case, "start_investigation", "discipline", {}, "")
    if until == "investigating":
        return case, True
    _run(case, "submit_review", "discipline", {}, "调查终结，移送审理")
    _run(case, "file_review_report", "discipline", {"review_report": "经审理，事实清楚，证据确凿。"}, "审理报告")
    for matter, outcome in zip(case.matters.order_by("pk"), decision, strict=False):
        _run(matter, "propose_outcome", "discipline", outcome, "提出处理意见")
        _run(matter, "approve", "discipline_head", {}, "同意")
        if matter.state == "decided":
            _run(matter, "announce", "discipline", {}, "")
            _run(matter, "report_execution", "discipline", {"execution_report": "处分已执行到位。"}, "执行完毕")
            if until == "appealed":
                _run(matter, "appeal", "discipline", {}, "受处分人提出申诉")
    case.refresh_from_db()
    return case, True


def _work_records() -> int:
    """留置 of the subject under investigation (approved, started, family and unit notified), a
    talk and an evidence item there; a 函询 letter on the clue in 谈话函询. Once."""
    from .custody import Detention
    from .recordservices import detention_propose, evidence_add, inquiry_letter_add, talk_add

    handler = User.objects.get(username="discipline")
    case = Case.objects.filter(description=f"{MARK}村民小组长贪污危房改造补助", state="investigating").first()
    made = 0
    if case is not None and not Detention.objects.filter(case=case).exists():
        d = detention_propose(actor=handler, subject_id=case.subjects.get().pk,
                              grounds="涉嫌贪污，可能逃跑、串供（演示数据）")
        now = timezone.localtime()
        _run(d, "approve", "discipline_head", {}, "同意采取留置措施")
        _run(d, "start", "discipline", {"started_at": now.strftime("%Y-%m-%dT%H:%M"), "place": "县留置点"}, "")
        _run(d, "record_notification", "discipline", {"family_notified": True, "unit_notified": True,
                                                      "notified_at": now.strftime("%Y-%m-%dT%H:%M")}, "")
        today = timezone.localdate()
        talk_add(actor=handler, case_id=case.pk, held_on=today, present="张纪检、赵某、记录人",
                 summary="赵某对虚报危房改造户数的事实供认不讳（演示数据）")
        evidence_add(actor=handler, case_id=case.pk, item="危房改造补助发放花名册", kind="documentary",
                     source="大仓镇人民政府", obtained_on=today)
        made += 1
    clue = Case.objects.filter(description=f"{MARK}村干部在低保评定中优亲厚友", state="inquiry").first()
    if clue is not None and not clue.inquiry_letters.exists():
        inquiry_letter_add(actor=handler, case_id=clue.pk, sent_on=timezone.localdate(),
                           letter_text="请就低保评定中优亲厚友的反映作出书面说明（演示数据）")
        made += 1
    return made


def seed_demo(stdout) -> None:
    made = 0
    for scenario in SCENARIOS:
        made += _demo_case(*scenario)[1]
    # Routed (分办) to township committees: 南诏镇纪委 has proposed and approved its verification;
    # 永建镇纪委 has not answered yet; a second 南诏镇 clue was taken up by the county (提级办理)
    # after the committee had proposed its verification.
    for desc, township, steps in (
            ("村民小组长优亲厚友分配公益性岗位", "nanzhao",
             [("propose_disposition", "township_discipline_nanzhao", {"target": "verification"}),
              ("approve", "township_discipline_head_nanzhao", {})]),
            ("村集体鱼塘发包未经村民代表大会", "yongjian", []),
            ("镇村干部联手虚报易地搬迁人数", "nanzhao",
             [("propose_disposition", "township_discipline_nanzhao", {"target": "verification"}),
              ("approve", "township_discipline_head_nanzhao", {}),
              ("request_take_up", "township_discipline_nanzhao", {}),
              ("take_up", "discipline_head", {})])):
        category = {"村民小组长优亲厚友分配公益性岗位": "favouritism"}.get(desc, "other")
        case, new = _demo_case(desc, category, township, 0, [{"name": "段某", "post": "村民小组长"}], [])
        if new:
            _run(case, "route", "discipline", {"handling_township": case.township_id}, "分办")
            for name, username, data in steps:
                _run(case, name, username, data, "演示数据")
        made += new
    made += _full_case("村民小组长贪污危房改造补助", "dacang",
                       [{"name": "赵某", "post": "村民小组长", "village": "大仓村", "is_party_member": True}],
                       filed_days_ago=120, until="investigating")[1]
    made += _full_case("村委会副主任虚报冒领产业扶持资金", "wuyin",
                       [{"name": "罗某", "post": "村委会副主任", "village": "五印村", "is_party_member": True,
                         "is_village_committee": True}],
                       filed_days_ago=200, until="appealed",
                       decision=[{"outcome": "sanction", "party_sanction": "serious_warning",
                                  "admin_sanction": "major_demerit", "four_forms": "second"}])[1]
    # Two subjects, two outcomes: one sanctioned, one exempted 免予处分; the case is closed.
    made += _full_case("两名村干部合谋套取农村低保资金", "miaojie",
                       [{"name": "陈某", "post": "村党总支书记", "village": "紫微村", "is_party_member": True,
                         "is_village_committee": True},
                        {"name": "周某", "post": "村委会委员", "village": "紫微村", "is_party_member": True,
                         "is_village_committee": True}],
                       filed_days_ago=150, until="closed",
                       decision=[{"outcome": "sanction", "party_sanction": "probation",
                                  "admin_sanction": "major_demerit", "four_forms": "third"},
                                 {"outcome": "exempted", "four_forms": "first"}])[1]
    made += _work_records()
    # The overdue investigation is marked by the sweep, as in production.
    from .sweeps import cases_mark_overdue

    cases_mark_overdue(timezone.now())
    unit = Unit.objects.filter(name="县农业农村局").first()
    if unit is not None and not AccountabilityMatter.objects.filter(reason__startswith=MARK).exists():
        from .services import accountability_open

        accountability_open(actor=User.objects.get(username="discipline"), target_unit=unit,
                            reason=f"{MARK}扶贫项目资金监管不力，群众反映强烈")
        made += 1
    stdout.write(f"cases: {made} demo record(s) added")

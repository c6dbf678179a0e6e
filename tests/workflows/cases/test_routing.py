"""Township discipline committees (issue 15 items 1–2): the county routes (分办) a registered
clue to a township committee, which then sees and handles exactly what was routed to it."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from supervision import access, workdays
from supervision.models import Notification, SweepMark
from tests.helpers import attempt
from workflows.cases.models import Case

from .conftest import fire, register
from .test_deadlines import at, sweep_on

pytestmark = pytest.mark.django_db

NANZHAO = "township_discipline_nanzhao"
NANZHAO_HEAD = "township_discipline_head_nanzhao"
MIAOJIE = "township_discipline_miaojie"
DAY = dt.date(2026, 3, 2)


def routed(users, townships, to="nanzhao", day=DAY, **kw):
    with at(day):
        case = register(users, townships)
        return fire(case, "route", users["discipline"], {"handling_township": townships[to].pk, **kw}, comment="分办")


def test_demo_has_a_committee_handler_and_head_per_township(users, townships):
    for pinyin, township in townships.items():
        for username, role in ((f"township_discipline_{pinyin}", "township_discipline"),
                               (f"township_discipline_head_{pinyin}", "township_discipline_head")):
            grants = access.grants(users[username])
            assert [(g.role, g.region_id) for g in grants] == [(role, township.pk)], username


def test_route_sets_the_unit_and_the_time_limit(users, townships):
    case = routed(users, townships)
    assert case.handling_township == townships["nanzhao"]
    assert case.handling_unit_label == "南诏镇纪委"
    assert case.routed_by == users["discipline"] and case.routed_at is not None
    assert case.handler is None  # the committee's head assigns its own 承办人
    assert case.due_kind == "routing"
    assert case.due_date == workdays.add_working_days(DAY, 15).date
    assert case.state == "received"
    row = case.history.order_by("-history_id").first()
    assert row.transition == "route" and row.history_user == users["discipline"]


def test_route_is_the_county_staffs_and_only_once(users, townships):
    case = register(users, townships)
    nz = townships["nanzhao"].pk
    assert attempt(Case, case.pk, "route", users["discipline_head"], {"handling_township": nz}) == 403
    assert attempt(Case, case.pk, "route", users[NANZHAO], {"handling_township": nz}) == 404  # not routed yet
    assert attempt(Case, case.pk, "route", users["auditor"], {"handling_township": nz}) == 403
    case = fire(case, "route", users["discipline"], {"handling_township": nz})
    outcome = attempt(Case, case.pk, "route", users["discipline"], {"handling_township": townships["miaojie"].pk})
    assert outcome in (400, 403, 409) or outcome[0] == "400"
    assert Case.objects.get(pk=case.pk).handling_township_id == nz


def test_route_to_a_village_is_a_400_and_changes_nothing(users, townships):
    from supervision.models import Region

    case = register(users, townships)
    village = Region.objects.filter(level=Region.Level.VILLAGE).first()
    outcome = attempt(Case, case.pk, "route", users["discipline"], {"handling_township": village.pk})
    assert outcome[0] == "400"
    assert Case.objects.get(pk=case.pk).routed_at is None


def test_kept_at_the_county(users, townships):
    case = register(users, townships)
    case = fire(case, "route", users["discipline"], {})
    assert case.handling_township is None and case.routed_at is not None
    assert case.handler == users["discipline"]
    assert case.handling_unit_label == "县纪委监委"


def test_committee_sees_exactly_what_was_routed_to_it(users, townships, api, web):
    mine = routed(users, townships, "nanzhao")
    other = routed(users, townships, "miaojie")
    county_own = register(users, townships)  # in 南诏镇, but the county handles it
    nz = users[NANZHAO]
    assert set(access.visible(nz, Case).values_list("pk", flat=True)) == {mine.pk}
    assert set(access.visible(users["discipline"], Case).values_list("pk", flat=True)) >= {
        mine.pk, other.pk, county_own.pk}
    client, page = api(nz), web(nz)
    assert client.get(f"/api/v1/cases/{mine.pk}/").status_code == 200
    assert page.get(reverse("cases:detail", args=[mine.pk])).status_code == 200
    for hidden in (other, county_own):
        assert client.get(f"/api/v1/cases/{hidden.pk}/").status_code == 404
        assert client.get(f"/api/v1/cases/{hidden.pk}/history/").status_code == 404
        assert page.get(reverse("cases:detail", args=[hidden.pk])).status_code == 404
        assert page.get(reverse("record-history", args=["cases.case", hidden.pk])).status_code == 404
    listed = {row["id"] for row in client.get("/api/v1/cases/").json()["results"]}
    assert listed == {mine.pk}
    # Another township's committee sees nothing of 南诏镇's.
    assert not access.visible(users[MIAOJIE], Case).filter(pk=mine.pk).exists()


def test_committee_handles_with_its_own_two_person_rule(users, townships):
    case = routed(users, townships)
    nz, head = users[NANZHAO], users[NANZHAO_HEAD]
    # The county's handler no longer acts on it; the committee does.
    assert attempt(Case, case.pk, "propose_disposition", users["discipline"], {"target": "verification"}) == 403
    assert attempt(Case, case.pk, "propose_disposition", users[MIAOJIE], {"target": "verification"}) == 404
    with at(DAY + dt.timedelta(days=3)):
        case = fire(case, "propose_disposition", nz, {"target": "verification"})
    assert case.route_disposed_at is not None and case.due_kind == ""  # the routing limit is met
    assert attempt(Case, case.pk, "approve", nz, {}) == 403           # a handler does not approve
    assert attempt(Case, case.pk, "approve", users["discipline_head"], {}) == 403  # nor the county's head
    case = fire(case, "approve", head)
    assert case.state == "verification"


def test_committee_head_never_approves_own_proposal(users, townships):
    """A committee head who also handles cases (both roles) proposes; another must approve."""
    from supervision.models import RoleAssignment, User

    case = routed(users, townships)
    RoleAssignment.objects.create(user=users[NANZHAO_HEAD], role="township_discipline", region=townships["nanzhao"])
    head = User.objects.get(pk=users[NANZHAO_HEAD].pk)
    case = fire(case, "propose_disposition", head, {"target": "inquiry"})
    assert attempt(Case, case.pk, "approve", head, {}) == 403


def test_routing_notifies_the_committee(users, townships, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = routed(users, townships)
    told = set(Notification.objects.filter(verb="cases.routed", object_id=str(case.pk))
               .values_list("recipient__username", flat=True))
    assert told == {NANZHAO, NANZHAO_HEAD}


def test_routed_clue_reminded_then_overdue_exactly_once(users, townships):
    case = routed(users, townships)
    due = case.due_date
    sweep_on(due - dt.timedelta(days=1))
    assert SweepMark.objects.filter(key="cases.reminder", object_id=str(case.pk)).count() == 1
    assert Notification.objects.filter(verb="cases.reminder", object_id=str(case.pk),
                                       recipient=users[NANZHAO]).exists()
    assert sweep_on(due)["cases.cases_mark_overdue"] == 0
    assert sweep_on(due + dt.timedelta(days=1))["cases.cases_mark_overdue"] == 1
    assert sweep_on(due + dt.timedelta(days=2))["cases.cases_mark_overdue"] == 0
    case = Case.objects.get(pk=case.pk)
    assert case.overdue
    assert case.history.filter(transition="mark_overdue").count() == 1


def test_disposed_in_time_is_never_overdue(users, townships):
    case = routed(users, townships)
    with at(DAY + dt.timedelta(days=5)):
        fire(case, "propose_disposition", users[NANZHAO], {"target": "parked"})
    assert sweep_on(case.due_date + dt.timedelta(days=1))["cases.cases_mark_overdue"] == 0


def test_routing_register_page_and_export_list_the_same(users, townships, web):
    import io

    from openpyxl import load_workbook

    mine = routed(users, townships, "nanzhao")
    other = routed(users, townships, "miaojie")
    fire(register(users, townships), "route", users["discipline"], {})  # kept at the county
    county = web(users["discipline"])
    page = county.get(reverse("cases:routing"), {"unit": townships["nanzhao"].pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert mine.number in html and other.number not in html and "南诏镇纪委" in html
    export = county.get(reverse("cases:routing-export"), {"unit": townships["nanzhao"].pk})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == [mine.number]
    everything = county.get(reverse("cases:routing-export"))
    sheet = load_workbook(io.BytesIO(b"".join(everything.streaming_content))).active
    assert len(list(sheet.iter_rows(min_row=2))) >= 3
    # 仅县纪委监委承办: the clues kept at the county (the committees are a searchable select)
    kept = county.get(reverse("cases:routing"), {"county": "1"}).content.decode()
    assert mine.number not in kept and other.number not in kept and 'name="county" value="1" checked' in kept
    assert 'name="unit"' in kept
    # A township committee's register lists what was routed to it, nothing else.
    own = web(users[NANZHAO]).get(reverse("cases:routing")).content.decode()
    assert mine.number in own and other.number not in own
    assert web(users["township_nanzhao"]).get(reverse("cases:routing")).status_code == 404


def test_routing_register_filters_waiting_and_overdue(users, townships, web):
    late = routed(users, townships, "nanzhao")
    done = routed(users, townships, "nanzhao")
    fire(done, "propose_disposition", users[NANZHAO], {"target": "parked"})
    sweep_on(late.due_date + dt.timedelta(days=1))
    client = web(users["discipline"])
    waiting = client.get(reverse("cases:routing"), {"waiting": "1"}).content.decode()
    assert late.number in waiting and done.number not in waiting
    overdue = client.get(reverse("cases:routing"), {"overdue": "1"}).content.decode()
    assert late.number in overdue and done.number in overdue  # done, but after its limit
    assert "逾期未提出处置意见" in overdue and "逾期后提出处置意见" in overdue
    on_time = routed(users, townships, "nanzhao", day=timezone.localdate())
    fire(on_time, "propose_disposition", users[NANZHAO], {"target": "parked"})
    listed = client.get(reverse("cases:routing"), {"overdue": "1"}).content.decode()
    assert on_time.number not in listed
    assert "按期提出处置意见" in client.get(reverse("cases:routing")).content.decode()
    assert client.get(reverse("cases:routing"), {"unit": "x" * 50, "year": "abc"}).status_code == 200


def _in_review_at_the_committee(users, townships):
    case = routed(users, townships, day=timezone.localdate())
    nz, head = users[NANZHAO], users[NANZHAO_HEAD]
    for name, user, data in [("propose_disposition", nz, {"target": "verification"}), ("approve", head, {}),
                             ("propose_filing", nz, {}), ("approve", head, {}),
                             ("start_investigation", nz, {}), ("submit_review", nz, {}),
                             ("file_review_report", nz, {"review_report": "经审理，事实清楚。"})]:
        case = fire(case, name, user, data)
    assert case.state == "reviewing"
    return case


REMOVAL = {"outcome": "sanction", "party_sanction": "removal", "admin_sanction": "", "four_forms": "third"}
WARNING = {"outcome": "sanction", "party_sanction": "warning", "admin_sanction": "", "four_forms": "second"}


def test_township_removal_waits_for_the_county(users, townships, django_capture_on_commit_callbacks):
    from workflows.cases.models import SubjectMatter

    case = _in_review_at_the_committee(users, townships)
    matter = case.matters.get()
    matter = fire(matter, "propose_outcome", users[NANZHAO], REMOVAL)
    with django_capture_on_commit_callbacks(execute=True):
        matter = fire(matter, "approve", users[NANZHAO_HEAD])
    assert matter.state == "open" and matter.pending_kind == "outcome"  # still waiting: the county decides
    assert matter.pending_data["unit_approved_by"] == users[NANZHAO_HEAD].pk
    assert Notification.objects.filter(verb="cases.county_approval", recipient=users["discipline_head"]).exists()
    # The committee cannot approve twice; the county's head can, and decides.
    assert attempt(SubjectMatter, matter.pk, "approve", users[NANZHAO_HEAD], {}) == 403
    matter = fire(matter, "approve", users["discipline_head"])
    assert matter.state == "decided" and matter.party_sanction == "removal"
    rows = list(matter.history.filter(transition="approve").order_by("history_id"))
    assert [r.history_user for r in rows] == [users[NANZHAO_HEAD], users["discipline_head"]]


def test_township_warning_does_not_wait(users, townships):
    case = _in_review_at_the_committee(users, townships)
    matter = fire(case.matters.get(), "propose_outcome", users[NANZHAO], WARNING)
    assert attempt(type(matter), matter.pk, "approve", users["discipline_head"], {}) == 403  # not the county's
    matter = fire(matter, "approve", users[NANZHAO_HEAD])
    assert matter.state == "decided" and matter.party_sanction == "warning"


def test_county_approval_levels_are_a_setting(users, townships, settings):
    settings.CASES = {"COUNTY_APPROVAL": ["party:warning"]}
    case = _in_review_at_the_committee(users, townships)
    matter = fire(case.matters.get(), "propose_outcome", users[NANZHAO], WARNING)
    matter = fire(matter, "approve", users[NANZHAO_HEAD])
    assert matter.state == "open" and matter.pending_data.get("unit_approved_by")


def test_county_takes_a_routed_case_up(users, townships, api, web, django_capture_on_commit_callbacks):
    case = routed(users, townships)
    nz = users[NANZHAO]
    case = fire(case, "propose_disposition", nz, {"target": "verification"})
    case = fire(case, "approve", users[NANZHAO_HEAD])
    assert attempt(Case, case.pk, "take_up", users["discipline"], {}) == 403       # heads decide
    assert attempt(Case, case.pk, "take_up", users[NANZHAO_HEAD], {}) == 403       # not the committee
    with django_capture_on_commit_callbacks(execute=True):
        case = fire(case, "take_up", users["discipline_head"], comment="案情重大，提级办理")
    assert case.handling_township is None and case.taken_up_from == townships["nanzhao"]
    # The committee no longer opens it; the county's handler acts.
    assert api(nz).get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert web(nz).get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert attempt(Case, case.pk, "propose_extension", nz, {}) == 404
    assert attempt(Case, case.pk, "propose_extension", users["discipline"], {"days": 30}) == 200
    told = Notification.objects.filter(verb="cases.taken_up", recipient=nz).get()
    assert case.number in told.message and told.object_id == ""  # told, without a link it cannot open …
    assert told.url == reverse("cases:handed-over-detail", args=[case.pk])  # … but with one to what it wrote
    assert web(nz).get(told.url).status_code == 200
    row = case.history.order_by("-history_id").first()
    assert row.transition == "take_up" and row.history_user == users["discipline_head"]


def test_committee_asks_to_be_taken_up_and_the_county_declines(users, townships, django_capture_on_commit_callbacks):
    case = routed(users, townships)
    with django_capture_on_commit_callbacks(execute=True):
        case = fire(case, "request_take_up", users[NANZHAO], comment="涉及乡镇干部，申请提级")
    assert case.take_up_requested
    assert Notification.objects.filter(verb="cases.take_up_requested", recipient=users["discipline_head"]).exists()
    assert attempt(Case, case.pk, "request_take_up", users[NANZHAO], {}) == 409  # once
    case = fire(case, "decline_take_up", users["discipline_head"], comment="由乡镇纪委继续办理")
    assert not case.take_up_requested and case.handling_township == townships["nanzhao"]


def test_supervised_from_above_shows_on_the_committees_task_list(users, townships, web):
    case = routed(users, townships)
    due = timezone.localdate() + dt.timedelta(days=10)
    outcome = attempt(Case, case.pk, "supervise", users["discipline_head"],
                      {"supervise_due": str(timezone.localdate())})
    assert outcome[0] == "400" and "督办期限须晚于今天。" in outcome[1]
    case = fire(case, "supervise", users["discipline_head"], {"supervise_due": str(due)}, comment="加快办理")
    assert case.supervised and case.supervise_due == due
    tasks = web(users[NANZHAO]).get("/").content.decode()
    assert case.number in tasks and "报告督办落实情况" in tasks
    assert attempt(Case, case.pk, "report_supervision", users["discipline"], {}) == 403
    case = fire(case, "report_supervision", users[NANZHAO], comment="已完成初核")
    assert case.supervise_reported_at is not None
    # The escalation flag of the county's own cases is not offered on a township's case.
    assert attempt(Case, case.pk, "escalate", users["discipline_head"], {}) == 409


def test_routed_clue_on_the_committees_task_list_with_its_limit(users, townships, web):
    case = routed(users, townships, day=timezone.localdate())
    tasks = web(users[NANZHAO]).get("/").content.decode()
    assert case.number in tasks
    assert case.due_date.isoformat() in tasks or f"{case.due_date.month}月{case.due_date.day}日" in tasks
    assert case.number not in web(users[MIAOJIE]).get("/").content.decode()


def test_quarterly_report_counts_by_unit(users, townships, web):
    import io

    from openpyxl import load_workbook

    from workflows.cases.routing import quarterly_report

    late = routed(users, townships, "nanzhao")                     # 2026 Q1, never answered
    in_time = routed(users, townships, "nanzhao")
    with at(DAY + dt.timedelta(days=2)):
        fire(in_time, "propose_disposition", users[NANZHAO], {"target": "parked"})
    taken = routed(users, townships, "miaojie")
    fire(taken, "take_up", users["discipline_head"], comment="提级")
    sweep_on(late.due_date + dt.timedelta(days=1))
    routed(users, townships, "nanzhao", day=dt.date(2026, 4, 1))  # the next quarter: not counted
    report = quarterly_report(user=users["discipline"], year=2026, quarter=1)
    rows = {r["unit"]: r for r in report["rows"]}
    nz, mj = rows["南诏镇纪委"], rows["庙街镇纪委"]
    assert (nz["received"], nz["in_time"], nz["overdue"], nz["taken_up"]) == (2, 1, 1, 0)
    assert nz["category"] == {"poverty_funds": 2}
    assert (mj["received"], mj["taken_up"]) == (1, 1)
    # The committee's own report: its clues only.
    own = quarterly_report(user=users[NANZHAO], year=2026, quarter=1)
    assert [r["unit"] for r in own["rows"]] == ["南诏镇纪委"]
    page = web(users["discipline"]).get(reverse("cases:routing-report"), {"year": 2026, "quarter": 1})
    assert page.status_code == 200 and "南诏镇纪委" in page.content.decode()
    export = web(users["discipline"]).get(reverse("cases:routing-report-export"), {"year": 2026, "quarter": 1})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    values = {row[0]: row[1:5] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["南诏镇纪委"] == (2, 1, 1, 0)
    bad = web(users["discipline"]).get(reverse("cases:routing-report"), {"year": "x", "quarter": "9"})
    assert bad.status_code == 200


# A clue routed to 南诏镇纪委, in ``received``: who may fire what (200), who is refused (403), who
# does not see it (404), and what its state or conditions refuse (409).
ROUTED_MATRIX = {
    "propose_disposition": {NANZHAO: 200, "discipline": 403, "discipline_head": 403, NANZHAO_HEAD: 403,
                            MIAOJIE: 404, "auditor": 403},
    "route": {NANZHAO: 403, "discipline": 409, "discipline_head": 403, NANZHAO_HEAD: 403, MIAOJIE: 404,
              "auditor": 403},
    "take_up": {NANZHAO: 403, "discipline": 403, "discipline_head": 200, NANZHAO_HEAD: 403, MIAOJIE: 404,
                "auditor": 403},
    "request_take_up": {NANZHAO: 200, "discipline": 403, "discipline_head": 403, NANZHAO_HEAD: 403,
                        MIAOJIE: 404, "auditor": 403},
    "decline_take_up": {NANZHAO: 403, "discipline": 403, "discipline_head": 409, NANZHAO_HEAD: 403,
                        MIAOJIE: 404, "auditor": 403},
    "report_supervision": {NANZHAO: 409, "discipline": 403, "discipline_head": 403, NANZHAO_HEAD: 403,
                           MIAOJIE: 404, "auditor": 403},
    "escalate": {NANZHAO: 403, "discipline": 409, "discipline_head": 409, NANZHAO_HEAD: 403, MIAOJIE: 404,
                 "auditor": 403},
}


def test_routed_clue_transition_role_matrix(users, townships):
    case = routed(users, townships, day=timezone.localdate())
    data = {"propose_disposition": {"target": "verification"}}
    wrong = []
    for name, expected in ROUTED_MATRIX.items():
        for username, want in expected.items():
            got = attempt(Case, case.pk, name, users[username], data.get(name, {}))
            if got != want:
                wrong.append((name, username, got, want))
    assert not wrong
    assert Case.objects.get(pk=case.pk).version == case.version


def test_reporter_goes_to_the_committee_only_when_the_routing_says_so(users, townships, api, web):
    from supervision.models import ReadAccess

    hidden = routed(users, townships)
    shared = routed(users, townships, share_reporter=True)
    nz = users[NANZHAO]
    assert api(nz).get(f"/api/v1/cases/{hidden.pk}/").json()["reporter_name"] == "***"
    assert api(nz).get(f"/api/v1/cases/{shared.pk}/").json()["reporter_name"] == "王举报"
    assert "王举报" not in web(nz).get(reverse("cases:detail", args=[hidden.pk])).content.decode()
    assert "王举报" in web(nz).get(reverse("cases:detail", args=[shared.pk])).content.decode()
    # Still masked for another township's committee (which does not see the case at all) and the auditor.
    assert api(users["auditor"]).get(f"/api/v1/cases/{shared.pk}/").json()["reporter_name"] == "***"
    assert ReadAccess.objects.filter(user=nz, object_id=str(shared.pk)).exists()  # every read is logged


def test_history_rows_written_before_routing_existed_still_verify():
    """The routing columns are left out of a row's digest while empty (or False), so a case's
    history row written before the migration hashes the same as it did then."""
    from supervision.audit.chain import _Digester

    model = Case.history.model
    digester = _Digester.for_model(model)
    new = {"handling_township_id", "routed_at", "routed_by_id", "route_share_reporter", "route_due_on",
           "route_disposed_at", "take_up_requested", "taken_up_at", "taken_up_from_id", "supervised",
           "supervise_due", "supervise_reported_at"}
    assert new <= set(digester.attnames)
    defaults = {f.attname: (False if f.get_internal_type() == "BooleanField" else None)
                for f in model._meta.concrete_fields}
    values = [defaults[name] for name in digester.attnames]
    before = _Digester(digester.table, [n for n in digester.attnames if n not in new],
                       [c for n, c in zip(digester.attnames, digester.converters, strict=True) if n not in new])
    old_values = [v for n, v in zip(digester.attnames, values, strict=True) if n not in new]
    assert digester.digest(values) == before.digest(old_values)


def test_committee_export_and_notifications_hold_only_its_own(users, townships, web,
                                                               django_capture_on_commit_callbacks):
    import io

    from openpyxl import load_workbook

    mine = routed(users, townships, "nanzhao")
    with django_capture_on_commit_callbacks(execute=True):
        other = routed(users, townships, "miaojie")
        county_own = register(users, townships)
        fire(county_own, "propose_disposition", users["discipline"], {"target": "verification"})
    export = web(users[NANZHAO]).get(reverse("cases:export"))
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {mine.number}
    told = set(Notification.objects.filter(recipient=users[NANZHAO]).values_list("object_id", flat=True))
    assert str(other.pk) not in told and str(county_own.pk) not in told


def test_any_decision_on_a_township_cadre_waits_for_the_county(users, townships):
    from workflows.cases.models import CaseSubject

    case = _in_review_at_the_committee(users, townships)
    matter = case.matters.get()
    CaseSubject.objects.filter(pk=matter.subject_id).update(is_township_cadre=True)
    matter = fire(type(matter).objects.get(pk=matter.pk), "propose_outcome", users[NANZHAO], WARNING)
    matter = fire(matter, "approve", users[NANZHAO_HEAD])
    assert matter.state == "open" and matter.pending_data.get("unit_approved_by")  # a 警告, yet it waits
    matter = fire(matter, "approve", users["discipline_head"])
    assert matter.state == "decided" and matter.party_sanction == "warning"


def test_a_township_cadre_is_marked_when_registered(users, townships, api):
    response = api(users["discipline"]).post("/api/v1/cases/", {
        "source": "petition", "category": "poverty_funds", "description": "乡镇干部截留资金",
        "reporter_anonymous": True, "township": townships["nanzhao"].pk,
        "subjects": [{"name": "李某", "post": "副镇长", "is_township_cadre": True}]}, format="json")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.subjects.get().is_township_cadre
    assert response.json()["subjects"][0]["is_township_cadre"] is True


def test_a_committee_heads_its_own_case_team(users, townships):
    from supervision.models import RoleAssignment, User
    from workflows.cases.models import CaseMember

    nz2 = User.objects.create_user("township_discipline_nanzhao2", password="x-pass-123")
    RoleAssignment.objects.create(user=nz2, role="township_discipline", region=townships["nanzhao"])
    case = routed(users, townships)
    head = users[NANZHAO_HEAD]
    # the committee's head puts its own people on the team; the county's head does not run it
    assert attempt(Case, case.pk, "add_member", users["discipline_head"], {"user": nz2.pk, "role": "member"}) == 403
    assert attempt(Case, case.pk, "add_member", users[NANZHAO], {"user": nz2.pk, "role": "member"}) == 403
    case = fire(case, "add_member", head, {"user": nz2.pk, "role": "member"}, comment="")
    assert CaseMember.objects.get(case=case, user=nz2).active
    # people of another unit are a clear 400, nothing written
    for outsider in (users["discipline"], users[MIAOJIE]):
        status, messages = attempt(Case, case.pk, "add_member", head, {"user": outsider.pk, "role": "member"})
        assert status == "400" and any("南诏镇纪委" in m for m in messages), messages
    assert attempt(Case, case.pk, "add_member", head, {"user": nz2.pk, "role": "head"})[0] == "400"  # not a head
    assert not CaseMember.objects.filter(case=case, user__in=[users["discipline"], users[MIAOJIE]]).exists()
    # a recusal may name the county's people too (they may know the case); the committee's staff step aside
    case = fire(case, "order_recusal", head, {"user": users["discipline"].pk}, comment="与被反映人系亲属")
    case = fire(case, "recuse", nz2, comment="本人回避")
    assert web_status(nz2, case) == 404


def web_status(user, case):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.get(case.get_absolute_url()).status_code

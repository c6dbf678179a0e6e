"""Issue 16 (postings part): two people for every recall, the publicised grade is the final one,
leave approved by the township's secretary and shown in attendance, time on site pro-rated, a
missing funds entry flagged, publicity of exactly N working days, the board's opening year."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from supervision.transitions import available_transitions
from workflows.postings import services
from workflows.postings.models import Assessment, LeaveRequest, MonthlyAttendance, Recall

from . import factories
from .factories import fire, reload, to_publicized

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d):
    return time_machine.travel(dt.datetime(y, m, d, 10, 0, tzinfo=TZ), tick=False)


# --- 1. Recall: proposed by one person, approved by another with the approving right ------------------

def _propose(api, user, posting):
    return api(user).post("/api/v1/recalls/", {"posting": posting.pk, "grounds": "长期不在岗，群众意见大"},
                          format="json")


@pytest.mark.django_db
def test_recall_proposed_and_approved_by_the_same_user_is_refused(make_posting, users, api):
    posting = make_posting()
    head = users["organization_head"]
    r = _propose(api, head, posting)
    assert r.status_code == 201, r.content
    recall = Recall.objects.get(pk=r.json()["id"])
    assert api(head).get(f"/api/v1/recalls/{recall.pk}/").json()["available_transitions"] == []
    r = api(head).post(f"/api/v1/recalls/{recall.pk}/transitions/approve/", {"comment": "同意"}, format="json")
    assert r.status_code == 403
    assert reload(recall).state == "proposed" and recall.history.count() == 1
    # The leading group may; so would another principal of the organisation department.
    fire(recall, "approve", users["leader"], comment="领导小组同意")
    assert reload(recall).state == "approved"


@pytest.mark.django_db
def test_organisation_staff_cannot_approve_a_recall_only_its_head_or_the_leader(make_posting, users, api):
    posting = make_posting()
    recall = Recall.objects.get(pk=_propose(api, users["township_nanzhao"], posting).json()["id"])
    for username in ["organization", "secretary_nanzhao", "township_nanzhao"]:
        r = api(users[username]).post(f"/api/v1/recalls/{recall.pk}/transitions/approve/", {"comment": "同意"},
                                      format="json")
        assert r.status_code == 403, username
    assert available_transitions(reload(recall), users["organization_head"]) == ["approve", "reject"]
    assert available_transitions(reload(recall), users["organization"]) == []


@pytest.mark.django_db
def test_recall_full_path_with_two_people(make_posting, users, api, units):
    posting = make_posting()
    township, head, staff = users["township_nanzhao"], users["organization_head"], users["organization"]
    with at(2026, 6, 10):
        recall = Recall.objects.get(pk=_propose(api, township, posting).json()["id"])
        assert recall.proposed_by == township
        r = api(head).post(f"/api/v1/recalls/{recall.pk}/transitions/approve/", {"comment": "部长同意召回"},
                           format="json")
        assert r.status_code == 200, r.content
        # Carried out by organisation staff (the head's approval does not let the proposer act).
        assert api(township).post(f"/api/v1/recalls/{recall.pk}/transitions/withdraw/", {"comment": "x"},
                                  format="json").status_code == 403
        fire(recall, "withdraw", staff, comment="派出单位已撤回")
        fire(recall, "replace", staff, comment="补派", person_name="补派书记", dispatching_unit=units["县水务局"].pk,
             start_date="2026-06-20", role="first_secretary")
    recall = reload(recall)
    assert (recall.state, recall.decided_by, recall.withdrawn_on) == ("replaced", head, dt.date(2026, 6, 10))
    assert reload(posting).state == "recalled"
    assert recall.replacement.person.name == "补派书记" and recall.replacement.village_id == posting.village_id
    rows = list(recall.history.order_by("history_id").values_list("transition", "history_user_id"))
    assert [t for t, _u in rows] == ["", "approve", "withdraw", "replace", ""]
    assert rows[0][1] == township.pk and rows[1][1] == head.pk and rows[2][1] == staff.pk


@pytest.mark.django_db
def test_propose_recall_is_not_offered_while_one_is_open(make_posting, users, api):
    posting = make_posting()
    township = api(users["township_nanzhao"])
    assert "propose_recall" in township.get(f"/api/v1/postings/{posting.pk}/").json()["available_transitions"]
    assert _propose(api, users["township_nanzhao"], posting).status_code == 201
    assert "propose_recall" not in township.get(f"/api/v1/postings/{posting.pk}/").json()["available_transitions"]
    assert "propose_recall" not in available_transitions(reload(posting), users["organization"])
    r = _propose(api, users["organization"], posting)
    assert r.status_code == 409 and r.json()["detail"] == "该同志已有未办结的召回，办结前不能再次提出。"
    assert Recall.objects.filter(posting=posting).count() == 1
    # Once the open recall is rejected, a new one may be proposed.
    fire(Recall.objects.get(posting=posting), "reject", users["leader"], comment="证据不足")
    assert "propose_recall" in available_transitions(reload(posting), users["township_nanzhao"])


@pytest.mark.django_db
def test_posting_page_offers_propose_recall_only_while_none_is_open(make_posting, users, web):
    posting = make_posting()
    client = web(users["township_nanzhao"])
    offered = 'data-transition="propose_recall"'
    assert offered in client.get(posting.get_absolute_url()).content.decode()
    r = client.post(f"/records/postings.posting/{posting.pk}/transitions/propose_recall/", {"grounds": "不在岗"})
    assert r.status_code == 302 and Recall.objects.filter(posting=posting, state="proposed").count() == 1
    assert offered not in client.get(posting.get_absolute_url()).content.decode()
    r = client.post(f"/records/postings.posting/{posting.pk}/transitions/propose_recall/", {"grounds": "再提"})
    assert r.status_code == 409 and "该同志已有未办结的召回" in r.content.decode()
    assert Recall.objects.filter(posting=posting).count() == 1


# --- 2. Finalisation uses the publicised grade ----------------------------------------------------------

@pytest.mark.django_db
def test_a_grade_other_than_the_publicised_one_goes_back_to_review_and_publicity(make_posting, users, api):
    for i in range(1, 4):  # four assessments in the year: one 优秀 place
        factories.assessment(make_posting(index=i), year=2026)
    p = make_posting()
    factories.attendance(p, year=2026, days=240)
    with at(2026, 12, 1):
        a = to_publicized(factories.assessment(p, year=2026), users, grade="basic")
    org = api(users["organization"])
    url = f"/api/v1/assessments/{a.pk}/transitions/finalize/"
    with at(2026, 12, 9):
        # A different grade needs its reason; nothing changes without one.
        r = org.post(url, {"grade": "excellent"}, format="json")
        assert r.status_code == 400 and "与公示等次（基本称职）不一致" in r.json()["comment"][0]
        assert reload(a).state == "publicized"
        r = org.post(url, {"grade": "excellent", "comment": "复核材料后拟定为优秀"}, format="json")
        assert r.status_code == 200, r.content
    a = reload(a)
    assert (a.state, a.office_grade, a.final_grade, a.publicity_end) == ("office_reviewed", "excellent", "", None)
    row = a.history.order_by("-history_id").first()
    assert (row.transition, row.from_state, row.to_state) == ("finalize", "publicized", "office_reviewed")
    assert row.history_change_reason == "复核材料后拟定为优秀"
    assert "publicize" in org.get(f"/api/v1/assessments/{a.pk}/").json()["available_transitions"]
    with at(2026, 12, 9):
        fire(a, "publicize", users["organization"], comment="")
    with at(2026, 12, 17):
        r = org.post(url, {}, format="json")  # no grade given: the publicised one
        assert r.status_code == 200, r.content
    a = reload(a)
    assert (a.state, a.final_grade, a.finalized_on) == ("finalized", "excellent", dt.date(2026, 12, 17))
    assert list(a.history.filter(transition="publicize").values_list("to_state", flat=True)) == [
        "publicized", "publicized"]


@pytest.mark.django_db
def test_finalize_with_the_publicised_grade_finalizes(make_posting, users, api):
    p = make_posting()
    with at(2026, 12, 1):
        a = to_publicized(factories.assessment(p, year=2026), users, grade="basic")
    with at(2026, 12, 9):
        r = api(users["organization"]).post(f"/api/v1/assessments/{a.pk}/transitions/finalize/",
                                            {"grade": "basic"}, format="json")
    assert r.status_code == 200 and r.json()["final_grade"] == "basic" and r.json()["state"] == "finalized"


# --- 5. Leave -------------------------------------------------------------------------------------------

def _leave(api, user, posting, start, end):
    r = api(user).post("/api/v1/leave-requests/", {"posting": posting.pk, "start_date": start, "end_date": end,
                                                   "reason": "家中有事"}, format="json")
    assert r.status_code == 201, r.content
    return r.json()


@pytest.mark.django_db
def test_five_working_days_over_a_weekend_are_the_secretarys_to_approve(make_posting, users, api):
    p = make_posting(start=dt.date(2026, 1, 1))
    leave = _leave(api, users["township_nanzhao"], p, "2026-03-05", "2026-03-11")  # Thu..Wed: 5 working days
    assert leave["days"] == 5
    url = f"/api/v1/leave-requests/{leave['id']}/transitions/approve/"
    # Another township user (not the secretary), and the secretary of another township, may not.
    assert api(users["township_nanzhao"]).post(url, {}, format="json").status_code == 403
    assert api(users["secretary_miaojie"]).post(url, {}, format="json").status_code == 404
    assert api(users["township_nanzhao"]).get(f"/api/v1/leave-requests/{leave['id']}/").json()[
        "available_transitions"] == []
    r = api(users["secretary_nanzhao"]).post(url, {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "approved" and r.json()["decided_by"] == \
        users["secretary_nanzhao"].pk


@pytest.mark.django_db
def test_six_working_days_go_to_the_organisation_department(make_posting, users, api):
    p = make_posting(start=dt.date(2026, 1, 1))
    leave = _leave(api, users["township_nanzhao"], p, "2026-03-05", "2026-03-12")  # Thu..Thu: 6 working days
    assert leave["days"] == 6
    url = f"/api/v1/leave-requests/{leave['id']}/transitions/approve/"
    r = api(users["secretary_nanzhao"]).post(url, {}, format="json")
    assert r.status_code == 400 and "须报县委组织部审批" in r.json()["days"][0]
    assert api(users["organization"]).post(url, {}, format="json").status_code == 200


@pytest.mark.django_db
def test_calendar_day_counting_is_a_setting(make_posting, users, api, settings):
    settings.POSTINGS = {"LEAVE_DAY_COUNT": "calendar"}
    p = make_posting(start=dt.date(2026, 1, 1))
    assert _leave(api, users["township_nanzhao"], p, "2026-03-06", "2026-03-12")["days"] == 7  # Fri..Thu


@pytest.mark.django_db
def test_the_leave_form_says_how_days_are_counted(make_posting, users, web, settings):
    p = make_posting()
    assert "按工作日计算" in web(users["township_nanzhao"]).get(p.get_absolute_url()).content.decode()
    settings.POSTINGS = {"LEAVE_DAY_COUNT": "calendar"}
    assert "按自然日计算" in web(users["township_nanzhao"]).get(p.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_approved_leave_shows_in_attendance_and_is_not_an_absence(make_posting, users, api):
    p = make_posting(start=dt.date(2026, 1, 1))
    services.attendance_record(actor=users["township_nanzhao"], posting=p, year=2026, month=3, days_on_site=18)
    # 2026-03-30 (Mon) .. 2026-04-03 (Fri): 2 working days in March, 3 in April.
    leave = _leave(api, users["township_nanzhao"], p, "2026-03-30", "2026-04-03")
    fire(LeaveRequest.objects.get(pk=leave["id"]), "approve", users["secretary_nanzhao"])
    rows = {(r["year"], r["month"]): r for r in api(users["township_nanzhao"]).get(
        f"/api/v1/postings/{p.pk}/attendance/").json()}
    assert (rows[(2026, 3)]["days_on_site"], rows[(2026, 3)]["leave_days"], rows[(2026, 3)]["absences"]) == (18, 2, 0)
    assert (rows[(2026, 4)]["leave_days"], rows[(2026, 4)]["absences"]) == (3, 0)
    # A later correction of March keeps the approved leave as leave.
    services.attendance_record(actor=users["township_nanzhao"], posting=p, year=2026, month=3, days_on_site=19,
                               leave_days=0)
    assert MonthlyAttendance.objects.get(posting=p, year=2026, month=3).leave_days == 2
    assert services.attendance_totals([p.pk], 2026)[p.pk]["absences"] == 0


# --- 6. Time on site pro-rated; missing funds flagged ---------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("days,ok", [(101, True), (100, False), (99, False)])
def test_time_on_site_is_pro_rated_for_a_posting_from_july(days, ok, make_posting, users, api):
    for i in range(1, 4):
        factories.assessment(make_posting(index=i), year=2026)
    p = make_posting(start=dt.date(2026, 7, 1))
    assert services.days_on_site_target(p, 2026) == 101  # 200 × 184 / 365, rounded up
    for month, d in zip(range(7, 13), [17, 17, 17, 17, 17, days - 85], strict=True):
        MonthlyAttendance.objects.create(posting=p, year=2026, month=month, days_on_site=d)
    with at(2026, 12, 1):
        a = to_publicized(factories.assessment(p, year=2026), users, grade="excellent")
    with at(2026, 12, 9):
        r = api(users["organization"]).post(f"/api/v1/assessments/{a.pk}/transitions/finalize/", {}, format="json")
    assert r.status_code == (200 if ok else 400), r.content
    if not ok:
        assert "少于 101 天" in r.json()["grade"][0]


@pytest.mark.django_db
def test_pro_rating_is_a_setting_and_a_full_year_needs_200(make_posting, settings):
    p = make_posting(start=dt.date(2026, 7, 1))
    assert services.days_on_site_target(make_posting(index=1, start=dt.date(2025, 1, 1)), 2026) == 200
    settings.POSTINGS = {"PRO_RATE_DAYS_ON_SITE": 0}
    assert services.days_on_site_target(p, 2026) == 200


@pytest.mark.django_db
def test_a_first_secretary_without_funds_for_a_year_is_flagged(make_posting, users, web):
    p = make_posting(start=dt.date(2025, 1, 1))
    member = make_posting(index=1, role="member", start=dt.date(2025, 1, 1))
    services.funds_record(actor=users["organization"], posting=p, year=2025, amount="12000")
    a = factories.assessment(p, year=2026)
    factories.assessment(member, year=2026)
    client = web(users["organization"])
    with at(2026, 12, 1):
        page = client.get(p.get_absolute_url()).content.decode()
        assert "2026 年度未登记工作经费" in page and "2025 年度未登记工作经费" not in page
        assert "未登记工作经费" not in client.get(member.get_absolute_url()).content.decode()
        assert "2026 年度未登记工作经费" in client.get(a.get_absolute_url()).content.decode()
        board = client.get("/postings/assessments/?year=2026").content.decode()
        assert board.count("funds-missing") == 1
        assert "未登记工作经费" in client.get(f"/postings/people/{p.person_id}/").content.decode()
    services.funds_record(actor=users["organization"], posting=p, year=2026, amount="10000")
    with at(2026, 12, 1):
        assert "funds-missing" not in client.get(a.get_absolute_url()).content.decode()


# --- 7. Publicity of exactly N working days after its start ---------------------------------------------

@pytest.mark.django_db
def test_publicity_from_a_monday_ends_after_five_working_days(make_posting, users, api):
    p = make_posting()
    a = factories.assessment(p, year=2026)
    for name, who, data in [("submit_self_report", "township_nanzhao", {"self_report": "述职"}),
                            ("township_rate", "township_nanzhao", {"grade": "competent"}),
                            ("enter_unit_opinion", "organization", {"unit_opinion": "同意"}),
                            ("office_review", "organization", {"grade": "competent"})]:
        fire(a, name, users[who], comment="意见", **data)
    with at(2026, 11, 16):  # a Monday
        fire(a, "publicize", users["organization"], comment="")
    a = reload(a)
    # Five working days after the start day: Tue 17 … Mon 23 (not Fri 20, the fifth counting the start).
    assert (a.publicity_start, a.publicity_end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 23))
    url = f"/api/v1/assessments/{a.pk}/transitions/finalize/"
    for day in (20, 23):
        with at(2026, 11, day):
            r = api(users["organization"]).post(url, {}, format="json")
            assert r.status_code == 409, day
            assert "raise_objection" in api(users["organization"]).get(
                f"/api/v1/assessments/{a.pk}/").json()["available_transitions"]
    with at(2026, 11, 24):
        assert api(users["organization"]).post(url, {}, format="json").status_code == 200
    assert reload(a).state == "finalized"


@pytest.mark.django_db
def test_publicity_length_is_a_setting(make_posting, users, settings):
    settings.POSTINGS = {"PUBLICITY_WORKING_DAYS": 3}
    a = factories.assessment(make_posting(), year=2026)
    with at(2026, 11, 16):
        a = to_publicized(a, users)
    assert a.publicity_end == dt.date(2026, 11, 19)


# --- 9 (postings part). The assessment board opens on the latest year that has assessments ---------------

@pytest.mark.django_db
def test_assessment_board_opens_on_the_latest_year_with_assessments(make_posting, users, web):
    p = make_posting(name="二〇二五考核人")
    factories.assessment(p, year=2025)
    client = web(users["organization"])
    with at(2026, 12, 1):
        body = client.get("/postings/assessments/").content.decode()
        assert "二〇二五考核人" in body and "本年度暂无考核记录" not in body
        assert "本年度暂无考核记录" in client.get("/postings/assessments/?year=2026").content.decode()
    assert Assessment.objects.filter(year=2026).count() == 0


# --- #12: one FilterSet for the register page, the API and the export -------------------------------------

def _export_ids(response):
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(response.content)).active
    return {row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}


@pytest.mark.django_db
def test_the_same_filter_gives_the_same_postings_on_page_api_and_export(make_posting, users, api, web, townships,
                                                                      units):
    make_posting("nanzhao", 0, name="甲书记")
    make_posting("nanzhao", 1, name="乙书记", unit=units["县水务局"])
    make_posting("nanzhao", 2, name="丙队员", role="member")
    make_posting("miaojie", 0, name="丁书记")
    query = f"township={townships['nanzhao'].pk}&role=first_secretary&q=书记"
    client = web(users["organization"])
    page_ids = {p.pk for p in client.get(f"/postings/?{query}").context["page"].object_list}
    api_ids = {r["id"] for r in api(users["organization"]).get(f"/api/v1/postings/?{query}").json()["results"]}
    export_ids = _export_ids(client.get(f"/postings/export.xlsx?{query}"))
    assert len(page_ids) == 2 and page_ids == api_ids == export_ids
    query = f"unit={units['县水务局'].pk}"
    assert {p.pk for p in client.get(f"/postings/?{query}").context["page"].object_list} == _export_ids(
        client.get(f"/postings/export.xlsx?{query}")) == {
        r["id"] for r in api(users["organization"]).get(f"/api/v1/postings/?{query}").json()["results"]}


@pytest.mark.django_db
def test_the_same_filter_gives_the_same_assessments_on_board_api_and_export(make_posting, users, api, web,
                                                                          townships):
    for i in range(3):
        factories.assessment(make_posting("nanzhao", i), year=2026)
    factories.assessment(make_posting("miaojie", 0), year=2026)
    factories.assessment(make_posting("nanzhao", 4), year=2025)
    query = f"year=2026&township={townships['nanzhao'].pk}&state=opened"
    client = web(users["organization"])
    board_ids = {a.pk for a in client.get(f"/postings/assessments/?{query}").context["page"].object_list}
    api_ids = {r["id"] for r in api(users["organization"]).get(f"/api/v1/assessments/?{query}").json()["results"]}
    export_ids = _export_ids(client.get(f"/postings/assessments/export.xlsx?{query}"))
    assert len(board_ids) == 3 and board_ids == api_ids == export_ids


@pytest.mark.django_db
def test_the_assessment_board_is_paginated(make_posting, users, web, villages):
    ring = [(t, i) for t in villages for i in range(len(villages[t]))][:52]
    for township, i in ring:
        factories.assessment(make_posting(township, i), year=2026)
    n = len(ring)
    assert n == 52
    client = web(users["organization"])
    first = client.get("/postings/assessments/?year=2026")
    assert len(first.context["page"].object_list) == 50 and first.context["page"].paginator.count == n
    assert len(client.get("/postings/assessments/?year=2026&page=2").context["page"].object_list) == n - 50

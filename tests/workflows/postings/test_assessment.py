"""Annual assessment: the state × transition × role matrix, the publicity window in working
days, objections, and every finalization rule at its boundary."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from supervision.models import PersonMark
from supervision.people import person_has_mark, person_mark_add
from workflows.postings.models import Assessment, Recall

from . import factories
from .factories import fire, reload, to_publicized

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d):
    return time_machine.travel(dt.datetime(y, m, d, 10, 0, tzinfo=TZ), tick=False)


# (transition, state it starts from, data, users allowed, same-role users refused 403)
MATRIX = [
    ("submit_self_report", "opened", {"self_report": "述职"}, ["township_nanzhao", "organization"],
     ["leader", "auditor"]),
    ("township_rate", "self_reported", {"grade": "competent"}, ["township_nanzhao"],
     ["organization", "leader", "auditor"]),
    ("enter_unit_opinion", "township_rated", {"unit_opinion": "同意"}, ["organization"],
     ["township_nanzhao", "leader", "auditor"]),
    ("office_review", "unit_opinion", {"grade": "competent"}, ["organization"],
     ["township_nanzhao", "leader", "auditor"]),
    ("publicize", "office_reviewed", {}, ["organization"], ["township_nanzhao", "leader", "auditor"]),
    ("raise_objection", "publicized", {}, ["organization", "township_nanzhao"], ["leader", "auditor"]),
]
ORDER = ["opened", "self_reported", "township_rated", "unit_opinion", "office_reviewed", "publicized"]
STEPS = [("submit_self_report", "township_nanzhao", {"self_report": "述职"}),
         ("township_rate", "township_nanzhao", {"grade": "competent"}),
         ("enter_unit_opinion", "organization", {"unit_opinion": "同意"}),
         ("office_review", "organization", {"grade": "competent"}),
         ("publicize", "organization", {})]


def _in_state(make_posting, users, state):
    a = factories.assessment(make_posting(), year=2026)
    for name, who, data in STEPS[: ORDER.index(state)]:
        fire(a, name, users[who], **data)
    return reload(a)


@pytest.mark.django_db
@pytest.mark.parametrize("name,state,data,allowed,refused", MATRIX, ids=[m[0] for m in MATRIX])
def test_assessment_matrix(name, state, data, allowed, refused, make_posting, users, api):
    for username in allowed:
        a = _in_state(make_posting, users, state)
        r = api(users[username]).post(f"/api/v1/assessments/{a.pk}/transitions/{name}/",
                                      {"comment": "意见", **data}, format="json")
        assert r.status_code == 200, (username, r.content)
        assert r.json()["state"] != state
    a = _in_state(make_posting, users, state)
    for username in refused:
        r = api(users[username]).post(f"/api/v1/assessments/{a.pk}/transitions/{name}/",
                                      {"comment": "意见", **data}, format="json")
        assert r.status_code == 403, (username, r.status_code)
    r = api(users["township_miaojie"]).post(f"/api/v1/assessments/{a.pk}/transitions/{name}/",
                                            {"comment": "意见", **data}, format="json")
    assert r.status_code == 404
    for username in ["discipline", "inspector"]:
        r = api(users[username]).post(f"/api/v1/assessments/{a.pk}/transitions/{name}/", {"comment": "x"},
                                      format="json")
        assert r.status_code == 404
    assert reload(a).state == state


@pytest.mark.django_db
def test_wrong_state_is_409_and_available_transitions_follow_role(make_posting, users, api):
    a = _in_state(make_posting, users, "opened")
    r = api(users["organization"]).post(f"/api/v1/assessments/{a.pk}/transitions/publicize/", {}, format="json")
    assert r.status_code == 409
    assert api(users["township_nanzhao"]).get(f"/api/v1/assessments/{a.pk}/").json()["available_transitions"] == [
        "submit_self_report"]
    assert api(users["leader"]).get(f"/api/v1/assessments/{a.pk}/").json()["available_transitions"] == []


@pytest.mark.django_db
def test_bad_grade_is_400(make_posting, users, api):
    a = _in_state(make_posting, users, "self_reported")
    r = api(users["township_nanzhao"]).post(f"/api/v1/assessments/{a.pk}/transitions/township_rate/",
                                            {"comment": "x", "grade": "super"}, format="json")
    assert r.status_code == 400 and "grade" in r.json()
    assert reload(a).state == "self_reported"


@pytest.mark.django_db
def test_publicity_window_is_five_working_days_across_national_day(make_posting, users):
    a = _in_state(make_posting, users, "office_reviewed")
    with at(2026, 9, 30):
        fire(a, "publicize", users["organization"], comment="")
    a = reload(a)
    # 10-01..10-07 holidays; 10-10 (Saturday) is a make-up working day.
    assert (a.publicity_start, a.publicity_end) == (dt.date(2026, 9, 30), dt.date(2026, 10, 13))
    assert not a.publicity_provisional


@pytest.mark.django_db
def test_publicity_window_over_a_weekend(make_posting, users):
    a = _in_state(make_posting, users, "office_reviewed")
    with at(2026, 11, 20):  # a Friday
        fire(a, "publicize", users["organization"], comment="")
    assert reload(a).publicity_end == dt.date(2026, 11, 27)


@pytest.mark.django_db
def test_finalize_waits_for_the_window_and_an_objection_returns_to_review(make_posting, users, api):
    a = _in_state(make_posting, users, "office_reviewed")
    org = api(users["organization"])
    with at(2026, 11, 20):
        fire(a, "publicize", users["organization"], comment="")
    with at(2026, 11, 27):  # last day of the window
        r = org.post(f"/api/v1/assessments/{a.pk}/transitions/finalize/", {"grade": "competent"}, format="json")
        assert r.status_code == 409
        assert r.json()["detail"] == "公示期至 2026-11-27，期满无异议后方可定档。"
        r = api(users["township_nanzhao"]).post(f"/api/v1/assessments/{a.pk}/transitions/raise_objection/",
                                                {"comment": "群众反映长期不在村"}, format="json")
        assert r.status_code == 200
    a = reload(a)
    assert a.state == "office_reviewed" and a.objection_count == 1 and a.publicity_end is None
    assert a.last_objection == "群众反映长期不在村"
    with at(2026, 11, 30):
        fire(a, "office_review", users["organization"], grade="basic", comment="复核")
        fire(a, "publicize", users["organization"], comment="")
    assert reload(a).publicity_end == dt.date(2026, 12, 7)
    with at(2026, 12, 8):
        r = org.post(f"/api/v1/assessments/{a.pk}/transitions/raise_objection/", {"comment": "晚了"}, format="json")
        assert r.status_code == 409  # the window is closed
        assert r.json()["detail"] == "公示期已于 2026-12-07 结束，不能再登记异议。"
        r = org.post(f"/api/v1/assessments/{a.pk}/transitions/finalize/", {"grade": "basic"}, format="json")
        assert r.status_code == 200, r.content
    a = reload(a)
    assert a.state == "finalized" and a.final_grade == "basic" and a.finalized_on == dt.date(2026, 12, 8)


def _finalize(api, users, a, grade):
    """定档 ``grade``: finalization uses the publicised grade, so another grade is first sent back
    to review and publicised again (the path of test_a_grade_other_than_the_publicised_one_...)."""
    a = reload(a)
    day = dt.date(2027, 1, 20)
    if a.state == "publicized":
        day = max(day, a.publicity_end + dt.timedelta(days=1))
    if a.state == "publicized" and a.office_grade != grade:
        with at(day.year, day.month, day.day):
            fire(a, "finalize", users["organization"], grade=grade, comment="改为拟定等次")
            fire(a, "publicize", users["organization"], comment="")
        day = reload(a).publicity_end + dt.timedelta(days=1)
    with at(day.year, day.month, day.day):
        return api(users["organization"]).post(f"/api/v1/assessments/{a.pk}/transitions/finalize/",
                                               {"grade": grade, "comment": "定档"}, format="json")


def _ready(make_posting, users, township="nanzhao", index=0, days=240, absences=0, year=2026):
    p = make_posting(township=township, index=index)
    factories.attendance(p, year=year, days=days, absences=absences)
    a = factories.assessment(p, year=year)
    with at(2026, 12, 1):
        return to_publicized(a, users)


@pytest.mark.django_db
@pytest.mark.parametrize("absences,refused,allowed", [
    (0, [], "excellent"),
    (1, ["excellent"], "competent"),
    (2, ["excellent", "competent"], "basic"),
    (3, ["excellent", "competent", "basic"], "incompetent"),
    (4, ["basic"], "incompetent"),
])
def test_absence_caps(absences, refused, allowed, make_posting, users, api):
    # Enough assessments in the year that the quota never interferes (4 → 1 优秀).
    for i in range(1, 4):
        factories.assessment(make_posting(index=i), year=2026)
    a = _ready(make_posting, users, absences=absences)
    for grade in refused:
        r = _finalize(api, users, a, grade)
        assert r.status_code == 400, (grade, r.content)
        assert "缺勤" in " ".join(r.json()["grade"])
        assert reload(a).state == "publicized" and reload(a).final_grade == ""
    r = _finalize(api, users, a, allowed)
    assert r.status_code == 200, r.content
    a = reload(a)
    assert (a.final_grade, a.absences, a.days_on_site) == (allowed, absences, 240)


@pytest.mark.django_db
@pytest.mark.parametrize("days,ok", [(199, False), (200, True)])
def test_days_on_site_boundary(days, ok, make_posting, users, api):
    for i in range(1, 4):
        factories.assessment(make_posting(index=i), year=2026)
    a = _ready(make_posting, users, days=days)
    r = _finalize(api, users, a, "excellent")
    assert r.status_code == (200 if ok else 400), r.content
    if not ok:
        assert "少于 200 天" in r.json()["grade"][0]
        assert _finalize(api, users, a, "competent").status_code == 200


@pytest.mark.django_db
def test_min_days_is_a_setting(make_posting, users, api, settings):
    settings.POSTINGS = {"MIN_DAYS_ON_SITE": 250}
    for i in range(1, 4):
        factories.assessment(make_posting(index=i), year=2026)
    a = _ready(make_posting, users, days=240)
    assert _finalize(api, users, a, "excellent").status_code == 400


@pytest.mark.django_db
def test_rectification_bar_blocks_excellent_for_that_year_only(make_posting, users, api):
    for i in range(1, 8):
        factories.assessment(make_posting(index=i), year=2026)
    a = _ready(make_posting, users)
    # As the rectification workflow records a failed acceptance (kernel mark).
    person_mark_add(actor=users["organization"], person=a.person, kind=PersonMark.Kind.NO_EXCELLENT,
                    year_from=2026, year_to=2026, reason="所驻村整顿验收未通过")
    r = _finalize(api, users, a, "excellent")
    assert r.status_code == 400 and "不得评为优秀" in r.json()["grade"][0]
    # A bar for another year does not apply.
    other = _ready(make_posting, users, index=5)
    person_mark_add(actor=users["organization"], person=other.person, kind=PersonMark.Kind.NO_EXCELLENT,
                    year_from=2025, year_to=2025, reason="去年")
    assert _finalize(api, users, other, "excellent").status_code == 200


@pytest.mark.django_db
def test_quota_26th_percentile_is_refused(make_posting, users, api):
    """Four assessments in the year → floor(25% × 4) = 1 优秀; the second (50%) is refused."""
    first = _ready(make_posting, users, index=0)
    second = _ready(make_posting, users, index=1)
    factories.assessment(make_posting(index=2), year=2026)
    factories.assessment(make_posting(index=3), year=2026)
    assert _finalize(api, users, first, "excellent").status_code == 200
    r = _finalize(api, users, second, "excellent")
    assert r.status_code == 400
    message = r.json()["grade"][0]
    assert "优秀名额已满" in message and "共 4 人" in message and "1 人" in message
    assert reload(second).state == "publicized"
    assert _finalize(api, users, second, "competent").status_code == 200
    assert api(users["organization"]).get("/api/v1/assessments/quota/?year=2026").json() == {
        "year": 2026, "percent": 25, "total": 4, "limit": 1, "used": 1}


@pytest.mark.django_db
def test_quota_with_eight_allows_two_and_three_allows_none(make_posting, users, api):
    ready = [_ready(make_posting, users, index=i) for i in range(3)]
    # Three assessments: floor(0.75) = 0.
    assert _finalize(api, users, ready[0], "excellent").status_code == 400
    for i in range(3, 8):
        factories.assessment(make_posting(index=i), year=2026)
    assert _finalize(api, users, ready[0], "excellent").status_code == 200
    assert _finalize(api, users, ready[1], "excellent").status_code == 200
    assert _finalize(api, users, ready[2], "excellent").status_code == 400  # 3/8 = 37.5%


@pytest.mark.django_db
def test_excellent_flags_promotion_priority(make_posting, users, api):
    for i in range(1, 4):
        factories.assessment(make_posting(index=i), year=2026)
    a = _ready(make_posting, users)
    assert _finalize(api, users, a, "excellent").status_code == 200
    assert person_has_mark(a.person, PersonMark.Kind.PROMOTION_PRIORITY, 2026)
    assert PersonMark.objects.filter(person=a.person, kind=PersonMark.Kind.PROMOTION_PRIORITY).count() == 1


@pytest.mark.django_db
def test_incompetent_opens_exactly_one_recall(make_posting, users, api, django_capture_on_commit_callbacks):
    a = _ready(make_posting, users, absences=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert _finalize(api, users, a, "incompetent").status_code == 200
    recalls = Recall.objects.filter(posting=a.posting)
    assert recalls.count() == 1
    recall = recalls.get()
    assert (recall.state, recall.auto, recall.assessment_id) == ("proposed", True, a.pk)
    # Finalizing again is impossible (409): still one recall.
    assert _finalize(api, users, a, "incompetent").status_code == 409
    assert Recall.objects.filter(posting=a.posting).count() == 1
    # Approvers hear about it.
    assert users["leader"].notifications.filter(verb="postings.recall_proposed").count() == 1


@pytest.mark.django_db
def test_incompetent_joins_an_open_manual_recall(make_posting, users, api):
    a = _ready(make_posting, users, absences=3)
    api(users["township_nanzhao"]).post("/api/v1/recalls/", {"posting": a.posting_id, "grounds": "长期不在岗"},
                                        format="json")
    assert _finalize(api, users, a, "incompetent").status_code == 200
    assert Recall.objects.filter(posting=a.posting).count() == 1


@pytest.mark.django_db
def test_open_assessment_rights_and_duplicates(make_posting, users, api):
    p = make_posting()
    assert api(users["township_nanzhao"]).post("/api/v1/assessments/", {"posting": p.pk, "year": 2026},
                                               format="json").status_code == 403
    assert api(users["township_miaojie"]).post("/api/v1/assessments/", {"posting": p.pk, "year": 2026},
                                               format="json").status_code == 404
    r = api(users["organization"]).post("/api/v1/assessments/", {"posting": p.pk, "year": 2026}, format="json")
    assert r.status_code == 201 and r.json()["state"] == "opened"
    r = api(users["organization"]).post("/api/v1/assessments/", {"posting": p.pk, "year": 2026}, format="json")
    assert r.status_code == 400
    assert Assessment.objects.filter(posting=p).count() == 1


@pytest.mark.django_db
def test_open_year_for_all_active_postings(make_posting, users, web):
    for i in range(3):
        make_posting(index=i)
    r = web(users["organization"]).post("/postings/assessments/open/", {"year": 2026})
    assert r.status_code == 302
    assert Assessment.objects.filter(year=2026).count() == 3
    web(users["organization"]).post("/postings/assessments/open/", {"year": 2026})
    assert Assessment.objects.filter(year=2026).count() == 3
    assert web(users["township_nanzhao"]).post("/postings/assessments/open/", {"year": 2027}).status_code == 403


@pytest.mark.django_db
def test_publicity_may_start_on_its_real_date_but_not_in_the_future(make_posting, users, api):
    a = _in_state(make_posting, users, "office_reviewed")
    with at(2026, 11, 26):
        r = api(users["organization"]).post(f"/api/v1/assessments/{a.pk}/transitions/publicize/",
                                            {"publicity_start": "2026-11-27"}, format="json")
        assert r.status_code == 400 and "publicity_start" in r.json()
        assert reload(a).state == "office_reviewed"
        r = api(users["organization"]).post(f"/api/v1/assessments/{a.pk}/transitions/publicize/",
                                            {"publicity_start": "2026-11-16"}, format="json")
        assert r.status_code == 200
    assert (reload(a).publicity_start, reload(a).publicity_end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 23))

"""Bad input is a clear 400 and changes nothing; attendance, funds and leave rules."""
import pytest

from workflows.postings.models import LeaveRequest, MonthlyAttendance, WorkFunds

from .factories import reload


@pytest.mark.django_db
@pytest.mark.parametrize("payload,field", [
    ({"year": 2026, "month": 2, "days_on_site": 29}, "days_on_site"),  # Feb 2026 has 28 days
    ({"year": 2026, "month": 4, "days_on_site": 31}, "days_on_site"),
    ({"year": 2026, "month": 4, "days_on_site": 28, "leave_days": 3}, "leave_days"),
    ({"year": 2026, "month": 13, "days_on_site": 1}, "month"),
    ({"year": 2026, "month": 3, "days_on_site": -1}, "days_on_site"),
    ({"year": 2026, "month": 3, "days_on_site": "x"}, "days_on_site"),
])
def test_attendance_bad_input(payload, field, make_posting, users, api):
    p = make_posting()
    r = api(users["township_nanzhao"]).post(f"/api/v1/postings/{p.pk}/attendance/", payload, format="json")
    assert r.status_code == 400 and field in r.json(), r.content
    assert not MonthlyAttendance.objects.exists()


@pytest.mark.django_db
def test_attendance_message_is_clear_and_leap_year_ok(make_posting, users, api):
    import datetime as dt

    p = make_posting(start=dt.date(2026, 1, 1), term_years=3)
    client = api(users["township_nanzhao"])
    r = client.post(f"/api/v1/postings/{p.pk}/attendance/", {"year": 2026, "month": 2, "days_on_site": 29},
                    format="json")
    assert "超过了 2026年2月 的天数（28 天）" in r.json()["days_on_site"][0]
    r = client.post(f"/api/v1/postings/{p.pk}/attendance/", {"year": 2028, "month": 2, "days_on_site": 29},
                    format="json")
    assert r.status_code == 201
    # Correcting a month keeps one row and a history entry.
    client.post(f"/api/v1/postings/{p.pk}/attendance/", {"year": 2028, "month": 2, "days_on_site": 20,
                                                          "absences": 1}, format="json")
    row = MonthlyAttendance.objects.get()
    assert (row.days_on_site, row.absences, row.history.count()) == (20, 1, 2)
    assert len(client.get(f"/api/v1/postings/{p.pk}/attendance/").json()) == 1
    # Outside the posting's term.
    r = client.post(f"/api/v1/postings/{p.pk}/attendance/", {"year": 2025, "month": 12, "days_on_site": 20},
                    format="json")
    assert r.status_code == 400 and "不在该同志驻村期间" in r.json()["month"][0]
    assert r.status_code == 400 and client.post(f"/api/v1/postings/{p.pk}/attendance/", {
        "year": 2029, "month": 2, "days_on_site": 20}, format="json").status_code == 400
    assert MonthlyAttendance.objects.count() == 1


@pytest.mark.django_db
def test_attendance_rights(make_posting, users, api):
    p = make_posting()
    body = {"year": 2026, "month": 3, "days_on_site": 20}
    assert api(users["township_miaojie"]).post(f"/api/v1/postings/{p.pk}/attendance/", body,
                                               format="json").status_code == 404
    assert api(users["leader"]).post(f"/api/v1/postings/{p.pk}/attendance/", body, format="json").status_code == 403
    assert api(users["organization"]).post(f"/api/v1/postings/{p.pk}/attendance/", body,
                                           format="json").status_code == 201


@pytest.mark.django_db
def test_negative_funds_refused_and_shortfall_flagged(make_posting, users, api):
    p = make_posting()
    client = api(users["organization"])
    r = client.post(f"/api/v1/postings/{p.pk}/funds/", {"year": 2026, "amount": "-1.00"}, format="json")
    assert r.status_code == 400 and "负数" in r.json()["amount"][0]
    assert not WorkFunds.objects.exists()
    r = client.post(f"/api/v1/postings/{p.pk}/funds/", {"year": 2026, "amount": "9999.99"}, format="json")
    assert r.status_code == 201 and r.json()["shortfall"] is True
    assert users["township_nanzhao"].notifications.filter(verb="postings.funds_shortfall").count() == 1
    r = client.post(f"/api/v1/postings/{p.pk}/funds/", {"year": 2026, "amount": "10000"}, format="json")
    assert r.json()["shortfall"] is False
    member = make_posting(index=1, role="member")
    r = client.post(f"/api/v1/postings/{member.pk}/funds/", {"year": 2026, "amount": "500"}, format="json")
    assert r.json()["shortfall"] is False  # the standard is for first secretaries


# From Monday 2026-03-02, leave of N working days ends on (days are working days by default).
LEAVE_ENDS = {5: "2026-03-06", 6: "2026-03-09"}


def _leave(api, users, p, days, who="township_nanzhao"):
    r = api(users[who]).post("/api/v1/leave-requests/", {
        "posting": p.pk, "start_date": "2026-03-02", "end_date": LEAVE_ENDS[days], "reason": "家中有事"},
        format="json")
    assert r.status_code == 201, r.content
    assert r.json()["days"] == days
    return LeaveRequest.objects.get(pk=r.json()["id"])


@pytest.mark.django_db
def test_leave_over_five_days_needs_organisation(make_posting, users, api):
    p = make_posting()
    long = _leave(api, users, p, 6)
    # The township's secretary is told why (400); another township user may not decide at all (403).
    r = api(users["secretary_nanzhao"]).post(f"/api/v1/leave-requests/{long.pk}/transitions/approve/",
                                             {"comment": "同意"}, format="json")
    assert r.status_code == 400 and "组织部" in r.json()["days"][0]
    assert api(users["township_nanzhao"]).post(f"/api/v1/leave-requests/{long.pk}/transitions/approve/",
                                               {"comment": "同意"}, format="json").status_code == 403
    long = reload(long)
    assert long.state == "requested" and long.decided_by is None and long.history.count() == 1
    r = api(users["organization"]).post(f"/api/v1/leave-requests/{long.pk}/transitions/approve/", {},
                                        format="json")
    assert r.status_code == 200 and reload(long).decided_by == users["organization"]
    short = _leave(api, users, p, 5)
    r = api(users["secretary_nanzhao"]).post(f"/api/v1/leave-requests/{short.pk}/transitions/approve/", {},
                                             format="json")
    assert r.status_code == 200
    assert api(users["township_miaojie"]).post(f"/api/v1/leave-requests/{short.pk}/transitions/reject/",
                                               {"comment": "x"}, format="json").status_code == 404


@pytest.mark.django_db
def test_leave_bad_dates(make_posting, users, api, web):
    p = make_posting()
    r = api(users["township_nanzhao"]).post("/api/v1/leave-requests/", {
        "posting": p.pk, "start_date": "2026-03-05", "end_date": "2026-03-01", "reason": "x"}, format="json")
    assert r.status_code == 400
    r = web(users["township_nanzhao"]).post(f"/postings/{p.pk}/leave/", {
        "start_date": "2026-03-05", "end_date": "2026-03-01", "reason": "x"})
    assert r.status_code == 400 and "结束日期不能早于开始日期" in r.content.decode()
    assert not LeaveRequest.objects.exists()


@pytest.mark.django_db
def test_ui_bad_attendance_is_400(make_posting, users, web):
    p = make_posting()
    r = web(users["township_nanzhao"]).post(f"/postings/{p.pk}/attendance/",
                                            {"year": 2026, "month": 2, "days_on_site": 30})
    assert r.status_code == 400 and "28 天" in r.content.decode()
    r = web(users["township_nanzhao"]).post(f"/postings/{p.pk}/funds/", {"year": 2026, "amount": "-5"})
    assert r.status_code == 400 and "负数" in r.content.decode()
    assert not MonthlyAttendance.objects.exists() and not WorkFunds.objects.exists()


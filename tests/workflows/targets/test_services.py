"""Writes: constraints as translated 400s, edits under a lock with history, transitions' rules."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from supervision.transitions import run_transition, save_with_history
from workflows.targets.models import AidPairing, CollectiveIncome, ReserveCadre

from .conftest import TODAY, YEAR, reserve_data, village


@pytest.mark.django_db
def test_one_income_per_village_and_year(users, townships, make, api, web):
    make("incomes")
    v = village(townships)
    r = api(users["township_nanzhao"]).post(
        "/api/v1/collective-incomes/", {"village": v.pk, "year": YEAR, "amount": "1"}, format="json"
    )
    assert r.status_code == 400 and r.json() == {"year": ["该村该年度的集体经济收入已填报，请修改原记录。"]}
    r = web(users["township_nanzhao"]).post("/targets/r/incomes/new/", {"village": v.pk, "year": YEAR, "amount": "1"})
    assert r.status_code == 400 and "已填报" in r.content.decode()
    # the database itself refuses a second row, whatever the service does
    with pytest.raises(IntegrityError), transaction.atomic():
        save_with_history(CollectiveIncome(village=v, year=YEAR, amount=1), actor=users["organization"])
    assert CollectiveIncome.objects.count() == 1


@pytest.mark.django_db
def test_bad_input_is_a_clear_400(users, townships, api):
    v = village(townships)
    client = api(users["township_nanzhao"])
    for data, field in [
        ({"village": v.pk, "year": YEAR, "amount": "-1"}, "amount"),
        ({"village": v.pk, "year": YEAR + 1, "amount": "1"}, "year"),
        ({"village": "abc", "year": YEAR, "amount": "1"}, "village"),
        ({"village": v.pk, "year": YEAR, "amount": "两万"}, "amount"),
    ]:
        r = client.post("/api/v1/collective-incomes/", data, format="json")
        assert r.status_code == 400 and field in r.json(), (data, r.content)
    r = client.post("/api/v1/reserve-cadres/", reserve_data(v, birth_date=TODAY.isoformat()), format="json")
    assert r.status_code == 400 and r.json()["birth_date"] == ["入库时须年满 18 周岁。"]
    assert not CollectiveIncome.objects.exists() and not ReserveCadre.objects.exists()


@pytest.mark.django_db
def test_english_errors(users, townships, api, settings):
    client = api(users["township_nanzhao"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = {"village": village(townships).pk, "year": YEAR + 1, "amount": 1}
    r = client.post("/api/v1/collective-incomes/", data, format="json")
    assert r.status_code == 400 and r.json()["year"][0].startswith("The year must be between")


@pytest.mark.django_db
def test_edit_writes_history_and_respects_the_state(users, make, web):
    income = make("incomes", amount="15000")
    client = web(users["township_nanzhao"])
    r = client.post(f"/targets/r/incomes/{income.pk}/edit/", {"amount": "21000", "sources": "光伏"})
    assert r.status_code == 302
    income.refresh_from_db()
    assert income.amount == 21000
    latest = income.history.order_by("-history_id").first()
    assert (latest.history_change_reason, latest.history_user.username) == ("修改", "township_nanzhao")
    run_transition(model=CollectiveIncome, pk=income.pk, name="confirm", actor=users["organization"], comment="")
    r = client.post(f"/targets/r/incomes/{income.pk}/edit/", {"amount": "1"})
    assert r.status_code == 409
    assert (
        web(users["township_miaojie"]).post(f"/targets/r/incomes/{income.pk}/edit/", {"amount": "1"}).status_code == 404
    )
    income.refresh_from_db()
    assert income.amount == 21000


@pytest.mark.django_db
def test_reserve_cadre_movement_has_history(users, make):
    cadre = make("reserve-cadres")
    actor = users["township_nanzhao"]
    run_transition(
        model=ReserveCadre,
        pk=cadre.pk,
        name="record_training",
        actor=actor,
        comment="",
        data={"date": TODAY.isoformat(), "content": "乡镇后备力量培训班"},
    )
    run_transition(
        model=ReserveCadre,
        pk=cadre.pk,
        name="promote",
        actor=actor,
        comment="换届当选",
        data={"date": TODAY.isoformat(), "post": "村委会委员"},
    )
    cadre.refresh_from_db()
    assert (cadre.state, cadre.left_post, cadre.left_on) == ("promoted", "村委会委员", TODAY)
    assert list(cadre.history.order_by("history_id").values_list("to_state", flat=True)) == [
        "entered",
        "trained",
        "promoted",
    ]


@pytest.mark.django_db
def test_no_unpairing_before_the_way_out_of_poverty(users, make, api):
    """不脱贫不脱钩: a household's cadre stays paired until it is lifted, or a successor takes over."""
    household = make("households")
    pairing = make("aid-pairings", kind="cadre", helper_name="张帮扶", household_no=household.household_no)
    url = f"/api/v1/aid-pairings/{pairing.pk}/transitions/end/"
    r = api(users["township_nanzhao"]).post(url, {"comment": "调离", "date": TODAY.isoformat()}, format="json")
    assert r.status_code == 409 and "不脱贫不脱钩" in str(r.content.decode())
    make("aid-pairings", kind="cadre", helper_name="李接替", household_no=household.household_no)
    r = api(users["township_nanzhao"]).post(url, {"comment": "调离", "date": TODAY.isoformat()}, format="json")
    assert r.status_code == 200
    assert AidPairing.objects.get(pk=pairing.pk).ended_on == TODAY


@pytest.mark.django_db
def test_household_lift_ends_the_obligation(users, make):
    household = make("households")
    pairing = make("aid-pairings", kind="cadre", helper_name="张帮扶", household_no=household.household_no)
    run_transition(
        model=type(household),
        pk=household.pk,
        name="lift",
        actor=users["organization"],
        comment="验收脱贫",
        data={"year": YEAR},
    )
    run_transition(
        model=AidPairing,
        pk=pairing.pk,
        name="end",
        actor=users["township_nanzhao"],
        comment="户已脱贫",
        data={"date": TODAY.isoformat()},
    )


@pytest.mark.django_db
def test_dates_before_entry_are_refused(users, make, api):
    cadre = make("reserve-cadres")
    r = api(users["township_nanzhao"]).post(
        f"/api/v1/reserve-cadres/{cadre.pk}/transitions/remove/",
        {"comment": "外出", "date": (cadre.entered_on - dt.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert r.status_code == 400
    assert ReserveCadre.objects.get(pk=cadre.pk).state == "entered"


@pytest.mark.django_db
def test_attendance(users, townships, make, web):
    cadre = make("village-cadres")
    session = make("trainings")
    client = web(users["township_nanzhao"])
    page = client.get(session.get_absolute_url()).content.decode()
    assert "王红" in page
    assert client.post(f"/targets/trainings/{session.pk}/attendance/", {"people": [cadre.person_id]}).status_code == 302
    assert list(session.attendance.values_list("person__name", flat=True)) == ["王红"]
    assert client.post(f"/targets/trainings/{session.pk}/attendance/", {"people": [999999]}).status_code == 400
    assert (
        web(users["township_miaojie"])
        .post(f"/targets/trainings/{session.pk}/attendance/", {"people": [cadre.person_id]})
        .status_code
        == 404
    )
    assert session.attendance.count() == 1


@pytest.mark.django_db
def test_county_training_is_the_county_s(users, townships, api):
    data = {"level": "county", "title": "轮训", "start_date": TODAY.isoformat(), "end_date": TODAY.isoformat()}
    r = api(users["township_nanzhao"]).post("/api/v1/training-sessions/", data, format="json")
    assert r.status_code == 400 and "level" in r.json()
    assert api(users["organization"]).post("/api/v1/training-sessions/", data, format="json").status_code == 201


@pytest.mark.django_db
def test_pages_render(users, make, web):
    rows = [
        make(k)
        for k in (
            "reserve-cadres",
            "villager-groups",
            "incomes",
            "village-cadres",
            "trainings",
            "talents",
            "households",
            "aid-pairings",
            "shops",
        )
    ]
    client = web(users["township_nanzhao"])
    for obj in rows:
        assert client.get(obj.get_absolute_url()).status_code == 200
        assert client.get(f"/targets/r/{obj.register_key}/").status_code == 200
        assert client.get(f"/targets/r/{obj.register_key}/new/").status_code in (200, 403)
    assert client.get("/targets/").status_code == 200
    assert client.get("/targets/r/nothing/").status_code == 404
    assert client.get("/targets/board/?year=abc").status_code == 400

"""The permission contract for each of the nine registers, plus township isolation of the
entry forms, the import, the export, the board and its drill-down."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from tests.bases import WorkflowPermissionContract
from workflows.targets.models import CollectiveIncome, ReserveCadre

from .conftest import TODAY, YEAR, reserve_data, village

TODAY_ISO = TODAY.isoformat()


def contract(key, api, model, transition, user="township_nanzhao", allowed="township_nanzhao", data=None, extra=None):
    class Contract(WorkflowPermissionContract):
        workflow = "targets"
        api_list = f"/api/v1/{api}/"
        record_type = f"targets.{model}"
        in_scope_user = "township_nanzhao"
        out_of_scope_user = "township_miaojie"
        no_access_users = ["discipline", "discipline_head"]
        a_transition = transition
        allowed_user = allowed
        wrong_role_user = "auditor"
        transition_data = data or {}

        @pytest.fixture
        def record(self, make):
            obj = make(key, user=user)
            if extra:
                extra(make)
            return obj

    Contract.__name__ = f"Test{key.title().replace('-', '')}Permissions"
    return Contract


DATE = {"date": TODAY_ISO}
TestReservePermissions = contract("reserve-cadres", "reserve-cadres", "reservecadre", "remove", data=DATE)
TestGroupPermissions = contract("villager-groups", "villager-groups", "villagergroup", "dissolve")
TestIncomePermissions = contract("incomes", "collective-incomes", "collectiveincome", "confirm",
                                 allowed="organization")
TestCadrePermissions = contract("village-cadres", "village-cadres", "villagecadre", "leave", data=DATE)
TestTrainingPermissions = contract("trainings", "training-sessions", "trainingsession", "hold")
TestTalentPermissions = contract("talents", "talent-pairings", "talentpairing", "end", data=DATE)
TestHouseholdPermissions = contract("households", "poor-households", "poorhousehold", "lift", user="organization",
                                    allowed="organization", data={"year": YEAR})
# a successor leader pairing exists, so 不脱贫不脱钩 lets the first one end
TestAidPermissions = contract("aid-pairings", "aid-pairings", "aidpairing", "end", data=DATE,
                              extra=lambda make: make("aid-pairings", helper_name="接替县领导"))
TestShopPermissions = contract("shops", "ecommerce-shops", "ecommerceshop", "open", data=DATE)


@pytest.mark.django_db
def test_entry_rights_by_role(users, townships, api):
    """Townships and the organisation department enter rows; other roles may not (403 for those who
    see the registers, 404 for those who do not); a township may not enter another's village (400)."""
    v = village(townships)
    for username, want in [
        ("township_nanzhao", 201),
        ("organization", 201),
        ("inspector", 403),
        ("leader", 403),
        ("auditor", 403),
        ("discipline", 404),
        ("township_miaojie", 400),
    ]:
        before = ReserveCadre.objects.count()
        r = api(users[username]).post("/api/v1/reserve-cadres/", reserve_data(v, name=f"甲{username}"), format="json")
        assert r.status_code == want, (username, r.content)
        assert ReserveCadre.objects.count() == before + (1 if want == 201 else 0)
    r = api(users["township_miaojie"]).post("/api/v1/reserve-cadres/", reserve_data(v), format="json")
    assert "不是您可以填报的村" in r.json()["village"][0]


@pytest.mark.django_db
def test_households_are_entered_by_the_county(users, townships, api):
    v = village(townships)
    data = {"village": v.pk, "household_no": "X1", "head_name": "罗某", "members": 3}
    assert api(users["township_nanzhao"]).post("/api/v1/poor-households/", data, format="json").status_code == 403
    assert api(users["organization"]).post("/api/v1/poor-households/", data, format="json").status_code == 201


@pytest.mark.django_db
def test_income_confirmation_is_the_county_s(make, users, api):
    income = make("incomes")
    url = f"/api/v1/collective-incomes/{income.pk}/transitions/confirm/"
    assert api(users["township_nanzhao"]).post(url, {}, format="json").status_code == 403
    assert api(users["township_miaojie"]).post(url, {}, format="json").status_code == 404
    r = api(users["organization"]).post(url, {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "confirmed"


@pytest.mark.django_db
def test_pages_are_scoped(make, users, townships, web):
    """Register list, export, board and drill-down show a township only its own villages."""
    mine = make("incomes")
    theirs = make("incomes", user="township_miaojie", v=village(townships, "miaojie"))
    nanzhao = web(users["township_nanzhao"])
    html = nanzhao.get("/targets/r/incomes/").content.decode()
    assert f'data-id="{mine.pk}"' in html and f'data-id="{theirs.pk}"' not in html
    assert nanzhao.get(theirs.get_absolute_url()).status_code == 404
    wb = load_workbook(io.BytesIO(nanzhao.get("/targets/r/incomes/export.xlsx").content))
    towns = {row[0] for row in wb.active.iter_rows(min_row=2, values_only=True)}
    assert towns == {"南诏镇"}
    board = nanzhao.get(f"/targets/board/?year={YEAR}").content.decode()
    assert "南诏镇" in board and "庙街镇" not in board
    assert nanzhao.get(f"/targets/board/village/{theirs.village_id}/").status_code == 404
    assert nanzhao.get(f"/targets/board/village/{mine.village_id}/").status_code == 200
    wb = load_workbook(io.BytesIO(nanzhao.get(f"/targets/board/export.xlsx?year={YEAR}").content))
    assert {row[0] for row in wb.active.iter_rows(min_row=2, values_only=True)} == {"南诏镇"}
    data = nanzhao.get("/targets/board/data/").json()
    assert [t["name"] for t in data["townships"]] == ["南诏镇"]
    inspector = web(users["inspector"]).get(f"/targets/board/?year={YEAR}").content.decode()
    assert "南诏镇" in inspector and "庙街镇" in inspector
    for username in ("discipline", "discipline_head"):
        client = web(users[username])
        for url in (
            "/targets/",
            "/targets/board/",
            "/targets/r/incomes/",
            "/targets/r/incomes/export.xlsx",
            f"/targets/board/village/{mine.village_id}/",
            "/targets/board/data/",
        ):
            assert client.get(url).status_code == 404, (username, url)


@pytest.mark.django_db
def test_import_is_scoped(users, townships, web):
    """A township cannot import rows for another township's village: the row is refused."""
    wb = Workbook()
    ws = wb.active
    ws.append(["乡镇", "村", "年度", "收入（元）"])
    ws.append(["庙街镇", village(townships, "miaojie").name, YEAR, 25000])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "incomes.xlsx"
    r = web(users["township_nanzhao"]).post("/targets/r/incomes/import/", {"file": buf})
    assert r.status_code == 400
    assert "不是您可以填报的村" in r.content.decode()
    assert not CollectiveIncome.objects.exists()


@pytest.mark.django_db
def test_notice_draft_needs_the_inspector(make, users, townships, web):
    from workflows.notices.models import Notice

    for username, want in [("township_nanzhao", 403), ("organization", 403), ("discipline", 404)]:
        r = web(users[username]).post("/targets/board/notice/", {"township": townships["nanzhao"].pk, "year": YEAR})
        assert r.status_code == want, username
    assert not Notice.objects.exists()

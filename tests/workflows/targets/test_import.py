"""XLSX import: template, row-by-row validation, all or nothing, the report of refused rows."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from supervision.models import Region
from workflows.targets import imports
from workflows.targets.models import CollectiveIncome, ReserveCadre, VillagerGroup

from .conftest import YEAR, village


def xlsx(rows, name="import.xlsx"):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = name
    buf.size = len(buf.getvalue())
    return buf


RESERVE_HEADER = [
    "乡镇",
    "村",
    "姓名",
    "性别",
    "出生日期",
    "文化程度",
    "人员类别",
    "中共党员",
    "现任职务",
    "入库日期",
    "备注",
]


def reserve_rows(n, township="南诏镇", villages=()):
    rows = [RESERVE_HEADER]
    for i in range(n):
        rows.append(
            [
                township,
                villages[i % len(villages)],
                f"后备{i:03d}",
                "男" if i % 2 else "女",
                f"1993-04-0{i % 9 + 1}",
                "大专",
                "退伍军人",
                "是" if i % 3 else "否",
                "",
                f"{YEAR}-01-0{i % 9 + 1}",
                "",
            ]
        )
    return rows


@pytest.fixture
def nanzhao_villages(townships):
    return [v.name for v in Region.objects.filter(parent=townships["nanzhao"], level="village").order_by("code")]


@pytest.mark.django_db
def test_one_bad_row_among_100_imports_nothing(users, nanzhao_villages):
    rows = reserve_rows(100, villages=nanzhao_villages)
    rows[58][6] = "村霸"  # row 59 of the sheet: not a background the document names
    report = imports.run_import(actor=users["township_nanzhao"], key="reserve-cadres", upload=xlsx(rows))
    assert report.total == 100 and not report.created
    assert [(r.row, r.reasons) for r in report.refused] == [(59, ["人员类别：“村霸”不是可选值"])]
    assert not ReserveCadre.objects.exists()


@pytest.mark.django_db
def test_a_clean_file_imports_every_row_with_its_history(users, nanzhao_villages):
    report = imports.run_import(
        actor=users["township_nanzhao"], key="reserve-cadres", upload=xlsx(reserve_rows(100, villages=nanzhao_villages))
    )
    assert not report.refused and len(report.created) == 100
    assert ReserveCadre.objects.count() == 100
    history = ReserveCadre.history.all()
    assert history.count() == 100
    assert set(history.values_list("history_change_reason", flat=True)) == {"批量导入"}
    assert set(history.values_list("history_user__username", flat=True)) == {"township_nanzhao"}
    one = ReserveCadre.objects.get(name="后备001")
    assert (one.gender, one.background, one.is_party_member, one.village.name) == (
        "male",
        "veteran",
        True,
        nanzhao_villages[1],
    )


@pytest.mark.django_db
def test_every_refused_row_is_reported_with_its_reasons(users, townships, nanzhao_villages):
    rows = [
        ["乡镇", "村", "年度", "收入（元）", "主要来源"],
        ["南诏镇", nanzhao_villages[0], YEAR, 25000, ""],
        ["南诏镇", "没有这个村", YEAR, 25000, ""],
        ["庙街镇", village(townships, "miaojie").name, YEAR, 25000, ""],
        ["南诏镇", nanzhao_villages[3], YEAR, -5, ""],
        ["南诏镇", nanzhao_villages[0], YEAR, 26000, "重复"],
        ["南诏镇", nanzhao_villages[6], 1999, "两万", ""],
    ]
    report = imports.run_import(actor=users["township_nanzhao"], key="incomes", upload=xlsx(rows))
    reasons = {r.row: r.reasons for r in report.refused}
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert reasons[3] == ["村：所填乡镇没有“没有这个村”"]
    assert "不是您可以填报的村" in reasons[4][0]
    assert reasons[5][0].startswith("收入（元）：")
    assert reasons[6] == ["与第 2 行重复"]
    assert any(r.startswith("年度：") for r in reasons[7]) and any(r.startswith("收入（元）：") for r in reasons[7])
    assert not CollectiveIncome.objects.exists()


@pytest.mark.django_db
def test_a_row_the_database_refuses_rolls_back_the_file(users, make, nanzhao_villages):
    make("incomes")  # the first village's income of this year exists already
    rows = [
        ["乡镇", "村", "年度", "收入（元）"],
        ["南诏镇", nanzhao_villages[3], YEAR, 1000],
        ["南诏镇", nanzhao_villages[0], YEAR, 2000],
    ]
    report = imports.run_import(actor=users["township_nanzhao"], key="incomes", upload=xlsx(rows))
    assert [(r.row, r.reasons) for r in report.refused] == [(3, ["该村该年度的集体经济收入已填报，请修改原记录。"])]
    assert CollectiveIncome.objects.count() == 1


@pytest.mark.django_db
def test_villager_groups_become_regions(users, nanzhao_villages):
    rows = [
        ["乡镇", "村", "村民小组", "户数", "党员人数", "已建村民小组党支部"],
        ["南诏镇", nanzhao_villages[0], "一组", 40, 3, "是"],
        ["南诏镇", nanzhao_villages[0], "二组", 35, 0, "否"],
    ]
    report = imports.run_import(actor=users["township_nanzhao"], key="villager-groups", upload=xlsx(rows))
    assert len(report.created) == 2
    assert sorted(VillagerGroup.objects.values_list("region__code", "party_members")) == [
        (f"{VillagerGroup.objects.first().village.code}001", 3),
        (f"{VillagerGroup.objects.first().village.code}002", 0),
    ]


@pytest.mark.django_db
def test_file_problems_are_400s(users, web):
    client = web(users["township_nanzhao"])
    for upload, words in [
        (None, "请选择"),
        (xlsx([["x"]], name="a.csv"), ".xlsx"),
        (io.BytesIO(b"not a zip"), "不是有效的"),
        (xlsx([["姓名"], ["甲"]]), "缺少必填列"),
    ]:
        if upload is not None and not hasattr(upload, "name"):
            upload.name = "broken.xlsx"
        data = {"file": upload} if upload is not None else {}
        r = client.post("/targets/r/reserve-cadres/import/", data)
        assert r.status_code == 400 and words in r.content.decode(), words
    r = client.post("/targets/r/reserve-cadres/import/", {"file": xlsx([RESERVE_HEADER])})
    assert r.status_code == 400 and "没有数据行" in r.content.decode()


@pytest.mark.django_db
def test_template_round_trip(users, web, nanzhao_villages):
    """The template's header row is what the import reads; an example filled in imports."""
    client = web(users["township_nanzhao"])
    r = client.get("/targets/r/villager-groups/template.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith(imports.XLSX_TYPE)
    wb = load_workbook(io.BytesIO(r.content))
    header = [c.value for c in wb.worksheets[0][1]]
    assert header == ["乡镇*", "村*", "村民小组*", "户数", "党员人数*", "已建村民小组党支部", "备注"]
    assert wb.worksheets[1].title == "填写说明"
    r = client.post(
        "/targets/r/villager-groups/import/",
        {"file": xlsx([header, ["南诏镇", nanzhao_villages[2], "一组", 30, 2, "否", ""]])},
    )
    assert r.status_code == 200 and "已导入 1 条记录" in r.content.decode()


@pytest.mark.django_db
def test_import_page_rights(users, web):
    assert web(users["inspector"]).get("/targets/r/incomes/import/").status_code == 403
    assert web(users["discipline"]).get("/targets/r/incomes/import/").status_code == 404
    assert web(users["township_nanzhao"]).get("/targets/r/incomes/import/").status_code == 200
    assert web(users["township_nanzhao"]).get("/targets/r/households/import/").status_code == 403


@pytest.mark.django_db
def test_attendance_list_import(users, townships, make, web, nanzhao_villages):
    first = make("village-cadres")  # 王红, 鸡碧村
    second = make("village-cadres", name="李四", post="college_official")
    session = make("trainings")
    client = web(users["township_nanzhao"])
    url = f"/targets/trainings/{session.pk}/attendance/import/"
    assert client.get("/targets/trainings/attendance-template.xlsx").status_code == 200
    bad = xlsx(
        [
            ["乡镇", "村", "姓名"],
            ["南诏镇", nanzhao_villages[0], "王红"],
            ["南诏镇", nanzhao_villages[0], "查无此人"],
            ["南诏镇", nanzhao_villages[0], "王红"],
        ]
    )
    r = client.post(url, {"file": bad})
    assert r.status_code == 400
    page = r.content.decode()
    assert "查无此人" in page and "与第 2 行重复" in page
    assert not session.attendance.exists()
    good = xlsx(
        [["乡镇", "村", "姓名"], ["南诏镇", nanzhao_villages[0], "王红"], ["南诏镇", nanzhao_villages[0], "李四"]]
    )
    assert client.post(url, {"file": good}).status_code == 200
    assert set(session.attendance.values_list("person_id", flat=True)) == {first.person_id, second.person_id}
    assert session.attendance.first().history.count() == 1
    assert web(users["township_miaojie"]).post(url, {"file": good}).status_code == 404

"""发督办: one DRAFT inspection notice to the township, naming the shortfall villages and gaps;
issued only when the inspector issues it through the notices workflow."""

import pytest

from supervision.models import Region
from workflows.notices import services as notices
from workflows.notices.models import Notice, NoticeAssignment

from .conftest import YEAR, village


@pytest.mark.django_db
def test_draft_notice_names_the_villages_and_gaps(users, townships, make, web):
    poor = village(townships)
    make("incomes", amount="15000")
    client = web(users["inspector"])
    r = client.post("/targets/board/notice/", {"township": townships["nanzhao"].pk, "year": YEAR})
    notice = Notice.objects.get()
    assert r.status_code == 302 and r["Location"] == notice.get_absolute_url()
    assert notice.state == "draft" and not notice.number
    assert list(notice.target_townships.all()) == [townships["nanzhao"]]
    assert not NoticeAssignment.objects.exists()  # nothing goes to the township before it is issued
    assert "南诏镇" in notice.title and str(YEAR) in notice.title
    assert f"{poor.name}——" in notice.findings
    assert "集体经济收入 15,000.00 元，距 20,000.00 元差 5,000.00 元" in notice.findings
    assert "村级后备力量 0 名，要求 1—2 名" in notice.findings
    others = Region.objects.filter(level="village").exclude(parent=townships["nanzhao"]).values_list("name", flat=True)
    for line in notice.findings.splitlines()[1:]:
        name = line.split(". ", 1)[1].split("——")[0]
        assert Region.objects.filter(parent=townships["nanzhao"], name=name).exists() or "电商示范点" in line
    assert not any(
        line.split(". ", 1)[1].startswith(f"{n}——")
        for line in notice.findings.splitlines()[1:]
        for n in set(others) - set(Region.objects.filter(parent=townships["nanzhao"]).values_list("name", flat=True))
    )
    # The inspector issues it through the notices workflow: only then is the township assigned.
    notices.notice_issue(actor=users["inspector"], notice=notice)
    assert list(NoticeAssignment.objects.values_list("township__pinyin", flat=True)) == ["nanzhao"]


@pytest.mark.django_db
def test_one_target_only(users, townships, make, web):
    make("incomes", amount="15000")
    web(users["inspector"]).post(
        "/targets/board/notice/", {"township": townships["nanzhao"].pk, "year": YEAR, "target": "income"}
    )
    notice = Notice.objects.get()
    assert "集体经济收入" in notice.findings and "村级后备力量" not in notice.findings


@pytest.mark.django_db
def test_bad_requests(users, townships, web):
    client = web(users["inspector"])
    assert client.post("/targets/board/notice/", {"township": "x", "year": YEAR}).status_code == 400
    assert client.post("/targets/board/notice/", {"township": townships["nanzhao"].pk, "year": 1900}).status_code == 400
    assert client.post("/targets/board/notice/", {"township": 999999, "year": YEAR}).status_code == 404
    assert client.get("/targets/board/notice/").status_code == 405
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_the_board_offers_it_to_the_inspector_only(users, web):
    assert "发督办" in web(users["inspector"]).get("/targets/board/").content.decode()
    assert "发督办" not in web(users["organization"]).get("/targets/board/").content.decode()
    assert "发督办" not in web(users["township_nanzhao"]).get("/targets/board/").content.decode()

"""Targets registers on the kernel UI layer: one FilterSet per register shared by the page, the API
and the export (same ids), sortable columns, the kernel pager; the row's page on the frame with the
kernel panel; a refused edit re-renders the page with the input kept."""
import io
import re

import pytest
from openpyxl import load_workbook

from supervision.transitions import available_transitions
from workflows.targets.models import CollectiveIncome, VillagerGroup

from .conftest import YEAR, village

pytestmark = pytest.mark.django_db


def _export_ids(content, model):
    """Exported rows → ids by (村, 名称/年度): the export has no id column."""
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True))
    keys = {(r[1], str(r[2])) for r in rows}
    return {o.pk for o in model.objects.select_related("village")
            if (o.village.name, str(getattr(o, "name", None) or getattr(o, "year", ""))) in keys}


@pytest.fixture
def groups(make, townships):
    return [make("villager-groups", v=village(townships, "nanzhao", 0), name="一组"),
            make("villager-groups", v=village(townships, "nanzhao", 1), name="二组", party_members=5),
            make("villager-groups", user="township_miaojie", v=village(townships, "miaojie", 0), name="三组")]


@pytest.mark.parametrize("query", ["", "township={nanzhao}", "village={village}", "q=二", "state=active",
                                   "state=dissolved", "township={nanzhao}&q=一"])
@pytest.mark.parametrize("username", ["organization", "township_nanzhao"])
def test_page_api_and_export_filter_alike(query, username, groups, users, townships, web, api):
    q = query.format(nanzhao=townships["nanzhao"].pk, village=groups[1].village_id)
    user = users[username]
    page = web(user).get(f"/targets/r/villager-groups/?{q}")
    assert page.status_code == 200
    page_ids = {int(i) for i in re.findall(r'<tr data-id="(\d+)"', page.content.decode())}
    body = api(user).get(f"/api/v1/villager-groups/?{q}")
    assert body.status_code == 200, body.content
    api_ids = {item["id"] for item in body.json()["results"]}
    export = web(user).get(f"/targets/r/villager-groups/export.xlsx?{q}")
    export_ids = _export_ids(export.content, VillagerGroup)
    assert page_ids == api_ids == export_ids, (q, page_ids, api_ids, export_ids)
    if username == "organization":
        expected = {"": 3, "q=二": 1, "state=dissolved": 0, "township={nanzhao}": 2}
        if query in expected:
            assert len(page_ids) == expected[query]
    else:
        assert groups[2].pk not in page_ids


def test_a_year_register_filters_by_year_alike(make, users, townships, web, api):
    this = make("incomes", v=village(townships, "nanzhao", 0))
    make("incomes", v=village(townships, "nanzhao", 1), year=YEAR - 1)
    user = users["organization"]
    page = web(user).get(f"/targets/r/incomes/?year={YEAR}").content.decode()
    page_ids = {int(i) for i in re.findall(r'<tr data-id="(\d+)"', page)}
    api_ids = {i["id"] for i in api(user).get(f"/api/v1/collective-incomes/?year={YEAR}").json()["results"]}
    export_ids = _export_ids(web(user).get(f"/targets/r/incomes/export.xlsx?year={YEAR}").content, CollectiveIncome)
    assert page_ids == api_ids == export_ids == {this.pk}


def test_columns_sort_and_bad_values_are_ignored_on_the_page_refused_by_the_api(groups, users, web, api):
    client = web(users["organization"])
    order = lambda html: [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)]  # noqa: E731
    up = client.get("/targets/r/villager-groups/?sort=name").content.decode()
    down = client.get("/targets/r/villager-groups/?sort=-name").content.decode()
    names = {g.pk: g.name for g in groups}
    assert [names[i] for i in order(up)] == sorted(names.values())
    assert [names[i] for i in order(down)] == sorted(names.values(), reverse=True)
    assert 'aria-sort="ascending"' in up and 'aria-sort="descending"' in down
    assert client.get("/targets/r/villager-groups/?township=x&village=99999999999999&sort=nope").status_code == 200
    assert api(users["organization"]).get("/api/v1/villager-groups/?township=x").status_code == 400


def test_the_row_page_is_the_kernel_frame_with_the_kernel_panel(groups, users, web):
    group = groups[0]
    user = users["township_nanzhao"]
    html = web(user).get(group.get_absolute_url()).content.decode()
    assert 'class="card record-header"' in html and 'class="card record-facts"' in html
    assert 'class="card record-timeline"' in html and "一组" in html
    key = group._meta.label_lower
    offered = set(re.findall(rf'<form method="post" action="/records/{re.escape(key)}/{group.pk}/transitions/(\w+)/"',
                             html))
    assert offered == set(available_transitions(group, user)) and offered
    assert 'id="edit-form"' in html


def test_a_refused_edit_re_renders_the_page_with_the_input_kept(groups, users, web):
    group = groups[0]
    r = web(users["township_nanzhao"]).post(f"/targets/r/villager-groups/{group.pk}/edit/",
                                            {"households": "12", "party_members": "-3", "note": "补录备注"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "操作未完成" not in html and 'class="card record-header"' in html
    form = html.split('id="edit-form"')[1].split("</form>")[0]
    assert 'value="补录备注"' in form and 'value="12"' in form
    members = form.split('data-field="party_members"')[1].split("data-field=")[0]
    assert 'class="errorlist field-errors"' in members
    group.refresh_from_db()
    assert group.note != "补录备注"

"""The register filters one way: the page, the API and the export share one FilterSet."""
import io
import re

import pytest
from openpyxl import load_workbook

from workflows.rectification.models import Rectification

pytestmark = pytest.mark.django_db


def _ids_from_rows(rows):
    """(township, village, year) of exported rows → record ids."""
    wanted = {(t, v, y) for t, v, y in rows}
    return {r.pk for r in Rectification.objects.select_related("village__parent")
            if (r.village.parent.name, r.village.name, r.year) in wanted}


@pytest.mark.parametrize("query", ["state=rectifying", "township={nanzhao}", "year=2026&q=鸡碧",
                                   "township={nanzhao}&state=screened", "overdue=true"])
def test_page_api_and_export_filter_alike(query, make, users, townships, web, api):
    made = [make("nanzhao", state="rectifying", index=0), make("nanzhao", state="screened", index=1),
            make("miaojie", state="rectifying", index=0), make("miaojie", state="planned", index=1)]
    assert len(made) == 4
    q = query.format(nanzhao=townships["nanzhao"].pk)
    user = users["organization"]
    page = web(user).get(f"/rectification/?{q}")
    assert page.status_code == 200
    page_ids = {int(i) for i in re.findall(r'class="rect-row[^"]*" data-id="(\d+)"', page.content.decode())}
    body = api(user).get(f"/api/v1/rectifications/?{q}")
    assert body.status_code == 200, body.content
    api_ids = {item["id"] for item in body.json()["results"]}
    book = load_workbook(io.BytesIO(web(user).get(f"/rectification/export.xlsx?{q}").content))
    export_ids = _ids_from_rows([(r[0], r[1], r[2]) for r in book.active.iter_rows(min_row=2, values_only=True)])
    assert page_ids == api_ids == export_ids, (q, page_ids, api_ids, export_ids)
    if q.startswith("state=rectifying"):
        assert page_ids == {made[0].pk, made[2].pk}


def test_columns_sort_both_ways_and_bad_values_are_ignored(make, users, web):
    a, b = make("nanzhao", state="screened", index=0, year=2025), make("nanzhao", state="screened", index=1)
    c = web(users["organization"])
    up = c.get("/rectification/?sort=year").content.decode()
    down = c.get("/rectification/?sort=-year").content.decode()
    order = lambda html: [int(i) for i in re.findall(r'data-id="(\d+)"', html)]  # noqa: E731
    assert order(up) == [a.pk, b.pk] and order(down) == [b.pk, a.pk]
    assert 'aria-sort="ascending"' in up and 'aria-sort="descending"' in down
    assert c.get("/rectification/?year=abc&township=x&sort=nonsense").status_code == 200

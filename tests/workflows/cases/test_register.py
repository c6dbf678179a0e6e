"""The cases register: one FilterSet for the page, the API and the export."""
import io

import openpyxl
import pytest

from workflows.cases.models import Case

from .conftest import advance, decide, fire, register

pytestmark = pytest.mark.django_db


def test_same_filter_same_cases_on_page_api_and_export(api, web, users, townships):
    kept = advance(register(users, townships, description="侵占低保资金"), users, "reviewing")
    decide(kept.matters.get(), users, {"outcome": "exempted", "four_forms": "first"})
    other = register(users, townships, description="侵占低保资金之二")
    fire(fire(other, "propose_disposition", users["discipline"], {"target": "inquiry"}), "approve",
         users["discipline_head"])
    register(users, townships, description="另一件")
    query = "q=低保&four_forms=first"
    body = api(users["discipline"]).get(f"/api/v1/cases/?{query}").json()
    api_ids = {row["id"] for row in body["results"]}
    page = web(users["discipline"]).get(f"/cases/?{query}")
    page_ids = {c.pk for c in page.context["page"]}
    sheet = openpyxl.load_workbook(io.BytesIO(web(users["discipline"]).get(f"/cases/export.xlsx?{query}").content))
    numbers = {row[0] for row in sheet.active.iter_rows(min_row=2, values_only=True)}
    export_ids = set(Case.objects.filter(number__in=numbers).values_list("pk", flat=True))
    assert api_ids == page_ids == export_ids == {kept.pk}

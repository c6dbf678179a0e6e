import pytest
from django.urls import reverse

from supervision.transitions import run_transition
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db


def _data(users, townships):
    a = widget(townships["nanzhao"], title="南诏事项")
    b = widget(townships["miaojie"], title="庙街事项")
    run_transition(model=Widget, pk=a.pk, name="submit", actor=users["township_nanzhao"])
    run_transition(model=Widget, pk=b.pk, name="submit", actor=users["township_miaojie"])
    return a, b


def test_auditor_searches_by_user_and_township(web, users, townships):
    a, b = _data(users, townships)
    client = web(users["auditor"])
    html = client.get(reverse("audit-search"), {"user": "township_nanzhao"}).content.decode()
    assert "南诏事项" in html and "庙街事项" not in html
    html = client.get(reverse("audit-search"), {"township": townships["miaojie"].pk}).content.decode()
    assert "庙街事项" in html and "南诏事项" not in html


def test_export_xlsx_and_csv(web, users, townships):
    _data(users, townships)
    client = web(users["auditor"])
    r = client.get(reverse("audit-search"), {"export": "csv", "transition": "submit"})
    body = r.content.decode("utf-8-sig")
    assert r["Content-Type"].startswith("text/csv") and body.count(",报送,") == 2
    r = client.get(reverse("audit-search"), {"export": "xlsx"})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_search_is_not_for_township_users(web, users, townships):
    _data(users, townships)
    assert web(users["township_nanzhao"]).get(reverse("audit-search")).status_code == 404

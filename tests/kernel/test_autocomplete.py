"""Searchable selects for growing choice lists: the kernel endpoint (scoped through
supervision.access) and the widget that renders only the chosen option of a long list."""
import pytest
from django import forms
from django.urls import reverse

from supervision.autocomplete import AutocompleteSelect
from supervision.models import Region

pytestmark = pytest.mark.django_db


def _get(web, user, kind, q=""):
    r = web(user).get(reverse("autocomplete", args=[kind]), {"q": q})
    assert r.status_code == 200
    return r.json()


def test_county_wide_user_finds_every_township(users, web):
    found = _get(web, users["inspector"], "township")
    assert len(found["results"]) == 10 and found["more"] is False
    assert [r["text"] for r in _get(web, users["inspector"], "township", "庙街")["results"]] == ["庙街镇"]


def test_township_user_finds_only_their_own(users, townships, web):
    user = users["township_nanzhao"]
    assert [r["id"] for r in _get(web, user, "township")["results"]] == [townships["nanzhao"].pk]
    villages = _get(web, user, "village")["results"]
    assert villages and all(r["text"].startswith("南诏镇") for r in villages)
    assert _get(web, user, "village", "建设")["results"] == []  # 巍宝山乡's village
    assert _get(web, user, "township", "庙街")["results"] == []


def test_pages_of_twenty_and_bad_input(users, web):
    first = _get(web, users["organization"], "village")
    assert len(first["results"]) == 20 and first["more"] is True
    c = web(users["organization"])
    assert c.get(reverse("autocomplete", args=["village"]), {"page": "x"}).status_code == 200
    assert c.get(reverse("autocomplete", args=["nonsense"])).status_code == 404
    assert web().get(reverse("autocomplete", args=["person"])).status_code == 302  # to the login page
    assert web(users["admin"]).get(reverse("autocomplete", args=["person"])).status_code == 404  # no role


class _Form(forms.Form):
    village = forms.ModelChoiceField(queryset=Region.objects.filter(level="village").order_by("code"),
                                     widget=AutocompleteSelect("village"), required=False)


def test_a_long_list_renders_only_the_chosen_option(county, monkeypatch):
    chosen = Region.objects.filter(level="village").order_by("code")[5]
    small = str(_Form(initial={"village": chosen.pk})["village"])
    assert small.count("<option") == Region.objects.filter(level="village").count() + 1
    assert "data-autocomplete" not in small
    monkeypatch.setattr(AutocompleteSelect, "SMALL", 10)
    html = str(_Form(initial={"village": chosen.pk})["village"])
    assert html.count("<option") == 2  # the empty choice and the chosen one
    assert f'value="{chosen.pk}" selected' in html and 'data-autocomplete="/autocomplete/village/"' in html
    form = _Form(data={"village": str(Region.objects.filter(level="village").order_by("code")[40].pk)})
    assert form.is_valid()  # any village still validates, though not rendered


@pytest.mark.parametrize("url, username", [
    ("cases:list", "discipline"), ("cases:routing", "discipline"), ("rectification:list", "organization"),
    ("postings:posting-list", "organization"), ("postings:recall-list", "organization"),
    ("postings:assessment-board", "organization"), ("targets:board", "leader"), ("marks", "organization"),
])
def test_filter_bars_never_list_every_township(users, web, monkeypatch, url, username):
    """Every hand-written filter bar's township select is the kernel's searchable one
    (``{% township_select %}``): beyond ``SMALL`` townships only the empty choice is rendered."""
    monkeypatch.setattr(AutocompleteSelect, "SMALL", 3)
    response = web(users[username]).get(reverse(url))
    assert response.status_code == 200, url
    html = response.content.decode()
    assert 'data-autocomplete="/autocomplete/township/' in html, url
    for name in Region.objects.filter(level="township").values_list("name", flat=True)[:10]:
        assert f">{name}</option>" not in html, (url, name)


def test_the_keys_are_counted_unsorted(county):
    """Deciding between a plain and an on-demand select reads how many keys there are, not which
    come first: the key query drops an ordering that cannot change its rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q:
        str(_Form()["village"])
    keys = [x["sql"] for x in q.captured_queries if "LIMIT 201" in x["sql"].upper()]
    assert len(keys) == 1 and "ORDER BY" not in keys[0].upper()

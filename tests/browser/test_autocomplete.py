"""The searchable select in a real page: the notices register's township filter, made "long" so
that it loads on demand; the user types, picks, and the filter applies."""
import pytest

from supervision.autocomplete import AutocompleteSelect
from supervision.models import Region
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def long_lists(monkeypatch):
    # Before the server process starts (it is forked): every growing list counts as long.
    monkeypatch.setattr(AutocompleteSelect, "SMALL", 1)


def test_township_filter_searches_and_applies(long_lists, live_url, new_page, county):
    page = new_page()
    login(page, live_url, "inspector")
    page.goto(f"{live_url}/notices/")
    assert page.locator("select[name=township] option").count() == 1  # only the empty choice
    search = page.locator("#id_township-search")
    search.fill("庙")
    page.wait_for_selector(".autocomplete-list li")
    screenshot(page, "autocomplete-township")
    page.click(".autocomplete-list li:has-text('庙街镇')")
    assert page.input_value("select[name=township]") == str(Region.objects.get(name="庙街镇").pk)
    page.click("#register-filters button[type=submit]")
    page.wait_for_url("**township=*")
    assert page.input_value("#id_township-search") == "庙街镇"  # the chosen one is rendered back

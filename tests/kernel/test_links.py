"""``links.record_url``: the address ``reverse`` gives, from a template reversed once per view."""
import pytest
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from supervision import links


@pytest.fixture(autouse=True)
def _fresh():
    links.clear()
    yield
    links.clear()
    set_script_prefix("/")


@pytest.mark.parametrize("pk", [0, 1, 7, 10, 12345, 2147480646, 2147480648, 9_999_999_999])
def test_the_same_address_as_reverse_for_every_key(pk):
    assert links.record_url("notices:assignment", pk) == reverse("notices:assignment", args=[pk])
    assert links.record_url("record-handler", pk, before=("notices.noticeassignment",), after=("take",)) == reverse(
        "record-handler", args=["notices.noticeassignment", pk, "take"])
    assert links.record_url("targets:detail", pk, before=("village",)) == reverse("targets:detail",
                                                                                  args=["village", pk])


def test_reversed_once_per_view_and_arguments(monkeypatch):
    calls = []
    real = links.reverse
    monkeypatch.setattr(links, "reverse", lambda *a, **k: calls.append(a) or real(*a, **k))
    for pk in range(50):
        links.record_url("cases:detail", pk)
    assert len(calls) == 2  # the marker and the probe, then never again
    links.record_url("cases:detail", 3, after=())
    links.record_url("targets:detail", 3, before=("village",))
    links.record_url("targets:detail", 4, before=("township",))
    assert len(calls) == 2 + 2 + 2


def test_a_key_that_is_not_a_plain_integer_goes_through_reverse():
    assert links.record_url("notices:assignment", "42") == reverse("notices:assignment", args=["42"])
    from django.urls import NoReverseMatch

    for key in (True, -1):  # reverse refuses these; so does record_url
        with pytest.raises(NoReverseMatch):
            reverse("notices:assignment", args=[key])
        with pytest.raises(NoReverseMatch):
            links.record_url("notices:assignment", key)


def test_the_script_prefix_is_part_of_the_template():
    assert links.record_url("notices:assignment", 5) == "/notices/assignments/5/"
    set_script_prefix("/weishan/")
    assert links.record_url("notices:assignment", 5) == "/weishan/notices/assignments/5/" == reverse(
        "notices:assignment", args=[5])


def test_a_view_whose_key_is_transformed_is_reversed_each_time(monkeypatch):
    # an address that depends on the key beyond its digits (a check digit): the probe refuses it
    real = links.reverse

    def checked(viewname, args=()):
        url = real(viewname, args=args)
        return f"{url}?c={args[0] % 7}" if viewname == "cases:detail" else url

    monkeypatch.setattr(links, "reverse", checked)
    assert links.record_url("cases:detail", 12) == "/cases/12/?c=5"
    assert links.record_url("cases:detail", 13) == "/cases/13/?c=6"
    assert links._templates[("cases:detail", (), (), "/", links.settings.ROOT_URLCONF)] == ()


@override_settings(ROOT_URLCONF="tests.kernel.urls_links")
def test_another_urlconf_gets_its_own_template():
    assert links.record_url("moved", 9) == "/elsewhere/9/"

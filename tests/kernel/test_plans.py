"""Read statements compiled once per shape (``supervision.plans``): the same rows as the queryset,
new values in their places, and no plan where a value does not reach the statement as a parameter."""
import pytest
from django.db import connection
from django.db.models import Count, Prefetch
from django.test.utils import CaptureQueriesContext

from supervision import inbox, plans
from supervision.models import Region
from tests.workflows.notices.helpers import issue


@pytest.fixture(autouse=True)
def _fresh():
    plans.clear()
    yield
    plans.clear()


class Counting:
    """A ``build`` that counts its calls."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, **values):
        self.calls += 1
        return self.build(**values)


def _villages(parent_id, codes, name):
    return (Region.objects.filter(parent_id=parent_id, level=Region.Level.VILLAGE)
            .exclude(code__in=codes).exclude(name=name).select_related("parent").order_by("code"))


def _keys(objs):
    return [(o.pk, o.parent.name) for o in objs]


def test_each_call_gets_the_rows_of_its_own_values_and_builds_no_queryset(townships):
    build = Counting(_villages)
    towns = list(townships.values())[:4]
    for town in towns:
        codes = tuple(sorted(Region.objects.filter(parent=town).values_list("code", flat=True)[:2]))
        values = {"parent_id": town.pk, "codes": codes, "name": "不存在"}
        got = plans.rows("villages", build, values)
        assert _keys(got) == _keys(_villages(**values)), town.name
        assert got and all(o.parent_id == town.pk and o.code not in codes for o in got)
    assert build.calls == 2  # the first call: the real values and the probes; then none


def test_the_planned_statement_is_the_one_django_compiles(townships):
    town = townships["nanzhao"]
    plans.rows("villages", _villages, {"parent_id": town.pk, "codes": ("1", "2"), "name": "甲"})
    with CaptureQueriesContext(connection) as planned:
        plans.rows("villages", _villages, {"parent_id": town.pk, "codes": ("3", "4"), "name": "乙"})
    with CaptureQueriesContext(connection) as plain:
        list(_villages(parent_id=town.pk, codes=("3", "4"), name="乙"))
    assert [q["sql"] for q in planned.captured_queries] == [q["sql"] for q in plain.captured_queries]


def test_a_new_shape_is_a_new_plan(townships):
    build = Counting(_villages)
    town = townships["nanzhao"]
    for codes in [("1",), ("1", "2"), ("3",), ("4", "5")]:
        plans.rows("villages", build, {"parent_id": town.pk, "codes": codes, "name": "甲"})
    assert build.calls == 4  # two shapes, each compiled with its probes once


@pytest.mark.parametrize("build", [
    # a value transformed before it reaches the statement
    lambda parent_id, name: Region.objects.filter(parent_id=parent_id + 0 * 1, name__icontains=name),
    # a value the statement does not hold as a parameter
    lambda parent_id, name: Region.objects.filter(parent_id=parent_id)[: len(name)],
    # a value compared in Python, changing the statement
    lambda parent_id, name: Region.objects.filter(parent_id=parent_id) if name == "南" else Region.objects.none(),
    # a prefetch with a queryset of its own
    lambda parent_id, name: Region.objects.filter(parent_id=parent_id).prefetch_related(
        Prefetch("children", queryset=Region.objects.filter(name=name))),
], ids=["transformed", "sliced", "python", "prefetch"])
def test_a_value_that_is_not_a_parameter_is_never_planned(build, townships):
    counting = Counting(build)
    town = townships["nanzhao"]
    for name in ["南", "诏", "南"]:
        got = plans.rows(("odd", id(build)), counting, {"parent_id": town.pk, "name": name})
        assert [o.pk for o in got] == [o.pk for o in build(parent_id=town.pk, name=name)]
    assert not plans._plans
    assert counting.calls >= 3  # every call builds its queryset afresh (the first may add its probes)


def test_annotations_and_converters_come_back_as_from_the_queryset(townships):
    def build(level):
        return Region.objects.filter(level=level).annotate(n=Count("children")).order_by("code")

    for _ in range(2):
        got = plans.rows("counted", build, {"level": Region.Level.TOWNSHIP})
        assert [(o.pk, o.n) for o in got] == [(o.pk, o.n) for o in build(Region.Level.TOWNSHIP)]
    assert len(plans._plans) == 1


def test_inbox_candidates_stay_in_each_users_scope(users, townships):
    issue(users, townships, targets=("nanzhao", "miaojie"), title="两镇同一通知")
    seen = {}
    for name in ["township_nanzhao", "township_miaojie", "township_nanzhao"]:
        box = inbox.inbox_for(users[name])
        seen[name] = {i.obj.township_id for i in box.mine + box.claimable if i.rt.key == "notices.noticeassignment"}
    assert seen["township_nanzhao"] == {townships["nanzhao"].pk}
    assert seen["township_miaojie"] == {townships["miaojie"].pk}
    assert any(key[0][0] == "visible" and key[0][2][0] == "inbox" for key in plans._plans)


def test_a_record_page_reads_the_record_in_the_readers_scope(users, townships, web):
    """The page's own record, its timeline and its handler come from planned statements: another
    township's record stays a 404, and each user gets their own record."""
    from tests.workflows.notices.helpers import build

    a = build("issued", users, townships)
    b = build("issued", users, townships, township="miaojie")
    for _ in range(2):
        assert web(users["township_nanzhao"]).get(a.get_absolute_url()).status_code == 200
        assert web(users["township_nanzhao"]).get(b.get_absolute_url()).status_code == 404
        assert web(users["township_miaojie"]).get(b.get_absolute_url()).status_code == 200
        assert web(users["township_miaojie"]).get(a.get_absolute_url()).status_code == 404
        assert web(users["township_miaojie"]).get("/notices/assignments/99999999999999/").status_code == 404
    assert any(key[0][0] == "visible" and key[0][2][0] == "one" for key in plans._plans)
    assert any(key[0][0] == "timeline_own" for key in plans._plans)


def test_a_related_managers_queryset_is_not_planned_and_a_label_is_planned_per_language(townships):
    from django.db.models import CharField, Value
    from django.utils.translation import gettext_lazy, override

    town = townships["nanzhao"]
    plans.rows("children", lambda pk: Region.objects.get(pk=pk).children.all(), {"pk": town.pk})

    def labelled(pk):
        return Region.objects.filter(pk=pk).annotate(label=Value(gettext_lazy("附件"), output_field=CharField()))

    for language in ["zh-hans", "en"]:
        with override(language):
            got = plans.rows("labelled", labelled, {"pk": town.pk})
            assert got[0].label == str(gettext_lazy("附件"))
    assert [key[0] for key in plans._plans] == ["labelled", "labelled"]  # one plan per language

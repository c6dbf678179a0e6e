"""Loading rows without ``Model.__init__`` (``supervision.models.loading.FastLoading``): the same
instances as Django's ``from_db``, and Django's path wherever that is not certain."""
import pytest
from django.apps import apps
from django.db.models import Model
from django.db.models.signals import post_init, pre_init
from django.test.utils import isolate_apps
from django_fsm import FSMField

from supervision.models import Notification, Region, User
from supervision.models.loading import FastLoading, is_plain
from tests.workflows.notices.helpers import issue
from workflows.notices.models import Notice, NoticeAssignment
from workflows.notices.tables import ASSIGNMENT_TABLE

pytestmark = pytest.mark.django_db


def _django_from_db(cls, db, names, values, fetch_mode=None):
    return Model.from_db.__func__(cls, db, names, values, fetch_mode=fetch_mode)


def _same(fast, slow):
    assert type(fast) is type(slow)
    fields = {k: v for k, v in fast.__dict__.items() if k != "_state"}
    assert fields == {k: v for k, v in slow.__dict__.items() if k != "_state"}
    assert list(fields) == [k for k in slow.__dict__ if k != "_state"]  # same order of attributes
    assert (fast._state.adding, fast._state.db) == (slow._state.adding, slow._state.db) == (False, "default")
    assert fast._state.fetch_mode is slow._state.fetch_mode
    assert fast.get_deferred_fields() == slow.get_deferred_fields()


def _loaded_both_ways(qs):
    fast = list(qs)
    original = FastLoading.__dict__["from_db"]
    try:
        FastLoading.from_db = classmethod(lambda cls, db, names, values, *, fetch_mode=None:
                                          _django_from_db(cls, db, names, values, fetch_mode))
        slow = list(qs.all())
    finally:
        FastLoading.from_db = original
    return fast, slow


def test_every_model_with_the_mixin_takes_the_fast_path():
    """Each model that has the mixin is one whose __init__ only stores what it loads (otherwise
    its rows would quietly keep paying Django's path)."""
    models = [m for m in apps.get_models() if issubclass(m, FastLoading)]
    assert Region in models and User in models and Notification in models and NoticeAssignment in models
    assert NoticeAssignment.history.model in models  # history rows, through ChainedHistoryModel
    assert [m for m in models if not is_plain(m)] == []


def test_full_deferred_and_joined_rows_are_the_instances_django_builds(users, townships):
    issue(users, townships, targets=("nanzhao", "miaojie"))
    register = ASSIGNMENT_TABLE.rows(NoticeAssignment.objects.select_related("notice", "township").order_by("pk"))
    querysets = [
        NoticeAssignment.objects.order_by("pk"),  # every column
        register,  # only(): most columns deferred, two joined models, deferred too
        NoticeAssignment.history.model.objects.select_related("history_user").order_by("history_id"),
        User.objects.order_by("pk"),
        Notice.objects.defer("findings", "requirements").order_by("pk"),
    ]
    for qs in querysets:
        fast, slow = _loaded_both_ways(qs)
        assert fast and len(fast) == len(slow)
        for f, s in zip(fast, slow, strict=True):
            _same(f, s)
            for name, related in s._state.fields_cache.items():  # select_related objects, alike
                _same(f._state.fields_cache[name], related)
    a = list(register)[0]
    assert "title" in a.notice.__dict__ and "findings" not in a.notice.__dict__
    assert a.notice.findings == "发现的问题"  # a deferred column still loads on first use


def test_a_loaded_protected_state_still_refuses_assignment(users, townships):
    notice = issue(users, townships)
    a = NoticeAssignment.objects.get(pk=notice.assignments.get().pk)
    assert a.state == "issued"
    field = NoticeAssignment._meta.get_field("state")
    assert isinstance(field, FSMField) and field.protected
    with pytest.raises(AttributeError):
        a.state = "closed"


def test_an_init_receiver_sends_loading_through_django(users):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    for signal in (pre_init, post_init):
        seen.clear()
        if signal is pre_init:
            signal.connect(lambda sender, **kw: seen.append(sender), sender=Region, weak=False,
                           dispatch_uid="test-loading")
        else:
            signal.connect(receiver, sender=Region, weak=False, dispatch_uid="test-loading")
        try:
            regions = list(Region.objects.all()[:3])
        finally:
            signal.disconnect(sender=Region, dispatch_uid="test-loading")
        assert len(regions) == 3 and len(seen) == 3
    assert len(list(Region.objects.all()[:3])) == 3  # and back to the fast path (no receivers)


@isolate_apps("supervision")
def test_a_class_that_is_not_plain_is_loaded_by_django(monkeypatch):
    """A custom __init__ or an unknown descriptor on a column: Django's from_db."""
    calls = []

    class Odd(FastLoading, Model):
        class Meta:
            app_label = "supervision"
            managed = False

        def __str__(self):
            return f"odd {self.pk}"

        def __init__(self, *args, **kwargs):
            calls.append(args)
            super().__init__(*args, **kwargs)

    assert not is_plain(Odd)
    obj = Odd.from_db("default", ["id"], [7])
    assert obj.pk == 7 and calls == [(7,)] and obj._state.adding is False

    class Shouting:  # a descriptor that changes what it stores
        def __set_name__(self, owner, name):
            self.name = name

        def __get__(self, instance, owner=None):
            return self if instance is None else instance.__dict__.get("name")

        def __set__(self, instance, value):
            instance.__dict__["name"] = str(value).upper()

    from supervision.models import loading

    monkeypatch.setattr(Region, "name", Shouting(), raising=True)
    monkeypatch.delitem(loading._PLAIN, Region, raising=False)
    assert not is_plain(Region)
    region = Region.from_db("default", ["id", "name"], [1, "nanzhao"])
    assert region.name == "NANZHAO"
    monkeypatch.undo()
    loading._PLAIN.pop(Region, None)
    assert is_plain(Region)

import pytest
from django.urls import reverse

from supervision import access
from supervision.models import Role, RoleAssignment
from tests.conftest import fresh
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db


def test_me_shows_township_scope(api, users):
    body = api(users["township_weibaoshan"]).get("/api/v1/me/").json()
    assert body["username"] == "township_weibaoshan"
    assert body["roles"] == [{"role": "township", "label": "乡镇", "scope": "township",
                              "region": {"id": body["roles"][0]["region"]["id"], "code": "532927200",
                                         "name": "巍宝山乡"}}]
    county = api(users["inspector"]).get("/api/v1/me/").json()
    assert county["roles"][0]["scope"] == "county"


def test_me_requires_login(api):
    assert api().get("/api/v1/me/").status_code in (401, 403)


def test_visible_is_scoped_by_township(users, townships):
    mine = widget(townships["nanzhao"])
    other = widget(townships["miaojie"])
    assert list(access.visible(users["township_nanzhao"], mine.__class__)) == [mine]
    assert set(access.visible(users["inspector"], mine.__class__)) == {mine, other}
    assert list(access.visible(users["discipline"], mine.__class__)) == []


def test_has_perm_honours_role_and_scope(users, townships):
    mine, other = widget(townships["nanzhao"]), widget(townships["miaojie"])
    t = users["township_nanzhao"]
    assert t.has_perm("kernelflow.submit", mine)
    assert not t.has_perm("kernelflow.submit", other)
    assert not t.has_perm("kernelflow.approve", mine)
    assert t.has_perm("kernelflow.submit")
    assert users["inspector"].has_perm("kernelflow.approve", other)
    assert not users["inspector"].has_perm("kernelflow.submit", other)
    assert not users["inspector"].has_perm("kernelflow.mark_overdue", other)  # system only


def test_user_with_two_townships_sees_both(users, townships):
    user = users["township_nanzhao"]
    RoleAssignment.objects.create(user=user, role=Role.TOWNSHIP, region=townships["miaojie"])
    a, b = widget(townships["nanzhao"]), widget(townships["miaojie"])
    widget(townships["dacang"])  # another township's: not visible
    assert set(access.visible(fresh(user), a.__class__)) == {a, b}


def test_inactive_user_has_no_rights(users, townships):
    w = widget(townships["nanzhao"])
    user = users["township_nanzhao"]
    user.is_active = False
    assert not access.visible(user, w.__class__).exists()
    assert not user.has_perm("kernelflow.submit", w)


def test_township_role_requires_a_township(users, county):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        RoleAssignment(user=users["leader"], role=Role.TOWNSHIP, region=county).full_clean()


def test_inbox_lists_only_in_scope_tasks(web, users, townships):
    widget(townships["nanzhao"], "南诏事项"), widget(townships["miaojie"], "庙街事项")
    page = web(users["township_nanzhao"]).get(reverse("home")).content.decode()
    assert "南诏事项" in page and "庙街事项" not in page
    # The inspector can act only once something is submitted.
    assert "南诏事项" not in web(users["inspector"]).get(reverse("home")).content.decode()


def test_a_person_sees_records_about_themselves_read_only(users, townships, monkeypatch):
    from supervision import registry
    from supervision.models import Person, User

    rt = registry.for_model(Widget)
    monkeypatch.setattr(rt, "person_lookup", "subject")
    person = Person.objects.create(name="驻村书记")
    own = widget(townships["miaojie"], subject=person)
    other = widget(townships["miaojie"])
    user = User.objects.create(username="secretary", person=person)
    assert list(access.visible(user, Widget)) == [own]
    assert access.can(user, "view", own) and not access.can(user, "view", other)
    assert not access.can(user, "submit", own)  # seeing is not acting


def test_preload_grants_fills_every_copy_of_a_user_in_one_query(users, django_assert_num_queries):
    from supervision import access
    from supervision.models import User

    a, b = User.objects.get(pk=users["inspector"].pk), User.objects.get(pk=users["inspector"].pk)
    other = User.objects.get(pk=users["township_nanzhao"].pk)
    with django_assert_num_queries(1):
        access.preload_grants([a, b, other, None])
    with django_assert_num_queries(0):
        assert access.grants(a) == access.grants(b) and access.has_role(b, "inspector")
        assert access.has_role(other, "township")


def test_grants_through_a_lazy_request_user_load_once_and_refuse_the_inactive(users, django_assert_num_queries):
    """``request.user`` is a lazy proxy: its grants are read from the user behind it (one query for
    the first call, none after), and an inactive or anonymous user has none."""
    from django.contrib.auth.models import AnonymousUser
    from django.utils.functional import SimpleLazyObject

    from supervision.models import User

    lazy = SimpleLazyObject(lambda: User.objects.get(pk=users["township_nanzhao"].pk))
    with django_assert_num_queries(2):  # the user, then their grants
        assert access.roles(lazy) == {"township"}
    with django_assert_num_queries(0):
        assert access.township_ids(lazy) and access.has_role(lazy, "township")
    inactive = User.objects.get(pk=users["inspector"].pk)
    inactive.is_active = False
    assert access.grants(SimpleLazyObject(lambda: inactive)) == []
    assert access.grants(SimpleLazyObject(AnonymousUser)) == [] and access.grants(None) == []


def test_a_scope_reaching_one_township_is_a_plain_condition_and_a_many_valued_one_lists_once(users, townships):
    """A record reaching one township (a widget's ``township``) is narrowed by the condition
    itself; one reaching several (a notice's ``assignments__township``) through its keys, so a
    user scoped to two of its townships still sees it once."""
    from supervision.models import User
    from workflows.notices.models import Notice
    from workflows.notices.services import notice_create, notice_issue

    mine = widget(townships["nanzhao"])
    widget(townships["miaojie"])
    qs = access.visible(users["township_nanzhao"], Widget)
    assert "IN (SELECT" not in str(qs.query).upper() and list(qs) == [mine]
    assert access._single_valued(Widget, "township") and not access._single_valued(Notice, "assignments__township")

    both = User.objects.create_user("both_towns", password="x-pass-123")
    for key in ("nanzhao", "miaojie"):
        RoleAssignment.objects.create(user=both, role="township", region=townships[key])
    notice = notice_create(actor=users["inspector"], title="两乡通知", findings="问题", requirements="要求",
                           category="other", urgency="normal",
                           target_townships=[townships["nanzhao"], townships["miaojie"]])
    notice_issue(actor=users["inspector"], notice=notice)
    assert list(access.visible(fresh(both), Notice).filter(pk=notice.pk)) == [notice]


def test_users_with_role_means_the_role_in_that_township(users, townships):
    """The role and the township on one assignment: a committee's handler who is also, say, the
    township contact of another township is not that other township's committee."""
    from supervision.models import User
    from supervision.notify import users_with_role, users_with_role_by_township

    both = User.objects.create_user("two_hats", password="x-pass-123")
    RoleAssignment.objects.create(user=both, role="township_discipline", region=townships["nanzhao"])
    RoleAssignment.objects.create(user=both, role="township", region=townships["miaojie"])
    assert both in users_with_role("township_discipline", townships["nanzhao"].pk)
    assert both not in users_with_role("township_discipline", townships["miaojie"].pk)
    assert both in users_with_role("township_discipline")
    by = users_with_role_by_township("township_discipline", [townships["nanzhao"].pk, townships["miaojie"].pk])
    assert both in by[townships["nanzhao"].pk] and both not in by[townships["miaojie"].pk]
    assert set(by[townships["miaojie"].pk]) == set(users_with_role("township_discipline", townships["miaojie"].pk))


def test_can_keeps_a_rules_scope_only_as_long_as_the_grants_it_came_from(users, townships):
    """``can`` works a rule's scope out once per user object and grants (a page checks every row
    against the same rules); grants loaded anew (a role added, then reloaded) are seen at once."""
    user = users["township_nanzhao"]
    other = widget(townships["miaojie"])
    assert not access.can(user, "submit", other)
    assert not access.can(user, "submit", other)  # the kept answer
    RoleAssignment.objects.create(user=user, role=Role.TOWNSHIP, region=townships["miaojie"])
    assert not access.can(user, "submit", other)  # same grants, same answer: no query per check
    del user._supervision_grants  # what a new request (or ``fresh``) does
    assert access.can(user, "submit", other)
    assert access.can(fresh(user), "submit", other)


def test_a_one_hop_scope_reads_the_foreign_key_without_loading_it(users, townships, django_assert_num_queries):
    w = Widget.objects.get(pk=widget(townships["nanzhao"]).pk)  # township not loaded
    with django_assert_num_queries(0):
        assert access.scope_region_ids(w) == {townships["nanzhao"].pk}
    w.township_id = None
    assert access.scope_region_ids(w) == set()

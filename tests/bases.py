"""Shared permission test bases (NetBox spirit): every workflow runs the same scope contract.

Subclass ``WorkflowPermissionContract`` in ``tests/workflows/<name>/test_permissions.py``
(the meta-test in tests/kernel/test_registry.py fails when a registered workflow has none):

    class TestNoticePermissions(WorkflowPermissionContract):
        workflow = "notices"
        api_list = "/api/v1/notice-assignments/"
        in_scope_user = "township_nanzhao"      # sees the record made by make_record
        out_of_scope_user = "township_miaojie"  # same role, other township → 404
        no_access_users = ["discipline"]       # roles that see nothing of this workflow
        a_transition = "acknowledge"

        def make_record(self, users, townships):  # a record in 南诏镇
            ...

The contract checks: anonymous → 401/403 and login redirect; no-access roles get 404 on the list
and the record; out-of-scope users get 404 on detail, history, transition (and the record is unchanged);
in-scope users see it; the task inbox and the UI detail page follow the same scope.
"""
import pytest
from django.urls import reverse

from supervision import registry


@pytest.mark.django_db
class WorkflowPermissionContract:
    workflow: str = ""
    api_list: str = ""
    in_scope_user: str = ""
    out_of_scope_user: str = ""
    no_access_users: list[str] = []
    a_transition: str = ""

    def make_record(self, users, townships):  # pragma: no cover - subclasses implement
        raise NotImplementedError

    @pytest.fixture
    def record(self, users, townships):
        return self.make_record(users, townships)

    def _detail(self, obj):
        return f"{self.api_list}{obj.pk}/"

    def _state(self, obj):
        rt = registry.for_model(obj)
        return getattr(type(obj).objects.get(pk=obj.pk), rt.state_field)

    def test_anonymous_is_refused(self, api, record, client):
        assert api().get(self.api_list).status_code in (401, 403)
        assert api().get(self._detail(record)).status_code in (401, 403)
        response = client.get(record.get_absolute_url())
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_no_access_roles_see_nothing(self, api, users, record, web):
        for username in self.no_access_users:
            user = users[username]
            assert api(user).get(self.api_list).status_code == 404, username
            assert api(user).get(self._detail(record)).status_code == 404, username
            assert web(user).get(record.get_absolute_url()).status_code == 404, username

    def test_out_of_scope_is_404_everywhere(self, api, users, record, web):
        user = users[self.out_of_scope_user]
        client = api(user)
        before = self._state(record)
        assert client.get(self._detail(record)).status_code == 404
        assert client.get(self._detail(record) + "history/").status_code == 404
        if self.a_transition:
            r = client.post(self._detail(record) + f"transitions/{self.a_transition}/", {"comment": "x"}, format="json")
            assert r.status_code == 404
        listing = client.get(self.api_list)
        assert listing.status_code == 404 or all(item["id"] != record.pk for item in listing.json()["results"])
        assert web(user).get(record.get_absolute_url()).status_code == 404
        key = record._meta.label_lower
        assert web(user).get(reverse("record-history", args=[key, record.pk])).status_code == 404
        home = web(user).get(reverse("home")).content.decode()
        assert record.get_absolute_url() not in home
        assert self._state(record) == before

    def test_in_scope_sees_it(self, api, users, record, web):
        user = users[self.in_scope_user]
        assert api(user).get(self._detail(record)).status_code == 200
        assert any(item["id"] == record.pk for item in api(user).get(self.api_list).json()["results"])
        assert web(user).get(record.get_absolute_url()).status_code == 200

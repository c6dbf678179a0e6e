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
in-scope users see it; the task inbox and the UI detail page follow the same scope; a user who
sees the record but whose role may not fire ``a_transition`` gets 403 (API and page) and nothing
is written; ``allowed_user`` firing it (with ``transition_data``) writes exactly one history row,
naming the actor and the transition. ``record_type`` names the registered record type the
contract covers: the meta-test fails when a registered record type has no contract.
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
    record_type: str = ""  # the RecordType key, e.g. "notices.noticeassignment"
    allowed_user: str = ""  # may fire a_transition on make_record's record
    wrong_role_user: str = "auditor"  # sees the record, may not fire a_transition
    transition_data: dict = {}

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

    def _history_count(self, obj):
        return type(obj).history.filter(id=obj.pk).count()

    def test_record_type_is_the_registered_one(self, record):
        assert self.record_type, f"{type(self).__name__}: set record_type"
        assert record._meta.label_lower == self.record_type
        assert registry.for_model(record).key == self.record_type

    def test_wrong_role_is_403_and_writes_nothing(self, api, users, record, web):
        assert self.a_transition and self.wrong_role_user
        user = users[self.wrong_role_user]
        client = api(user)
        assert client.get(self._detail(record)).status_code == 200, "the wrong-role user must see the record"
        assert self.a_transition not in client.get(self._detail(record)).json()["available_transitions"]
        before, rows = self._state(record), self._history_count(record)
        payload = {"comment": "越权操作", **self.transition_data}
        r = client.post(self._detail(record) + f"transitions/{self.a_transition}/", payload, format="json")
        assert r.status_code == 403, (r.status_code, r.content)
        url = reverse("record-transition", args=[record._meta.label_lower, record.pk, self.a_transition])
        assert web(user).post(url, payload).status_code == 403
        assert self._state(record) == before
        assert self._history_count(record) == rows

    def test_allowed_action_writes_exactly_one_history_row(self, api, users, record):
        assert self.a_transition and self.allowed_user
        user = users[self.allowed_user]
        before, rows = self._state(record), self._history_count(record)
        payload = {"comment": "同意", **self.transition_data}
        r = api(user).post(self._detail(record) + f"transitions/{self.a_transition}/", payload, format="json")
        assert r.status_code == 200, (r.status_code, r.content)
        assert self._history_count(record) == rows + 1
        row = type(record).history.filter(id=record.pk).order_by("-history_id").first()
        assert row.history_user_id == user.pk
        assert row.transition == self.a_transition
        assert (row.from_state, row.to_state) == (before, self._state(record))

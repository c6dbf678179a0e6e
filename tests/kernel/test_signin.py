"""Sign-in throttling (issue 10 item 1): per account, a separate per-address limit, trusted proxies
only, atomic under parallel attempts, the lockout's end time, admin view/unlock, Redis down."""
import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.db import connection
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from supervision.signin import client_address, normalise_username
from tests.concurrency import at_once
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
LOCKED = re.compile(r"请于 (\d{4}-\d\d-\d\d \d\d:\d\d) 后再试")


def _login(username, password, client=None, **extra):
    return (client or Client()).post(LOGIN, {"username": username, "password": password}, **extra)


def test_five_failures_for_one_account_do_not_lock_another_account_from_the_same_address(users):
    for _ in range(5):
        r = _login("township_qinghua", "wrong")
        assert r.status_code == 200 and "_auth_user_id" not in r.client.session
    # Another account, same address (the township's NAT, the county's proxy): unaffected.
    r = _login("leader", PASSWORD)
    assert r.status_code == 302
    # The sixth attempt for the failed account is refused, even with the right password, and says until when.
    r = _login("township_qinghua", PASSWORD)
    html = r.content.decode()
    assert r.status_code == 429
    assert LOCKED.search(html), html
    assert "_auth_user_id" not in r.client.session


def test_every_spelling_of_a_username_is_one_account(users):
    spellings = ["Township_Qinghua", " township_qinghua ", "TOWNSHIP_QINGHUA", "ｔｏｗｎｓｈｉｐ_qinghua",
                 "township_qinghua"]
    for spelling in spellings:
        _login(spelling, "wrong")
    assert normalise_username(" ＴＯＷＮＳＨＩＰ_Qinghua ") == "township_qinghua"
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"township_qinghua"}
    assert _login("township_qinghua", PASSWORD).status_code == 429


def test_a_successful_sign_in_clears_the_accounts_failures(users):
    for _ in range(4):
        _login("inspector", "wrong")
    assert _login("inspector", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="inspector").exists()
    for _ in range(4):
        _login("inspector", "wrong")
    assert _login("inspector", PASSWORD).status_code == 302


def test_per_address_limit_is_separate_and_higher(users, settings):
    settings.SUPERVISION = {**settings.SUPERVISION, "LOGIN_MAX_FAILURES_PER_ADDRESS": 8}
    names = [n for n in users if n.startswith("township_")]
    for name in names[:4]:
        for _ in range(2):  # two failures per account: no account reaches 5
            _login(name, "wrong", REMOTE_ADDR="198.51.100.7")
    r = _login("leader", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert r.status_code == 429 and LOCKED.search(r.content.decode())
    assert _login("leader", PASSWORD, REMOTE_ADDR="198.51.100.8").status_code == 302


def test_forwarded_address_is_believed_only_from_a_trusted_proxy(users, settings):
    rf = RequestFactory()
    spoofed = rf.post(LOGIN, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
    settings.TRUSTED_PROXIES = []
    assert client_address(spoofed) == "203.0.113.9"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(spoofed) == "203.0.113.9"  # not from the proxy: header ignored
    proxied = rf.post(LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.4, 10.0.0.3")
    assert client_address(proxied) == "198.51.100.4"  # nearest untrusted hop; the left part is client-made
    _login("auditor", "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.4")
    _login("auditor", "wrong", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.5")
    assert set(AccessAttempt.objects.filter(username="auditor").values_list("ip_address", flat=True)) == {
        "198.51.100.4", "203.0.113.9"}


def test_token_endpoint_is_throttled_the_same_way(users):
    api = APIClient()
    for _ in range(5):
        r = api.post(TOKEN, {"username": "Leader", "password": "wrong"}, format="json")
        assert r.status_code == 400
    r = api.post(TOKEN, {"username": "leader", "password": PASSWORD}, format="json")
    assert r.status_code == 429
    body = r.json()
    assert LOCKED.search(body["detail"]) and body["locked_until"] and int(r["Retry-After"]) > 0
    # Another account from the same address still gets its token.
    assert api.post(TOKEN, {"username": "inspector", "password": PASSWORD}, format="json").status_code == 200


def test_admin_sees_failures_and_unlocks_an_account(users):
    for _ in range(5):
        _login("organization", "wrong")
    assert _login("organization", PASSWORD).status_code == 429
    admin = Client()
    admin.force_login(users["admin"])
    html = admin.get("/admin/axes/accessattempt/").content.decode()
    assert "organization" in html
    assert "organization" in admin.get("/admin/axes/accessfailurelog/").content.decode()
    assert AccessFailureLog.objects.filter(username="organization", locked_out=True).exists()
    attempt = AccessAttempt.objects.get(username="organization")
    r = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302
    assert _login("organization", PASSWORD).status_code == 302


def test_sign_in_answers_with_redis_down(users, settings):
    """The counts live in the database: with the cache pointing at a closed port, sign-in works."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}
    from django.core.cache import cache

    with pytest.raises(Exception):  # noqa: B017 - really down
        cache.get("x")
    api = APIClient()
    assert api.post(TOKEN, {"username": "leader", "password": PASSWORD}, format="json").status_code == 200
    assert api.post(TOKEN, {"username": "leader", "password": "x"}, format="json").status_code == 400
    assert _login("leader", PASSWORD).status_code == 302


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel sign-ins need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_guesses_check_at_most_the_limit(users):
    def guess():
        return APIClient().post(TOKEN, {"username": "township_qinghua", "password": "wrong"},
                                format="json").status_code

    outcomes = at_once(*[guess for _ in range(20)])
    assert sorted(outcomes) == [400] * 5 + [429] * 15, outcomes
    assert sum(AccessAttempt.objects.filter(username="township_qinghua").values_list(
        "failures_since_start", flat=True)) == 5
    r = APIClient().post(TOKEN, {"username": "township_qinghua", "password": PASSWORD}, format="json")
    assert r.status_code == 429 and LOCKED.search(r.json()["detail"])

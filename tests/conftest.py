"""Shared fixtures: the demo county, users by role, API clients, on-commit helpers."""
import os
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from supervision.demo import seed_kernel
from supervision.models import Region, User
from tests.objectstore import object_storage, s3_server  # noqa: F401 - shared fixtures

Path(__file__).resolve().parent.parent.joinpath("test-artifacts").mkdir(exist_ok=True)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

PASSWORD = "test-pass-123"


COUNTY_CODE = "532927"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The demo county is seeded once per session, committed in the test database; each test
    then runs in a transaction that is rolled back, so it sees the county as seeded."""
    with django_db_blocker.unblock():
        seed_kernel(PASSWORD)


@pytest.fixture
def county(db):
    """The demo county with one user per role (password ``PASSWORD``).

    Seeded once per session (``django_db_setup``). A transactional test (``transaction=True``,
    browser tests) empties the database when it ends, and pytest-django runs those after
    every other database test: the first transactional test needing the county after such a
    flush seeds it again, committed, for itself."""
    county = Region.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        seed_kernel(PASSWORD)
        county = Region.objects.get(code=COUNTY_CODE)
    return county


@pytest.fixture
def users(county):
    """{username: User} for every demo user."""
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def townships(county):
    """{pinyin: Region} for the ten townships."""
    return {r.pinyin: r for r in Region.objects.filter(level=Region.Level.TOWNSHIP)}


@pytest.fixture
def api():
    """api(user) → an authenticated DRF client (None → anonymous)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def web(client):
    """web(user) → Django test client logged in as ``user``."""

    def make(user=None):
        from django.test import Client

        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


def fresh(user):
    """The same user without cached grants (after role changes)."""
    return User.objects.get(pk=user.pk)

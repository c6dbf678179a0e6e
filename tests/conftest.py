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


@pytest.fixture
def county(db):
    """The demo county with one user per role (password ``PASSWORD``)."""
    seed_kernel(PASSWORD)
    return Region.objects.get(code="532927")


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

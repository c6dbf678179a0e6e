"""Browser-test harness: the real ASGI app (HTTP + websockets) under daphne in a child
process, and Playwright driving Debian's headless chromium.

Use the ``live_url`` and ``browser`` fixtures and ``login(page, live_url, username)``.
Screenshots go to test-artifacts/screens/.
"""
import os
import shutil
from functools import partial
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


def _make_application():
    from channels.routing import get_default_application
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    return ASGIStaticFilesHandler(get_default_application())


def _use_test_database():
    """In the forked server: the same (test) database as the parent, over a fresh connection,
    and fresh sync-to-async executors. The parent may have used asgiref's executors (async
    tests, websocket tests); their worker threads do not survive fork(), and a forked executor
    that believes it has an idle worker would hang every database call of the server."""
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import AsyncToSync, SyncToAsync
    from django.conf import settings
    from django.db import connections

    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    SyncToAsync.context_to_thread_executor.clear()
    AsyncToSync.context_to_thread_executor.clear()

    for connection in connections.all():
        settings.DATABASES[connection.alias]["NAME"] = connection.settings_dict["NAME"]
        connection.connection = None  # the inherited socket belongs to the parent process
    # The same for PostgreSQL connection pools (DB_POOL): the inherited pools' connections are
    # the parent's sockets and their worker threads did not survive fork(). Keep the old pools
    # referenced (finalising them would close the parent's connections) and start afresh.
    from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLWrapper

    _INHERITED_POOLS.append(dict(PostgreSQLWrapper._connection_pools))
    PostgreSQLWrapper._connection_pools.clear()


_INHERITED_POOLS: list = []


@pytest.fixture
def live_url(transactional_db, settings):
    from daphne.testing import DaphneProcess

    for connection in connections.all():
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            pytest.fail("browser tests need a file or server database (see config/settings/test.py)")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1", "localhost"]
    process = DaphneProcess("127.0.0.1", partial(_make_application), setup=_use_test_database)
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        pytest.fail("daphne did not start")
    yield f"http://127.0.0.1:{process.port.value}"
    process.terminate()
    process.join(timeout=10)


@pytest.fixture
def _playwright():
    """Per test: Playwright's sync API runs an event loop in this thread while it is open,
    which would break every later async_to_sync call in the session."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian chromium not found at {CHROMIUM}: "
                    "install it (make browser-deps / apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture
def browser(_playwright):
    b = _playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
              "--no-first-run", "--disable-component-update", "--disable-sync"],
    )
    yield b
    b.close()


@pytest.fixture
def new_page(browser):
    """new_page(width=1280) → a fresh page in its own context (own cookies)."""
    contexts = []

    def make(width=1280, height=900, locale="zh-CN"):
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        ctx.set_default_timeout(15000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def login(page, live_url, username, password=PASSWORD):
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text(\"我的待办\"), h1:has-text(\"领导看板\")")  # a leader lands on the dashboard
    # The live socket is open once the page says so (set by live.js).
    # (A selector, not wait_for_function: that evaluates a string in the page, which the CSP forbids.)
    page.wait_for_selector("body[data-live=connected]", state="attached")
    # frame.js binds on DOMContentLoaded, which can come after the socket opened (deferred scripts).
    page.wait_for_selector("body[data-frame=ready]", state="attached")
    return page


def screenshot(page, name):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)

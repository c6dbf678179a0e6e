"""Test settings: the base settings plus the kernel's test-only workflow."""
import os

from .base import *  # noqa: F401,F403
from .base import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.kernelflow"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECRET_KEY = "test-only-key"

# Browser tests run the ASGI server in another process, so the SQLite test database must be
# a file (PostgreSQL test databases are shared by name anyway).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / "test-artifacts" / f"{os.environ.get('TEST_DB_NAME', 'test_db')}.sqlite3")}  # noqa: F405
MEDIA_ROOT = BASE_DIR / "test-artifacts" / f"media-{os.environ.get('TEST_DB_NAME', 'test_db')}"  # noqa: F405

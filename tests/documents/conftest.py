"""Helpers for the document tests: seed a workflow's demo data, read a PDF's text and fonts."""
import shutil
import subprocess
from io import StringIO

import pytest

from supervision import registry
from tests.browser.conftest import _playwright, browser, live_url, new_page  # noqa: F401


@pytest.fixture
def seed(county, django_capture_on_commit_callbacks):
    """seed("notices") → that workflow's demo records (as ``seed_demo`` makes them)."""

    def run(*names):
        with django_capture_on_commit_callbacks(execute=True):
            for name in names:
                registry.get_workflow(name).seed_demo(StringIO())

    return run


def _tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} missing: `make test` installs poppler-utils (make pdf-deps)")
    return path


def pdf_text(pdf: bytes, tmp_path, raw: bool = False) -> str:
    """The PDF's text; ``raw``: in content order (table cells that wrap stay whole)."""
    src = tmp_path / "doc.pdf"
    src.write_bytes(pdf)
    out = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", *(["-raw"] if raw else []), str(src), "-"],
                         capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def pdf_fonts(pdf: bytes, tmp_path) -> list[tuple[str, str]]:
    """[(font name, embedded yes/no)] from pdffonts."""
    src = tmp_path / "fonts.pdf"
    src.write_bytes(pdf)
    out = subprocess.run([_tool("pdffonts"), str(src)], capture_output=True, check=True).stdout.decode()
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID: emb is the 5th field from the end
        rows.append((parts[0], parts[-5]))
    return rows


def pdf_pages(pdf: bytes, tmp_path) -> tuple[float, float]:
    """The first page's size in points (A4 ≈ 595 × 842)."""
    src = tmp_path / "size.pdf"
    src.write_bytes(pdf)
    out = subprocess.run([_tool("pdfinfo"), str(src)], capture_output=True, check=True).stdout.decode()
    for line in out.splitlines():
        if line.startswith("Page size:"):
            bits = line.split()
            return float(bits[2]), float(bits[4])
    raise AssertionError(out)

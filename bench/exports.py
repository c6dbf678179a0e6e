"""Export time and peak memory: the notices register as XLSX, every assignment (100k at province
scale; run ``bench/province.py`` first), built in a fresh process.

    python bench/exports.py [--format xlsx|csv]

Prints rows, seconds to the last byte, bytes, and the process's peak RSS (and its growth over
the RSS before the export started).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    common.setup(migrate=False)
    from django.test import Client
    from django.urls import reverse

    from supervision.models import User
    from workflows.notices.models import NoticeAssignment

    rows = NoticeAssignment.objects.count()
    c = Client()
    c.force_login(User.objects.get(username="inspector"))
    c.get(reverse("notices:register"))  # warm: templates, translations
    before = _rss_mb()
    t = time.perf_counter()
    response = c.get(reverse("notices:export"))
    first = None
    size = 0
    for chunk in response.streaming_content:
        if first is None:
            first = time.perf_counter() - t
        size += len(chunk)
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"notices register XLSX export ({common.load_note()})")
    print(f"  {rows} rows in {elapsed:.1f} s (first bytes after {first:.2f} s), {size / 1e6:.1f} MB")
    print(f"  peak RSS {peak:.0f} MB (RSS before the export {before:.0f} MB, growth {peak - before:.0f} MB)")


if __name__ == "__main__":
    main()

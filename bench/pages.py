"""Page latencies at province scale against the ``/api/v1/me/`` floor (run ``bench/province.py`` first).

    python bench/pages.py [--requests 30] [--only detail,待办]

Each page is requested in-process through Django's test client (no network: server time only),
after a warm-up; each page request is followed by a floor request, so both see the same load;
prints p50/p95 per page and its p95 as a multiple of the floor's p95 measured alongside, and the
page's CPU time (this process: the server's work) as a multiple of the floor's.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--only", default="", help="comma-separated parts of page labels: measure only those")
    args = parser.parse_args(argv)
    common.setup(migrate=False)
    from django.test import Client
    from django.urls import reverse

    from bench.province import counts
    from supervision.models import RoleAssignment, User
    from workflows.notices.models import NoticeAssignment

    counts()
    common.vacuum()
    township = RoleAssignment.objects.filter(role="township", region__code__startswith="99").select_related(
        "user", "region").first()
    clients = {}
    for name in ("inspector", "auditor"):
        clients[name] = Client()
        clients[name].force_login(User.objects.get(username=name))
    clients["township"] = Client()
    clients["township"].force_login(township.user)
    a = NoticeAssignment.objects.filter(township=township.region).order_by("-pk").first()
    register = reverse("notices:register")
    pages = [
        ("/api/v1/me/ (floor)", "inspector", "/api/v1/me/"),
        ("notices register, first page", "inspector", register),
        ("notices register, filtered", "inspector", f"{register}?state=issued&urgency=urgent"),
        ("notices register, one township", "inspector", f"{register}?township={township.region_id}"),
        ("notices register (township user)", "township", register),
        ("assignment detail", "inspector", reverse("notices:assignment", args=[a.pk])),
        ("我的待办 (township user)", "township", reverse("home")),
        ("notifications (township user)", "township", reverse("notification-list")),
        ("audit search", "auditor", reverse("audit-search")),
        ("audit search, one township", "auditor", f"{reverse('audit-search')}?township={township.region_id}"),
    ]
    # the next (older) page of the audit search: its keyset cursor, as the page links it
    import re

    html = clients["auditor"].get(reverse("audit-search")).content.decode()
    found = re.search(r"before=([0-9]+_[0-9]+_[a-z0-9_]+)", html)
    following = found.group(1) if found else ""
    if following:
        pages.append(("audit search, next page", "auditor", f"{reverse('audit-search')}?before={following}"))
    print(f"pages, {args.requests} requests each, each interleaved with a floor request ({common.load_note()})")
    floor_label, floor_who, floor_url = pages[0]
    floor_client = clients[floor_who]
    only = [part for part in args.only.split(",") if part]
    for label, who, url in pages[1:]:
        if only and not any(part in label for part in only):
            continue
        c = clients[who]
        for _ in range(3):
            assert c.get(url).status_code == 200, (label, url)
            floor_client.get(floor_url)
        times, floor, cpu, floor_cpu = [], [], [], []
        for _ in range(args.requests):  # page and floor side by side: the same load for both
            t, c0 = time.perf_counter(), time.process_time()
            c.get(url)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c0)
            t, c0 = time.perf_counter(), time.process_time()
            floor_client.get(floor_url)
            floor.append(time.perf_counter() - t)
            floor_cpu.append(time.process_time() - c0)
        p50, p95, f95 = common.pct(times, 50), common.pct(times, 95), common.pct(floor, 95)
        # the server's CPU per request (in-process: the test client's work is the server's), as a
        # multiple of the floor's: steadier than wall-clock p95 on a machine whose speed moves
        cpu_ratio = sum(cpu) / max(sum(floor_cpu), 1e-9)
        print(f"  {label:36s} p50 {common.ms(p50):>9s}  p95 {common.ms(p95):>9s}  floor p95 {common.ms(f95):>8s}"
              f"  p95/floor {p95 / f95:4.1f}×  cpu/floor cpu {cpu_ratio:4.1f}×")
    print(f"  (floor: {floor_label}, {common.load_note()})")

if __name__ == "__main__":
    main()

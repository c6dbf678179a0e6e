"""Commit → browser push latency at 100/300/1,000 sockets on one daphne worker, against a bare
channels app on the same machine, in the same run (all on 127.0.0.1; bounded).

    python bench/notifications.py [--sockets 100,300,1000] [--bursts 5]

For each socket count: one daphne serving the project (``config.asgi``, sockets authenticated by
session as the province's township users) and one daphne serving a bare app (one consumer that
joins a group and forwards). ``--bursts`` times, one commit notifies every connected user (the
project: ``notify()`` in a transaction; bare: ``group_send`` to every group); each client notes
when its message arrives. Prints connect time, latency p50/p99 and messages lost (not arrived
20 s after the last burst). Needs ``bench/province.py`` data (its township users).
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


# --- a minimal websocket client (RFC 6455: handshake, unmasked server frames) --------------------

async def ws_open(port: int, path: str, cookie: str = ""):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2 ** 20)
    key = base64.b64encode(os.urandom(16)).decode()
    headers = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n")
    if cookie:
        headers += f"Cookie: {cookie}\r\n"
    writer.write((headers + "\r\n").encode())
    await writer.drain()
    status = await reader.readline()
    if b" 101 " not in status:
        raise ConnectionError(status.decode(errors="replace"))
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    return reader, writer


async def ws_recv(reader, writer=None) -> str | None:
    """The next frame's text; None on close, "" for other frames (a ping is answered with
    ``writer``: daphne pings every 20 s and closes a socket that does not answer)."""
    head = await reader.readexactly(2)
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    payload = await reader.readexactly(length)
    if opcode == 8:
        return None
    if opcode == 9 and writer is not None:  # pong, masked as client frames must be
        mask = os.urandom(4)
        writer.write(bytes([0x8A, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    return payload.decode() if opcode == 1 else ""


# --- servers ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_daphne(app: str, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"daphne {app} did not start")


# --- one measurement ----------------------------------------------------------------------------

class Clients:
    """N sockets in an event loop thread; records arrival time per (user, message id)."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.arrived: dict = {}
        self.writers = []

    def run(self, coro, timeout=600):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _one(self, port, path, cookie, key, sem):
        async with sem:
            reader, writer = await ws_open(port, path, cookie)
            await ws_recv(reader)  # hello
        self.writers.append(writer)
        asyncio.ensure_future(self._listen(reader, writer, key))

    async def _listen(self, reader, writer, key):
        try:
            while True:
                text = await ws_recv(reader, writer)
                if text is None:
                    return
                if not text:  # a ping (answered) or another control frame
                    continue
                msg = json.loads(text)
                if msg.get("type") == "notification":
                    self.arrived[(key, msg["notification"]["id"])] = time.time()
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    async def connect_all(self, port, targets):
        sem = asyncio.Semaphore(100)
        t = time.perf_counter()
        await asyncio.gather(*(self._one(port, path, cookie, key, sem) for key, path, cookie in targets))
        return time.perf_counter() - t

    async def close_all(self):
        for w in self.writers:
            w.close()


def measure(kind: str, port: int, n: int, bursts: int, users) -> dict:
    from django.db import transaction

    from supervision import notify

    clients = Clients()
    if kind == "project":
        targets = [(u.pk, "/ws/notifications/", cookie) for u, cookie in users[:n]]
    else:
        targets = [(i, f"/ws/?u={i}", "") for i in range(n)]
    connect = clients.run(clients.connect_all(port, targets))
    time.sleep(1)
    sent: dict = {}
    layer = None
    if kind == "bare":
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
    for b in range(bursts):
        if kind == "project":
            with transaction.atomic():
                created = notify.notify(recipients=[u for u, _c in users[:n]], verb="bench", message=f"第{b}批")
            at = time.time()  # committed
            for note in created:
                sent[(note.recipient_id, note.pk)] = at
        else:
            ident = 10 ** 9 + b
            at = time.time()
            notify._pusher.send(layer, [(f"bare.user.{i}", {"type": "notification.new", "notification": {"id": ident}})
                                        for i in range(n)])
            for i in range(n):
                sent[(i, ident)] = at
        time.sleep(0.5)
    notify.flush_pushes(timeout=60)
    deadline = time.time() + 20
    while time.time() < deadline and len(clients.arrived) < len(sent):
        time.sleep(0.2)
    latencies = [clients.arrived[k] - t for k, t in sent.items() if k in clients.arrived]
    clients.run(clients.close_all())
    return {"connect": connect, "p50": common.pct(latencies, 50), "p99": common.pct(latencies, 99),
            "lost": len(sent) - len(latencies), "sent": len(sent)}


def sessions_for(n: int):
    """Session cookies for n province township users (created in the bench database)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.module_loading import import_string

    from supervision.models import User

    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(b), "get_user"))
    users = list(User.objects.filter(username__startswith="bench_t").order_by("pk")[:n])
    if len(users) < n:
        sys.exit(f"need {n} province users: run bench/province.py first")
    out = []
    for u in users:
        s = SessionStore()
        s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(u.pk), backend
        s[HASH_SESSION_KEY] = u.get_session_auth_hash()
        s.create()
        out.append((u, f"{settings.SESSION_COOKIE_NAME}={s.session_key}"))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", default="100,300,1000")
    parser.add_argument("--bursts", type=int, default=5)
    args = parser.parse_args(argv)
    common.setup(migrate=False)
    counts = [int(x) for x in args.sockets.split(",")]
    users = sessions_for(max(counts))
    env = {**os.environ, "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "600"), "DEBUG": "false"}
    print(f"notification push, one daphne worker each, {args.bursts} bursts ({common.load_note()}; "
          f"project server with DB_CONN_MAX_AGE={env['DB_CONN_MAX_AGE']})")
    for n in counts:
        row = {}
        for kind, app in (("bare", "bench.bare_asgi:application"), ("project", "config.asgi:application")):
            port = free_port()
            server = start_daphne(app, port, env)
            try:
                row[kind] = measure(kind, port, n, args.bursts, users)
            finally:
                server.terminate()
                server.wait(timeout=20)
        p, b = row["project"], row["bare"]
        print(f"  {n:5d} sockets: connect project {p['connect']:.1f} s / bare {b['connect']:.1f} s "
              f"({p['connect'] / b['connect']:.1f}×); p50 {common.ms(p['p50'])} / {common.ms(b['p50'])}; "
              f"p99 {common.ms(p['p99'])} / {common.ms(b['p99'])} ({p['p99'] / b['p99']:.1f}×); "
              f"lost {p['lost']}/{p['sent']} / {b['lost']}/{b['sent']}")


if __name__ == "__main__":
    main()

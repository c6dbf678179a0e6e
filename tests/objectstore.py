"""A local S3-compatible server for the tests: moto's server (from the lock file) in a child
process on a free 127.0.0.1 port, one per test session, killed at the end. No Docker.

``s3_server`` → {"url": STORAGE_URL for a fresh bucket, "endpoint": ..., "bucket": ...};
``object_storage`` switches Django's default storage to it for one test.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "weishan-test", "AWS_SECRET_ACCESS_KEY": "weishan-test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


@pytest.fixture(scope="session")
def s3_server():
    import boto3

    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "moto-server.log", "ab")  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **CREDENTIALS})
    try:
        wait_for_port(port, process)
        endpoint = f"http://127.0.0.1:{port}"
        bucket = f"weishan-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                     aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                     region_name="us-east-1").create_bucket(Bucket=bucket)
        yield {"endpoint": endpoint, "bucket": bucket, "env": dict(CREDENTIALS),
               "url": f"s3://{bucket}/media?endpoint_url={endpoint}&region_name=us-east-1"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def object_storage(s3_server, settings, monkeypatch):
    """Django's default storage on the moto server for this test; returns ``s3_server``."""
    from config.settings.base import storage_from_url

    for name, value in s3_server["env"].items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_url(s3_server["url"])}
    return s3_server


def s3_client(s3_server):
    import boto3

    return boto3.client("s3", endpoint_url=s3_server["endpoint"], region_name="us-east-1",
                        aws_access_key_id=s3_server["env"]["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=s3_server["env"]["AWS_SECRET_ACCESS_KEY"])

"""Real services for fault tests: Celery workers in subprocesses on the test database, a private Redis server that can
be stopped and started again, and the test process's Celery app pointed at one broker and queue for a test.

Each worker reads a queue of its own and keeps its unacknowledged messages under keys of its own (see worker_app), so
fault tests can share a Redis with other installations without taking or restoring their messages.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
from django.conf import settings
from django.db import connection

from omega_attendance.celery import app

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def conninfo() -> str:
    """libpq connection string for the test database, for connections made outside Django."""
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        dbname=connection.settings_dict["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
    )


def database_url() -> str:
    """DATABASE_URL of the test database (pytest-django's test_ copy), for a worker subprocess."""
    db = settings.DATABASES["default"]
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{connection.settings_dict['NAME']}"


def unique_queue(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def wait_for(condition: Callable[[], object], what: str, timeout: float = 90, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Workers:
    """Start real Celery workers (solo pool) on the test database, all reading `queue` from `broker_url`.

    `visibility_timeout` is how long the broker waits before handing a delivered but unacknowledged task to another
    worker (None: kombu's hour, as in production). `application_name` labels the workers' database connections in
    pg_stat_activity. Use as a context manager: every worker still running is killed on the way out, and the
    queue's keys are removed from the broker.
    """

    def __init__(
        self,
        queue: str,
        broker_url: str | None = None,
        visibility_timeout: float | None = None,
        application_name: str = "",
    ):
        self.queue = queue
        self.broker_url = broker_url or settings.REDIS_URL
        self.application_name = application_name or queue
        self.transport_options: dict[str, object] = {
            "unacked_key": f"{queue}.unacked",
            "unacked_index_key": f"{queue}.unacked_index",
            "unacked_mutex_key": f"{queue}.unacked_mutex",
        }
        if visibility_timeout is not None:
            # Look for expired deliveries every second, not every 100 s, so a short timeout takes effect promptly.
            self.transport_options |= {
                "visibility_timeout": visibility_timeout,
                "unacked_restore_interval": 1,
                "unacked_restore_throttle": 1,
            }
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.broker_url,
            "CELERY_QUEUE": self.queue,
            "DJANGO_SETTINGS_MODULE": "omega_attendance.settings",
            "FAULT_TRANSPORT_OPTIONS": json.dumps(self.transport_options),
            "PGAPPNAME": self.application_name,
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.faults.worker_app", "worker", "--pool=solo"]
            + ["-Q", self.queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(worker)
        return worker

    @staticmethod
    def kill(worker: subprocess.Popen) -> None:
        """SIGKILL: the worker gets no chance to finish, acknowledge or hand back the task it is running."""
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        for worker in self.processes:
            if worker.poll() is None:
                worker.kill()
            worker.wait(timeout=30)
        try:
            client = redis.Redis.from_url(self.broker_url, socket_connect_timeout=2)
            client.delete(self.queue, *(str(v) for k, v in self.transport_options.items() if k.endswith("_key")))
        except redis.RedisError:
            pass  # a private broker already stopped takes its keys with it


class PrivateRedis:
    """A redis-server of the test's own, on a free port with its own data folder, persisting to an append-only file
    only (no snapshots), as a production broker should be configured so queued tasks outlive a restart."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
            + ["--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no"]
            + ["--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        wait_for(lambda: self._answers(client), "the private Redis to answer", timeout=20)

    def stop(self) -> None:
        """SIGTERM: Redis flushes its append-only file and exits, as a restart by the service manager would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=2)

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@contextmanager
def producing_to(queue: str, broker_url: str | None = None) -> Iterator[None]:
    """Within the block, tasks queued by the test process (`.delay()`, on-commit queueing) go to `queue` on
    `broker_url` (default: the configured broker)."""
    conf = app.conf
    saved = conf.broker_url, conf.task_default_queue
    conf.task_default_queue = queue
    if broker_url:
        conf.broker_url = broker_url
    _drop_broker_connections()
    try:
        yield
    finally:
        conf.broker_url, conf.task_default_queue = saved
        _drop_broker_connections()


def _drop_broker_connections() -> None:
    # The app keeps its connection and producer pools from first use; forget them (as Celery does in a forked child)
    # so the next task is published over a connection to the broker configured now. They are not closed: kombu's
    # registry of pools, keyed by broker, hands the same ones out again when the broker is switched back.
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None

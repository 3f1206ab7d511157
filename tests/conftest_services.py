"""
Real services for the tests that exercise the queue: a ``redis-server`` on a free 127.0.0.1 port and Celery worker
subprocesses that share the test database, the media folder and that Redis with the test process.

Tests that use a worker must be marked ``@pytest.mark.django_db(transaction=True)``, so the rows they create are
committed and the worker can see them.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKER_READY_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], Any], *, timeout: float, interval: float = 0.2, message: str = "") -> Any:
    """Poll ``condition`` until it returns a true value and return it; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(message or f"Condition not met within {timeout} s.")
        time.sleep(interval)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """Start a private redis-server without persistence on a free port and return its URL."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail("redis-server is not installed; install Debian's redis-server package to run the queue tests.")

    port = free_port()
    folder = tempfile.mkdtemp(prefix="oralcare-redis-")
    command = [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", folder, "--protected-mode", "yes"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    client = redis.Redis(host="127.0.0.1", port=port)

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"redis-server exited with {process.returncode} before answering on port {port}.")
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    wait_until(answers, timeout=15, message=f"redis-server did not answer on 127.0.0.1:{port} within 15 s.")
    yield f"redis://127.0.0.1:{port}/0"

    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def redis_broker(redis_url: str) -> Iterator[str]:
    """Point the test process's Celery app at the test Redis (and empty it) for the duration of one test."""
    from oralcare.celery import app

    redis.Redis.from_url(redis_url).flushdb()
    previous = (app.conf.broker_url, app.conf.broker_transport_options)
    app.close()
    app.conf.broker_url = redis_url
    app.conf.broker_transport_options = {"visibility_timeout": settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(
        "visibility_timeout", 3600)}
    yield redis_url

    app.close()
    app.conf.broker_url, app.conf.broker_transport_options = previous


def database_url() -> str:
    """Return a DATABASE_URL for the test database that the test process uses right now."""
    params = connection.settings_dict
    if params["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{params['NAME']}"
    if params["ENGINE"] == "django.db.backends.postgresql":
        user, password = quote(params["USER"] or "", safe=""), quote(params["PASSWORD"] or "", safe="")
        return f"postgres://{user}:{password}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
    raise RuntimeError(f"Worker tests do not support the database engine {params['ENGINE']}.")


class WorkerProcess:
    """A ``celery -A oralcare worker`` subprocess with its own working folder and log file."""

    def __init__(self, *, name: str, broker_url: str, folder: Path, concurrency: int, env: dict[str, str]) -> None:
        self.hostname = f"{name}@{socket.gethostname()}"
        self.folder = folder
        self.log_path = folder / "worker.log"
        folder.mkdir(parents=True, exist_ok=True)
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "oralcare.test_settings",
            "ORALCARE_VAR_DIR": str(settings.VAR_DIR),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "PYTHONPATH": str(REPO_ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "CUDA_VISIBLE_DEVICES": "",
            **env,
        }
        command = [sys.executable, "-m", "celery", "-A", "oralcare", "worker", "--pool", "prefork",
                   "--concurrency", str(concurrency), "--hostname", self.hostname, "--without-gossip",
                   "--without-mingle", "--loglevel", "WARNING"]
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop() and kill()
        # A new session makes the worker the leader of its own process group, so kill() reaches its pool too.
        self.process = subprocess.Popen(command, cwd=folder, env=environment, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = WORKER_READY_TIMEOUT) -> None:
        """Wait until the worker replies to a ping through the broker."""
        from oralcare.celery import app

        def answers() -> bool:
            if not self.is_alive():
                pytest.fail(f"Worker {self.hostname} exited with {self.process.returncode}:\n{self.log_text()}")
            return bool(app.control.ping(destination=[self.hostname], timeout=0.5))

        wait_until(answers, timeout=timeout, interval=0.1,
                   message=f"Worker {self.hostname} did not answer a ping within {timeout} s:\n{self.log_text()}")

    def pool_pids(self) -> list[int]:
        """Return the process ids of the worker's pool processes (its children)."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        if not children.exists():
            return []
        return [int(pid) for pid in children.read_text().split()]

    def kill_pool_process(self) -> int:
        """SIGKILL one pool process, as the kernel's out-of-memory killer would; the worker starts a new one."""
        pids = wait_until(self.pool_pids, timeout=30, message=f"Worker {self.hostname} has no pool process.")
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a machine losing power would."""
        if self.is_alive():
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._log.close()

    def stop(self, timeout: float = 30) -> None:
        """Stop the worker with SIGTERM (warm shutdown); SIGKILL it if it has not stopped within ``timeout``."""
        if self.is_alive():
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self._log.close()


@pytest.fixture
def start_worker(redis_broker: str, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """
    Return a function that starts a worker subprocess and waits until it replies to a ping. Every worker started
    this way is stopped after the test. Keyword arguments: ``name``, ``concurrency`` and ``env`` (extra
    environment variables, for example ``ORALCARE_TEST_TASK_DELAY``).
    """
    workers: list[WorkerProcess] = []

    def start(*, name: str | None = None, concurrency: int = 1, env: dict[str, str] | None = None,
              wait: bool = True) -> WorkerProcess:
        name = name or f"w{len(workers) + 1}-{uuid.uuid4().hex[:6]}"
        worker = WorkerProcess(name=name, broker_url=redis_broker, folder=tmp_path / name,
                               concurrency=concurrency, env=env or {})
        workers.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    yield start

    for worker in workers:
        worker.stop(timeout=15)


@pytest.fixture
def celery_worker(start_worker: Callable[..., WorkerProcess]) -> WorkerProcess:
    """One running worker subprocess (prefork pool, one process) on the test Redis and test database."""
    return start_worker()


@pytest.fixture
def tiny_active_model(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A small real Keras model, trained in seconds on generated photos and activated."""
    from ml.testing import make_tiny_model_version

    return make_tiny_model_version(tmp_path_factory.mktemp("tiny-model"))

"""
Shared set-up for the benchmark scripts: a throw-away OralCare instance on 127.0.0.1 with its own SQLite database,
media folder, redis-server and Celery workers, and a copy of a model version row from the development database.

Import this module before Django: ``prepare`` sets the environment that oralcare.settings reads.
"""

import argparse
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".bmp", ".tif", ".tiff"}

sys.path.insert(0, str(REPO_ROOT))


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model-version", metavar="NAME",
                        help="Model version to benchmark (default: the active one in --source-database).")
    parser.add_argument("--source-database", type=Path, default=REPO_ROOT / "var" / "oralcare.sqlite3",
                        help="SQLite database that holds the model version row (default: var/oralcare.sqlite3).")
    parser.add_argument("--photos", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "oral-photos",
                        help="Folder of photos, searched recursively (default: ../shared/data/oral-photos).")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark's temporary folder.")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    """Return the ``fraction`` quantile (0-1) of ``values`` by linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=1000, method="inclusive")[int(fraction * 1000) - 1]


def wait_until(condition: Callable[[], Any], *, timeout: float, interval: float = 0.05, description: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"Timed out after {timeout} s waiting for {description}.")


def source_model_row(database: Path, name: str | None) -> dict[str, Any]:
    """Read a model version row (by name, or the active one) from a SQLite database without Django."""
    if not database.is_file():
        raise SystemExit(f"{database} does not exist; give --source-database with the model version row.")
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    if name:
        row = connection.execute("SELECT * FROM ml_modelversion WHERE name = ?", (name,)).fetchone()
    else:
        row = connection.execute("SELECT * FROM ml_modelversion WHERE status = 'active'").fetchone()
    connection.close()
    if row is None:
        raise SystemExit(f"No model version {'named ' + repr(name) if name else 'is active'} in {database}; "
                         "give --model-version NAME.")
    return dict(row)


def photo_paths(folder: Path, count: int) -> list[Path]:
    """Return ``count`` photos from ``folder``, alternating between its subfolders (classes) in name order."""
    groups: dict[Path, list[Path]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in PHOTO_SUFFIXES:
            groups.setdefault(path.parent, []).append(path)
    mixed = [path for batch in zip(*groups.values(), strict=False) for path in batch]
    if len(mixed) < count:
        raise SystemExit(f"{folder} has {len(mixed)} photos in matching classes; {count} are needed.")
    return mixed[:count]


class Instance:
    """A temporary OralCare instance: environment, redis-server, workers and a gunicorn server."""

    def __init__(self, *, keep: bool) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="oralcare-bench-"))
        self.keep = keep
        self.processes: list[subprocess.Popen] = []
        self.redis_url = ""
        (self.folder / "var").mkdir()
        os.environ.update({
            "ORALCARE_VAR_DIR": str(self.folder / "var"),
            "DJANGO_SETTINGS_MODULE": "oralcare.settings",
            "DJANGO_DEBUG": "true",
            "LOG_LEVEL": "WARNING",
            "AXES_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "CUDA_VISIBLE_DEVICES": "",
            "PYTHONPATH": str(REPO_ROOT),
        })
        # DATABASE_URL or an S3 storage from the calling shell would point the benchmark at real data.
        for name in ("DATABASE_URL", "ORALCARE_STORAGE", "MEDIA_ROOT"):
            os.environ.pop(name, None)

    def start_redis(self) -> str:
        executable = shutil.which("redis-server")
        if executable is None:
            raise SystemExit("redis-server is not installed; install Debian's redis-server package.")
        port = free_port()
        self._spawn([executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", str(self.folder)], log_name="redis.log")
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        os.environ["CELERY_BROKER_URL"] = self.redis_url

        import redis

        client = redis.Redis(host="127.0.0.1", port=port)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_until(answers, timeout=15, description="redis-server")
        return self.redis_url

    def start_worker(self, *, name: str, concurrency: int) -> subprocess.Popen:
        from oralcare.celery import app

        hostname = f"{name}@{socket.gethostname()}"
        process = self._spawn(
            [sys.executable, "-m", "celery", "-A", "oralcare", "worker", "--pool", "prefork", "--concurrency",
             str(concurrency), "--hostname", hostname, "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            log_name=f"{name}.log", cwd=self.folder / name,
        )
        wait_until(lambda: app.control.ping(destination=[hostname], timeout=0.5), timeout=120,
                   description=f"worker {hostname} to answer a ping")
        return process

    def start_server(self) -> str:
        port = free_port()
        self._spawn([sys.executable, "-m", "gunicorn", "oralcare.wsgi:application", "--bind", f"127.0.0.1:{port}",
                     "--workers", "1", "--threads", "8", "--log-level", "warning"], log_name="gunicorn.log")

        def answers() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return True
            except OSError:
                return False

        wait_until(answers, timeout=60, description="gunicorn")
        return f"http://127.0.0.1:{port}"

    def stop_process(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    def close(self) -> None:
        for process in reversed(self.processes):
            self.stop_process(process)
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _spawn(self, command: list[str], *, log_name: str, cwd: Path | None = None) -> subprocess.Popen:
        (cwd or self.folder).mkdir(parents=True, exist_ok=True)
        log = open(self.folder / log_name, "ab")  # noqa: SIM115 - the child process holds it until it exits
        process = subprocess.Popen(command, cwd=cwd or self.folder, stdout=log, stderr=subprocess.STDOUT,
                                   env=dict(os.environ), start_new_session=True)
        self.processes.append(process)
        return process


def setup_django(row: dict[str, Any]) -> dict[str, Any]:
    """Migrate the benchmark database, activate a copy of the model version row and create a clinician's records."""
    import json

    import django

    django.setup()

    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from accounts.models import Clinic, Membership, User
    from diagnosis.models import Patient
    from ml import services
    from ml.models import ModelVersion

    call_command("migrate", verbosity=0)
    fields = {name: row[name] for name in ("name", "directory", "model_file", "model_sha256", "image_size",
                                           "threshold", "uncertain_low", "uncertain_high")}
    for name in ("class_names", "calibration", "metrics"):
        fields[name] = json.loads(row[name]) if isinstance(row[name], str) else row[name]
    version = services.activate(ModelVersion.objects.create(**fields), via="command")

    clinic = Clinic.objects.create(name="Benchmark clinic")
    user = User.objects.create_user(username="bench.clinician", password="benchmark-password-1")
    Membership.objects.create(user=user, clinic=clinic, role=Membership.Role.CLINICIAN)
    patient = Patient.objects.create(clinic=clinic, identifier="BENCH-1", created_by=user, updated_by=user)
    token = Token.objects.create(user=user)
    return {"version": version, "user": user, "patient": patient, "token": token.key}


def rss_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pool_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def machine_description() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} CPU cores ({cpu}), Python {sys.version.split()[0]}"

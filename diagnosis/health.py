"""
Health checks for ``GET /api/health/``: the database, the broker, live workers, the queue and the active model.
Each check has a short timeout and reports failures by name only, never with connection strings or secrets.
"""

import logging
import threading
import time
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Count

from diagnosis.models import Prediction
from ml.models import ModelVersion, TrainingRun

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0
PING_TIMEOUT_SECONDS = 1.0
# Each report opens a broker connection and waits up to a second for worker replies, so anonymous callers polling
# the endpoint share one report per process for this many seconds.
REPORT_CACHE_SECONDS = 5.0

_cache: dict[str, Any] = {"created": 0.0, "report": None}
_cache_lock = threading.Lock()


def cached_report() -> dict[str, Any]:
    """Return a report at most REPORT_CACHE_SECONDS old, running the checks again when it is older."""
    with _cache_lock:
        if _cache["report"] is None or time.monotonic() - _cache["created"] > REPORT_CACHE_SECONDS:
            _cache["report"] = report()
            _cache["created"] = time.monotonic()
        return _cache["report"]


def clear_cache() -> None:
    with _cache_lock:
        _cache["report"] = None


def check_database() -> dict[str, Any]:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        logger.error("Health check: the database is unreachable: %s", type(exc).__name__)
        return {"ok": False, "error": f"The database is unreachable ({type(exc).__name__})."}
    return {"ok": True}


def check_broker() -> dict[str, Any]:
    """Connect to the broker and read the length of the default task queue."""
    from oralcare.celery import app

    queue = app.conf.task_default_queue
    try:
        with app.connection_for_read(connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
            declared = conn.default_channel.queue_declare(queue=queue, passive=False)
            length = int(declared.message_count)
    except Exception as exc:
        logger.error("Health check: the broker is unreachable: %s", type(exc).__name__)
        return {"ok": False, "transport": app.conf.broker_url.split(":", 1)[0], "queue": queue,
                "queue_length": None, "error": f"The broker is unreachable ({type(exc).__name__})."}
    return {"ok": True, "transport": app.conf.broker_url.split(":", 1)[0], "queue": queue, "queue_length": length}


def live_workers() -> list[str] | None:
    """Return the names of the workers that replied to a ping, or None when the ping could not be sent."""
    from oralcare.celery import app

    try:
        replies = app.control.ping(timeout=PING_TIMEOUT_SECONDS)
    except Exception as exc:
        logger.warning("Health check: could not ping the workers: %s", type(exc).__name__)
        return None
    return sorted(name for reply in replies for name in reply)


def prediction_counts() -> dict[str, int]:
    open_states = [Prediction.Status.WAITING_FOR_MODEL, Prediction.Status.QUEUED, Prediction.Status.RUNNING]
    rows = Prediction.objects.filter(status__in=open_states).values("status").annotate(count=Count("id"))
    counts = {status.value: 0 for status in open_states}
    counts.update({row["status"]: row["count"] for row in rows})
    return counts


def active_model() -> dict[str, Any] | None:
    version = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    if version is None:
        return None
    return {"id": version.pk, "name": version.name, "activated_at": version.activated_at}


def latest_training() -> dict[str, Any] | None:
    run = TrainingRun.objects.order_by("-created_at", "-id").first()
    if run is None:
        return None
    return {
        "id": run.pk,
        "status": run.status,
        "phase": run.phase,
        "epoch": run.epoch,
        "total_epochs": run.total_epochs,
        "started_at": run.started_at,
    }


def model_message(model: dict[str, Any] | None, training: dict[str, Any] | None) -> str:
    """Describe in one or two sentences which model classifies photos, or how to get one."""
    if model is not None:
        return f"Model {model['name']} is active."

    train_command = "python manage.py train_model --data DIR --activate"
    if training is None:
        return f"No model is active. Train one with: {train_command}"

    if training["status"] == TrainingRun.Status.RUNNING:
        progress = "starting"
        if training["total_epochs"]:
            progress = f"epoch {training['epoch']} of {training['total_epochs']}"
        return (
            f"No model is active. A model is being trained ({progress}); photos are classified as soon as it is "
            "active."
        )
    if training["status"] == TrainingRun.Status.PENDING:
        return "No model is active. A training run is waiting to start; photos are classified as soon as it is active."
    if training["status"] == TrainingRun.Status.SUCCEEDED:
        return (
            f"No model is active. Training run {training['id']} finished; activate its model with: "
            "python manage.py activate_model VERSION"
        )
    return f"No model is active. The last training run failed. Train one with: {train_command}"


def report() -> dict[str, Any]:
    """
    Run every check. ``status`` is "ok" when everything works, "degraded" when the database works but the broker
    is unreachable, no worker replies to a ping or no model is active, and "unavailable" when the database is down.
    """
    database = check_database()
    if not database["ok"]:
        return {"status": "unavailable", "database": database}

    try:
        model = active_model()
        training = latest_training()
        counts = prediction_counts()
    except DatabaseError as exc:
        # Reachable but unusable, for example before migrations ran.
        logger.error("Health check: a database query failed: %s", type(exc).__name__)
        failed = {"ok": False, "error": f"A database query failed ({type(exc).__name__}); check the migrations."}
        return {"status": "unavailable", "database": failed}

    broker = check_broker()
    workers = live_workers() if broker["ok"] else None
    usable = broker["ok"] and bool(workers) and model is not None
    return {
        "status": "ok" if usable else "degraded",
        "database": database,
        "broker": broker,
        "workers": {"count": len(workers) if workers is not None else None, "names": workers or []},
        "predictions": counts,
        "active_model": model,
        "training": training,
        "message": model_message(model, training),
    }

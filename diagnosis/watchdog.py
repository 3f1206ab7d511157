"""
The watchdog: finds predictions that stopped moving and either sends them to the queue again or, after the last
attempt, marks them failed with the reason. ``manage.py watchdog`` runs it once or every few seconds.

A prediction stops moving when its task message is lost, because the broker lost its data or publishing failed
after the upload committed. It also stops when the worker running it died in a way that Celery cannot redeliver
soon: the whole worker machine stopped, or the hard time limit killed the task.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from diagnosis import audit, screening
from diagnosis.models import Prediction

logger = logging.getLogger(__name__)


@dataclass
class WatchdogReport:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    released: int = 0


def run_watchdog(*, now: datetime | None = None) -> WatchdogReport:
    """Re-send or fail every stale queued or running prediction, and queue the ones waiting for an active model."""
    now = now or timezone.now()
    report = WatchdogReport()

    for status in (Prediction.Status.RUNNING, Prediction.Status.QUEUED):
        for prediction_id in _stale_ids(status, now):
            outcome = _recover(prediction_id, status, now)
            if outcome == "requeued":
                report.requeued.append(prediction_id)
            elif outcome == "failed":
                report.failed.append(prediction_id)

    # Normally the activation signal releases these; this catches activations that bypassed ml.services.
    report.released = screening.release_waiting_predictions()
    return report


def _stale_ids(status: str, now: datetime) -> list[int]:
    cutoff = now - screening.stale_after(status)
    since_field = "started_at" if status == Prediction.Status.RUNNING else "queued_at"
    return list(
        Prediction.objects.filter(status=status, **{f"{since_field}__lt": cutoff}).values_list("pk", flat=True)
    )


def _recover(prediction_id: int, status: str, now: datetime) -> str:
    with transaction.atomic():
        prediction = Prediction.objects.select_for_update().filter(pk=prediction_id, status=status).first()
        if prediction is None:
            return "moved"

        # A queued prediction whose message was lost never reached a worker, so the lost delivery counts as an
        # attempt here. Otherwise a prediction whose messages keep getting lost would never end.
        if status == Prediction.Status.QUEUED:
            prediction.attempts += 1

        if prediction.attempts >= screening.max_attempts():
            _fail(prediction, now)
            return "failed"

        prediction.status = Prediction.Status.QUEUED
        prediction.queued_at = now
        prediction.save(update_fields=["status", "queued_at", "attempts"])
        screening.schedule(prediction.pk)

    logger.warning("Watchdog: prediction %s was %s too long; sent it to the queue again (attempt %s of %s).",
                   prediction_id, status, prediction.attempts + 1, screening.max_attempts())
    return "requeued"


def _fail(prediction: Prediction, now: datetime) -> None:
    previous = prediction.status
    prediction.status = Prediction.Status.FAILED
    prediction.finished_at = now
    prediction.error_code = "stalled"
    prediction.error_message = (
        f"The classification did not finish after {prediction.attempts} attempts: the worker running it stopped or "
        "the task was lost. Request the classification again; if this keeps happening, ask an administrator to "
        "check that the worker is running."
    )
    prediction.save(update_fields=["status", "finished_at", "error_code", "error_message", "attempts"])
    audit.record(
        "status_change", target=prediction, via="worker", changes={"status": [previous, prediction.status]}
    )
    logger.error("Watchdog: prediction %s (image %s) failed after %s attempts without finishing.",
                 prediction.pk, prediction.image_id, prediction.attempts)

"""
Requesting classifications and reading the queue: the web process, the intake and the management commands call
these functions. Nothing here imports TensorFlow; the worker's side lives in ``diagnosis.classification``.
"""

import logging
import math
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from diagnosis import audit
from diagnosis.models import Image, Prediction
from ml.models import ModelVersion
from ml.signals import model_activated

logger = logging.getLogger(__name__)

# Used for the wait estimate until enough predictions have succeeded to measure the real duration.
DEFAULT_TASK_SECONDS = 2.0
# The wait estimate uses the durations of this many recent successful predictions.
DURATION_SAMPLE_SIZE = 50


def active_model() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()


def request_prediction(image: Image, *, requested_by: Any) -> Prediction:
    """
    Create a prediction for ``image`` and schedule its classification once the transaction commits.

    With no active model the prediction waits in ``waiting_for_model`` and ``release_waiting_predictions`` queues it
    when a model is activated.
    """
    user = requested_by if requested_by is not None and getattr(requested_by, "is_authenticated", False) else None
    if active_model() is None:
        return Prediction.objects.create(image=image, requested_by=user, status=Prediction.Status.WAITING_FOR_MODEL)

    prediction = Prediction.objects.create(
        image=image, requested_by=user, status=Prediction.Status.QUEUED, queued_at=timezone.now()
    )
    schedule(prediction.pk)
    return prediction


def schedule(prediction_id: int) -> None:
    """Send the classification task after the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: enqueue(prediction_id))


def enqueue(prediction_id: int) -> bool:
    """
    Publish the classification task for one prediction. Returns False when the broker rejected the message.

    A publishing failure is logged and not raised: the prediction stays queued in the database and the watchdog
    sends it again, so an upload never fails because the broker is briefly unreachable.
    """
    from diagnosis.tasks import classify_image

    try:
        classify_image.delay(prediction_id=prediction_id)
    except Exception:
        logger.exception("Could not send the classification task for prediction %s; the watchdog will resend it.",
                         prediction_id)
        return False
    return True


@receiver(model_activated, dispatch_uid="diagnosis.screening.release_on_activation")
def _release_on_activation(sender: Any, version: ModelVersion, **kwargs: Any) -> None:
    released = release_waiting_predictions()
    if released:
        logger.info("Model version %s activated: %s waiting predictions queued.", version.pk, released)


def release_waiting_predictions() -> int:
    """Queue every prediction that waits for a model, if a model is active. Returns how many were queued."""
    if active_model() is None:
        return 0

    with transaction.atomic():
        waiting = list(
            Prediction.objects.select_for_update()
            .filter(status=Prediction.Status.WAITING_FOR_MODEL)
            .values_list("pk", flat=True)
        )
        Prediction.objects.filter(pk__in=waiting, status=Prediction.Status.WAITING_FOR_MODEL).update(
            status=Prediction.Status.QUEUED, queued_at=timezone.now()
        )
        for prediction_id in waiting:
            schedule(prediction_id)
    return len(waiting)


def reclassify(images: Iterable[Image], *, requested_by: Any, via: str, request: Any = None) -> list[Prediction]:
    """Request a new prediction for each image with the active model, keeping the earlier ones, and audit each."""
    predictions = []
    for image in images:
        with transaction.atomic():
            prediction = request_prediction(image, requested_by=requested_by)
            audit.record(
                "reclassify",
                actor=requested_by,
                target=image,
                request=request,
                via=via,
                changes={"prediction": [None, prediction.pk], "status": [None, prediction.status]},
            )
        predictions.append(prediction)
    return predictions


def queue_position(prediction: Prediction) -> int | None:
    """
    Return the 1-based position of a queued prediction among all queued predictions, ordered by ``queued_at``.

    Predictions that are already running are not counted. Returns None for any status other than queued.
    """
    if prediction.status != Prediction.Status.QUEUED or prediction.queued_at is None:
        return None

    ahead = Prediction.objects.filter(status=Prediction.Status.QUEUED).filter(
        Q(queued_at__lt=prediction.queued_at) | Q(queued_at=prediction.queued_at, pk__lt=prediction.pk)
    )
    return ahead.count() + 1


def estimated_wait_seconds(prediction: Prediction, *, position: int | None = None) -> float | None:
    """
    Estimate the seconds until a queued prediction succeeds. Returns None for any status other than queued.

    The estimate is ``ceil(position / busy_workers) * typical_duration``. The typical duration is the median
    time from start to finish of the recent successful predictions. The number of busy worker processes is the
    number of running predictions: while anything is queued, every live worker process is running one, so this
    counts the worker processes without asking the broker. It ignores how far the running ones have got and any
    failures, so it is a rough estimate for display only.
    """
    if position is None:
        position = queue_position(prediction)
    if position is None:
        return None

    busy_workers = max(1, Prediction.objects.filter(status=Prediction.Status.RUNNING).count())
    rounds = math.ceil(position / busy_workers)
    # Rounded up to a tenth of a second, so a queued prediction never shows a wait of zero.
    return math.ceil(rounds * typical_task_seconds() * 10) / 10


def typical_task_seconds() -> float:
    """Return the median duration in seconds of the recent successful predictions, or a default before any."""
    recent = (
        Prediction.objects.filter(
            status=Prediction.Status.SUCCEEDED, started_at__isnull=False, finished_at__isnull=False
        )
        .order_by("-finished_at")
        .values_list("started_at", "finished_at")[:DURATION_SAMPLE_SIZE]
    )
    durations = sorted((finished - started).total_seconds() for started, finished in recent)
    if not durations:
        return DEFAULT_TASK_SECONDS
    return max(0.01, durations[len(durations) // 2])


def max_attempts() -> int:
    """Return how many attempts the watchdog allows a stalled prediction before marking it failed."""
    # The task's own retries of transient errors are limited separately, by diagnosis.tasks.MAX_RETRIES.
    return int(getattr(settings, "ORALCARE_PREDICTION_MAX_ATTEMPTS", 3))


def stale_after(status: str) -> timedelta:
    """
    Return how long a prediction may stay queued or running before the watchdog acts on it.

    A running prediction must outlive the task's hard time limit first, so the watchdog never re-sends a task
    that a worker may still be running.
    """
    if status == Prediction.Status.RUNNING:
        default = int(settings.CELERY_TASK_TIME_LIMIT) + 60
        return timedelta(seconds=int(getattr(settings, "ORALCARE_WATCHDOG_RUNNING_SECONDS", default)))
    return timedelta(seconds=int(getattr(settings, "ORALCARE_WATCHDOG_QUEUED_SECONDS", 15 * 60)))

"""
Celery tasks of the screening pipeline. They take ids, and the work happens in ``diagnosis.classification`` and
``diagnosis.watchdog``.

Reliability settings come from ``CELERY_*`` in oralcare/settings.py: late acknowledgement, requeue when the worker
process is lost, one prefetched task per process, and soft and hard time limits. The task repeats the first two, so
they hold whatever the global configuration sets.
"""

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from diagnosis import classification, watchdog

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
# Exponential backoff between retries of a transient error: 2, 4, 8, 16, then at most 60 seconds.
RETRY_BACKOFF_FACTOR = 2
RETRY_BACKOFF_MAX = 60


@shared_task(
    bind=True,
    name="diagnosis.classify_image",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def classify_image(self, *, prediction_id: int) -> str:  # type: ignore[no-untyped-def]
    """Classify one prediction; retry transient errors with backoff and fail permanently after the last retry."""
    delivery_info = self.request.delivery_info or {}
    resume_running = self.request.retries > 0 or bool(delivery_info.get("redelivered"))

    try:
        return classification.run(prediction_id, resume_running=resume_running)
    except classification.TRANSIENT_ERRORS as exc:
        return _retry_or_fail(self, prediction_id, exc)


def _retry_or_fail(task, prediction_id: int, exc: BaseException) -> str:  # type: ignore[no-untyped-def]
    retries = task.request.retries
    if retries >= task.max_retries:
        logger.error("Prediction %s: %s after %s retries, giving up: %s", prediction_id, type(exc).__name__,
                     retries, exc)
        try:
            classification.fail_after_retries(prediction_id, exc, attempts=retries + 1)
        except classification.TRANSIENT_ERRORS:
            logger.exception("Prediction %s could not be marked failed; the watchdog will handle it.", prediction_id)
        return "failed"

    countdown = get_exponential_backoff_interval(
        factor=RETRY_BACKOFF_FACTOR, retries=retries, maximum=RETRY_BACKOFF_MAX, full_jitter=False
    )
    logger.warning("Prediction %s: %s: %s; retrying in %s s (retry %s of %s).", prediction_id,
                   type(exc).__name__, exc, countdown, retries + 1, task.max_retries)
    try:
        classification.return_to_queue(prediction_id)
    except classification.TRANSIENT_ERRORS:
        # The retry resumes a prediction left running (resume_running is true for retries).
        pass
    raise task.retry(exc=exc, countdown=countdown)


@shared_task(name="diagnosis.run_watchdog", acks_late=True)
def run_watchdog() -> dict[str, int]:
    """Run the watchdog once; schedule it with Celery beat as an alternative to ``manage.py watchdog --every``."""
    report = watchdog.run_watchdog()
    return {"requeued": len(report.requeued), "failed": len(report.failed), "released": report.released}

"""
Classifying one prediction inside a worker process: claim the row, read the photo, run the active model, store the
result and the Grad-CAM heat map. ``diagnosis.tasks.classify_image`` calls ``run``.

The model is loaded lazily by ``ml.inference.get_classifier`` on the first task of each worker process, so
TensorFlow is only ever imported in the forked pool processes, never in the worker's parent or the web process.
"""

import io
import logging
import time
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from diagnosis import audit
from diagnosis.models import Prediction, heatmap_upload_path

logger = logging.getLogger(__name__)

# Errors that may pass if the task runs again later: the database is locked, restarting or unreachable, the
# broker is unreachable, or the machine was too busy to finish within the soft time limit.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    BrokerOperationalError,
    ConnectionError,
    TimeoutError,
    SoftTimeLimitExceeded,
)

HEATMAP_JPEG_QUALITY = 85


class PermanentError(Exception):
    """A failure that running the task again cannot fix; ``message`` is shown to the clinician."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def run(prediction_id: int, *, resume_running: bool) -> str:
    """
    Classify one prediction and return the outcome: succeeded, failed, skipped, waiting_for_model or superseded.

    Transient errors are raised for the task to retry. Permanent errors are stored on the prediction with a
    message for the clinician, and their traceback is logged.
    """
    prediction = claim(prediction_id, resume_running=resume_running)
    if prediction is None:
        return "skipped"

    try:
        return _classify(prediction)
    except TRANSIENT_ERRORS:
        raise
    except PermanentError as exc:
        logger.exception("Prediction %s (image %s) failed: %s", prediction.pk, prediction.image_id, exc.code)
        record_failure(prediction, code=exc.code, message=exc.message)
        return "failed"
    except Exception:
        logger.exception("Prediction %s (image %s) failed with an unexpected error.", prediction.pk,
                         prediction.image_id)
        record_failure(
            prediction,
            code="internal_error",
            message=(
                f"The classification failed because of an internal error (prediction {prediction.pk}). Request the "
                "classification again; if it fails again, give this prediction number to your administrator."
            ),
        )
        return "failed"


def claim(prediction_id: int, *, resume_running: bool) -> Prediction | None:
    """
    Mark a queued prediction as running and return it, or return None when this delivery has nothing to do.

    The row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions take the database
    write lock), so two workers never both claim one prediction. A running prediction is claimed again only by a
    redelivery or a retry of its task (``resume_running``), because those mean the earlier run has stopped.
    A succeeded or failed prediction is never claimed, so a duplicate delivery changes nothing.

    NOTE: a redelivered copy of a duplicate message (for example one the watchdog re-sent) is also allowed to
    resume, so in that rare case two runs may overlap. The attempt check in record_success keeps only one result.
    """
    claimable = {Prediction.Status.QUEUED}
    if resume_running:
        claimable.add(Prediction.Status.RUNNING)

    with transaction.atomic():
        prediction = Prediction.objects.select_for_update().filter(pk=prediction_id).first()
        if prediction is None:
            logger.warning("Prediction %s does not exist; dropping its classification task.", prediction_id)
            return None

        if prediction.status not in claimable:
            logger.info("Prediction %s is %s; this delivery changes nothing.", prediction_id, prediction.status)
            return None

        prediction.status = Prediction.Status.RUNNING
        prediction.started_at = timezone.now()
        prediction.attempts += 1
        prediction.error_code = ""
        prediction.error_message = ""
        prediction.save(update_fields=["status", "started_at", "attempts", "error_code", "error_message"])
    return prediction


def _classify(prediction: Prediction) -> str:
    _delay_for_tests()

    classifier = _active_classifier()
    if classifier is None:
        _return_to_waiting(prediction)
        return "waiting_for_model"

    model_input, overlay_base = read_inputs(prediction, image_size=classifier.image_size)
    result = classifier.predict(model_input)
    heatmap_name = store_heatmap(classifier.heatmap(overlay_base, model_input=model_input))

    try:
        stored = record_success(prediction, version=classifier.version, result=result, heatmap_name=heatmap_name)
    except BaseException:
        default_storage.delete(heatmap_name)
        raise

    if not stored:
        default_storage.delete(heatmap_name)
        return "superseded"
    return "succeeded"


def _delay_for_tests() -> None:
    # Only oralcare.test_settings defines this setting: it keeps a task running long enough for a test to kill it.
    delay = float(getattr(settings, "ORALCARE_TEST_TASK_DELAY", 0) or 0)
    if delay > 0:
        time.sleep(delay)


def _active_classifier() -> Any:
    from ml.inference import get_classifier

    try:
        return get_classifier()
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        raise PermanentError(
            "model_unavailable",
            "The active model could not be loaded, so the photo was not classified. Ask an administrator to check "
            "the active model version, then request the classification again.",
        ) from exc


def read_inputs(prediction: Prediction, *, image_size: int) -> tuple[PILImage.Image, PILImage.Image]:
    """
    Return the model input and the heat map's base photo, from the small copies made at intake when they fit.

    The full-size photo is decoded only for a photo without copies, or when the active model takes another input
    size. The model resizes a full-size photo itself, with the same function that made the copy.
    """
    image = prediction.image
    model_input = _read_copy(image.model_input, expected_size=(image_size, image_size))
    overlay_base = _read_copy(image.preview, expected_size=None)
    if model_input is not None and overlay_base is not None:
        return model_input, overlay_base

    photo = read_photo(prediction)
    return (
        model_input if model_input is not None else photo,
        overlay_base if overlay_base is not None else photo,
    )


def read_model_input(prediction: Prediction, *, image_size: int) -> PILImage.Image:
    """Return the model input alone (the intake copy when it fits, else the full photo), for runs without heat map."""
    model_input = _read_copy(prediction.image.model_input, expected_size=(image_size, image_size))
    return model_input if model_input is not None else read_photo(prediction)


def _read_copy(field_file: Any, *, expected_size: tuple[int, int] | None) -> PILImage.Image | None:
    """Open an intake copy; return None when there is none, it has another size, or it cannot be read."""
    from diagnosis.intake import ImageRejected
    from ml import preprocess

    if not field_file or not field_file.name:
        return None
    try:
        with field_file.open("rb") as stored:
            # Relaxed limits: a small model's input copy may be below the minimum side that uploads must meet.
            copy = preprocess.read_photo(stored, relaxed=True)
    except (ImageRejected, UnidentifiedImageError, ValueError, OSError) as exc:
        # The full photo is still there, so a damaged or missing copy costs time, not the result.
        logger.warning(
            "Reading the stored copy %s of image %s failed (%s), so the full photo is used.",
            field_file.name,
            field_file.instance.pk,
            exc,
        )
        return None
    if expected_size is not None and copy.size != expected_size:
        return None
    return copy


def read_photo(prediction: Prediction) -> PILImage.Image:
    """Open the stored photo as RGB; raise PermanentError with a clinician-readable message if it cannot be read."""
    from diagnosis.intake import ImageRejected, load_rgb

    try:
        with prediction.image.file.open("rb") as stored:
            return load_rgb(stored)
    except ImageRejected as exc:
        raise PermanentError(
            "unreadable_image",
            f"The photo could not be classified: {exc.message} Upload a new photo of the lesion.",
        ) from exc
    except FileNotFoundError as exc:
        raise PermanentError(
            "missing_file",
            "The stored photo file is missing, so it could not be classified. Upload the photo again.",
        ) from exc
    except (UnidentifiedImageError, ValueError, OSError) as exc:
        raise PermanentError(
            "unreadable_image",
            "The stored photo is damaged and could not be read, so it was not classified. Upload the photo again.",
        ) from exc


def store_heatmap(overlay: PILImage.Image) -> str:
    """Save the heat map as a JPEG in the default storage and return its storage name."""
    buffer = io.BytesIO()
    overlay.convert("RGB").save(buffer, format="JPEG", quality=HEATMAP_JPEG_QUALITY)
    return default_storage.save(heatmap_upload_path(None, "heatmap.jpg"), ContentFile(buffer.getvalue()))  # type: ignore[arg-type]


def record_success(prediction: Prediction, *, version: Any, result: Any, heatmap_name: str) -> bool:
    """
    Store the result if this run still owns the prediction. Returns False when it does not.

    The update only matches the row while it is running with this run's attempt number. So a run that the
    watchdog replaced meanwhile leaves the newer run's state alone.
    """
    if result.label not in Prediction.Label.values:
        raise ValueError(f"The classifier returned the unknown label {result.label!r}.")

    with transaction.atomic():
        updated = Prediction.objects.filter(
            pk=prediction.pk, status=Prediction.Status.RUNNING, attempts=prediction.attempts
        ).update(
            status=Prediction.Status.SUCCEEDED,
            finished_at=timezone.now(),
            model_version=version,
            raw_probability=result.raw_probability,
            probability=result.probability,
            label=result.label,
            threshold=result.threshold,
            inference_ms=result.inference_ms,
            heatmap=heatmap_name,
        )
        if updated:
            audit.record("status_change", target=prediction, via="worker",
                         changes={"status": [Prediction.Status.RUNNING, Prediction.Status.SUCCEEDED]})
    return bool(updated)


def record_failure(prediction: Prediction, *, code: str, message: str) -> bool:
    """Mark a running prediction failed with a message for the clinician. Returns False if it was no longer ours."""
    with transaction.atomic():
        updated = Prediction.objects.filter(
            pk=prediction.pk, status=Prediction.Status.RUNNING, attempts=prediction.attempts
        ).update(status=Prediction.Status.FAILED, finished_at=timezone.now(), error_code=code[:40],
                 error_message=message)
        if updated:
            audit.record("status_change", target=prediction, via="worker",
                         changes={"status": [Prediction.Status.RUNNING, Prediction.Status.FAILED],
                                  "error_code": ["", code]})
    return bool(updated)


def fail_after_retries(prediction_id: int, exc: BaseException, *, attempts: int) -> None:
    """Mark a prediction failed after its last retry of a transient error."""
    if isinstance(exc, SoftTimeLimitExceeded):
        code = "timed_out"
        reason = "it did not finish within the time limit each time"
    else:
        code = "service_unavailable"
        reason = "the database or the task queue was unavailable each time"
    message = (
        f"The classification was tried {attempts} times and {reason}. Request the classification again later; if "
        "it fails again, ask an administrator to check the server."
    )

    with transaction.atomic():
        prediction = Prediction.objects.select_for_update().filter(pk=prediction_id).first()
        if prediction is None or prediction.status in Prediction.FINAL_STATES:
            return
        previous = prediction.status
        prediction.status = Prediction.Status.FAILED
        prediction.finished_at = timezone.now()
        prediction.error_code = code
        prediction.error_message = message
        prediction.save(update_fields=["status", "finished_at", "error_code", "error_message"])
        audit.record("status_change", target=prediction, via="worker",
                     changes={"status": [previous, Prediction.Status.FAILED], "error_code": ["", code]})


def return_to_queue(prediction_id: int) -> None:
    """Put a running prediction back to queued before its task is retried, so the retry can claim it."""
    Prediction.objects.filter(pk=prediction_id, status=Prediction.Status.RUNNING).update(
        status=Prediction.Status.QUEUED
    )


def _return_to_waiting(prediction: Prediction) -> None:
    logger.info("No model is active; prediction %s waits for one.", prediction.pk)
    Prediction.objects.filter(pk=prediction.pk, status=Prediction.Status.RUNNING).update(
        status=Prediction.Status.WAITING_FOR_MODEL, started_at=None
    )

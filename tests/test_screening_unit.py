"""
Unit tests of the screening pipeline, run in the test process: requesting predictions, the task's state machine
(run eagerly with ``apply``), failure handling, the watchdog and the queue estimates. The worker subprocess tests
are in test_worker_e2e.py.
"""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import OperationalError
from django.utils import timezone

from diagnosis import classification, screening, watchdog
from diagnosis.models import AuditEvent, Prediction
from diagnosis.tasks import classify_image
from ml import services as ml_services
from ml.inference import PredictionResult
from tests.screening_data import model_version_row, stored_image

pytestmark = pytest.mark.django_db


class FakeClassifier:
    """Stands in for ml.inference.Classifier; raises ``errors`` one by one before it returns results."""

    def __init__(self, version, *, probability: float = 0.9, label: str = "high_risk", errors=()) -> None:
        self.version = version
        self.image_size = version.image_size
        self.probability = probability
        self.label = label
        self.errors = list(errors)
        self.calls = 0

    def predict(self, image):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return PredictionResult(raw_probability=0.8, probability=self.probability, label=self.label,
                                threshold=0.5, inference_ms=1.5)

    def heatmap(self, image, *, model_input=None):
        return image


@pytest.fixture
def sent_tasks(monkeypatch):
    """Record the prediction ids that would be sent to the broker instead of sending them."""
    sent: list[int] = []
    monkeypatch.setattr(classify_image, "delay", lambda *, prediction_id: sent.append(prediction_id))
    return sent


@pytest.fixture
def fake_classifier(monkeypatch):
    classifier = FakeClassifier(model_version_row())
    monkeypatch.setattr("ml.inference.get_classifier", lambda: classifier)
    return classifier


@pytest.fixture
def image(case, clinician):
    return stored_image(case, clinician)


def queued_prediction(image, **fields) -> Prediction:
    values = {"status": Prediction.Status.QUEUED, "queued_at": timezone.now(), **fields}
    return Prediction.objects.create(image=image, **values)


def run_task(prediction: Prediction) -> str:
    return classify_image.apply(kwargs={"prediction_id": prediction.pk}).get()


def test_request_queues_with_active_model(image, clinician, sent_tasks, django_capture_on_commit_callbacks):
    model_version_row()
    with django_capture_on_commit_callbacks(execute=True):
        prediction = screening.request_prediction(image, requested_by=clinician)

    assert prediction.status == Prediction.Status.QUEUED
    assert prediction.queued_at is not None
    assert prediction.requested_by == clinician
    assert sent_tasks == [prediction.pk]


def test_request_sends_nothing_before_commit(image, clinician, sent_tasks, django_capture_on_commit_callbacks):
    model_version_row()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        screening.request_prediction(image, requested_by=clinician)

    assert sent_tasks == []
    assert len(callbacks) == 1


def test_request_waits_without_model(image, clinician, sent_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        prediction = screening.request_prediction(image, requested_by=clinician)

    assert prediction.status == Prediction.Status.WAITING_FOR_MODEL
    assert prediction.queued_at is None
    assert sent_tasks == []


def test_activation_releases_waiting(image, clinician, sent_tasks, django_capture_on_commit_callbacks):
    waiting = screening.request_prediction(image, requested_by=clinician)
    version = model_version_row(active=False)

    with django_capture_on_commit_callbacks(execute=True):
        ml_services.activate(version, via="command")

    waiting.refresh_from_db()
    assert waiting.status == Prediction.Status.QUEUED
    assert waiting.queued_at is not None
    assert sent_tasks == [waiting.pk]


def test_enqueue_failure_keeps_prediction_queued(image, clinician, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(**kwargs):
        raise ConnectionRefusedError("broker is down")

    monkeypatch.setattr(classify_image, "delay", broker_down)
    model_version_row()
    with django_capture_on_commit_callbacks(execute=True):
        prediction = screening.request_prediction(image, requested_by=clinician)

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.QUEUED


def test_task_stores_result_and_heatmap(image, fake_classifier):
    prediction = queued_prediction(image)

    assert run_task(prediction) == "succeeded"

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.SUCCEEDED
    assert prediction.attempts == 1
    assert prediction.model_version == fake_classifier.version
    assert prediction.raw_probability == pytest.approx(0.8)
    assert prediction.probability == pytest.approx(0.9)
    assert prediction.label == Prediction.Label.HIGH_RISK
    assert prediction.threshold == pytest.approx(0.5)
    assert prediction.inference_ms == pytest.approx(1.5)
    assert prediction.started_at is not None
    assert prediction.finished_at >= prediction.started_at
    assert default_storage.exists(prediction.heatmap.name)
    assert prediction.heatmap.name.endswith(".jpg")
    assert AuditEvent.objects.filter(action="status_change", target_type="prediction",
                                     target_id=str(prediction.pk), via="worker").exists()


def test_duplicate_delivery_changes_nothing(image, fake_classifier):
    prediction = queued_prediction(image)
    run_task(prediction)
    prediction.refresh_from_db()
    before = (prediction.status, prediction.attempts, prediction.finished_at, prediction.heatmap.name)

    assert run_task(prediction) == "skipped"

    prediction.refresh_from_db()
    assert (prediction.status, prediction.attempts, prediction.finished_at, prediction.heatmap.name) == before
    assert fake_classifier.calls == 1


def test_running_prediction_not_claimed_twice(image, fake_classifier):
    prediction = queued_prediction(image, status=Prediction.Status.RUNNING, started_at=timezone.now(), attempts=1)

    assert classification.claim(prediction.pk, resume_running=False) is None
    assert run_task(prediction) == "skipped"
    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.RUNNING
    assert prediction.attempts == 1


def test_redelivery_resumes_running_prediction(image, fake_classifier):
    prediction = queued_prediction(image, status=Prediction.Status.RUNNING, started_at=timezone.now(), attempts=1)

    assert classification.run(prediction.pk, resume_running=True) == "succeeded"

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.SUCCEEDED
    assert prediction.attempts == 2


def test_unreadable_photo_fails_with_message(case, clinician, fake_classifier):
    image = stored_image(case, clinician, content=b"this is not a photo at all" * 20)
    prediction = queued_prediction(image)

    assert run_task(prediction) == "failed"

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.error_code == "unreadable_image"
    assert "Upload" in prediction.error_message
    assert prediction.attempts == 1
    assert prediction.finished_at is not None
    assert fake_classifier.calls == 0


def test_missing_file_fails_with_message(image, fake_classifier):
    default_storage.delete(image.file.name)
    prediction = queued_prediction(image)

    run_task(prediction)

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.error_code == "missing_file"
    assert "missing" in prediction.error_message


def test_model_load_error_fails_with_message(image, monkeypatch):
    def broken():
        raise FileNotFoundError("final_mobilenet_model.keras")

    monkeypatch.setattr("ml.inference.get_classifier", broken)
    prediction = queued_prediction(image)

    run_task(prediction)

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.error_code == "model_unavailable"


def test_unexpected_error_fails_with_reference(image, fake_classifier):
    fake_classifier.errors = [RuntimeError("shape mismatch")]
    prediction = queued_prediction(image)

    run_task(prediction)

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.error_code == "internal_error"
    assert f"prediction {prediction.pk}" in prediction.error_message


def test_transient_error_retries(image, fake_classifier, monkeypatch):
    monkeypatch.setattr("diagnosis.tasks.RETRY_BACKOFF_MAX", 0)
    fake_classifier.errors = [OperationalError("database is locked")]
    prediction = queued_prediction(image)

    run_task(prediction)

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.SUCCEEDED
    assert prediction.attempts == 2
    assert fake_classifier.calls == 2


def test_transient_error_fails_after_last_retry(image, fake_classifier, monkeypatch):
    monkeypatch.setattr("diagnosis.tasks.RETRY_BACKOFF_MAX", 0)
    fake_classifier.errors = [OperationalError("database is locked")] * 10
    prediction = queued_prediction(image)

    run_task(prediction)

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.error_code == "service_unavailable"
    assert "Request the classification again" in prediction.error_message
    assert fake_classifier.calls == classify_image.max_retries + 1


def test_transient_and_permanent_errors_differ():
    assert isinstance(OperationalError("database is locked"), classification.TRANSIENT_ERRORS)
    assert isinstance(ConnectionRefusedError(), classification.TRANSIENT_ERRORS)
    assert not isinstance(FileNotFoundError(), classification.TRANSIENT_ERRORS)
    assert not isinstance(ValueError(), classification.TRANSIENT_ERRORS)


def test_unknown_label_is_rejected(image, fake_classifier):
    fake_classifier.label = "cancer"
    prediction = queued_prediction(image)

    run_task(prediction)

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.label == ""


def test_no_active_model_returns_to_waiting(image, monkeypatch):
    monkeypatch.setattr("ml.inference.get_classifier", lambda: None)
    prediction = queued_prediction(image)

    assert run_task(prediction) == "waiting_for_model"

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.WAITING_FOR_MODEL


def test_watchdog_requeues_stale_running(image, sent_tasks, django_capture_on_commit_callbacks):
    now = timezone.now()
    stale = queued_prediction(image, status=Prediction.Status.RUNNING, attempts=1,
                              started_at=now - screening.stale_after(Prediction.Status.RUNNING) - timedelta(seconds=1))
    fresh = queued_prediction(image, status=Prediction.Status.RUNNING, attempts=1, started_at=now)

    with django_capture_on_commit_callbacks(execute=True):
        report = watchdog.run_watchdog(now=now)

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert report.requeued == [stale.pk]
    assert stale.status == Prediction.Status.QUEUED
    assert stale.queued_at == now
    assert fresh.status == Prediction.Status.RUNNING
    assert sent_tasks == [stale.pk]


def test_watchdog_fails_after_last_attempt(image, sent_tasks):
    now = timezone.now()
    prediction = queued_prediction(
        image, status=Prediction.Status.RUNNING, attempts=screening.max_attempts(),
        started_at=now - screening.stale_after(Prediction.Status.RUNNING) - timedelta(seconds=1),
    )

    report = watchdog.run_watchdog(now=now)

    prediction.refresh_from_db()
    assert report.failed == [prediction.pk]
    assert prediction.status == Prediction.Status.FAILED
    assert prediction.error_code == "stalled"
    assert f"after {screening.max_attempts()} attempts" in prediction.error_message
    assert sent_tasks == []


def test_watchdog_counts_lost_queued_message(image, sent_tasks, django_capture_on_commit_callbacks):
    now = timezone.now()
    prediction = queued_prediction(
        image, queued_at=now - screening.stale_after(Prediction.Status.QUEUED) - timedelta(seconds=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        watchdog.run_watchdog(now=now)

    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.QUEUED
    assert prediction.attempts == 1
    assert sent_tasks == [prediction.pk]


def test_watchdog_leaves_final_states(image, sent_tasks):
    long_ago = timezone.now() - timedelta(days=2)
    done = queued_prediction(image, status=Prediction.Status.SUCCEEDED, started_at=long_ago, queued_at=long_ago)

    report = watchdog.run_watchdog()

    done.refresh_from_db()
    assert done.status == Prediction.Status.SUCCEEDED
    assert report.requeued == []
    assert report.failed == []


def test_queue_position_orders_by_queue_time(image):
    now = timezone.now()
    first = queued_prediction(image, queued_at=now - timedelta(seconds=30))
    second = queued_prediction(image, queued_at=now - timedelta(seconds=10))
    third = queued_prediction(image, queued_at=now)
    running = queued_prediction(image, status=Prediction.Status.RUNNING, started_at=now)

    assert screening.queue_position(first) == 1
    assert screening.queue_position(second) == 2
    assert screening.queue_position(third) == 3
    assert screening.queue_position(running) is None


def test_estimated_wait_uses_recent_durations(image):
    now = timezone.now()
    for _ in range(3):
        queued_prediction(image, status=Prediction.Status.SUCCEEDED, started_at=now - timedelta(seconds=4),
                          finished_at=now)
    queued_prediction(image, status=Prediction.Status.RUNNING, started_at=now)
    queued_prediction(image, status=Prediction.Status.RUNNING, started_at=now)
    waiting = [queued_prediction(image, queued_at=now + timedelta(seconds=index)) for index in range(3)]

    # Two running predictions mean two busy worker processes, each taking about 4 s per photo.
    assert screening.estimated_wait_seconds(waiting[0]) == pytest.approx(4.0)
    assert screening.estimated_wait_seconds(waiting[1]) == pytest.approx(4.0)
    assert screening.estimated_wait_seconds(waiting[2]) == pytest.approx(8.0)


def test_estimated_wait_default_without_history(image):
    prediction = queued_prediction(image)

    assert screening.estimated_wait_seconds(prediction) == pytest.approx(screening.DEFAULT_TASK_SECONDS)


@pytest.mark.slow
def test_real_model_label_follows_band(image, tiny_active_model):
    prediction = queued_prediction(image)

    assert run_task(prediction) == "succeeded"

    prediction.refresh_from_db()
    version = tiny_active_model
    if prediction.probability >= version.uncertain_high:
        expected = Prediction.Label.HIGH_RISK
    elif prediction.probability < version.uncertain_low:
        expected = Prediction.Label.LOW_RISK
    else:
        expected = Prediction.Label.UNCERTAIN
    assert prediction.label == expected
    assert prediction.model_version == version
    assert prediction.threshold == pytest.approx(version.threshold)
    assert 0.0 <= prediction.raw_probability <= 1.0


def test_web_process_never_imports_tensorflow():
    code = (
        "import sys, django; django.setup()\n"
        "import oralcare.urls, oralcare.wsgi, diagnosis.tasks, diagnosis.screening, diagnosis.api.screening.views\n"
        "from django.test import Client\n"
        "Client().get('/api/health/')\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in ('tensorflow', 'keras')))\n"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "oralcare.test_settings"}

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                            cwd=settings.BASE_DIR, timeout=120, check=True)

    assert result.stdout.strip().splitlines()[-1] == "[]"

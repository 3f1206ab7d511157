"""
The screening pipeline end to end: a real redis-server, real ``celery worker`` subprocesses (prefork pool) and a
real small Keras model, sharing the test database and media folder with the test process.
"""

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from diagnosis import screening, watchdog
from diagnosis.models import AuditEvent, Image, Prediction
from diagnosis.tasks import classify_image
from tests.conftest_services import wait_until
from tests.screening_data import jpeg_bytes, reddish_photo, stored_image

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(300)]

RESULT_TIMEOUT = 120.0


def wait_for_status(prediction: Prediction, *statuses: str, timeout: float = RESULT_TIMEOUT, worker=None) -> None:
    def reached() -> bool:
        prediction.refresh_from_db()
        return prediction.status in statuses

    log = f"\nWorker log:\n{worker.log_text()}" if worker is not None else ""
    wait_until(reached, timeout=timeout, interval=0.1,
               message=f"Prediction {prediction.pk} did not reach {statuses} within {timeout} s "
                       f"(it is {prediction.status}).{log}")


def successful_runs(prediction: Prediction) -> int:
    return AuditEvent.objects.filter(
        action="status_change", target_type="prediction", target_id=str(prediction.pk),
        changes__status=[Prediction.Status.RUNNING, Prediction.Status.SUCCEEDED],
    ).count()


def heatmap_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "heatmaps"
    return sorted(folder.glob("*.jpg")) if folder.exists() else []


def test_upload_is_classified_with_heatmap(tiny_active_model, celery_worker, case, clinician, outsider, api_as):
    upload = SimpleUploadedFile("lesion.jpg", jpeg_bytes(reddish_photo()), content_type="image/jpeg")
    response = api_as(clinician).post(f"/api/cases/{case.pk}/images/", {"image": upload}, format="multipart")
    assert response.status_code == 202
    [uploaded] = response.json()["images"]
    assert uploaded["latest_prediction"]["status"] in ("queued", "running", "succeeded")
    image = Image.objects.get(pk=uploaded["id"])
    prediction = image.predictions.get()

    wait_for_status(prediction, Prediction.Status.SUCCEEDED, worker=celery_worker)

    assert prediction.attempts == 1
    assert prediction.model_version == tiny_active_model
    assert prediction.label in Prediction.Label.values
    assert 0.0 <= prediction.probability <= 1.0
    assert prediction.inference_ms > 0
    assert prediction.queued_at <= prediction.started_at <= prediction.finished_at

    shown = api_as(clinician).get(f"/api/images/{image.pk}/").json()["latest_prediction"]
    assert shown["status"] == "succeeded"
    assert shown["heatmap_url"] == f"/api/images/{image.pk}/heatmap/?prediction={prediction.pk}"

    response = api_as(clinician).get(shown["heatmap_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"

    response = api_as(outsider).get(f"/api/images/{image.pk}/heatmap/")
    assert response.status_code == 404


def test_tensorflow_loads_only_in_pool(tiny_active_model, celery_worker, case, clinician):
    prediction = screening.request_prediction(stored_image(case, clinician), requested_by=clinician)
    wait_for_status(prediction, Prediction.Status.SUCCEEDED, worker=celery_worker)

    [pool_pid] = celery_worker.pool_pids()
    assert "tensorflow" not in Path(f"/proc/{celery_worker.pid}/maps").read_text()
    assert "tensorflow" in Path(f"/proc/{pool_pid}/maps").read_text()


def test_permanent_failure_shows_message(tiny_active_model, celery_worker, case, clinician, api_as):
    image = stored_image(case, clinician, content=b"GIF89a but not really a picture" * 10)
    prediction = screening.request_prediction(image, requested_by=clinician)

    wait_for_status(prediction, Prediction.Status.FAILED, Prediction.Status.SUCCEEDED, worker=celery_worker)

    assert prediction.status == Prediction.Status.FAILED
    assert prediction.attempts == 1
    response = api_as(clinician).get(f"/api/images/{image.pk}/predictions/")
    [shown] = response.json()["results"]
    assert shown["status"] == "failed"
    assert shown["error_code"] == "unreadable_image"
    assert "Upload a new photo" in shown["error_message"]
    assert f"Prediction {prediction.pk} (image {image.pk}) failed: unreadable_image" in celery_worker.log_text()
    assert "Traceback" in celery_worker.log_text()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="holds an exclusive SQLite lock")
def test_locked_database_retries(tiny_active_model, start_worker, case, clinician):
    worker = start_worker(env={"ORALCARE_TEST_SQLITE_TIMEOUT": "0.2"})
    image = stored_image(case, clinician)
    prediction = Prediction.objects.create(image=image, status=Prediction.Status.QUEUED, queued_at=timezone.now())

    # A second connection holds SQLite's write lock, so every write of the worker fails with "database is locked".
    blocker = sqlite3.connect(connection.settings_dict["NAME"], timeout=5, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        classify_image.delay(prediction_id=prediction.pk)
        wait_until(lambda: f"Prediction {prediction.pk}: OperationalError" in worker.log_text(), timeout=60,
                   message=f"The worker logged no retry:\n{worker.log_text()}")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    wait_for_status(prediction, Prediction.Status.SUCCEEDED, worker=worker)
    assert "database is locked" in worker.log_text()
    assert "retrying in" in worker.log_text()


def test_killed_pool_process_is_redelivered(tiny_active_model, start_worker, case, clinician):
    worker = start_worker(env={"ORALCARE_TEST_TASK_DELAY": "4"})
    image = stored_image(case, clinician)
    prediction = screening.request_prediction(image, requested_by=clinician)
    wait_for_status(prediction, Prediction.Status.RUNNING, worker=worker)

    worker.kill_pool_process()

    wait_for_status(prediction, Prediction.Status.SUCCEEDED, worker=worker)
    assert prediction.attempts == 2
    assert successful_runs(prediction) == 1
    assert Prediction.objects.count() == 1


def test_watchdog_recovers_after_worker_killed(tiny_active_model, start_worker, case, clinician):
    first = start_worker(env={"ORALCARE_TEST_TASK_DELAY": "30"})
    image = stored_image(case, clinician)
    prediction = screening.request_prediction(image, requested_by=clinician)
    wait_for_status(prediction, Prediction.Status.RUNNING, worker=first)

    # The whole worker dies, so nothing is redelivered until the broker's visibility timeout ends.
    first.kill()
    second = start_worker()
    later = timezone.now() + screening.stale_after(Prediction.Status.RUNNING) + timedelta(seconds=1)
    report = watchdog.run_watchdog(now=later)
    assert report.requeued == [prediction.pk]

    wait_for_status(prediction, Prediction.Status.SUCCEEDED, worker=second)
    assert prediction.attempts == 2
    assert successful_runs(prediction) == 1


def test_duplicate_delivery_changes_nothing(tiny_active_model, celery_worker, case, clinician):
    existing_heatmaps = set(heatmap_files())
    image = stored_image(case, clinician)
    prediction = screening.request_prediction(image, requested_by=clinician)
    wait_for_status(prediction, Prediction.Status.SUCCEEDED, worker=celery_worker)
    before = (prediction.attempts, prediction.finished_at, prediction.heatmap.name, prediction.probability)

    classify_image.delay(prediction_id=prediction.pk)
    classify_image.delay(prediction_id=prediction.pk)
    # One process takes tasks in order, so the duplicates are done once this later prediction has succeeded.
    marker = screening.request_prediction(stored_image(case, clinician), requested_by=clinician)
    wait_for_status(marker, Prediction.Status.SUCCEEDED, worker=celery_worker)

    prediction.refresh_from_db()
    assert (prediction.attempts, prediction.finished_at, prediction.heatmap.name, prediction.probability) == before
    assert successful_runs(prediction) == 1
    assert len(set(heatmap_files()) - existing_heatmaps) == 2


def test_two_workers_classify_each_once(tiny_active_model, start_worker, case, clinician):
    existing_heatmaps = set(heatmap_files())
    workers = [start_worker(name="camp-a", env={"ORALCARE_TEST_TASK_DELAY": "0.3"}),
               start_worker(name="camp-b", env={"ORALCARE_TEST_TASK_DELAY": "0.3"})]
    assert workers[0].folder != workers[1].folder

    with transaction.atomic():
        predictions = [screening.request_prediction(stored_image(case, clinician), requested_by=clinician)
                       for _ in range(8)]
    # Every task is sent a second time, so both workers see each prediction twice.
    for prediction in predictions:
        classify_image.delay(prediction_id=prediction.pk)

    for prediction in predictions:
        wait_for_status(prediction, Prediction.Status.SUCCEEDED, worker=workers[0])

    for prediction in predictions:
        assert prediction.attempts == 1
        assert successful_runs(prediction) == 1
    assert len(set(heatmap_files()) - existing_heatmaps) == len(predictions)

"""GET /api/health/: what anonymous and signed-in callers see, and the status code when a part is down."""

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from diagnosis import health
from diagnosis.api.screening.health_serializers import HealthSerializer
from ml.models import TrainingRun
from oralcare.celery import app as celery_app
from tests.conftest_services import free_port
from tests.screening_data import model_version_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_report():
    """Each test sees a report made under its own conditions, not one cached by an earlier test."""
    health.clear_cache()
    yield
    health.clear_cache()


@pytest.fixture
def broker_down(monkeypatch):
    """Point the Celery app at a 127.0.0.1 port where nothing listens."""
    celery_app.close()
    monkeypatch.setattr(celery_app.conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")
    yield
    celery_app.close()


@pytest.fixture
def take_database_down(monkeypatch):
    """Return a function that makes every new database query fail as if the server were unreachable."""

    def unreachable():
        raise OperationalError("could not connect to server")

    return lambda: monkeypatch.setattr(connection, "ensure_connection", unreachable)


def test_anonymous_sees_only_status(api, broker_down):
    response = api.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded"}
    assert response["Cache-Control"] == "no-store"


def test_signed_in_sees_details(api_as, clinician, broker_down):
    model_version_row(name="mobilenet-2026-12")

    body = api_as(clinician).get("/api/health/").json()

    assert body["status"] == "degraded"
    assert body["database"] == {"ok": True}
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"
    assert "unreachable" in body["broker"]["error"]
    assert body["active_model"]["name"] == "mobilenet-2026-12"
    assert body["predictions"] == {"waiting_for_model": 0, "queued": 0, "running": 0}


def test_details_leave_out_connection_strings(api_as, clinician, broker_down):
    text = api_as(clinician).get("/api/health/").content.decode()

    assert "redis://" not in text
    assert "127.0.0.1" not in text
    assert "SECRET" not in text.upper()


def test_database_down_answers_503(api, take_database_down):
    take_database_down()
    response = api.get("/api/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_database_down_signed_in_gets_reason(api_as, clinician, take_database_down):
    client = api_as(clinician)
    take_database_down()
    response = client.get("/api/health/")

    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_live_worker_and_model_are_ok(api_as, clinician, tiny_active_model, celery_worker):
    body = api_as(clinician).get("/api/health/").json()

    assert body["status"] == "ok"
    assert body["broker"]["ok"] is True
    assert body["broker"]["queue_length"] == 0
    assert body["workers"]["count"] == 1
    assert body["workers"]["names"] == [celery_worker.hostname]
    assert body["active_model"]["name"] == tiny_active_model.name


def test_report_is_cached_briefly(api, monkeypatch, broker_down):
    calls = []
    monkeypatch.setattr(health, "report", lambda: calls.append(1) or {"status": "degraded"})

    api.get("/api/health/")
    api.get("/api/health/")

    assert len(calls) == 1


def test_no_model_no_training_says_how_to_train(api_as, clinician, broker_down):
    body = api_as(clinician).get("/api/health/").json()

    assert body["active_model"] is None
    assert body["training"] is None
    assert body["message"].startswith("No model is active.")
    assert "python manage.py train_model --data DIR --activate" in body["message"]


def test_no_model_running_training_reports_epoch(api_as, clinician, broker_down):
    started_at = timezone.now()
    run = TrainingRun.objects.create(
        status=TrainingRun.Status.RUNNING, phase="head", epoch=3, total_epochs=19, started_at=started_at
    )

    body = api_as(clinician).get("/api/health/").json()

    assert body["training"]["id"] == run.pk
    assert body["training"]["status"] == "running"
    assert body["training"]["phase"] == "head"
    assert body["training"]["epoch"] == 3
    assert body["training"]["total_epochs"] == 19
    assert body["training"]["started_at"] is not None
    assert body["message"] == (
        "No model is active. A model is being trained (epoch 3 of 19); photos are classified as soon as it is active."
    )


def test_training_is_the_latest_run(api_as, clinician, broker_down):
    TrainingRun.objects.create(status=TrainingRun.Status.FAILED)
    latest = TrainingRun.objects.create(status=TrainingRun.Status.SUCCEEDED)

    body = api_as(clinician).get("/api/health/").json()

    assert body["training"]["id"] == latest.pk
    assert "activate_model" in body["message"]


def test_failed_training_says_how_to_train(api_as, clinician, broker_down):
    TrainingRun.objects.create(status=TrainingRun.Status.FAILED)

    body = api_as(clinician).get("/api/health/").json()

    assert "failed" in body["message"]
    assert "train_model --data DIR --activate" in body["message"]


def test_active_model_message_names_it(api_as, clinician, broker_down):
    model_version_row(name="mobilenet-2026-12")

    body = api_as(clinician).get("/api/health/").json()

    assert body["message"] == "Model mobilenet-2026-12 is active."


def test_anonymous_gets_no_training(api, broker_down):
    TrainingRun.objects.create(status=TrainingRun.Status.RUNNING, epoch=3, total_epochs=19)

    assert api.get("/api/health/").json() == {"status": "degraded"}


def test_report_matches_schema_serializer(api_as, clinician, broker_down):
    TrainingRun.objects.create(status=TrainingRun.Status.RUNNING, epoch=1, total_epochs=5)
    body = api_as(clinician).get("/api/health/").json()

    serializer = HealthSerializer(data=body)

    assert serializer.is_valid(), serializer.errors
    assert set(body) <= set(HealthSerializer().fields)

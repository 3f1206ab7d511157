"""The prediction and heat map endpoints: results, re-classification, access rules and auditing."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from diagnosis.models import AuditEvent, Prediction
from diagnosis.tasks import classify_image
from tests.screening_data import jpeg_bytes, model_version_row, reddish_photo, stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sent_tasks(monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr(classify_image, "delay", lambda *, prediction_id: sent.append(prediction_id))
    return sent


@pytest.fixture
def image(case, clinician):
    return stored_image(case, clinician)


@pytest.fixture
def succeeded(image):
    version = model_version_row(name="mobilenet-v3")
    prediction = Prediction(
        image=image, model_version=version, status=Prediction.Status.SUCCEEDED, attempts=1,
        queued_at=timezone.now(), started_at=timezone.now(), finished_at=timezone.now(),
        raw_probability=0.7, probability=0.82, label=Prediction.Label.HIGH_RISK, threshold=0.5, inference_ms=3.1,
    )
    prediction.heatmap.save("heatmap.jpg", ContentFile(jpeg_bytes(reddish_photo())), save=False)
    prediction.save()
    return prediction


def test_list_shows_result(api_as, clinician, image, succeeded):
    response = api_as(clinician).get(f"/api/images/{image.pk}/predictions/")

    assert response.status_code == 200
    [shown] = response.json()["results"]
    assert shown["status"] == "succeeded"
    assert shown["label"] == "high_risk"
    assert shown["probability"] == pytest.approx(0.82)
    assert shown["model_version"] == "mobilenet-v3"
    assert shown["queue_position"] is None
    assert shown["heatmap_url"] == f"/api/images/{image.pk}/heatmap/?prediction={succeeded.pk}"
    assert AuditEvent.objects.filter(action="read", image=image, actor=clinician).exists()


def test_post_reclassifies_as_new_prediction(api_as, clinician, image, succeeded, sent_tasks,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(clinician).post(f"/api/images/{image.pk}/predictions/")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["queue_position"] == 1
    assert body["estimated_wait_seconds"] > 0
    assert sent_tasks == [body["id"]]
    assert image.predictions.count() == 2
    assert AuditEvent.objects.filter(action="reclassify", image=image, actor=clinician).count() == 1


def test_post_without_model_waits(api_as, clinician, image):
    response = api_as(clinician).post(f"/api/images/{image.pk}/predictions/")

    assert response.status_code == 202
    assert response.json()["status"] == "waiting_for_model"


def test_post_on_excluded_image_conflicts(api_as, clinician, image):
    image.is_excluded = True
    image.save()

    response = api_as(clinician).post(f"/api/images/{image.pk}/predictions/")

    assert response.status_code == 409
    assert response.json()["code"] == "image_excluded"


@pytest.mark.parametrize("status", ["waiting_for_model", "queued", "running"])
def test_post_while_pending_conflicts(api_as, clinician, image, succeeded, status):
    pending = Prediction.objects.create(image=image, status=status)

    response = api_as(clinician).post(f"/api/images/{image.pk}/predictions/")

    assert response.status_code == 409
    assert response.json()["code"] == "classification_pending"
    assert f"prediction {pending.pk}" in response.json()["detail"]
    assert image.predictions.count() == 2


def test_post_after_failure_is_allowed(api_as, clinician, image):
    Prediction.objects.create(image=image, status=Prediction.Status.FAILED, error_code="unreadable_image")

    response = api_as(clinician).post(f"/api/images/{image.pk}/predictions/")

    assert response.status_code == 202
    assert image.predictions.count() == 2


@pytest.mark.parametrize("method", ["get", "post"])
def test_other_clinic_gets_404(api_as, outsider, image, succeeded, method):
    response = getattr(api_as(outsider), method)(f"/api/images/{image.pk}/predictions/")

    assert response.status_code == 404
    assert image.predictions.count() == 1


def test_anonymous_is_rejected(api_as, image):
    response = api_as(None).get(f"/api/images/{image.pk}/predictions/")

    assert response.status_code in (401, 403)


def test_heatmap_served_privately(api_as, specialist, image, succeeded):
    response = api_as(specialist).get(f"/api/images/{image.pk}/heatmap/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert AuditEvent.objects.filter(action="read", target_type="prediction", target_id=str(succeeded.pk),
                                     actor=specialist).exists()


def test_heatmap_hidden_from_other_clinic(api_as, outsider, image, succeeded):
    response = api_as(outsider).get(f"/api/images/{image.pk}/heatmap/?prediction={succeeded.pk}")

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="read", actor=outsider).exists()


def test_heatmap_missing_before_result(api_as, clinician, image):
    response = api_as(clinician).get(f"/api/images/{image.pk}/heatmap/")

    assert response.status_code == 404
    assert "no heat map yet" in response.json()["detail"]


def test_heatmap_rejects_invalid_prediction_id(api_as, clinician, image, succeeded):
    response = api_as(clinician).get(f"/api/images/{image.pk}/heatmap/?prediction=latest")

    assert response.status_code == 400
    assert "prediction" in response.json()["errors"]

"""
An archived patient's records are read-only. Every write to the patient, its cases, their photos and reviews is
rejected with 409 and the code "archived" until the patient is unarchived. Every read still works.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis import services
from diagnosis.models import AuditEvent, Case, Image, Prediction, Review
from diagnosis.tasks import classify_image
from tests import images
from tests.screening_data import stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_task_sent(monkeypatch):
    monkeypatch.setattr(classify_image, "delay", lambda *, prediction_id: None)


@pytest.fixture
def image(case, clinician):
    return stored_image(case, clinician)


@pytest.fixture
def review(case, specialist):
    return Review.objects.create(
        case=case,
        reviewer=specialist,
        agreement=Review.Agreement.UNSURE,
        referral_decision=Review.Referral.SPECIALIST_REVIEW,
    )


@pytest.fixture
def archived(patient, clinician):
    services.archive_patient(patient, actor=clinician)
    return patient


def assert_archived_conflict(response) -> None:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "archived"
    assert "Unarchive the patient first" in body["detail"]
    assert body["request_id"]


def test_case_details_edit_is_409(api_as, clinician, case, archived):

    response = api_as(clinician).patch(f"/api/cases/{case.id}/", {"lesion_description": "Larger"})

    assert_archived_conflict(response)
    case.refresh_from_db()
    assert case.lesion_description == "White patch, 1 cm"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, case=case).exists()


@pytest.mark.parametrize("role", ["clinician", "specialist"])
def test_case_status_change_is_409(role, request, api_as, case, archived):

    response = api_as(request.getfixturevalue(role)).patch(f"/api/cases/{case.id}/", {"status": "closed"})

    assert_archived_conflict(response)
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.STATUS_CHANGE).exists()


def test_open_case_is_409(api_as, clinician, patient, archived):

    response = api_as(clinician).post("/api/cases/", {"patient": patient.id, "lesion_site": "gingiva"})

    assert_archived_conflict(response)
    assert not Case.objects.filter(patient=patient).exists()


def test_patient_edit_is_409(api_as, clinician, patient, archived):

    response = api_as(clinician).patch(f"/api/patients/{patient.id}/", {"notes": "late note"})

    assert_archived_conflict(response)
    patient.refresh_from_db()
    assert patient.notes == ""


def test_upload_is_409_storing_nothing(api_as, clinician, case, archived):
    photo = SimpleUploadedFile("photo.jpg", images.jpeg(), content_type="image/jpeg")

    response = api_as(clinician).post(f"/api/cases/{case.id}/images/", {"image": [photo]}, format="multipart")

    assert_archived_conflict(response)
    assert not Image.objects.filter(case=case).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPLOAD).exists()


def test_exclude_photo_is_409(api_as, clinician, image, archived):

    response = api_as(clinician).post(f"/api/images/{image.id}/exclude/", {"reason": "Wrong patient"}, format="json")

    assert_archived_conflict(response)
    image.refresh_from_db()
    assert image.is_excluded is False


def test_reclassify_is_409(api_as, clinician, image, archived):
    predictions_before = Prediction.objects.filter(image=image).count()

    response = api_as(clinician).post(f"/api/images/{image.id}/predictions/")

    assert_archived_conflict(response)
    assert Prediction.objects.filter(image=image).count() == predictions_before
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RECLASSIFY).exists()


def test_new_review_is_409(api_as, specialist, case, archived):

    response = api_as(specialist).post(
        f"/api/cases/{case.id}/reviews/", {"agreement": "agree", "referral_decision": "no_action"}
    )

    assert_archived_conflict(response)
    assert not Review.objects.filter(case=case).exists()


def test_review_update_is_409(api_as, specialist, review, archived):

    response = api_as(specialist).patch(f"/api/reviews/{review.id}/", {"histopathology_result": "benign"})

    assert_archived_conflict(response)
    review.refresh_from_db()
    assert review.histopathology_result == Review.Histopathology.NOT_DONE


def test_service_functions_reject_changes(clinician, specialist, case, review, archived):
    writes = {
        "update_case": lambda: services.update_case(case, actor=clinician, data={"lesion_description": "Larger"}),
        "change_case_status": lambda: services.change_case_status(case, Case.Status.CLOSED, actor=specialist),
        "add_review": lambda: services.add_review(
            case, actor=specialist, data={"agreement": "agree", "referral_decision": "no_action"}
        ),
        "update_review": lambda: services.update_review(review, actor=specialist, data={"agreement": "disagree"}),
        "open_case": lambda: services.open_case(
            patient=case.patient, actor=clinician, data={"lesion_site": Case.Site.GINGIVA}
        ),
    }

    for name, write in writes.items():
        with pytest.raises(services.PatientArchivedError):
            write()
        assert not AuditEvent.objects.exclude(action=AuditEvent.Action.ARCHIVE).exists(), name


def test_reads_still_work(api_as, clinician, patient, case, image, review, archived):
    api = api_as(clinician)
    paths = [
        f"/api/patients/{patient.id}/",
        f"/api/patients/{patient.id}/cases/",
        f"/api/cases/{case.id}/",
        f"/api/cases/{case.id}/images/",
        f"/api/cases/{case.id}/reviews/",
        f"/api/reviews/{review.id}/",
        f"/api/images/{image.id}/",
        f"/api/images/{image.id}/file/",
        f"/api/images/{image.id}/predictions/",
    ]

    statuses = {path: api.get(path).status_code for path in paths}
    listed = api.get("/api/patients/", {"include_archived": "true"})
    queue = api.get("/api/cases/", {"patient": patient.id})

    assert statuses == dict.fromkeys(paths, 200)
    assert [row["id"] for row in listed.data["results"]] == [patient.id]
    assert [row["id"] for row in queue.data["results"]] == [case.id]


def test_unarchived_patient_can_change_again(api_as, clinician, patient, case, archived):
    api = api_as(clinician)

    api.post(f"/api/patients/{patient.id}/unarchive/")
    response = api.patch(f"/api/cases/{case.id}/", {"status": "closed"})

    assert response.status_code == 200
    assert response.data["status"] == "closed"

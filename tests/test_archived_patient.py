"""
An archived patient's records are read-only. Every write to the patient, its cases, their photos and reviews is
rejected with 409 and the code "archived" until the patient is unarchived. Every read still works. A patient can be
archived only once all of the patient's cases are closed.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from diagnosis import services
from diagnosis.models import AuditEvent, Case, Image, Patient, Prediction, Review
from diagnosis.tasks import classify_image
from tests import images
from tests.factories import CaseFactory, UserFactory
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
    """
    The patient, archived while the ``case`` fixture is still open. Archiving through the services rejects open
    cases, so the flag is set directly, as on a patient archived before that rule. Such a case must stay read-only.
    """
    Patient.objects.filter(pk=patient.pk).update(is_archived=True)
    patient.refresh_from_db()
    return patient


def assert_archived_conflict(response) -> None:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "archived"
    assert body["detail"] == services.ARCHIVED_PATIENT_MESSAGE
    assert "Restore the patient from the archive first." in body["detail"]
    assert "Unarchive" not in body["detail"]
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


def test_case_response_flags_archived_patient(api_as, clinician, patient, case):
    api = api_as(clinician)

    before = api.get(f"/api/cases/{case.id}/")
    Patient.objects.filter(pk=patient.pk).update(is_archived=True)
    detail = api.get(f"/api/cases/{case.id}/")
    listed = api.get("/api/cases/", {"patient": patient.id})
    history = api.get(f"/api/patients/{patient.id}/cases/")

    assert before.data["patient_is_archived"] is False
    assert detail.data["patient_is_archived"] is True
    assert listed.data["results"][0]["patient_is_archived"] is True
    assert history.data["results"][0]["patient_is_archived"] is True


def assert_open_cases_conflict(response, cases) -> None:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "open_cases"
    assert body["request_id"]
    for case in cases:
        assert f"case {case.id} (encounter {case.encounter_date.isoformat()}" in body["detail"]
    assert "close each case, then archive the patient" in body["detail"]


@pytest.mark.parametrize("status", [Case.Status.OPEN, Case.Status.AWAITING_REVIEW])
def test_archive_rejected_while_case_not_closed(status, api_as, clinician, patient, case):
    Case.objects.filter(pk=case.pk).update(status=status)

    response = api_as(clinician).post(f"/api/patients/{patient.id}/archive/")

    assert_open_cases_conflict(response, [case])
    assert Case.Status(status).label.lower() in response.json()["detail"]
    patient.refresh_from_db()
    assert patient.is_archived is False
    assert patient.archived_at is None
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ARCHIVE).exists()


def test_archive_message_names_every_case_not_closed(api_as, clinician, patient, case):
    awaiting = CaseFactory(
        patient=patient,
        clinician=clinician,
        status=Case.Status.AWAITING_REVIEW,
        encounter_date=datetime.date(2024, 5, 2),
    )
    closed = CaseFactory(patient=patient, clinician=clinician, status=Case.Status.CLOSED)

    response = api_as(clinician).post(f"/api/patients/{patient.id}/archive/")

    assert_open_cases_conflict(response, [case, awaiting])
    detail = response.json()["detail"]
    assert f"case {closed.id} " not in detail
    assert detail.index(f"case {awaiting.id} ") < detail.index(f"case {case.id} ")


def test_archive_message_counts_cases_beyond_five(clinician, patient):
    cases = [CaseFactory(patient=patient, clinician=clinician) for _ in range(7)]

    message = services.open_cases_message(cases)

    assert message.count("(encounter ") == services.MAX_CASES_NAMED
    assert f"case {cases[4].id} " in message
    assert f"case {cases[5].id} " not in message
    assert " and 2 more." in message


def test_archive_allowed_once_cases_closed(api_as, clinician, patient, case):
    CaseFactory(patient=patient, clinician=clinician, status=Case.Status.CLOSED)
    api = api_as(clinician)

    rejected = api.post(f"/api/patients/{patient.id}/archive/")
    api.patch(f"/api/cases/{case.id}/", {"status": "closed"})
    accepted = api.post(f"/api/patients/{patient.id}/archive/")

    assert rejected.status_code == 409
    assert accepted.status_code == 200, accepted.content
    assert accepted.data["is_archived"] is True
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.ARCHIVE)
    assert event.changes == {"is_archived": [False, True]}


def test_archive_without_cases_allowed(api_as, clinician, patient):

    response = api_as(clinician).post(f"/api/patients/{patient.id}/archive/")

    assert response.status_code == 200
    assert response.data["is_archived"] is True


def test_archive_service_rejects_open_cases(clinician, patient, case):

    with pytest.raises(services.OpenCasesError) as raised:
        services.archive_patient(patient, actor=clinician)

    assert raised.value.get_codes() == "open_cases"
    assert f"case {case.id} " in str(raised.value.detail)
    assert patient.is_archived is False
    assert Patient.objects.get(pk=patient.pk).is_archived is False


def test_unarchive_not_blocked_by_open_cases(api_as, clinician, patient, case, archived):

    response = api_as(clinician).post(f"/api/patients/{patient.id}/unarchive/")

    assert response.status_code == 200
    assert response.data["is_archived"] is False


def test_archive_closed_cases_then_reopen_rejected(api_as, clinician, patient, case):
    api = api_as(clinician)
    api.patch(f"/api/cases/{case.id}/", {"status": "closed"})
    api.post(f"/api/patients/{patient.id}/archive/")

    response = api.patch(f"/api/cases/{case.id}/", {"status": "open"})

    assert_archived_conflict(response)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


@pytest.fixture
def staff_client():
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client


def admin_patient_form(patient, **changes):
    form = {
        "clinic": patient.clinic_id,
        "identifier": patient.identifier,
        "name": patient.name,
        "year_of_birth": patient.year_of_birth or "",
        "sex": patient.sex,
        "tobacco_smoking": patient.tobacco_smoking,
        "smokeless_tobacco": patient.smokeless_tobacco,
        "alcohol": patient.alcohol,
        "previous_oral_cancer": "unknown",
        "notes": patient.notes,
        "is_archived": "on",
        "cases-TOTAL_FORMS": "0",
        "cases-INITIAL_FORMS": "0",
        "cases-MIN_NUM_FORMS": "0",
        "cases-MAX_NUM_FORMS": "1000",
    }
    return {**form, **changes}


def test_admin_archive_rejected_while_case_open(staff_client, patient, case):

    response = staff_client.post(f"/admin/diagnosis/patient/{patient.id}/change/", admin_patient_form(patient))

    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be archived while a case is open or awaiting review" in page
    assert f"case {case.id} " in page
    patient.refresh_from_db()
    assert patient.is_archived is False
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ARCHIVE).exists()


def test_admin_archive_allowed_once_cases_closed(staff_client, patient, case):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)

    response = staff_client.post(f"/admin/diagnosis/patient/{patient.id}/change/", admin_patient_form(patient))

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.is_archived is True
    assert patient.archived_at is not None


def test_admin_edits_patient_with_open_case(staff_client, patient, case):
    form = admin_patient_form(patient, notes="Seen again")
    del form["is_archived"]

    response = staff_client.post(f"/admin/diagnosis/patient/{patient.id}/change/", form)

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.notes == "Seen again"
    assert patient.is_archived is False

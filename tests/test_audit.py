import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from diagnosis.models import AuditEvent, Case, Patient, Review
from tests.factories import CaseFactory, PatientFactory

pytestmark = pytest.mark.django_db


def events(**filters):
    return list(AuditEvent.objects.filter(**filters))


def test_patient_create_audited_with_values(api_as, clinician, clinic):
    response = api_as(clinician).post("/api/patients/", {"identifier": "RD-7", "alcohol": "current"})

    [event] = events(action=AuditEvent.Action.CREATE)
    assert event.actor == clinician
    assert event.patient_id == response.data["id"]
    assert event.clinic == clinic
    assert event.via == "api"
    assert event.changes["identifier"] == [None, "RD-7"]
    assert event.changes["alcohol"] == [None, "current"]
    assert event.request_id == response["X-Request-ID"]
    assert event.ip_address == "127.0.0.1"


def test_patient_update_audits_changed_fields_only(api_as, clinician, patient):
    api_as(clinician).patch(f"/api/patients/{patient.id}/", {"notes": "Quit smoking", "sex": patient.sex})

    [event] = events(action=AuditEvent.Action.UPDATE)
    assert event.changes == {"notes": ["", "Quit smoking"]}
    assert event.patient == patient


def test_unchanged_patient_update_writes_nothing(api_as, clinician, patient):
    api_as(clinician).patch(f"/api/patients/{patient.id}/", {"notes": patient.notes})

    assert events(action=AuditEvent.Action.UPDATE) == []


def test_archive_and_unarchive_audited(api_as, clinician, patient):
    api = api_as(clinician)

    api.post(f"/api/patients/{patient.id}/archive/")
    api.post(f"/api/patients/{patient.id}/archive/")
    api.post(f"/api/patients/{patient.id}/unarchive/")

    [archived] = events(action=AuditEvent.Action.ARCHIVE)
    [unarchived] = events(action=AuditEvent.Action.UPDATE)
    assert archived.changes == {"is_archived": [False, True]}
    assert unarchived.changes == {"is_archived": [True, False]}


def test_patient_read_audited(api_as, specialist, patient):
    api_as(specialist).get(f"/api/patients/{patient.id}/")

    [event] = events(action=AuditEvent.Action.READ)
    assert event.actor == specialist
    assert event.target_type == "patient"
    assert event.patient == patient


def test_case_read_audited_with_patient(api_as, clinician, case):
    api_as(clinician).get(f"/api/cases/{case.id}/")

    [event] = events(action=AuditEvent.Action.READ)
    assert event.case == case
    assert event.patient == case.patient


def list_reads():
    return events(action=AuditEvent.Action.READ)


def test_patient_list_audited_once(api_as, clinician, clinic):
    listed = PatientFactory.create_batch(3, clinic=clinic)

    response = api_as(clinician).get("/api/patients/", {"search": "P-"}, HTTP_USER_AGENT="pytest-browser")

    [event] = list_reads()
    assert response.status_code == 200
    assert event.actor == clinician
    assert event.via == "api"
    assert event.target_type == "patient"
    assert event.target_id == ""
    assert event.patient is None
    assert event.clinic == clinic
    assert event.request_id == response["X-Request-ID"]
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == "pytest-browser"
    assert event.changes["endpoint"] == "/api/patients/"
    assert event.changes["filters"] == {"search": "P-"}
    assert event.changes["patients"] == sorted(patient.id for patient in listed)


def test_list_audit_names_page_only(api_as, clinician, clinic):
    PatientFactory.create_batch(27, clinic=clinic)

    response = api_as(clinician).get("/api/patients/", {"page": 2})

    [event] = list_reads()
    assert event.changes["patients"] == sorted(row["id"] for row in response.data["results"])
    assert len(event.changes["patients"]) == 2
    assert event.changes["filters"] == {"page": "2"}


def test_patient_list_audit_omits_other_clinic(api_as, clinician, clinic, other_clinic, outsider):
    own = PatientFactory(clinic=clinic)
    hidden = PatientFactory(clinic=other_clinic)

    api_as(clinician).get("/api/patients/")
    api_as(clinician).get("/api/patients/", {"clinic": other_clinic.id})

    first, second = sorted(list_reads(), key=lambda event: event.id)
    assert first.changes["patients"] == [own.id]
    assert second.changes["patients"] == []
    assert second.clinic is None
    assert not AuditEvent.objects.filter(patient=hidden).exists()


def test_empty_patient_list_still_audited(api_as, clinician):
    api_as(clinician).get("/api/patients/", {"search": "nobody"})

    [event] = list_reads()
    assert event.changes["patients"] == []
    assert event.changes["filters"] == {"search": "nobody"}


def test_rejected_list_filter_writes_nothing(api_as, clinician, patient):
    response = api_as(clinician).get("/api/patients/", {"clinic": "abc"})

    assert response.status_code == 400
    assert list_reads() == []


def test_patient_cases_list_audited_for_patient(api_as, specialist, patient, clinician):
    CaseFactory.create_batch(2, patient=patient, clinician=clinician)

    api_as(specialist).get(f"/api/patients/{patient.id}/cases/")

    [event] = list_reads()
    assert event.actor == specialist
    assert event.target_type == "patient"
    assert event.target_id == str(patient.id)
    assert event.patient == patient
    assert event.changes["endpoint"] == f"/api/patients/{patient.id}/cases/"
    assert event.changes["patients"] == [patient.id]


def test_case_list_names_each_patient_once(api_as, clinician, clinic, other_clinic):
    first, second = PatientFactory.create_batch(2, clinic=clinic)
    CaseFactory.create_batch(2, patient=first, clinician=clinician)
    CaseFactory(patient=second, clinician=clinician)
    CaseFactory(patient=PatientFactory(clinic=other_clinic), clinician=clinician)

    response = api_as(clinician).get("/api/cases/", {"status": "open"})

    [event] = list_reads()
    assert response.data["count"] == 3
    assert event.target_type == "case"
    assert event.changes["endpoint"] == "/api/cases/"
    assert event.changes["filters"] == {"status": "open"}
    assert event.changes["patients"] == sorted([first.id, second.id])


def test_review_queue_names_queued_patients(api_as, clinician, specialist, clinic):
    queued, not_queued = PatientFactory.create_batch(2, clinic=clinic)
    CaseFactory(patient=queued, clinician=clinician, assigned_specialist=specialist)
    CaseFactory(patient=not_queued, clinician=clinician)

    api_as(specialist).get("/api/cases/", {"assigned_to": "me"})

    [event] = list_reads()
    assert event.actor == specialist
    assert event.changes["filters"] == {"assigned_to": "me"}
    assert event.changes["patients"] == [queued.id]


def test_case_reviews_list_audited_for_case(api_as, specialist, case):
    Review.objects.create(
        case=case, reviewer=specialist, agreement=Review.Agreement.AGREE, referral_decision=Review.Referral.NO_ACTION
    )

    api_as(specialist).get(f"/api/cases/{case.id}/reviews/")

    [event] = list_reads()
    assert event.target_type == "case"
    assert event.case == case
    assert event.patient == case.patient
    assert event.changes["patients"] == [case.patient_id]


def test_outsider_lists_name_no_patients(api_as, outsider, case):
    api = api_as(outsider)

    api.get("/api/patients/")
    api.get("/api/cases/")
    api.get("/api/cases/", {"patient": case.patient_id})
    not_found = api.get(f"/api/patients/{case.patient_id}/cases/")

    assert not_found.status_code == 404
    reads = list_reads()
    assert len(reads) == 3
    for event in reads:
        assert event.changes["patients"] == []
        assert event.patient is None


def test_case_open_audited(api_as, clinician, patient):
    response = api_as(clinician).post("/api/cases/", {"patient": patient.id, "lesion_site": "floor_of_mouth"})

    [event] = events(action=AuditEvent.Action.CREATE)
    assert event.case_id == response.data["id"]
    assert event.changes["lesion_site"] == [None, "floor_of_mouth"]
    assert event.changes["status"] == [None, "open"]


def test_case_status_change_audited_separately(api_as, clinician, case):
    api_as(clinician).patch(
        f"/api/cases/{case.id}/", {"status": "awaiting_review", "lesion_description": "Smaller than last visit"}
    )

    [update] = events(action=AuditEvent.Action.UPDATE)
    [status_change] = events(action=AuditEvent.Action.STATUS_CHANGE)
    assert update.changes == {"lesion_description": [case.lesion_description, "Smaller than last visit"]}
    assert status_change.changes == {"status": ["open", "awaiting_review"]}
    assert status_change.case == case


def test_rejected_transition_writes_nothing(api_as, clinician, case):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)

    api_as(clinician).patch(f"/api/cases/{case.id}/", {"status": "awaiting_review"})

    assert events(action=AuditEvent.Action.STATUS_CHANGE) == []


def test_review_and_review_update_audited(api_as, specialist, case):
    api = api_as(specialist)

    created = api.post(
        f"/api/cases/{case.id}/reviews/", {"agreement": "disagree", "referral_decision": "urgent_referral"}
    )
    api.patch(f"/api/reviews/{created.data['id']}/", {"histopathology_result": "malignant"})

    [review] = events(action=AuditEvent.Action.REVIEW)
    [update] = events(action=AuditEvent.Action.UPDATE)
    assert review.target_type == "review"
    assert review.case == case
    assert review.changes["agreement"] == [None, "disagree"]
    assert update.changes == {"histopathology_result": ["not_done", "malignant"]}


def test_issue_token_command_audited(clinician, capsys):
    call_command("issue_token", clinician.username)

    key = capsys.readouterr().out.strip()
    [event] = events(action=AuditEvent.Action.ISSUE_TOKEN)
    assert len(key) == 40
    assert event.target_type == "user"
    assert event.target_id == str(clinician.id)
    assert event.via == "command"
    assert key not in str(event.changes)


def test_issue_token_unknown_user_fails():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named"):
        call_command("issue_token", "nobody")


def test_create_demo_is_idempotent(capsys, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("create_demo", password="first-demo-password-1")
    call_command("create_demo")

    output = capsys.readouterr().out
    clinician = User.objects.get(username="demo.clinician")
    assert User.objects.filter(username__startswith="demo.").count() == 3
    assert clinician.memberships.count() == 1
    assert "sign in as demo.clinician" in output
    generated = output.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    assert clinician.check_password(generated)


def test_create_demo_rejects_weak_password():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="too weak"):
        call_command("create_demo", password="123")


def test_audit_event_is_append_only(api_as, clinician, patient):
    api_as(clinician).get(f"/api/patients/{patient.id}/")
    event = AuditEvent.objects.get()

    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.fixture
def staff_client():
    staff = User.objects.create_superuser("root", "root@example.org", "staff-password-123")
    client = Client()
    client.force_login(staff)
    return client, staff


def test_admin_patient_change_audited(staff_client, clinic):
    client, staff = staff_client
    patient = PatientFactory(clinic=clinic, notes="")
    form = {
        "clinic": clinic.id,
        "identifier": patient.identifier,
        "name": patient.name,
        "year_of_birth": patient.year_of_birth,
        "sex": patient.sex,
        "tobacco_smoking": patient.tobacco_smoking,
        "smokeless_tobacco": patient.smokeless_tobacco,
        "alcohol": patient.alcohol,
        "previous_oral_cancer": "unknown",
        "notes": "Corrected by staff",
        "is_archived": "on",
        "cases-TOTAL_FORMS": "0",
        "cases-INITIAL_FORMS": "0",
        "cases-MIN_NUM_FORMS": "0",
        "cases-MAX_NUM_FORMS": "1000",
    }

    response = client.post(f"/admin/diagnosis/patient/{patient.id}/change/", form)

    patient.refresh_from_db()
    assert response.status_code == 302
    assert patient.archived_at is not None
    [event] = events(action=AuditEvent.Action.ARCHIVE)
    assert event.via == "admin"
    assert event.actor == staff
    assert event.changes["notes"] == ["", "Corrected by staff"]
    assert event.changes["is_archived"] == [False, True]


def test_admin_patient_view_audited_as_read(staff_client, patient):
    client, staff = staff_client

    response = client.get(f"/admin/diagnosis/patient/{patient.id}/change/")

    assert response.status_code == 200
    [event] = events(action=AuditEvent.Action.READ)
    assert event.via == "admin"
    assert event.patient == patient


def test_admin_rejects_forbidden_case_transition(staff_client, case):
    client, _ = staff_client
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    form = {
        "patient": case.patient_id,
        "clinician": case.clinician_id,
        "encounter_date": case.encounter_date.isoformat(),
        "lesion_site": case.lesion_site,
        "lesion_description": case.lesion_description,
        "status": Case.Status.AWAITING_REVIEW,
    }

    rejected = client.post(f"/admin/diagnosis/case/{case.id}/change/", form)
    accepted = client.post(f"/admin/diagnosis/case/{case.id}/change/", {**form, "status": Case.Status.OPEN})

    assert rejected.status_code == 200
    assert "cannot move" in rejected.content.decode()
    assert accepted.status_code == 302
    [event] = events(action=AuditEvent.Action.STATUS_CHANGE)
    assert event.changes == {"status": ["closed", "open"]}
    assert event.via == "admin"


def test_admin_review_add_audited(staff_client, case, specialist):
    client, _ = staff_client
    form = {
        "case": case.id,
        "reviewer": specialist.id,
        "agreement": Review.Agreement.AGREE,
        "referral_decision": Review.Referral.NO_ACTION,
        "histopathology_result": Review.Histopathology.NOT_DONE,
    }

    response = client.post("/admin/diagnosis/review/add/", form)

    assert response.status_code == 302
    [event] = events(action=AuditEvent.Action.CREATE)
    assert event.target_type == "review"
    assert event.via == "admin"


def test_admin_archived_patient_only_restorable(staff_client, patient):
    client, _ = staff_client
    Patient.objects.filter(pk=patient.pk).update(is_archived=True)
    url = f"/admin/diagnosis/patient/{patient.pk}/change/"

    edited = client.post(url, {"notes": "edited while archived", "is_archived": "on", **_inline_management()})
    patient.refresh_from_db()
    assert edited.status_code == 302
    assert patient.notes != "edited while archived"
    assert patient.is_archived

    restored = client.post(url, {"notes": "edited while archived", **_inline_management()})
    patient.refresh_from_db()
    assert restored.status_code == 302
    assert not patient.is_archived
    assert patient.notes != "edited while archived"


def _inline_management() -> dict[str, str]:
    # The case inline's management form, which every admin change form of a patient posts.
    return {
        "cases-TOTAL_FORMS": "0",
        "cases-INITIAL_FORMS": "0",
        "cases-MIN_NUM_FORMS": "0",
        "cases-MAX_NUM_FORMS": "1000",
    }


def test_admin_archived_case_is_read_only(staff_client, case):
    client, _ = staff_client
    Patient.objects.filter(pk=case.patient_id).update(is_archived=True)
    form = {
        "patient": case.patient_id,
        "clinician": case.clinician_id,
        "encounter_date": case.encounter_date.isoformat(),
        "lesion_site": case.lesion_site,
        "lesion_description": "changed",
        "status": case.status,
    }

    response = client.post(f"/admin/diagnosis/case/{case.id}/change/", form)

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.lesion_description != "changed"
    assert client.get(f"/admin/diagnosis/case/{case.id}/change/").status_code == 200


def test_admin_rejects_review_of_archived_patient(staff_client, case, specialist):
    client, _ = staff_client
    Patient.objects.filter(pk=case.patient_id).update(is_archived=True)
    form = {
        "case": case.id,
        "reviewer": specialist.id,
        "agreement": Review.Agreement.AGREE,
        "referral_decision": Review.Referral.NO_ACTION,
        "histopathology_result": Review.Histopathology.NOT_DONE,
    }

    response = client.post("/admin/diagnosis/review/add/", form)

    assert response.status_code == 200
    assert "archived" in response.content.decode()
    assert not Review.objects.filter(case=case).exists()


def test_admin_cannot_change_or_delete_audit_events(staff_client, api_as, clinician, patient):
    client, _ = staff_client
    api_as(clinician).get(f"/api/patients/{patient.id}/")
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ)

    listing = client.get("/admin/diagnosis/auditevent/", {"action__exact": "read"})
    change = client.post(f"/admin/diagnosis/auditevent/{event.id}/change/", {"action": "login"})
    delete = client.post(f"/admin/diagnosis/auditevent/{event.id}/delete/", {"post": "yes"})
    add = client.get("/admin/diagnosis/auditevent/add/")

    assert listing.status_code == 200
    assert change.status_code == 403
    assert delete.status_code == 403
    assert add.status_code == 403
    assert AuditEvent.objects.filter(pk=event.id, action="read").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/accounts/clinic/",
        "/admin/accounts/membership/",
        "/admin/diagnosis/patient/",
        "/admin/diagnosis/case/",
        "/admin/diagnosis/review/",
        "/admin/diagnosis/image/",
        "/admin/diagnosis/prediction/",
        "/admin/diagnosis/auditevent/",
        "/admin/ml/trainingrun/",
        "/admin/ml/modelversion/",
    ],
)
def test_admin_changelists_load(staff_client, case, url):
    client, _ = staff_client

    response = client.get(url, {"q": "P-"})

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/patients/{patient}/", "/api/cases/{case}/", "/api/cases/{case}/reviews/"])
def test_other_clinic_read_audited_as_denied(api_as, outsider, patient, case, path):
    response = api_as(outsider).get(path.format(patient=patient.pk, case=case.pk))

    assert response.status_code == 404
    [event] = events(action=AuditEvent.Action.ACCESS_DENIED)
    assert event.actor == outsider
    assert event.patient == patient
    assert event.changes["method"] == "GET"
    assert not events(action=AuditEvent.Action.READ, actor=outsider)


def test_missing_record_not_audited_as_denied(api_as, outsider):
    response = api_as(outsider).get("/api/patients/987654/")

    assert response.status_code == 404
    assert not events(action=AuditEvent.Action.ACCESS_DENIED)


def test_own_record_404_not_audited_as_denied(api_as, clinician, case):
    response = api_as(clinician).get(f"/api/cases/{case.pk}/images/999/")

    assert response.status_code == 404
    assert not events(action=AuditEvent.Action.ACCESS_DENIED)


def test_review_read_audited(api_as, clinician, case, specialist):
    review = Review.objects.create(case=case, reviewer=specialist, agreement="unsure", referral_decision="no_action")

    response = api_as(clinician).get(f"/api/reviews/{review.pk}/")

    assert response.status_code == 200
    [event] = events(action=AuditEvent.Action.READ, target_type="review", actor=clinician)
    assert event.target_id == str(review.pk)
    assert event.patient == case.patient

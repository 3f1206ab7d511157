import datetime

import pytest
from django.utils import timezone

from accounts.models import Membership
from diagnosis.models import Case, Patient, Review
from tests.factories import CaseFactory, ClinicFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "identifier": "RD-0042",
    "name": "Amina Bello",
    "year_of_birth": 1971,
    "sex": "female",
    "tobacco_smoking": "former",
    "smokeless_tobacco": "current",
    "alcohol": "never",
    "previous_oral_cancer": False,
    "notes": "Chews betel quid daily.",
}


def test_create_patient_defaults_to_only_clinic(api_as, clinician, clinic):
    response = api_as(clinician).post("/api/patients/", NEW_PATIENT)

    assert response.status_code == 201
    assert response.data["clinic"] == clinic.id
    assert response.data["created_by"]["username"] == clinician.username
    patient = Patient.objects.get(pk=response.data["id"])
    assert patient.smokeless_tobacco == "current"
    assert patient.updated_by == clinician


def test_create_patient_needs_clinic_choice_with_two_clinics(api_as, clinician, other_clinic):
    Membership.objects.create(user=clinician, clinic=other_clinic, role=Membership.Role.CLINICIAN)

    missing = api_as(clinician).post("/api/patients/", NEW_PATIENT)
    chosen = api_as(clinician).post("/api/patients/", {**NEW_PATIENT, "clinic": other_clinic.id})

    assert missing.status_code == 400
    assert missing.data["error_codes"]["clinic"] == ["required"]
    assert chosen.status_code == 201
    assert chosen.data["clinic"] == other_clinic.id


def test_foreign_clinic_rejected_on_clinic_field(api_as, clinician, other_clinic):
    foreign = api_as(clinician).post("/api/patients/", {**NEW_PATIENT, "clinic": other_clinic.id})
    missing = api_as(clinician).post("/api/patients/", {**NEW_PATIENT, "clinic": 999_999})

    assert foreign.status_code == 400
    assert list(foreign.data["errors"]) == ["clinic"]
    assert foreign.data["error_codes"]["clinic"] == ["does_not_exist"]
    # The same message for a clinic that exists elsewhere and one that does not exist at all.
    assert foreign.data["errors"]["clinic"][0].replace(str(other_clinic.id), "N") == missing.data["errors"]["clinic"][
        0
    ].replace("999999", "N")
    assert not Patient.objects.filter(clinic=other_clinic).exists()


def test_duplicate_identifier_in_clinic_is_400(api_as, clinician, patient):
    response = api_as(clinician).post("/api/patients/", {**NEW_PATIENT, "identifier": patient.identifier})

    assert response.status_code == 400
    assert response.data["error_codes"]["identifier"] == ["unique"]
    assert "already exists" in response.data["errors"]["identifier"][0]


def test_same_identifier_allowed_in_other_clinic(api_as, outsider, patient):
    response = api_as(outsider).post("/api/patients/", {**NEW_PATIENT, "identifier": patient.identifier})

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("year_of_birth", 1850, "out_of_range"),
        ("year_of_birth", timezone.localdate().year + 1, "out_of_range"),
        ("sex", "unknown-value", "invalid_choice"),
        ("tobacco_smoking", "daily", "invalid_choice"),
        ("identifier", "", "blank"),
        ("identifier", "x" * 65, "max_length"),
    ],
)
def test_invalid_patient_field_is_named(api_as, clinician, field, value, code):
    response = api_as(clinician).post("/api/patients/", {**NEW_PATIENT, field: value})

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert response.data["error_codes"][field] == [code]
    assert response.data["errors"][field][0]


def test_malformed_json_is_contract_400(api_as, clinician):
    response = api_as(clinician).post("/api/patients/", data='{"identifier": ', content_type="application/json")

    assert response.status_code == 400
    assert response.data["code"] == "parse_error"
    assert response.data["detail"]
    assert response.data["request_id"]


def test_json_list_body_is_400(api_as, clinician):
    response = api_as(clinician).post("/api/patients/", data="[1, 2]", content_type="application/json")

    assert response.status_code == 400
    assert response.data["code"] == "invalid"


def test_patient_list_search_by_identifier_and_name(api_as, clinician, clinic):
    PatientFactory(clinic=clinic, identifier="RD-1001", name="Kofi Mensah")
    PatientFactory(clinic=clinic, identifier="RD-2002", name="Lena Novak")

    by_identifier = api_as(clinician).get("/api/patients/", {"search": "1001"})
    by_name = api_as(clinician).get("/api/patients/", {"search": "novak"})

    assert [p["identifier"] for p in by_identifier.data["results"]] == ["RD-1001"]
    assert [p["identifier"] for p in by_name.data["results"]] == ["RD-2002"]


def test_patient_list_is_paginated(api_as, clinician, clinic):
    PatientFactory.create_batch(30, clinic=clinic)

    first = api_as(clinician).get("/api/patients/")
    second = api_as(clinician).get("/api/patients/", {"page": 2})

    assert first.data["count"] == 30
    assert len(first.data["results"]) == 25
    assert first.data["next"]
    assert len(second.data["results"]) == 5


def test_archived_patients_hidden_unless_requested(api_as, clinician, patient):
    api = api_as(clinician)

    archived = api.post(f"/api/patients/{patient.id}/archive/")
    default_list = api.get("/api/patients/")
    full_list = api.get("/api/patients/", {"include_archived": "true"})

    assert archived.status_code == 200
    assert archived.data["is_archived"] is True
    assert archived.data["archived_at"]
    assert default_list.data["count"] == 0
    assert [p["id"] for p in full_list.data["results"]] == [patient.id]


def test_unarchive_brings_patient_back(api_as, clinician, patient):
    api = api_as(clinician)
    api.post(f"/api/patients/{patient.id}/archive/")

    response = api.post(f"/api/patients/{patient.id}/unarchive/")

    assert response.status_code == 200
    assert response.data["is_archived"] is False
    assert response.data["archived_at"] is None


def test_archived_patient_cannot_be_edited(api_as, clinician, patient):
    api = api_as(clinician)
    api.post(f"/api/patients/{patient.id}/archive/")

    edit = api.patch(f"/api/patients/{patient.id}/", {"notes": "late note"})
    new_case = api.post("/api/cases/", {"patient": patient.id, "lesion_site": "gingiva"})

    assert edit.status_code == 409
    assert edit.data["code"] == "archived"
    assert new_case.status_code == 409
    assert new_case.data["code"] == "archived"


def test_patient_has_no_delete(api_as, clinician, patient):
    response = api_as(clinician).delete(f"/api/patients/{patient.id}/")

    assert response.status_code == 405
    assert Patient.objects.filter(pk=patient.id).exists()


def test_patient_update_changes_fields_not_clinic(api_as, clinician, patient, other_clinic):
    response = api_as(clinician).patch(
        f"/api/patients/{patient.id}/", {"notes": "Lesion reviewed", "clinic": other_clinic.id, "alcohol": "current"}
    )

    patient.refresh_from_db()
    assert response.status_code == 200
    assert patient.notes == "Lesion reviewed"
    assert patient.alcohol == "current"
    assert patient.clinic_id != other_clinic.id


def test_patient_cases_newest_first(api_as, clinician, patient):
    today = timezone.localdate()
    old = CaseFactory(patient=patient, clinician=clinician, encounter_date=today - datetime.timedelta(days=30))
    new = CaseFactory(patient=patient, clinician=clinician, encounter_date=today)

    response = api_as(clinician).get(f"/api/patients/{patient.id}/cases/")

    assert response.status_code == 200
    assert [c["id"] for c in response.data["results"]] == [new.id, old.id]


def test_open_case_sets_clinician_and_open_status(api_as, clinician, patient):
    response = api_as(clinician).post(
        "/api/cases/",
        {"patient": patient.id, "lesion_site": "lateral_tongue", "lesion_description": "Red patch, 8 mm"},
    )

    assert response.status_code == 201
    assert response.data["status"] == "open"
    assert response.data["clinician"]["id"] == clinician.id
    assert response.data["patient_identifier"] == patient.identifier
    assert response.data["images"] == []
    assert response.data["allowed_next_statuses"] == ["awaiting_review", "closed"]


def test_open_case_rejects_unknown_site_and_future_date(api_as, clinician, patient):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = api_as(clinician).post(
        "/api/cases/", {"patient": patient.id, "lesion_site": "nose", "encounter_date": tomorrow.isoformat()}
    )

    assert response.status_code == 400
    assert response.data["error_codes"]["lesion_site"] == ["invalid_choice"]
    assert response.data["error_codes"]["encounter_date"] == ["future_date"]


def test_case_assigned_specialist_must_be_clinic_specialist(api_as, clinician, specialist, patient, clinic):
    other_clinician = UserFactory(clinic=clinic)
    api = api_as(clinician)

    valid = api.post(
        "/api/cases/", {"patient": patient.id, "lesion_site": "gingiva", "assigned_specialist": specialist.id}
    )
    invalid = api.post(
        "/api/cases/", {"patient": patient.id, "lesion_site": "gingiva", "assigned_specialist": other_clinician.id}
    )

    assert valid.status_code == 201
    assert valid.data["assigned_specialist_detail"]["username"] == specialist.username
    assert invalid.status_code == 400
    assert "assigned_specialist" in invalid.data["errors"]


def test_specialist_of_other_clinic_cannot_be_assigned(api_as, clinician, patient, other_clinic):
    foreign_specialist = UserFactory(clinic=other_clinic, clinic__role=Membership.Role.SPECIALIST)

    response = api_as(clinician).post(
        "/api/cases/", {"patient": patient.id, "lesion_site": "gingiva", "assigned_specialist": foreign_specialist.id}
    )

    assert response.status_code == 400
    assert response.data["error_codes"]["assigned_specialist"] == ["does_not_exist"]


def test_case_list_filters_by_status_and_patient(api_as, clinician, patient, clinic):
    other_patient = PatientFactory(clinic=clinic)
    waiting = CaseFactory(patient=patient, clinician=clinician, status=Case.Status.AWAITING_REVIEW)
    CaseFactory(patient=patient, clinician=clinician)
    elsewhere = CaseFactory(patient=other_patient, clinician=clinician)
    api = api_as(clinician)

    by_status = api.get("/api/cases/", {"status": "awaiting_review"})
    by_patient = api.get("/api/cases/", {"patient": other_patient.id})
    bad_status = api.get("/api/cases/", {"status": "pending"})
    bad_patient = api.get("/api/cases/", {"patient": "abc"})

    assert [c["id"] for c in by_status.data["results"]] == [waiting.id]
    assert [c["id"] for c in by_patient.data["results"]] == [elsewhere.id]
    assert bad_status.status_code == 400
    assert bad_status.data["error_codes"]["status"] == ["invalid_choice"]
    assert bad_patient.status_code == 400
    assert bad_patient.data["error_codes"]["patient"] == ["invalid"]


def test_specialist_queue_lists_assigned_cases(api_as, clinician, specialist, patient, clinic):
    second_specialist = UserFactory(clinic=clinic, clinic__role=Membership.Role.SPECIALIST)
    mine = CaseFactory(
        patient=patient, clinician=clinician, status=Case.Status.AWAITING_REVIEW, assigned_specialist=specialist
    )
    CaseFactory(
        patient=patient, clinician=clinician, status=Case.Status.AWAITING_REVIEW, assigned_specialist=second_specialist
    )
    CaseFactory(patient=patient, clinician=clinician, status=Case.Status.OPEN, assigned_specialist=specialist)

    response = api_as(specialist).get("/api/cases/", {"status": "awaiting_review", "assigned_to": "me"})

    assert response.status_code == 200
    assert [c["id"] for c in response.data["results"]] == [mine.id]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Case.Status.OPEN, Case.Status.AWAITING_REVIEW),
        (Case.Status.OPEN, Case.Status.CLOSED),
        (Case.Status.AWAITING_REVIEW, Case.Status.OPEN),
        (Case.Status.AWAITING_REVIEW, Case.Status.CLOSED),
        (Case.Status.CLOSED, Case.Status.OPEN),
    ],
)
def test_allowed_status_transition(api_as, clinician, patient, start, target):
    case = CaseFactory(patient=patient, clinician=clinician, status=start)
    if start == Case.Status.AWAITING_REVIEW and target == Case.Status.CLOSED:
        # A case sent for specialist review closes only once reviewed.
        Review.objects.create(case=case, reviewer=clinician, agreement="unsure", referral_decision="no_action")

    response = api_as(clinician).patch(f"/api/cases/{case.id}/", {"status": target})

    case.refresh_from_db()
    assert response.status_code == 200
    assert case.status == target
    assert response.data["status"] == target


def test_forbidden_status_transition_names_allowed_states(api_as, clinician, patient):
    case = CaseFactory(patient=patient, clinician=clinician, status=Case.Status.CLOSED)

    response = api_as(clinician).patch(f"/api/cases/{case.id}/", {"status": Case.Status.AWAITING_REVIEW})

    case.refresh_from_db()
    assert response.status_code == 400
    assert response.data["error_codes"]["status"] == ["transition"]
    assert "'open'" in response.data["errors"]["status"][0]
    assert case.status == Case.Status.CLOSED


def test_unknown_status_is_invalid_choice(api_as, clinician, case):
    response = api_as(clinician).patch(f"/api/cases/{case.id}/", {"status": "archived"})

    assert response.status_code == 400
    assert response.data["error_codes"]["status"] == ["invalid_choice"]


def test_case_details_update(api_as, clinician, case):
    response = api_as(clinician).patch(f"/api/cases/{case.id}/", {"lesion_description": "Ulcer, 12 mm"})

    case.refresh_from_db()
    assert response.status_code == 200
    assert case.lesion_description == "Ulcer, 12 mm"


def test_review_create_and_list(api_as, specialist, case):
    api = api_as(specialist)

    created = api.post(
        f"/api/cases/{case.id}/reviews/",
        {"agreement": "agree", "clinical_impression": "Likely leukoplakia", "referral_decision": "specialist_review"},
    )
    listed = api.get(f"/api/cases/{case.id}/reviews/")

    assert created.status_code == 201
    assert created.data["reviewer"]["id"] == specialist.id
    assert created.data["case"] == case.id
    assert created.data["histopathology_result"] == "not_done"
    assert [r["id"] for r in listed.data["results"]] == [created.data["id"]]


def test_routine_recall_needs_date(api_as, clinician, case):
    api = api_as(clinician)
    recall = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()

    missing = api.post(f"/api/cases/{case.id}/reviews/", {"agreement": "unsure", "referral_decision": "routine_recall"})
    given = api.post(
        f"/api/cases/{case.id}/reviews/",
        {"agreement": "unsure", "referral_decision": "routine_recall", "recall_date": recall},
    )

    assert missing.status_code == 400
    assert missing.data["error_codes"]["recall_date"] == ["required"]
    assert given.status_code == 201


def test_review_missing_fields_named(api_as, clinician, case):
    response = api_as(clinician).post(f"/api/cases/{case.id}/reviews/", {})

    assert response.status_code == 400
    assert response.data["error_codes"]["agreement"] == ["required"]
    assert response.data["error_codes"]["referral_decision"] == ["required"]


def test_reviewer_adds_histopathology_later(api_as, specialist, case):
    review = Review.objects.create(case=case, reviewer=specialist, agreement="agree", referral_decision="no_action")

    response = api_as(specialist).patch(
        f"/api/reviews/{review.id}/", {"histopathology_result": "malignant", "histopathology_notes": "SCC, grade 2"}
    )

    review.refresh_from_db()
    assert response.status_code == 200
    assert review.histopathology_result == "malignant"
    assert review.histopathology_notes == "SCC, grade 2"


def test_clinic_admin_can_edit_others_review(api_as, specialist, case, clinic):
    admin = UserFactory(clinic=clinic, clinic__role=Membership.Role.CLINIC_ADMIN)
    review = Review.objects.create(case=case, reviewer=specialist, agreement="agree", referral_decision="no_action")

    response = api_as(admin).patch(f"/api/reviews/{review.id}/", {"histopathology_result": "benign"})

    assert response.status_code == 200


def test_other_reviewer_cannot_edit_review(api_as, specialist, clinician, case):
    review = Review.objects.create(case=case, reviewer=specialist, agreement="agree", referral_decision="no_action")

    response = api_as(clinician).patch(f"/api/reviews/{review.id}/", {"histopathology_result": "benign"})

    assert response.status_code == 403
    assert response.data["code"] == "role_required"


def test_case_detail_counts_reviews(api_as, clinician, specialist, case):
    Review.objects.create(case=case, reviewer=specialist, agreement="agree", referral_decision="no_action")

    detail = api_as(clinician).get(f"/api/cases/{case.id}/")
    listed = api_as(clinician).get("/api/cases/")

    assert detail.data["review_count"] == 1
    assert detail.data["image_count"] == 0
    assert listed.data["results"][0]["review_count"] == 1


def test_multi_clinic_user_sees_both_clinics(api_as, clinician, patient, other_clinic):
    Membership.objects.create(user=clinician, clinic=other_clinic, role=Membership.Role.SPECIALIST)
    elsewhere = PatientFactory(clinic=other_clinic)

    listed = api_as(clinician).get("/api/patients/")
    filtered = api_as(clinician).get("/api/patients/", {"clinic": other_clinic.id})

    assert {p["id"] for p in listed.data["results"]} == {patient.id, elsewhere.id}
    assert [p["id"] for p in filtered.data["results"]] == [elsewhere.id]


def test_role_is_per_clinic(api_as, clinician, other_clinic):
    Membership.objects.create(user=clinician, clinic=other_clinic, role=Membership.Role.SPECIALIST)
    elsewhere = PatientFactory(clinic=other_clinic)

    edit = api_as(clinician).patch(f"/api/patients/{elsewhere.id}/", {"notes": "x"})
    create = api_as(clinician).post("/api/patients/", {**NEW_PATIENT, "clinic": other_clinic.id})

    assert edit.status_code == 403
    assert create.status_code == 400
    assert create.data["error_codes"]["clinic"] == ["does_not_exist"]


def test_user_without_clinic_cannot_create_patient(api_as):
    loner = UserFactory()
    ClinicFactory()

    response = api_as(loner).post("/api/patients/", NEW_PATIENT)

    assert response.status_code == 403
    assert response.data["code"] == "role_required"


def make_image(case, user, sha="a"):
    from diagnosis.models import Image

    return Image.objects.create(
        case=case,
        file="images/test.jpg",
        detected_format="JPEG",
        width=640,
        height=480,
        upload_size=1000,
        upload_sha256=sha * 64,
        stored_sha256=sha * 64,
        uploaded_by=user,
    )


def test_case_detail_lists_images(api_as, clinician, case):
    image = make_image(case, clinician)

    response = api_as(clinician).get(f"/api/cases/{case.id}/")

    assert response.status_code == 200
    assert [i["id"] for i in response.data["images"]] == [image.id]
    assert response.data["image_count"] == 1


def test_review_prediction_must_belong_to_case(api_as, clinician, case, patient):
    from diagnosis.models import Prediction

    other_case = CaseFactory(patient=patient, clinician=clinician)
    own = Prediction.objects.create(image=make_image(case, clinician, "b"), status=Prediction.Status.SUCCEEDED)
    foreign = Prediction.objects.create(
        image=make_image(other_case, clinician, "c"), status=Prediction.Status.SUCCEEDED
    )
    api = api_as(clinician)
    body = {"agreement": "agree", "referral_decision": "no_action"}

    accepted = api.post(f"/api/cases/{case.id}/reviews/", {**body, "prediction": own.id})
    rejected = api.post(f"/api/cases/{case.id}/reviews/", {**body, "prediction": foreign.id})

    assert accepted.status_code == 201
    assert accepted.data["prediction"] == own.id
    assert rejected.status_code == 400
    assert rejected.data["error_codes"]["prediction"] == ["wrong_case"]


def test_review_prediction_of_other_clinic_is_400(api_as, outsider, clinician, case, other_clinic):
    from diagnosis.models import Prediction

    foreign = Prediction.objects.create(image=make_image(case, clinician, "d"), status=Prediction.Status.SUCCEEDED)
    own_case = CaseFactory(patient=PatientFactory(clinic=other_clinic), clinician=outsider)

    response = api_as(outsider).post(
        f"/api/cases/{own_case.id}/reviews/",
        {"agreement": "agree", "referral_decision": "no_action", "prediction": foreign.id},
    )

    assert response.status_code == 400
    assert response.data["error_codes"]["prediction"] == ["does_not_exist"]


HUGE = 99999999999999999999999


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/patients/", {**NEW_PATIENT, "clinic": HUGE}, "clinic"),
        ("/api/patients/", {**NEW_PATIENT, "clinic": {"id": 1}}, "clinic"),
        ("/api/patients/", {**NEW_PATIENT, "year_of_birth": HUGE}, "year_of_birth"),
        ("/api/patients/", {**NEW_PATIENT, "year_of_birth": "nineteen"}, "year_of_birth"),
        ("/api/patients/", {**NEW_PATIENT, "identifier": None}, "identifier"),
        ("/api/patients/", {**NEW_PATIENT, "previous_oral_cancer": "maybe"}, "previous_oral_cancer"),
        ("/api/patients/", {**NEW_PATIENT, "identifier": ["a"]}, "identifier"),
        ("/api/cases/", {"patient": HUGE, "lesion_site": "gingiva"}, "patient"),
        ("/api/cases/", {"patient": "abc", "lesion_site": "gingiva"}, "patient"),
        (
            "/api/cases/",
            {"patient": "{patient}", "lesion_site": "gingiva", "assigned_specialist": HUGE},
            "assigned_specialist",
        ),
        (
            "/api/cases/",
            {"patient": "{patient}", "lesion_site": "gingiva", "encounter_date": "yesterday"},
            "encounter_date",
        ),
        (
            "/api/cases/{case}/reviews/",
            {"agreement": "agree", "referral_decision": "no_action", "prediction": HUGE},
            "prediction",
        ),
        (
            "/api/cases/{case}/reviews/",
            {"agreement": "agree", "referral_decision": "no_action", "recall_date": "2026-13-40"},
            "recall_date",
        ),
    ],
)
def test_odd_values_give_field_400(api_as, clinician, case, url, body, field):
    filled_url = url.format(case=case.id)
    filled_body = {key: case.patient_id if value == "{patient}" else value for key, value in body.items()}

    response = api_as(clinician).post(filled_url, filled_body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.data["errors"]
    assert response.data["error_codes"][field]


def test_search_with_nul_character_is_400(api_as, clinician):
    response = api_as(clinician).get("/api/patients/", {"search": "P-\x00"})

    assert response.status_code == 400
    assert response.data["error_codes"]["search"] == ["null_characters"]


def test_deeply_nested_json_is_400(api_as, clinician):
    body = "[" * 100_000 + "]" * 100_000

    response = api_as(clinician).post("/api/patients/", data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.data["code"] == "parse_error"
    assert "nested too deeply" in response.data["detail"]


def test_unknown_lesion_site_lists_sites(api_as, clinician, patient):
    response = api_as(clinician).post("/api/cases/", {"patient": patient.id, "lesion_site": "tongue_lateral"})

    assert response.status_code == 400
    message = response.json()["errors"]["lesion_site"][0]
    assert '"tongue_lateral" is not a lesion site' in message
    for site in Case.Site.values:
        assert site in message

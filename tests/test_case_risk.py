"""The risk summary of each case (risk_label, max_probability, pending_predictions) in case lists and case pages."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diagnosis.models import Case, Image, Prediction
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

SUCCEEDED = Prediction.Status.SUCCEEDED
HIGH = Prediction.Label.HIGH_RISK
UNCERTAIN = Prediction.Label.UNCERTAIN
LOW = Prediction.Label.LOW_RISK
START = timezone.now() - datetime.timedelta(days=1)


def photo(case: Case, *, excluded: bool = False) -> Image:
    """Add a photo row to ``case``. The summary reads only rows, so no file is written."""
    digest = uuid.uuid4().hex * 2
    return Image.objects.create(
        case=case,
        file=f"images/{digest}.png",
        detected_format="JPEG",
        width=96,
        height=96,
        upload_size=1000,
        upload_sha256=digest,
        stored_sha256=digest,
        uploaded_by=case.clinician,
        is_excluded=excluded,
    )


def prediction(
    image: Image, status: str = SUCCEEDED, label: str = "", probability: float | None = None, *, minute: int = 0
) -> Prediction:
    """Add a prediction of ``image`` created ``minute`` minutes after START, so tests set which one is latest."""
    created = Prediction.objects.create(image=image, status=status, label=label, probability=probability)
    Prediction.objects.filter(pk=created.pk).update(created_at=START + datetime.timedelta(minutes=minute))
    return created


def summary_of(client, case: Case) -> dict:
    response = client.get(f"/api/cases/{case.pk}/")
    assert response.status_code == 200
    return {key: response.data[key] for key in ("risk_label", "max_probability", "pending_predictions")}


def test_case_without_results_is_null(api_as, clinician, case):
    photo(case)
    waiting = photo(case)
    prediction(waiting, Prediction.Status.WAITING_FOR_MODEL)

    summary = summary_of(api_as(clinician), case)

    assert summary["risk_label"] is None
    assert summary["max_probability"] is None
    assert summary["pending_predictions"] == 1


def test_case_without_photos_is_null(api_as, clinician, case):
    summary = summary_of(api_as(clinician), case)

    assert summary == {"risk_label": None, "max_probability": None, "pending_predictions": 0}


def test_most_severe_label_and_highest_probability(api_as, clinician, case):
    prediction(photo(case), label=LOW, probability=0.82)
    prediction(photo(case), label=UNCERTAIN, probability=0.45)
    prediction(photo(case), label=LOW, probability=0.10)

    summary = summary_of(api_as(clinician), case)

    assert summary["risk_label"] == UNCERTAIN
    # Model versions have different label bands, so the highest probability need not carry the most severe label.
    assert summary["max_probability"] == pytest.approx(0.82)
    assert summary["pending_predictions"] == 0


def test_latest_succeeded_prediction_wins(api_as, clinician, case):
    image = photo(case)
    prediction(image, label=HIGH, probability=0.91, minute=1)
    prediction(image, label=LOW, probability=0.12, minute=2)

    summary = summary_of(api_as(clinician), case)

    assert summary["risk_label"] == LOW
    assert summary["max_probability"] == pytest.approx(0.12)


def test_latest_wins_on_equal_timestamps_by_id(api_as, clinician, case):
    image = photo(case)
    prediction(image, label=HIGH, probability=0.91, minute=1)
    prediction(image, label=LOW, probability=0.12, minute=1)

    summary = summary_of(api_as(clinician), case)

    assert summary["risk_label"] == LOW


def test_failed_reclassification_keeps_last_result(api_as, clinician, case):
    image = photo(case)
    prediction(image, label=HIGH, probability=0.91, minute=1)
    prediction(image, Prediction.Status.FAILED, minute=2)

    summary = summary_of(api_as(clinician), case)

    assert summary["risk_label"] == HIGH
    assert summary["pending_predictions"] == 0


def test_reclassification_in_progress_is_pending(api_as, clinician, case):
    image = photo(case)
    prediction(image, label=UNCERTAIN, probability=0.5, minute=1)
    prediction(image, Prediction.Status.QUEUED, minute=2)

    summary = summary_of(api_as(clinician), case)

    assert summary["risk_label"] == UNCERTAIN
    assert summary["max_probability"] == pytest.approx(0.5)
    assert summary["pending_predictions"] == 1


def test_pending_counts_latest_non_final_per_photo(api_as, clinician, case):
    prediction(photo(case), Prediction.Status.QUEUED)
    prediction(photo(case), Prediction.Status.RUNNING)
    prediction(photo(case), Prediction.Status.WAITING_FOR_MODEL)
    finished = photo(case)
    prediction(finished, Prediction.Status.QUEUED, minute=1)
    prediction(finished, label=LOW, probability=0.2, minute=2)
    prediction(photo(case), Prediction.Status.FAILED)
    photo(case)

    summary = summary_of(api_as(clinician), case)

    assert summary["pending_predictions"] == 3
    assert summary["risk_label"] == LOW


def test_excluded_photo_does_not_count(api_as, clinician, case):
    prediction(photo(case), label=LOW, probability=0.2)
    excluded = photo(case, excluded=True)
    prediction(excluded, label=HIGH, probability=0.95)
    prediction(photo(case, excluded=True), Prediction.Status.QUEUED)

    summary = summary_of(api_as(clinician), case)

    assert summary["risk_label"] == LOW
    assert summary["max_probability"] == pytest.approx(0.2)
    assert summary["pending_predictions"] == 0


def test_summary_in_lists_and_queue(api_as, clinician, specialist, case):
    case.status = Case.Status.AWAITING_REVIEW
    case.assigned_specialist = specialist
    case.save()
    prediction(photo(case), label=HIGH, probability=0.93)
    prediction(photo(case), Prediction.Status.RUNNING)
    quiet = CaseFactory(patient=case.patient, clinician=clinician)

    queue = api_as(specialist).get("/api/cases/", {"assigned_to": "me"})
    patient_cases = api_as(clinician).get(f"/api/patients/{case.patient_id}/cases/")

    assert [row["id"] for row in queue.data["results"]] == [case.pk]
    queued = queue.data["results"][0]
    assert queued["risk_label"] == HIGH
    assert queued["max_probability"] == pytest.approx(0.93)
    assert queued["pending_predictions"] == 1
    by_id = {row["id"]: row for row in patient_cases.data["results"]}
    assert by_id[case.pk]["risk_label"] == HIGH
    assert by_id[case.pk]["pending_predictions"] == 1
    assert by_id[quiet.pk]["risk_label"] is None
    assert by_id[quiet.pk]["pending_predictions"] == 0


def test_created_and_updated_case_carry_summary(api_as, clinician, case):
    client = api_as(clinician)
    prediction(photo(case), label=UNCERTAIN, probability=0.4)

    created = client.post(
        "/api/cases/", {"patient": case.patient_id, "lesion_site": "gingiva", "encounter_date": "2024-05-01"}
    )
    updated = client.patch(f"/api/cases/{case.pk}/", {"lesion_description": "Larger now"})

    assert created.status_code == 201
    assert created.data["risk_label"] is None
    assert created.data["pending_predictions"] == 0
    assert updated.status_code == 200
    assert updated.data["risk_label"] == UNCERTAIN


def test_filter_queue_by_risk_label(api_as, clinician, case):
    prediction(photo(case), label=HIGH, probability=0.9)
    low = CaseFactory(patient=case.patient, clinician=clinician)
    prediction(photo(low), label=LOW, probability=0.1)
    CaseFactory(patient=case.patient, clinician=clinician)
    client = api_as(clinician)

    high_only = client.get("/api/cases/", {"risk_label": HIGH})
    low_only = client.get("/api/cases/", {"risk_label": LOW})
    invalid = client.get("/api/cases/", {"risk_label": "very_high"})

    assert [row["id"] for row in high_only.data["results"]] == [case.pk]
    assert [row["id"] for row in low_only.data["results"]] == [low.pk]
    assert invalid.status_code == 400
    assert invalid.data["error_codes"]["risk_label"] == ["invalid_choice"]


def test_other_clinic_cases_never_appear(api_as, clinician, outsider, case):
    prediction(photo(case), label=HIGH, probability=0.9)
    foreign = CaseFactory(patient__clinic=outsider.memberships.get().clinic, clinician=outsider)
    prediction(photo(foreign), label=LOW, probability=0.1)

    mine = api_as(clinician).get("/api/cases/")
    filtered = api_as(clinician).get("/api/cases/", {"risk_label": LOW})
    theirs = api_as(outsider).get("/api/cases/")
    foreign_detail = api_as(clinician).get(f"/api/cases/{foreign.pk}/")

    assert [row["id"] for row in mine.data["results"]] == [case.pk]
    assert mine.data["results"][0]["risk_label"] == HIGH
    assert filtered.data["results"] == []
    assert [row["id"] for row in theirs.data["results"]] == [foreign.pk]
    assert theirs.data["results"][0]["risk_label"] == LOW
    assert foreign_detail.status_code == 404


def add_cases_with_photos(case: Case, count: int) -> None:
    """Add ``count`` cases to the patient of ``case``, each with three photos that were classified twice."""
    for _ in range(count):
        extra = CaseFactory(patient=case.patient, clinician=case.clinician)
        for label in (HIGH, UNCERTAIN, LOW):
            image = photo(extra)
            prediction(image, label=LOW, probability=0.1, minute=1)
            prediction(image, label=label, probability=0.6, minute=2)
        prediction(photo(extra), Prediction.Status.QUEUED)


@pytest.mark.parametrize("url", ["/api/cases/", "/api/cases/?assigned_to=me", "/api/patients/{patient}/cases/"])
def test_page_query_count_independent_of_cases(api_as, specialist, case, url):
    url = url.format(patient=case.patient_id)
    client = api_as(specialist)
    add_cases_with_photos(case, 2)
    Case.objects.update(assigned_specialist=specialist)

    with CaptureQueriesContext(connection) as few:
        small = client.get(url)
    add_cases_with_photos(case, 6)
    Case.objects.update(assigned_specialist=specialist)
    with CaptureQueriesContext(connection) as many:
        large = client.get(url)

    assert small.data["count"] == 3
    assert large.data["count"] == 9
    assert all(row["risk_label"] == HIGH for row in large.data["results"] if row["id"] != case.pk)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_schema_documents_risk_label_as_label_enum():
    from drf_spectacular.generators import SchemaGenerator

    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    risk_label = schemas["Case"]["properties"]["risk_label"]
    assert risk_label["allOf"] == [{"$ref": "#/components/schemas/LabelEnum"}]
    assert risk_label["nullable"] is True
    assert "not a diagnosis" in risk_label["description"]
    assert schemas["LabelEnum"]["enum"] == Prediction.Label.values

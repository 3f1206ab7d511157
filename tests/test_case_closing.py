"""Closing a case: a case waiting for a referral decision needs a review first, and a closed case is frozen."""

import pytest
from django.test import Client

from accounts.models import User
from diagnosis.models import Case, Prediction, Review
from tests.screening_data import stored_image

pytestmark = pytest.mark.django_db


def result(case, clinician, label: str) -> Prediction:
    return Prediction.objects.create(
        image=stored_image(case, clinician), status=Prediction.Status.SUCCEEDED, label=label, probability=0.5
    )


def close(api_as, user, case):
    return api_as(user).patch(f"/api/cases/{case.pk}/", {"status": "closed"}, format="json")


@pytest.mark.parametrize(
    ("label", "reason"),
    [(Prediction.Label.HIGH_RISK, "high-risk result"), (Prediction.Label.UNCERTAIN, "uncertain result")],
)
def test_risky_unreviewed_case_not_closed(api_as, clinician, case, label, reason):
    result(case, clinician, label)

    response = close(api_as, clinician, case)

    assert response.status_code == 400
    assert response.json()["error_codes"]["status"] == ["review_required"]
    assert reason in response.json()["errors"]["status"][0]
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN


def test_case_awaiting_review_not_closed_unreviewed(api_as, clinician, case):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.AWAITING_REVIEW)

    response = close(api_as, clinician, case)

    assert response.status_code == 400
    assert "awaiting specialist review" in response.json()["errors"]["status"][0]


def test_reviewed_risky_case_can_close(api_as, clinician, specialist, case):
    result(case, clinician, Prediction.Label.HIGH_RISK)
    Review.objects.create(case=case, reviewer=specialist, agreement="agree", referral_decision="urgent_referral")

    response = close(api_as, clinician, case)

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


@pytest.mark.parametrize("label", [Prediction.Label.LOW_RISK, None])
def test_low_risk_or_empty_case_can_close(api_as, clinician, case, label):
    if label is not None:
        result(case, clinician, label)

    response = close(api_as, clinician, case)

    assert response.status_code == 200


def test_admin_rejects_closing_unreviewed_risky_case(clinician, case):
    result(case, clinician, Prediction.Label.HIGH_RISK)
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.org", "staff-password-123"))
    form = {
        "patient": case.patient_id,
        "clinician": case.clinician_id,
        "encounter_date": case.encounter_date.isoformat(),
        "lesion_site": case.lesion_site,
        "lesion_description": case.lesion_description,
        "status": Case.Status.CLOSED,
    }

    response = client.post(f"/admin/diagnosis/case/{case.pk}/change/", form)

    assert response.status_code == 200
    assert "no review yet" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN


def test_photo_of_closed_case_not_excluded(api_as, clinician, case):
    image = stored_image(case, clinician)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)

    response = api_as(clinician).post(f"/api/images/{image.pk}/exclude/", {"reason": "blurred"}, format="json")

    assert response.status_code == 400
    assert response.json()["error_codes"]["non_field_errors"] == ["case_closed"]
    image.refresh_from_db()
    assert not image.is_excluded

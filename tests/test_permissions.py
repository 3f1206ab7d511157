"""
The permission matrix: every records and auth endpoint, called by a clinician and a specialist of the record's
clinic, by a clinician of another clinic (the outsider) and without credentials.
"""

import pytest

from accounts.models import Membership
from diagnosis.models import AuditEvent, Case, Review
from tests.factories import CaseFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("clinician", "specialist", "outsider", "anonymous")


@pytest.fixture
def review(case, specialist):
    return Review.objects.create(case=case, reviewer=specialist, agreement="agree", referral_decision="no_action")


@pytest.fixture
def records(patient, case, review):
    return {"patient": patient.id, "case": case.id, "review": review.id}


# method, URL template, body, expected status for clinician, specialist, outsider, anonymous
MATRIX = [
    ("get", "/api/patients/{patient}/", None, (200, 200, 404, 401)),
    ("patch", "/api/patients/{patient}/", {"notes": "seen"}, (200, 403, 404, 401)),
    # The patient's case is open, so even a clinician's archive request is rejected (409 open_cases). Archiving a
    # patient whose cases are closed is tested in test_archived_patient.py.
    ("post", "/api/patients/{patient}/archive/", None, (409, 403, 404, 401)),
    ("post", "/api/patients/{patient}/unarchive/", None, (200, 403, 404, 401)),
    ("get", "/api/patients/{patient}/cases/", None, (200, 200, 404, 401)),
    ("get", "/api/cases/{case}/", None, (200, 200, 404, 401)),
    ("patch", "/api/cases/{case}/", {"lesion_description": "8 mm"}, (200, 403, 404, 401)),
    ("patch", "/api/cases/{case}/", {"status": "awaiting_review"}, (200, 200, 404, 401)),
    ("get", "/api/cases/{case}/reviews/", None, (200, 200, 404, 401)),
    (
        "post",
        "/api/cases/{case}/reviews/",
        {"agreement": "unsure", "referral_decision": "no_action"},
        (201, 201, 404, 401),
    ),
    ("get", "/api/reviews/{review}/", None, (200, 200, 404, 401)),
    ("patch", "/api/reviews/{review}/", {"histopathology_result": "pending"}, (403, 200, 404, 401)),
    ("post", "/api/cases/", {"patient": "{patient}", "lesion_site": "gingiva"}, (201, 403, 400, 401)),
    ("get", "/api/patients/", None, (200, 200, 200, 401)),
    ("get", "/api/cases/", None, (200, 200, 200, 401)),
    ("get", "/api/auth/me/", None, (200, 200, 200, 401)),
    ("post", "/api/auth/logout/", None, (204, 204, 204, 401)),
]


def _fill(value, records):
    if isinstance(value, str):
        return value.format(**records)
    if isinstance(value, dict):
        return {key: _fill(item, records) for key, item in value.items()}
    return value


@pytest.mark.parametrize(("method", "url", "body", "expected"), MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_endpoint_matrix(request, api_as, records, method, url, body, expected, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    api = api_as(user)

    response = getattr(api, method)(_fill(url, records), _fill(body, records), format="json")

    assert response.status_code == expected[ROLES.index(role)], response.content
    if response.status_code >= 400:
        assert response.data["code"]
        assert response.data["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/patients/{patient}/",
        "/api/patients/{patient}/cases/",
        "/api/cases/{case}/",
        "/api/cases/{case}/reviews/",
        "/api/reviews/{review}/",
    ],
)
def test_foreign_record_404_matches_missing_record(api_as, outsider, records, url):
    api = api_as(outsider)
    missing = {key: 987_654 for key in records}

    foreign = api.get(url.format(**records))
    absent = api.get(url.format(**missing))

    assert foreign.status_code == 404
    assert absent.status_code == 404
    assert foreign.data["code"] == absent.data["code"] == "not_found"
    assert foreign.data["detail"] == absent.data["detail"]


def test_outsider_lists_leak_nothing(api_as, outsider, records, specialist):
    api = api_as(outsider)

    queries = [
        ("/api/patients/", {}),
        ("/api/patients/", {"include_archived": "true"}),
        ("/api/patients/", {"search": "P-"}),
        ("/api/patients/", {"clinic": specialist.memberships.get().clinic_id}),
        ("/api/cases/", {}),
        ("/api/cases/", {"patient": records["patient"]}),
        ("/api/cases/", {"assigned_to": specialist.id}),
        ("/api/cases/", {"status": "open"}),
    ]
    for url, params in queries:
        response = api.get(url, params)
        assert response.status_code == 200, (url, params)
        assert response.data["count"] == 0, (url, params)
        assert response.data["results"] == [], (url, params)


def test_own_lists_show_only_own_clinic(api_as, clinician, records, other_clinic, outsider):
    foreign_patient = PatientFactory(clinic=other_clinic)
    CaseFactory(patient=foreign_patient, clinician=outsider)
    api = api_as(clinician)

    patients = api.get("/api/patients/")
    cases = api.get("/api/cases/")

    assert [p["id"] for p in patients.data["results"]] == [records["patient"]]
    assert patients.data["count"] == 1
    assert [c["id"] for c in cases.data["results"]] == [records["case"]]
    assert cases.data["count"] == 1


def test_foreign_patient_in_case_create_is_400(api_as, outsider, patient):
    response = api_as(outsider).post("/api/cases/", {"patient": patient.id, "lesion_site": "gingiva"})

    assert response.status_code == 400
    assert response.data["error_codes"]["patient"] == ["does_not_exist"]
    assert not Case.objects.filter(clinician=outsider).exists()


def test_foreign_read_writes_no_audit_event(api_as, outsider, records):
    api_as(outsider).get(f"/api/patients/{records['patient']}/")

    assert not AuditEvent.objects.filter(actor=outsider, action=AuditEvent.Action.READ).exists()


def test_specialist_cannot_register_patient(api_as, specialist):
    response = api_as(specialist).post("/api/patients/", {"identifier": "X-1"})

    assert response.status_code == 403
    assert response.data["code"] == "role_required"


def test_clinic_admin_acts_as_clinician(api_as, clinic, patient, case):
    admin = UserFactory(clinic=clinic, clinic__role=Membership.Role.CLINIC_ADMIN)
    api = api_as(admin)

    created = api.post("/api/patients/", {"identifier": "ADM-1"})
    edited = api.patch(f"/api/patients/{patient.id}/", {"notes": "checked"})
    opened = api.post("/api/cases/", {"patient": patient.id, "lesion_site": "hard_palate"})
    changed = api.patch(f"/api/cases/{case.id}/", {"lesion_description": "smaller"})

    assert created.status_code == 201
    assert edited.status_code == 200
    assert opened.status_code == 201
    assert changed.status_code == 200


def test_non_numeric_ids_are_404(api_as, clinician):
    api = api_as(clinician)

    assert api.get("/api/patients/abc/").status_code == 404
    assert api.get("/api/cases/1e3/").status_code == 404
    assert api.get("/api/reviews/-1/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/patients/99999999999999999999999/",
        "/api/cases/99999999999999999999999/",
        "/api/cases/99999999999999999999999/reviews/",
        "/api/reviews/99999999999999999999999/",
        "/api/patients/\u00b2/",
    ],
)
def test_out_of_range_ids_are_404(api_as, clinician, url):
    response = api_as(clinician).get(url)

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/patients/", {"clinic": "\u00b2"}),
        ("/api/patients/", {"clinic": "99999999999999999999999"}),
        ("/api/cases/", {"patient": "\u00b2"}),
        ("/api/cases/", {"patient": "99999999999999999999999"}),
        ("/api/cases/", {"assigned_to": "-3"}),
    ],
)
def test_odd_filter_values_are_not_500(api_as, clinician, url, params):
    response = api_as(clinician).get(url, params)

    assert response.status_code in {200, 400}
    assert response.data["code"] == "invalid" if response.status_code == 400 else response.data["count"] == 0

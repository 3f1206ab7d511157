"""Paths under /api/ that no endpoint matches get a JSON 404 in the error contract's shape."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/nonexistent/", "/api/cases/abc/", "/api/patients/1/unknown/"])
def test_unmatched_api_path_is_json_404(api_as, clinician, path):
    response = api_as(clinician).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "not_found"
    assert path in body["detail"]
    assert "/api/docs/" in body["detail"]
    assert body["request_id"] == response["X-Request-ID"]


def test_missing_trailing_slash_is_named(api_as, clinician):
    response = api_as(clinician).get("/api/patients")

    assert response.status_code == 404
    assert "Add the trailing slash: /api/patients/" in response.json()["detail"]


def test_anonymous_unmatched_path_is_json_404(client):
    # Django's test client checks CSRF tokens like a browser when asked to.
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/nowhere/", {}, content_type="application/json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "POST /api/nowhere/" in response.json()["detail"]


def test_interface_paths_still_served(client):
    response = client.get("/login/")

    assert response.status_code in (200, 302)
    assert response["Content-Type"].startswith("text/html")

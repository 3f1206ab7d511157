import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import Membership
from diagnosis.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"


def login(api: APIClient, username: str, password: str = PASSWORD):
    return api.post(LOGIN, {"username": username, "password": password}, format="json")


def test_login_returns_user_with_clinics_and_roles(api, clinician, specialist, clinic):
    response = login(api, clinician.username)

    assert response.status_code == 200
    assert response.data["username"] == clinician.username
    assert response.data["memberships"][0]["clinic"] == {"id": clinic.id, "name": clinic.name}
    assert response.data["memberships"][0]["role"] == Membership.Role.CLINICIAN
    assert [s["username"] for s in response.data["memberships"][0]["specialists"]] == [specialist.username]
    assert "sessionid" in response.cookies


def test_login_starts_session_for_me(api, clinician):
    login(api, clinician.username)

    response = api.get("/api/auth/me/")

    assert response.status_code == 200
    assert response.data["id"] == clinician.id
    assert "csrftoken" in response.cookies


def test_wrong_password_is_400_with_code(api, clinician):
    response = login(api, clinician.username, "wrong-password")

    assert response.status_code == 400
    assert response.data["code"] == "invalid_credentials"
    assert "incorrect" in response.data["detail"]
    assert response.data["request_id"]


def test_login_missing_password_names_field(api, clinician):
    response = api.post(LOGIN, {"username": clinician.username}, format="json")

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert "password" in response.data["errors"]
    assert response.data["error_codes"]["password"] == ["required"]


def test_inactive_user_cannot_login(api, clinician):
    clinician.is_active = False
    clinician.save()

    assert login(api, clinician.username).status_code == 400


def test_me_without_login_is_401(api):
    response = api.get("/api/auth/me/")

    assert response.status_code == 401
    assert response.data["code"] == "not_authenticated"


def test_logout_ends_session(api, clinician):
    login(api, clinician.username)

    response = api.post("/api/auth/logout/")

    assert response.status_code == 204
    assert api.get("/api/auth/me/").status_code == 401


def test_repeated_failures_lock_out_with_429(api, clinician):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(api, clinician.username, "wrong-password").status_code == 400

    locked = login(api, clinician.username, "wrong-password")
    still_locked = login(api, clinician.username)

    assert locked.status_code == 429
    assert still_locked.status_code == 429
    assert still_locked.json()["code"] == "locked_out"
    assert "Wait" in still_locked.json()["detail"]
    assert int(still_locked["Retry-After"]) > 0


def test_lockout_is_per_user_name(api, clinician, specialist):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(api, clinician.username, "wrong-password")

    assert login(api, specialist.username).status_code == 200


def test_success_before_limit_resets_failures(api, clinician):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(api, clinician.username, "wrong-password")
    assert login(api, clinician.username).status_code == 200

    api.post("/api/auth/logout/")

    assert login(api, clinician.username, "wrong-password").status_code == 400


def test_login_checks_csrf_when_enforced(clinician):
    api = APIClient(enforce_csrf_checks=True)

    rejected = login(api, clinician.username)
    token = api.get("/api/auth/csrf/").data["csrf_token"]
    accepted = api.post(
        LOGIN, {"username": clinician.username, "password": PASSWORD}, format="json", HTTP_X_CSRFTOKEN=token
    )

    assert rejected.status_code == 403
    assert rejected.data["code"] == "csrf_failed"
    assert accepted.status_code == 200


def test_session_write_needs_csrf_token(clinician):
    api = APIClient(enforce_csrf_checks=True)
    token = api.get("/api/auth/csrf/").data["csrf_token"]
    api.post(LOGIN, {"username": clinician.username, "password": PASSWORD}, format="json", HTTP_X_CSRFTOKEN=token)

    response = api.post("/api/auth/logout/")

    assert response.status_code == 403
    assert response.data["code"] == "csrf_failed"
    assert "X-CSRFToken" in response.data["detail"]


def test_token_authenticates_scripts(api, clinician):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=clinician)

    response = api.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert response.data["username"] == clinician.username


def test_login_logout_and_failure_are_audited(api, clinician):
    login(api, clinician.username, "wrong-password")
    login(api, clinician.username)
    api.post("/api/auth/logout/")

    failed = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert failed.username == clinician.username
    assert failed.actor is None
    assert failed.ip_address == "127.0.0.1"
    assert "wrong-password" not in str(failed.changes)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor=clinician).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, actor=clinician).count() == 1


def test_user_without_clinic_has_no_memberships(api):
    user = UserFactory()

    response = login(api, user.username)

    assert response.status_code == 200
    assert response.data["memberships"] == []


def test_admin_login_lockout_is_plain_text(clinician):
    from django.test import Client

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/admin/login/", {"username": clinician.username, "password": "wrong-password"})

    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/plain")
    assert "Sign-in is locked" in response.content.decode()

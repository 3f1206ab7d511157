"""The create_demo command: demo logins that stay valid across runs, and an administrator for the admin site."""

import os
import re
import stat

import pytest
from django.core.management import call_command

from accounts.models import Membership, User

pytestmark = pytest.mark.django_db

LOGIN_LINE = re.compile(r"sign in as (\S+) with password (\S+)")


@pytest.fixture
def var_dir(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("ORALCARE_DEMO_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    return tmp_path


def run_create_demo(capsys, **options) -> dict[str, str]:
    """Run create_demo and return the printed logins as {username: password}."""
    call_command("create_demo", **options)
    return dict(LOGIN_LINE.findall(capsys.readouterr().out))


def test_demo_admin_opens_admin_site(var_dir, capsys, client):
    logins = run_create_demo(capsys)

    assert "demo.admin" in logins
    admin = User.objects.get(username="demo.admin")
    assert admin.is_staff
    assert admin.is_superuser
    membership = admin.memberships.get()
    assert membership.role == Membership.Role.CLINIC_ADMIN
    assert membership.clinic.name == "OralCare Demo Clinic"

    credentials = {"username": "demo.admin", "password": logins["demo.admin"]}
    client.post("/admin/login/", credentials)
    assert client.get("/admin/").status_code == 200


def test_demo_clinician_is_not_staff(var_dir, capsys):
    run_create_demo(capsys)

    clinician = User.objects.get(username="demo.clinician")
    assert not clinician.is_staff
    assert not clinician.is_superuser


def test_generated_password_is_kept_across_runs(var_dir, capsys):
    first_logins = run_create_demo(capsys)
    second_logins = run_create_demo(capsys)

    assert set(first_logins) == {"demo.clinician", "demo.specialist", "demo.admin"}
    assert second_logins == first_logins
    password_file = var_dir / "demo-password"
    assert password_file.read_text().strip() == first_logins["demo.clinician"]
    assert stat.S_IMODE(os.stat(password_file).st_mode) == 0o600
    for username, password in second_logins.items():
        assert User.objects.get(username=username).check_password(password), username


def test_rerun_keeps_changed_passwords(var_dir, capsys):
    run_create_demo(capsys)
    clinician = User.objects.get(username="demo.clinician")
    clinician.set_password("changed-by-the-clinician-1")
    clinician.save()

    run_create_demo(capsys)

    clinician.refresh_from_db()
    assert clinician.check_password("changed-by-the-clinician-1")


def test_explicit_password_resets_and_is_stored(var_dir, capsys):
    run_create_demo(capsys)

    explicit_logins = run_create_demo(capsys, password="explicit-demo-password-2")
    later_logins = run_create_demo(capsys)

    assert set(explicit_logins.values()) == {"explicit-demo-password-2"}
    assert later_logins == explicit_logins
    for username in explicit_logins:
        assert User.objects.get(username=username).check_password("explicit-demo-password-2"), username


def test_existing_users_without_stored_password_are_reset(var_dir, capsys):
    run_create_demo(capsys)
    (var_dir / "demo-password").unlink()

    logins = run_create_demo(capsys)

    for username, password in logins.items():
        assert User.objects.get(username=username).check_password(password), username

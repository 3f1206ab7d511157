import os
import secrets
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Clinic, Membership, User

DEMO_CLINIC = "OralCare Demo Clinic"
PASSWORD_FILE_NAME = "demo-password"


class DemoUser(NamedTuple):
    username: str
    first_name: str
    last_name: str
    role: str
    is_superuser: bool = False


DEMO_USERS = [
    DemoUser("demo.clinician", "Demo", "Clinician", Membership.Role.CLINICIAN),
    DemoUser("demo.specialist", "Demo", "Specialist", Membership.Role.SPECIALIST),
    # Staff and superuser, so the same login opens the Django admin site.
    DemoUser("demo.admin", "Demo", "Administrator", Membership.Role.CLINIC_ADMIN, is_superuser=True),
]


def password_file() -> Path:
    return Path(settings.VAR_DIR) / PASSWORD_FILE_NAME


def read_stored_password() -> str:
    path = password_file()
    if not path.exists():
        return ""
    return path.read_text(encoding="utf-8").strip()


def store_password(password: str) -> None:
    """Write the demo password to VAR_DIR, readable only by the owner, so later runs print the same login."""
    path = password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(password + "\n")
    path.chmod(0o600)


def ensure_demo_user(clinic: Clinic, demo_user: DemoUser, *, password: str, reset_password: bool) -> None:
    """Create the demo user, or update an existing one, and give it its role in the demo clinic."""
    user, created = User.objects.get_or_create(
        username=demo_user.username,
        defaults={"first_name": demo_user.first_name, "last_name": demo_user.last_name},
    )
    user.is_active = True
    if demo_user.is_superuser:
        user.is_staff = True
        user.is_superuser = True
    if created or reset_password:
        user.set_password(password)
    user.save()

    Membership.objects.update_or_create(user=user, clinic=clinic, defaults={"role": demo_user.role})


class Command(BaseCommand):
    help = (
        "Create a demo clinic with a clinician, a specialist and an administrator (staff and superuser), and print "
        "their sign-in details. Safe to run again: existing demo records are reused. Without a password, one is "
        f"generated on the first run and kept in VAR_DIR/{PASSWORD_FILE_NAME}, and existing demo users keep their "
        "password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("ORALCARE_DEMO_PASSWORD", ""),
            help=(
                "Password for all demo users, set also on existing ones (default: $ORALCARE_DEMO_PASSWORD, or the "
                f"password stored in VAR_DIR/{PASSWORD_FILE_NAME}, or a newly generated one)."
            ),
        )
        parser.add_argument("--clinic", default=DEMO_CLINIC, help=f"Name of the demo clinic (default: {DEMO_CLINIC}).")

    def handle(self, *args: Any, password: str, clinic: str, **options: Any) -> None:
        stored_password = read_stored_password()
        # Existing users are reset when a password is given or none is stored. Without a stored password, their
        # current one is unknown, so the printed login would not work.
        reset_password = bool(password) or not stored_password
        password = password or stored_password or secrets.token_urlsafe(12)
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(f"The demo password is too weak: {' '.join(error.messages)}") from error

        with transaction.atomic():
            demo_clinic, _ = Clinic.objects.get_or_create(name=clinic)
            for demo_user in DEMO_USERS:
                ensure_demo_user(demo_clinic, demo_user, password=password, reset_password=reset_password)
        if password != stored_password:
            store_password(password)

        self.stdout.write(f"Demo clinic: {demo_clinic.name}")
        for demo_user in DEMO_USERS:
            self.stdout.write(f"  sign in as {demo_user.username} with password {password}")

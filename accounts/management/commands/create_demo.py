import os
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Clinic, Membership, User

DEMO_CLINIC = "OralCare Demo Clinic"
DEMO_USERS = [
    ("demo.clinician", "Demo", "Clinician", Membership.Role.CLINICIAN),
    ("demo.specialist", "Demo", "Specialist", Membership.Role.SPECIALIST),
]


class Command(BaseCommand):
    help = (
        "Create a demo clinic with a clinician and a specialist, and print their sign-in details. Safe to run again: "
        "existing demo records are reused and the demo users get the given (or a newly generated) password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("ORALCARE_DEMO_PASSWORD", ""),
            help="Password for both demo users (default: $ORALCARE_DEMO_PASSWORD, or a generated one).",
        )
        parser.add_argument("--clinic", default=DEMO_CLINIC, help=f"Name of the demo clinic (default: {DEMO_CLINIC}).")

    def handle(self, *args: Any, password: str, clinic: str, **options: Any) -> None:
        password = password or secrets.token_urlsafe(12)
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(f"The demo password is too weak: {' '.join(error.messages)}") from error

        with transaction.atomic():
            demo_clinic, _ = Clinic.objects.get_or_create(name=clinic)
            usernames = [self._ensure_user(demo_clinic, *user, password=password) for user in DEMO_USERS]

        self.stdout.write(f"Demo clinic: {demo_clinic.name}")
        for username in usernames:
            self.stdout.write(f"  sign in as {username} with password {password}")

    def _ensure_user(
        self, clinic: Clinic, username: str, first_name: str, last_name: str, role: str, *, password: str
    ) -> str:
        user, _ = User.objects.get_or_create(
            username=username, defaults={"first_name": first_name, "last_name": last_name}
        )
        user.is_active = True
        user.set_password(password)
        user.save()
        Membership.objects.update_or_create(user=user, clinic=clinic, defaults={"role": role})
        return username

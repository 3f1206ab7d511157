"""Make a model version the active one, which the worker then serves."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml import services
from ml.models import ModelVersion


class Command(BaseCommand):
    help = "Activate VERSION (name or id): it serves new predictions and the previously active version is retired."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("version", metavar="VERSION", help="Model version name or id.")
        parser.add_argument("--user", default="", help="User name recorded as the actor in the audit trail.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = services.find_version(options["version"])
        except ModelVersion.DoesNotExist as error:
            names = ", ".join(ModelVersion.objects.values_list("name", flat=True)[:20]) or "none"
            raise CommandError(f"Model version {options['version']!r} not found. Known versions: {names}.") from error

        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"User {options['user']!r} not found; pass an existing user name with --user.")

        version = services.activate(version, actor=actor, via="command")
        self.stdout.write(self.style.SUCCESS(f"Model version {version.name} is now active."))

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token

from accounts.models import User
from diagnosis import audit
from diagnosis.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Print an API token for a user, for scripts that call the API with 'Authorization: Token <key>'. "
        "The user keeps one token; --rotate replaces it. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user the token belongs to.")
        parser.add_argument(
            "--rotate", action="store_true", help="Replace the user's existing token, which then stops working."
        )

    def handle(self, *args: Any, username: str, rotate: bool, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}: check the name or create the user first.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive: activate the user in the admin first.")

        if rotate:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)

        # Printing an existing key hands out a credential too, so every run is audited. The actor field stays empty
        # because the server operator who ran the command has no user account. The target is the token's owner.
        audit.record(
            AuditEvent.Action.ISSUE_TOKEN,
            target=user,
            via="command",
            changes={"new_token": [None, created], "rotated": [None, rotate]},
        )
        self.stdout.write(token.key)

"""Audit receivers for sign-in, sign-out and failed sign-in, from every path: the API, the admin and the web."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from diagnosis import audit
from diagnosis.models import AuditEvent


def _via(request: HttpRequest | None) -> str:
    if request is None:
        return "command"
    return "admin" if request.path.startswith("/admin/") else "api"


@receiver(user_logged_in, dispatch_uid="audit_login")
def audit_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit.record(AuditEvent.Action.LOGIN, actor=user, request=request, via=_via(request))


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # Logging out without a signed-in session is allowed, and then there is no user to record.
    if user is None:
        return

    audit.record(AuditEvent.Action.LOGOUT, actor=user, request=request, via=_via(request))


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in ``credentials``. Only the typed user name is stored.
    username = str(credentials.get("username", ""))[:150]
    audit.record(AuditEvent.Action.LOGIN_FAILED, username=username, request=request, via=_via(request))

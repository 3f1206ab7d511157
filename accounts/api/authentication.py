from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

CSRF_HELP = "Request GET /api/auth/csrf/ and send its token in the X-CSRFToken header, then try again."


class CsrfSessionAuthentication(SessionAuthentication):
    """Session authentication whose CSRF failures carry the code ``csrf_failed`` and a message with the fix."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as error:
            raise exceptions.PermissionDenied(
                detail=f"The CSRF check failed ({error.detail}). {CSRF_HELP}", code="csrf_failed"
            ) from error


class CsrfSessionScheme(OpenApiAuthenticationExtension):
    """Describe ``CsrfSessionAuthentication`` in the OpenAPI schema as the session cookie it is."""

    target_class = CsrfSessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}

"""Request ids (one per request, sent back in ``X-Request-ID`` and added to every log line) and client addresses."""

import contextvars
import ipaddress
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# A proxy may pass its own id; anything else is replaced, so a client cannot inject text into the logs.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def client_ip(request: HttpRequest) -> str | None:
    """
    Return the address of the client that sent the request, for the audit trail and login throttling.

    Behind ORALCARE_TRUSTED_PROXY_COUNT reverse proxies, REMOTE_ADDR is the nearest proxy's address, and each proxy
    appends the address it saw to X-Forwarded-For. The entry that the outermost trusted proxy appended is the client.
    Entries further left are sent by the client itself and are not trusted.
    """
    remote_address = request.META.get("REMOTE_ADDR") or None
    proxy_count = settings.ORALCARE_TRUSTED_PROXY_COUNT
    if proxy_count <= 0:
        return remote_address

    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxy_count:
        return remote_address

    candidate = forwarded[-proxy_count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_address

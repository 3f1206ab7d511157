"""The response to a sign-in attempt that django-axes has locked out: the API's error shape, or plain text."""

import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from oralcare.middleware import request_id_var


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """Build the 429 response that axes sends (through ``AXES_LOCKOUT_CALLABLE``) once the failure limit is reached."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        wait = "Ask a clinic administrator or Django staff to unlock the account"
        retry_after = None
    else:
        seconds = math.ceil(cool_off.total_seconds())
        wait = f"Wait {math.ceil(seconds / 60)} minutes before you try again, or ask a clinic administrator for help"
        retry_after = seconds

    detail = (
        f"Sign-in is locked after {settings.AXES_FAILURE_LIMIT} failed attempts for this user name from this "
        f"address. {wait}."
    )
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "locked_out", "detail": detail, "request_id": request_id_var.get()}, status=429
        )
    else:
        # The admin's sign-in form is a web page, so it gets the message as plain text.
        response = HttpResponse(detail, status=429, content_type="text/plain; charset=utf-8")
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response

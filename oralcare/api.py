"""
The API's one error contract.

Every error body has ``code`` (stable and machine-readable), ``detail`` (one sentence for a person) and
``request_id``. A validation error also has ``errors``, DRF's field-keyed messages, and ``error_codes`` with the same
keys, so a client can put each message beside its field and branch on the code.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from oralcare.middleware import request_id_var

# The same text whether the record does not exist or belongs to a clinic the user is not a member of.
NOT_FOUND_DETAIL = "No record with this id exists in your clinics: check the id, or ask for access to its clinic."
VALIDATION_DETAIL = "Some fields are invalid: correct the fields listed in 'errors' and send the request again."


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with too deeply nested documents rejected as a parse error instead of a 500."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(
                "JSON parse error: the document is nested too deeply. Send a flat JSON object of field values."
            ) from error


class ErrorSerializer(serializers.Serializer):
    """The error body, for the OpenAPI schema: views list it as the response of their 4xx status codes."""

    code = serializers.CharField(help_text="Stable machine-readable error code, for example 'invalid' or 'not_found'.")
    detail = serializers.CharField(help_text="One sentence for a person: what was wrong and what to do.")
    request_id = serializers.CharField(help_text="The request id, also sent in the X-Request-ID header.")
    errors = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text="Validation errors only: messages keyed by field."
    )
    error_codes = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text="Validation errors only: codes keyed by field."
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND_DETAIL)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    assert isinstance(exc, exceptions.APIException)
    if response.status_code == status.HTTP_404_NOT_FOUND and "request" in context:
        # Imported here because diagnosis imports this module.
        from diagnosis.audit import record_denied_access

        record_denied_access(context["request"])

    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_error_body(exc)
    else:
        response.data = {"code": _first_code(exc.get_codes()), "detail": _first_message(exc.detail)}
    response.data["request_id"] = request_id_var.get()
    return response


def validation_error_body(exc: exceptions.ValidationError) -> dict[str, Any]:
    detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    codes = exc.get_codes()
    codes = codes if isinstance(codes, dict) else {"non_field_errors": codes}
    return {"code": "invalid", "detail": VALIDATION_DETAIL, "errors": detail, "error_codes": codes}


# The view changes nothing, so a POST without a CSRF token learns that the path is wrong instead of getting a 403.
@csrf_exempt
def api_not_found(request: HttpRequest, path: str) -> JsonResponse:
    """
    Return a 404 in the error contract's shape for an /api/ path that no endpoint matches.

    Without it Django returns its HTML 404 page for such paths (a debug page listing every URL pattern when DEBUG
    is on). Because this view matches every /api/ path, APPEND_SLASH no longer redirects there, so the message
    names the same path with a trailing slash when that one exists.
    """
    hint = "See /api/docs/ for the endpoints."
    if not request.path.endswith("/") and _resolves_to_endpoint(request.path + "/"):
        hint = f"Add the trailing slash: {request.path}/"
    return JsonResponse(
        {
            "code": "not_found",
            "detail": f"No API endpoint matches {request.method} {request.path}. {hint}",
            "request_id": request_id_var.get(),
        },
        status=status.HTTP_404_NOT_FOUND,
    )


def _resolves_to_endpoint(path: str) -> bool:
    try:
        return resolve(path).func is not api_not_found
    except Resolver404:
        return False


def error_response(code: str, detail: str, http_status: int = status.HTTP_400_BAD_REQUEST) -> Response:
    """Build an error response in the contract's shape, for views that reject a request without raising."""
    return Response({"code": code, "detail": detail, "request_id": request_id_var.get()}, status=http_status)


def _first_code(codes: Any) -> str:
    while isinstance(codes, (list, dict)):
        if not codes:
            return "error"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes)


def _first_message(detail: Any) -> str:
    while isinstance(detail, (list, dict)):
        if not detail:
            return ""
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail)

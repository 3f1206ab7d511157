from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.authentication import CsrfSessionAuthentication
from accounts.api.lockout import lockout_response
from accounts.api.serializers import CsrfSerializer, LoginSerializer, MeSerializer
from oralcare.api import ErrorSerializer, error_response

INVALID_CREDENTIALS = (
    "The user name or password is incorrect. Check both and try again; repeated failures lock sign-in for a while."
)


class CsrfView(APIView):
    """Set the CSRF cookie and return its token, for the web interface to send with its first POST."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        operation_id="auth_csrf",
        summary="Get a CSRF token",
        description="Sets the CSRF cookie and returns its token, which every POST, PUT, PATCH and DELETE must send.",
        responses={200: CsrfSerializer},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        return Response({"csrf_token": get_token(request._request)})


class LoginView(APIView):
    """Sign in with a user name and password and start a session. Send the CSRF token (GET /api/auth/csrf/)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        operation_id="auth_login",
        summary="Sign in",
        description=(
            "Signs in with a user name and password, starts a session and returns the user. Send the CSRF token "
            "from GET /api/auth/csrf/. After repeated failures sign-in is locked for a while (429)."
        ),
        request=LoginSerializer,
        responses={200: MeSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 429: ErrorSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        _enforce_csrf(request)
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        # authenticate() runs django-axes's backend, which counts failures and rejects locked-out user names.
        http_request = request._request
        user = authenticate(
            http_request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(http_request, "axes_locked_out", False):
            return lockout_response(http_request)
        if user is None:
            return error_response("invalid_credentials", INVALID_CREDENTIALS)

        login(http_request, user)
        return Response(MeSerializer(user).data)


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        operation_id="auth_logout",
        summary="Sign out",
        description="Ends the session.",
        request=None,
        responses={204: None, 401: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class MeView(APIView):
    """The signed-in user, with each clinic and the role held there. Also sets the CSRF cookie."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        operation_id="auth_me",
        summary="Read the signed-in user",
        description="Returns the signed-in user with each clinic and the role held there, and sets the CSRF cookie.",
        responses={200: MeSerializer, 401: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


def _enforce_csrf(request: Request) -> None:
    # Sign-in happens before there is a session, so DRF's SessionAuthentication would not check CSRF here.
    CsrfSessionAuthentication().enforce_csrf(request)

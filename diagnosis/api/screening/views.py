"""Predictions of an image, its Grad-CAM heat map, and the service's health."""

from typing import Any

from django.db import DatabaseError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, permissions, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from diagnosis import audit, health, screening, services
from diagnosis.api.screening.health_serializers import HealthSerializer
from diagnosis.api.screening.serializers import PredictionSerializer
from diagnosis.models import Image, Prediction
from oralcare.api import ErrorSerializer, error_response

READ_ERRORS = {401: ErrorSerializer, 404: ErrorSerializer}
IMAGE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The photo's id.")


def visible_image(request: Request, image_id: int) -> Image:
    """Return the image if the user belongs to its clinic; any other image is a 404."""
    return get_object_or_404(Image.objects.visible_to(request.user).select_related("case__patient"), pk=image_id)


# drf-spectacular documents a generic view by its get and post handlers, not by list and create.
@extend_schema_view(
    get=extend_schema(
        summary="List a photo's predictions (audited)",
        description=(
            "Lists every classification of the photo, newest first, 25 per page, and records the read in the audit "
            "trail."
        ),
        parameters=[IMAGE_ID],
        responses={200: PredictionSerializer(many=True), **READ_ERRORS},
    ),
    post=extend_schema(
        summary="Classify a photo again",
        description=(
            "Requests a new classification of the photo with the active model and returns the new prediction "
            "(202). Earlier predictions stay in the list. Returns 409 with the code 'image_excluded' for an "
            "excluded photo, 'archived' for a photo of an archived patient and 'classification_pending' while an "
            "earlier classification of the photo is still waiting or running."
        ),
        parameters=[IMAGE_ID],
        request=None,
        responses={202: PredictionSerializer, 403: ErrorSerializer, **READ_ERRORS, 409: ErrorSerializer},
    ),
)
class ImagePredictionsView(generics.ListCreateAPIView):
    """
    GET lists every prediction of the image, newest first. POST classifies the image again with the active model
    as a new prediction (202); earlier predictions stay in the list.
    """

    serializer_class = PredictionSerializer

    def get_queryset(self) -> Any:
        image = visible_image(self.request, self.kwargs["pk"])
        return Prediction.objects.filter(image=image).select_related("model_version")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        image = visible_image(request, self.kwargs["pk"])
        audit.record("read", actor=request.user, target=image, request=request, changes={"resource": "predictions"})
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        image = visible_image(request, self.kwargs["pk"])
        services.require_not_archived(image.case.patient)
        if image.is_excluded:
            return error_response(
                "image_excluded",
                "This image is excluded from screening, so it cannot be classified. Upload a new photo instead.",
                status.HTTP_409_CONFLICT,
            )

        pending = image.predictions.exclude(status__in=Prediction.FINAL_STATES).order_by("-id").first()
        if pending is not None:
            return error_response(
                "classification_pending",
                f"This image already has a classification that is {pending.get_status_display().lower()} "
                f"(prediction {pending.pk}). Its result appears on the case when it finishes; request another "
                "classification after that.",
                status.HTTP_409_CONFLICT,
            )

        [prediction] = screening.reclassify([image], requested_by=request.user, via="api", request=request)
        return Response(PredictionSerializer(prediction).data, status=status.HTTP_202_ACCEPTED)


class ImageHeatmapView(APIView):
    """
    The Grad-CAM heat map (JPEG) of the image's latest successful prediction, or of the prediction given by
    ``?prediction=<id>``. Served like the photo itself: only to members of the image's clinic, never cached,
    and every read is audited.
    """

    @extend_schema(
        summary="Download a photo's heat map (audited)",
        description=(
            "Streams the Grad-CAM heat map (JPEG) of the photo's latest successful prediction, or of the prediction "
            "given, and records the read in the audit trail. Returns 404 while no prediction has a heat map."
        ),
        parameters=[
            IMAGE_ID,
            OpenApiParameter("prediction", OpenApiTypes.INT, description="A prediction of this image."),
        ],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, 400: ErrorSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        image = visible_image(request, pk)
        prediction = self._prediction(request, image)

        response = FileResponse(prediction.heatmap.open("rb"), content_type="image/jpeg")
        response["Content-Disposition"] = f'inline; filename="heatmap-{image.pk}-{prediction.pk}.jpg"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        audit.record("read", actor=request.user, target=prediction, request=request, changes={"file": "heatmap"})
        return response

    def _prediction(self, request: Request, image: Image) -> Prediction:
        with_heatmap = image.predictions.filter(status=Prediction.Status.SUCCEEDED).exclude(heatmap="")
        reference = request.query_params.get("prediction")
        if reference is None:
            prediction = with_heatmap.order_by("-finished_at", "-id").first()
            if prediction is None:
                raise NotFound("This image has no heat map yet: it appears once a classification has succeeded.")
            return prediction

        if not reference.isdigit():
            raise ValidationError({"prediction": ["Must be the id of a prediction of this image, a whole number."]})
        prediction = with_heatmap.filter(pk=int(reference)).first()
        if prediction is None:
            raise NotFound("This image has no prediction with that id and a heat map.")
        return prediction


class HealthView(APIView):
    """
    The service's health. Anyone gets the overall status; signed-in users also get the details of each check, the
    latest training run and a message that says which model is active or, when none is, how to get one.
    Returns 503 when the database is down, since nothing works then, and 200 otherwise.
    """

    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []

    @extend_schema(
        summary="Read the service's health",
        description=(
            "Returns the overall status to anyone, and to signed-in users also each check, the latest training run "
            "and which model classifies photos. Returns 503 when the database is down and 200 otherwise."
        ),
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request: Request) -> Response:
        result = health.cached_report()
        http_status = status.HTTP_503_SERVICE_UNAVAILABLE if result["status"] == "unavailable" else status.HTTP_200_OK

        body = result if self._signed_in(request) else {"status": result["status"]}
        response = Response(body, status=http_status)
        response["Cache-Control"] = "no-store"
        return response

    def perform_authentication(self, request: Request) -> None:
        # Authentication is deferred to _signed_in, which survives a database that is down.
        pass

    def _signed_in(self, request: Request) -> bool:
        # Authenticating reads the session or token from the database, which may be the thing that is down.
        try:
            return bool(request.user and request.user.is_authenticated)
        except DatabaseError:
            return False

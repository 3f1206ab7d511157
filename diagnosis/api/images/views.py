"""
Photo endpoints: upload to a case, list a case's photos, read one, stream its file or thumbnail, exclude it.

Every image is looked up through ``Image.objects.visible_to(user)``, so another clinic's photo is a 404. Every read
and change writes an audit event.
"""

from typing import Any

from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from diagnosis import audit, services
from diagnosis.api.images.serializers import (
    ExcludeSerializer,
    ImageSerializer,
    UploadedImageSerializer,
    UploadErrorSerializer,
    UploadRequestSerializer,
    UploadResultSerializer,
)
from diagnosis.api.records.permissions import require_editor
from diagnosis.intake import ImageRejected
from diagnosis.models import AuditEvent, Case, Image
from diagnosis.uploads import exclude_image, rejected_uploads, sanitise_filename, store_upload
from oralcare.api import ErrorSerializer, validation_error_body
from oralcare.middleware import request_id_var

UPLOAD_FIELD = "image"
READ_ERRORS = {401: ErrorSerializer, 404: ErrorSerializer}
# Writes to the photos of an archived patient are rejected with 409 and the code "archived".
WRITE_ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}
CASE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The case's id.")
IMAGE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The photo's id.")


def visible_image(request: Request, image_id: int) -> Image:
    return get_object_or_404(Image.objects.visible_to(request.user).select_related("case__patient"), pk=image_id)


class CaseImagesView(generics.ListAPIView):
    """List a case's photos (GET) or upload one or more photos to it (POST, multipart field ``image``)."""

    serializer_class = ImageSerializer
    parser_classes = [MultiPartParser]

    def get_case(self) -> Case:
        return get_object_or_404(
            Case.objects.visible_to(self.request.user).select_related("patient"), pk=self.kwargs["pk"]
        )

    def get_queryset(self) -> Any:
        images = (
            Image.objects.visible_to(self.request.user)
            .filter(case=self.case)
            .select_related("uploaded_by", "excluded_by")
        )
        if self.request.query_params.get("include_excluded") not in ("1", "true"):
            images = images.filter(is_excluded=False)
        return images

    @extend_schema(
        summary="List a case's photos",
        description=(
            "Lists the case's photos in upload order, 25 per page, without excluded photos unless include_excluded "
            "is set. Each request writes one audit event for the case that lists the photo ids."
        ),
        parameters=[
            CASE_ID,
            OpenApiParameter("include_excluded", bool, description="Also list excluded photos (1 or true)."),
        ],
        responses={200: ImageSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.case = self.get_case()
        response = self.list(request, *args, **kwargs)
        listed = [item["id"] for item in response.data["results"]] if isinstance(response.data, dict) else []
        audit.record(
            AuditEvent.Action.READ, actor=request.user, target=self.case, request=request, changes={"images": listed}
        )
        return response

    @extend_schema(
        summary="Upload photos to a case",
        description=(
            "Decodes, checks and stores each photo in the multipart field 'image', and requests its classification. "
            "Returns 202 with the stored images and the rejected files, where a photo already in the case comes "
            "back with duplicate true. Returns 400 when no file could be stored, when the case is closed or when no "
            "file was sent, 409 (code 'archived') when the patient is archived, and 413 when the request body is "
            "larger than the server accepts."
        ),
        parameters=[CASE_ID],
        request={"multipart/form-data": UploadRequestSerializer},
        responses={
            202: UploadResultSerializer,
            **WRITE_ERRORS,
            400: UploadErrorSerializer,
            413: ErrorSerializer,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_case()
        require_editor(request.user, case.patient.clinic_id, action="upload photos")
        services.require_not_archived(case.patient)
        if case.status == Case.Status.CLOSED:
            raise ValidationError(
                {UPLOAD_FIELD: [ErrorDetail("The case is closed. Reopen it before adding photos.", code="case_closed")]}
            )

        files: list[UploadedFile] = request.FILES.getlist(UPLOAD_FIELD)
        rejected = rejected_uploads(request._request, UPLOAD_FIELD)
        if not files and not rejected:
            raise ValidationError(
                {
                    UPLOAD_FIELD: [
                        ErrorDetail(
                            "No file was sent. Attach one or more photos in the multipart field 'image'.",
                            code="required",
                        )
                    ]
                }
            )

        stored, duplicate_ids = [], set()
        for uploaded_file in files:
            try:
                image, created = store_upload(case, uploaded_file, user=request.user, request=request)
            except ImageRejected as rejection:
                rejected.append(
                    {
                        "filename": sanitise_filename(uploaded_file.name),
                        "code": rejection.code,
                        "detail": rejection.message,
                    }
                )
                continue
            stored.append(image)
            if not created:
                duplicate_ids.add(image.pk)

        if not stored:
            return _all_rejected_response(rejected)
        images = UploadedImageSerializer(
            stored, many=True, context={"request": request, "duplicate_ids": duplicate_ids}
        )
        return Response({"images": images.data, "rejected": rejected}, status=status.HTTP_202_ACCEPTED)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, TooManyFilesSent):
            exc = ValidationError({UPLOAD_FIELD: [ErrorDetail(_too_many_files_message(), code="too_many_files")]})
        return super().handle_exception(exc)


class ImageDetailView(APIView):
    @extend_schema(
        summary="Read a photo (audited)",
        description=(
            "Returns the photo's intake details and latest prediction, and records the read in the audit trail."
        ),
        parameters=[IMAGE_ID],
        responses={200: ImageSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        image = visible_image(request, pk)
        audit.record(AuditEvent.Action.READ, actor=request.user, target=image, request=request)
        return Response(ImageSerializer(image, context={"request": request}).data)


class FirstRendererNegotiation(BaseContentNegotiation):
    """Ignore the Accept header, because the file views always send their one format whatever an <img> tag requests."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: list[Any], format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


class ImageFileView(APIView):
    """Stream the stored, normalised copy of a photo as a lossless PNG (never the upload as sent)."""

    content_negotiation_class = FirstRendererNegotiation
    file_field = "file"
    content_type = "image/png"
    filename_ending = ".png"

    @extend_schema(
        summary="Download a photo (audited)",
        description=(
            "Streams the stored, normalised copy of the photo as a lossless PNG, never the upload as sent, and "
            "records the read in the audit trail."
        ),
        parameters=[IMAGE_ID],
        responses={(200, "image/png"): bytes, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        image = visible_image(request, pk)
        field_file: FieldFile = getattr(image, self.file_field)
        if not field_file:
            raise Http404("This image has no stored thumbnail.")

        audit.record(
            AuditEvent.Action.READ, actor=request.user, target=image, request=request, changes={"file": self.file_field}
        )
        return private_file_response(
            field_file, content_type=self.content_type, filename=f"image-{image.pk}{self.filename_ending}"
        )


class ImageThumbnailView(ImageFileView):
    """Stream the JPEG thumbnail of a photo, at most 256 pixels on its longer side."""

    file_field = "thumbnail"
    content_type = "image/jpeg"
    filename_ending = "-thumbnail.jpg"

    @extend_schema(
        summary="Download a photo's thumbnail (audited)",
        description=(
            "Streams the photo's JPEG thumbnail, at most 256 pixels on its longer side, and records the read in the "
            "audit trail. Returns 404 when the photo has no thumbnail."
        ),
        parameters=[IMAGE_ID],
        responses={(200, "image/jpeg"): bytes, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        return super().get(request, pk)


class ImageExcludeView(APIView):
    @extend_schema(
        summary="Exclude a photo from its case",
        description=(
            "Hides the photo from its case with a reason, and keeps the file and its predictions for the record. "
            "Only clinicians and clinic administrators can exclude photos, not those of a closed case (400, code "
            "'case_closed') and not those of an archived patient (409, code 'archived')."
        ),
        parameters=[IMAGE_ID],
        request=ExcludeSerializer,
        responses={200: ImageSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        image = visible_image(request, pk)
        require_editor(request.user, image.case.patient.clinic_id, action="exclude photos")
        services.require_not_archived(image.case.patient)
        serializer = ExcludeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if image.case.status == Case.Status.CLOSED:
            raise ValidationError(
                {
                    "non_field_errors": [
                        ErrorDetail("The case is closed. Reopen it before excluding photos.", code="case_closed")
                    ]
                }
            )
        if image.is_excluded:
            raise ValidationError(
                {"reason": [ErrorDetail("This photo is already excluded from its case.", code="already_excluded")]}
            )

        image = exclude_image(image, reason=serializer.validated_data["reason"], user=request.user, request=request)
        return Response(ImageSerializer(image, context={"request": request}).data)


def private_file_response(field_file: FieldFile, *, content_type: str, filename: str) -> FileResponse:
    """Stream a stored file with headers that keep it out of shared caches and stop browsers from sniffing it."""
    response = FileResponse(field_file.open("rb"), content_type=content_type, as_attachment=False, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _all_rejected_response(rejected: list[dict[str, str]]) -> Response:
    error = ValidationError(
        {UPLOAD_FIELD: [ErrorDetail(f"{item['filename']}: {item['detail']}", code=item["code"]) for item in rejected]}
    )
    body = validation_error_body(error)
    body["detail"] = "No photo was stored: correct or replace the files listed in 'errors' and upload them again."
    body["rejected"] = rejected
    body["request_id"] = request_id_var.get()
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def _too_many_files_message() -> str:
    from django.conf import settings

    return (
        f"Too many files in one request: the maximum is {settings.DATA_UPLOAD_MAX_NUMBER_FILES}. "
        "Upload the photos in several smaller batches."
    )

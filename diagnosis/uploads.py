"""
Photo intake: the size limit applied while a request body streams in, storing a decoded photo with its thumbnail,
and excluding a photo from its case.

``UploadSizeLimitHandler`` is the first entry of FILE_UPLOAD_HANDLERS, so every multipart body is checked while it
is parsed, including the parse that CSRF checking triggers before a view runs.
"""

import hashlib
import io
import logging
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from PIL import Image as PILImage
from rest_framework import status
from rest_framework.exceptions import APIException

from diagnosis import audit
from diagnosis.intake import DecodedImage, ImageLimits, decode_image
from diagnosis.models import AuditEvent, Case, Image
from ml import preprocess
from ml.models import ModelVersion

logger = logging.getLogger(__name__)

# zlib level of the stored PNG, which is lossless at every level. On 8 training photos (Pillow 13), level 3 gave files
# 15% larger than level 9 in about 1/18 of the encoding time.
STORED_PNG_COMPRESS_LEVEL = 3
THUMBNAIL_SIDE = 256
THUMBNAIL_JPEG_QUALITY = 85
PREVIEW_JPEG_QUALITY = 90
# The model input copy is small and written once per upload, so the fastest zlib level costs little space.
MODEL_INPUT_PNG_COMPRESS_LEVEL = 1
# Input size of the copy made when no model is active: MobileNetV2's standard 224 x 224.
DEFAULT_MODEL_INPUT_SIZE = 224

# The HttpRequest attribute where UploadSizeLimitHandler lists the files it skipped.
REJECTED_UPLOADS_ATTRIBUTE = "oralcare_rejected_uploads"


class RequestBodyTooLarge(APIException, RequestDataTooBig):
    """
    A request body larger than ORALCARE_MAX_REQUEST_BYTES, rejected from its Content-Length before it is read.

    It is an APIException, so API views return 413 in the error contract's shape, and a RequestDataTooBig, so other
    Django views return 400 instead of 500.
    """

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class UploadSizeLimitHandler(FileUploadHandler):
    """
    Enforce the upload size limits while the body streams in.

    A body whose Content-Length exceeds ORALCARE_MAX_REQUEST_BYTES is rejected before any of it is read. A file that
    grows past ORALCARE_MAX_UPLOAD_BYTES is skipped: its remaining bytes are read and discarded chunk by chunk, never
    stored, and the file is listed on the request so the view can report it, while the other files go on.
    """

    def handle_raw_input(
        self, input_data: Any, META: dict[str, Any], content_length: int, boundary: bytes, encoding: str | None = None
    ) -> None:
        max_request_bytes = settings.ORALCARE_MAX_REQUEST_BYTES
        if content_length > max_request_bytes:
            logger.warning("Rejected a request body of %d bytes before reading it", content_length)
            raise RequestBodyTooLarge(
                f"The request is {_megabytes(content_length)}, larger than the maximum of "
                f"{_megabytes(max_request_bytes)}. Send fewer or smaller files per request."
            )

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received_bytes = 0
        declared_length = self.content_length
        if declared_length is not None and declared_length > settings.ORALCARE_MAX_UPLOAD_BYTES:
            self._skip(declared_length)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received_bytes += len(raw_data)
        if self.received_bytes > settings.ORALCARE_MAX_UPLOAD_BYTES:
            self._skip(None)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _skip(self, declared_length: int | None) -> None:
        limit = settings.ORALCARE_MAX_UPLOAD_BYTES
        size = f"is {_megabytes(declared_length)}, larger than" if declared_length else "is larger than"
        rejected = getattr(self.request, REJECTED_UPLOADS_ATTRIBUTE, [])
        rejected.append(
            {
                "field": self.field_name,
                "filename": sanitise_filename(self.file_name),
                "code": "file_too_large",
                "detail": f"The file {size} the maximum of {_megabytes(limit)} per file. Upload a smaller photo or "
                "export it at a lower resolution.",
            }
        )
        setattr(self.request, REJECTED_UPLOADS_ATTRIBUTE, rejected)
        logger.info("Skipped an upload larger than %d bytes", limit)
        raise SkipFile()


def rejected_uploads(request: HttpRequest, field_name: str) -> list[dict[str, str]]:
    """Return the files of ``field_name`` that UploadSizeLimitHandler skipped, without the field name."""
    rejected = getattr(request, REJECTED_UPLOADS_ATTRIBUTE, [])
    return [
        {key: value for key, value in item.items() if key != "field"}
        for item in rejected
        if item["field"] == field_name
    ]


def store_upload(
    case: Case,
    uploaded_file: UploadedFile,
    *,
    user: Any,
    request: HttpRequest | None = None,
    limits: ImageLimits | None = None,
) -> tuple[Image, bool]:
    """
    Decode, normalise and store one uploaded photo in ``case``, and request its classification.

    Returns the image and whether it was created. The same upload (by sha256) already in the case is returned with
    False instead of a second copy. Raises diagnosis.intake.ImageRejected for a file that is not a usable photo.
    """
    upload_sha256 = _sha256_of_file(uploaded_file)
    existing = _existing_image(case, upload_sha256)
    if existing is not None:
        _record_duplicate(existing, user=user, request=request)
        return existing, False

    decoded = decode_image(uploaded_file, limits=limits)
    image = _build_image(case, uploaded_file, decoded, upload_sha256=upload_sha256, user=user)
    try:
        with transaction.atomic():
            image.save()
            audit.record(AuditEvent.Action.UPLOAD, actor=user, target=image, request=request, changes=_summary(image))
            _request_prediction(image, user)
    except IntegrityError:
        # Another request stored the same upload in this case between the lookup and the insert.
        _delete_files(image)
        existing = _existing_image(case, upload_sha256)
        if existing is None:
            raise
        _record_duplicate(existing, user=user, request=request)
        return existing, False
    except Exception:
        _delete_files(image)
        raise
    return image, True


def exclude_image(image: Image, *, reason: str, user: Any, request: HttpRequest | None = None) -> Image:
    """Hide ``image`` from its case, keeping the file and its predictions for the record."""
    with transaction.atomic():
        image = Image.objects.select_for_update().get(pk=image.pk)
        image.is_excluded = True
        image.excluded_reason = reason
        image.excluded_by = user
        image.excluded_at = timezone.now()
        image.save(update_fields=["is_excluded", "excluded_reason", "excluded_by", "excluded_at"])
        audit.record(
            AuditEvent.Action.EXCLUDE,
            actor=user,
            target=image,
            request=request,
            changes={"is_excluded": [False, True], "excluded_reason": [None, reason]},
        )
    return image


def sanitise_filename(name: str | None) -> str:
    """Reduce a client's file name to a short, printable base name, kept only as a label."""
    name = unicodedata.normalize("NFKC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(character for character in name if character.isprintable())
    name = re.sub(r"[\"'<>`;]", "_", name).strip(" .")
    return name[-200:] if len(name) > 200 else name


def encode_jpeg(image: PILImage.Image, *, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def encode_png(image: PILImage.Image, *, compress_level: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()


def _build_image(
    case: Case, uploaded_file: UploadedFile, decoded: DecodedImage, *, upload_sha256: str, user: Any
) -> Image:
    # Lossless, so the worker classifies exactly the pixels that load_rgb returns for the original file in training,
    # evaluation and the classify command. A JPEG copy at quality 95 shifted calibrated probabilities enough to flip
    # labels of test photos.
    stored_bytes = encode_png(decoded.image, compress_level=STORED_PNG_COMPRESS_LEVEL)
    thumbnail = decoded.image.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), PILImage.Resampling.LANCZOS)

    # Resizing here with the shared preprocessing gives the same pixels as resizing the stored PNG later, so the
    # worker can classify this small copy instead of decoding the full photo again.
    model_input = PILImage.fromarray(preprocess.to_model_array(decoded.image, model_input_size()), mode="RGB")
    preview = preprocess.to_overlay_base(decoded.image)

    image = Image(
        case=case,
        original_filename=sanitise_filename(uploaded_file.name),
        detected_format=decoded.detected_format,
        stored_format="PNG",
        width=decoded.width,
        height=decoded.height,
        upload_size=uploaded_file.size or 0,
        upload_sha256=upload_sha256,
        stored_sha256=hashlib.sha256(stored_bytes).hexdigest(),
        quality_warnings=decoded.warnings,
        uploaded_by=user,
    )
    # The upload_to functions choose random names: the names passed here only give the extension.
    image.file.save("photo.png", ContentFile(stored_bytes), save=False)
    image.thumbnail.save(
        "thumbnail.jpg", ContentFile(encode_jpeg(thumbnail, quality=THUMBNAIL_JPEG_QUALITY)), save=False
    )
    image.model_input.save(
        "model-input.png",
        ContentFile(encode_png(model_input, compress_level=MODEL_INPUT_PNG_COMPRESS_LEVEL)),
        save=False,
    )
    image.preview.save("preview.jpg", ContentFile(encode_jpeg(preview, quality=PREVIEW_JPEG_QUALITY)), save=False)
    return image


def model_input_size() -> int:
    """Return the input size of the active model, or DEFAULT_MODEL_INPUT_SIZE while none is active."""
    size = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("image_size", flat=True).first()
    return int(size or DEFAULT_MODEL_INPUT_SIZE)


def _existing_image(case: Case, upload_sha256: str) -> Image | None:
    return Image.objects.filter(case=case, upload_sha256=upload_sha256, is_excluded=False).first()


def _record_duplicate(image: Image, *, user: Any, request: HttpRequest | None) -> None:
    audit.record(AuditEvent.Action.UPLOAD, actor=user, target=image, request=request, changes={"duplicate": True})


def _request_prediction(image: Image, user: Any) -> None:
    try:
        from diagnosis.screening import request_prediction
    except ImportError:
        logger.info("Image %s stored without a prediction: diagnosis.screening.request_prediction is missing", image.pk)
        return
    request_prediction(image, requested_by=user)


def _sha256_of_file(uploaded_file: UploadedFile) -> str:
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


def _delete_files(image: Image) -> None:
    for field_file in (image.file, image.thumbnail, image.model_input, image.preview):
        if field_file.name:
            field_file.storage.delete(field_file.name)


def _summary(image: Image) -> dict[str, Any]:
    return {
        "original_filename": [None, image.original_filename],
        "detected_format": [None, image.detected_format],
        "upload_sha256": [None, image.upload_sha256],
        "stored_sha256": [None, image.stored_sha256],
    }


def _megabytes(size: int | None) -> str:
    return f"{(size or 0) / (1024 * 1024):.1f} MB"

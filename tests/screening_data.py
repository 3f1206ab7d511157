"""Records for the screening tests: stored photos and model version rows, made directly in the database."""

import hashlib
import io
import uuid

from django.core.files.base import ContentFile
from PIL import Image as PILImage

from diagnosis.models import Case, Image
from ml.models import ModelVersion


def jpeg_bytes(photo: PILImage.Image) -> bytes:
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def png_bytes(photo: PILImage.Image) -> bytes:
    buffer = io.BytesIO()
    photo.save(buffer, format="PNG")
    return buffer.getvalue()


def reddish_photo(size: int = 96) -> PILImage.Image:
    """A generated photo that the tiny test model rates as likely cancer (the tiny model learnt red = cancer)."""
    return PILImage.new("RGB", (size, size), (205, 45, 45))


def stored_image(case: Case, user: object, *, content: bytes | None = None) -> Image:
    """Store ``content`` (a reddish PNG by default) as a photo of ``case``, as the intake would."""
    content = content if content is not None else png_bytes(reddish_photo())
    digest = hashlib.sha256(content + uuid.uuid4().bytes).hexdigest()
    image = Image(
        case=case,
        original_filename="lesion.jpg",
        detected_format="JPEG",
        width=96,
        height=96,
        upload_size=len(content),
        upload_sha256=digest,
        stored_sha256=digest,
        uploaded_by=user,
    )
    image.file.save("lesion.png", ContentFile(content), save=False)
    image.save()
    return image


def model_version_row(*, name: str = "fake-model", active: bool = True) -> ModelVersion:
    """A model version row without model files, for tests that replace the classifier."""
    return ModelVersion.objects.create(
        name=name,
        status=ModelVersion.Status.ACTIVE if active else ModelVersion.Status.CANDIDATE,
        directory="/nonexistent",
        model_file="/nonexistent/final_mobilenet_model.keras",
        model_sha256="0" * 64,
        class_names=["non_cancer", "cancer"],
        image_size=32,
        threshold=0.5,
        uncertain_low=0.3,
        uncertain_high=0.7,
        calibration={"method": "none"},
    )

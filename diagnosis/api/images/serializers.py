from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from diagnosis.api.screening.serializers import PredictionSerializer
from diagnosis.models import Image
from oralcare.api import ErrorSerializer


class QualityWarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="too_dark, too_bright, clipped, blurry, multi_frame, and others.")
    message = serializers.CharField(help_text="What is wrong with the photo and what to do, for the clinician.")


class ImageSerializer(serializers.ModelSerializer):
    """A stored photo: what was detected at intake, who uploaded it, and where to fetch the file."""

    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    excluded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    quality_warnings = QualityWarningSerializer(many=True, read_only=True)
    file_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    # The newest prediction, in the screening app's PredictionSerializer shape (null before the first one).
    latest_prediction = serializers.SerializerMethodField()

    class Meta:
        model = Image
        fields = [
            "id",
            "case",
            "original_filename",
            "detected_format",
            "stored_format",
            "width",
            "height",
            "upload_size",
            "upload_sha256",
            "stored_sha256",
            "quality_warnings",
            "uploaded_by",
            "uploaded_at",
            "is_excluded",
            "excluded_reason",
            "excluded_by",
            "excluded_at",
            "file_url",
            "thumbnail_url",
            "latest_prediction",
        ]
        read_only_fields = fields

    def get_file_url(self, image: Image) -> str:
        return reverse("image-file", kwargs={"pk": image.pk})

    def get_thumbnail_url(self, image: Image) -> str | None:
        return reverse("image-thumbnail", kwargs={"pk": image.pk}) if image.thumbnail else None

    @extend_schema_field(PredictionSerializer(allow_null=True))
    def get_latest_prediction(self, image: Image) -> dict[str, Any] | None:
        prediction = image.predictions.order_by("-created_at", "-id").first()
        if prediction is None:
            return None
        return PredictionSerializer(prediction, context=self.context).data


class UploadedImageSerializer(ImageSerializer):
    """An image in the upload response, with whether it was already stored in the case."""

    duplicate = serializers.SerializerMethodField()

    class Meta(ImageSerializer.Meta):
        fields = [*ImageSerializer.Meta.fields, "duplicate"]
        read_only_fields = fields

    def get_duplicate(self, image: Image) -> bool:
        return image.pk in self.context.get("duplicate_ids", set())


class RejectedUploadSerializer(serializers.Serializer):
    filename = serializers.CharField()
    code = serializers.CharField()
    detail = serializers.CharField()


class UploadErrorSerializer(ErrorSerializer):
    """The error body of a rejected upload: the API's error contract, plus the rejected files when there were any."""

    rejected = RejectedUploadSerializer(
        many=True, required=False, help_text="Only when no file could be stored: each file with why it was rejected."
    )


class UploadResultSerializer(serializers.Serializer):
    images = UploadedImageSerializer(many=True)
    rejected = RejectedUploadSerializer(many=True)


class UploadRequestSerializer(serializers.Serializer):
    image = serializers.ListField(
        child=serializers.FileField(), help_text="One or more photos: JPEG, PNG, WebP, HEIC, MPO, TIFF, BMP or GIF."
    )


class ExcludeSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Why the photo is excluded, for example 'wrong patient'. Required."
    )

"""The prediction resource: a classification's state while it waits or runs, and its result once it succeeded."""

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from diagnosis import screening
from diagnosis.models import Prediction


class PredictionSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    label_display = serializers.CharField(source="get_label_display", read_only=True)
    queue_position = serializers.SerializerMethodField(
        help_text="1-based position among queued predictions while queued, else null."
    )
    estimated_wait_seconds = serializers.SerializerMethodField(
        help_text="A rough estimate of the seconds until the result, while queued, else null."
    )
    model_version = serializers.SerializerMethodField(help_text="Name of the model version that produced the result.")
    heatmap_url = serializers.SerializerMethodField(help_text="URL of the Grad-CAM heat map JPEG, once it exists.")

    class Meta:
        model = Prediction
        fields = [
            "id",
            "image",
            "status",
            "status_display",
            "queue_position",
            "estimated_wait_seconds",
            "attempts",
            "model_version",
            "raw_probability",
            "probability",
            "label",
            "label_display",
            "threshold",
            "inference_ms",
            "heatmap_url",
            "error_code",
            "error_message",
            "requested_by",
            "created_at",
            "queued_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Prediction) -> dict[str, Any]:
        # Both queue fields need the position; computing it once saves a query per prediction.
        self._position = screening.queue_position(instance)
        return super().to_representation(instance)

    @extend_schema_field(OpenApiTypes.INT)
    def get_queue_position(self, prediction: Prediction) -> int | None:
        return self._position

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_estimated_wait_seconds(self, prediction: Prediction) -> float | None:
        return screening.estimated_wait_seconds(prediction, position=self._position)

    @extend_schema_field(OpenApiTypes.STR)
    def get_model_version(self, prediction: Prediction) -> str | None:
        return prediction.model_version.name if prediction.model_version_id else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_heatmap_url(self, prediction: Prediction) -> str | None:
        if not prediction.heatmap:
            return None
        path = reverse("image-heatmap", kwargs={"pk": prediction.image_id})
        return f"{path}?prediction={prediction.pk}"

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ml import artifacts
from ml.models import ModelVersion, TrainingRun


class ModelVersionSerializer(serializers.ModelSerializer):
    plots = serializers.SerializerMethodField(help_text="URL of each PNG plot of the version, by plot name.")
    served_runtime = serializers.SerializerMethodField(help_text="keras or tflite: the runtime the worker uses.")
    training_run = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "name",
            "status",
            "class_names",
            "image_size",
            "threshold",
            "uncertain_low",
            "uncertain_high",
            "calibration",
            "metrics",
            "served_runtime",
            "model_sha256",
            "plots",
            "training_run",
            "created_at",
            "activated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.URLField()))
    def get_plots(self, version: ModelVersion) -> dict[str, str]:
        request = self.context.get("request")
        urls = {}
        for name in artifacts.plot_paths(version.directory):
            path = reverse("ml-model-plot", kwargs={"id": version.pk, "name": name})
            urls[name] = request.build_absolute_uri(path) if request is not None else path
        return urls

    @extend_schema_field(OpenApiTypes.STR)
    def get_served_runtime(self, version: ModelVersion) -> str:
        runtime: dict[str, Any] = (version.metrics or {}).get("runtime", {})
        return str(runtime.get("served", "keras"))


class TrainingRunSerializer(serializers.ModelSerializer):
    model_version = serializers.SerializerMethodField(help_text="Id of the version this run produced, if any.")
    error_message = serializers.SerializerMethodField(help_text="The first line of the failure, if the run failed.")

    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "status",
            "phase",
            "epoch",
            "total_epochs",
            "history",
            "parameters",
            "error_message",
            "model_version",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_model_version(self, run: TrainingRun) -> int | None:
        version = ModelVersion.objects.filter(training_run=run).only("pk").first()
        return version.pk if version is not None else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_error_message(self, run: TrainingRun) -> str:
        # The stored message may end with a traceback, which is for the server log, not for API clients.
        return run.error_message.splitlines()[0] if run.error_message else ""

"""Response shapes of GET /api/health/, for the OpenAPI schema. The body itself is built by diagnosis.health."""

from rest_framework import serializers

from ml.models import TrainingRun


class DatabaseCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    error = serializers.CharField(required=False, help_text="Why the check failed; only present when ok is false.")


class BrokerCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    transport = serializers.CharField(help_text="Broker transport, for example redis or filesystem.")
    queue = serializers.CharField(help_text="Name of the task queue.")
    queue_length = serializers.IntegerField(allow_null=True, help_text="Tasks waiting in the queue; null when unknown.")
    error = serializers.CharField(required=False, help_text="Why the check failed; only present when ok is false.")


class WorkersSerializer(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True, help_text="Workers that replied to a ping; null when unknown.")
    names = serializers.ListField(child=serializers.CharField())


class OpenPredictionCountsSerializer(serializers.Serializer):
    waiting_for_model = serializers.IntegerField()
    queued = serializers.IntegerField()
    running = serializers.IntegerField()


class ActiveModelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    activated_at = serializers.DateTimeField(allow_null=True)


class LatestTrainingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=TrainingRun.Status.choices)
    phase = serializers.CharField(
        allow_blank=True, help_text="head, fine_tune, calibrate or evaluate; empty before the first epoch."
    )
    epoch = serializers.IntegerField()
    total_epochs = serializers.IntegerField(
        help_text="Maximum epochs of all phases (early stopping may end sooner); 0 when unknown."
    )
    started_at = serializers.DateTimeField(allow_null=True)


class HealthSerializer(serializers.Serializer):
    """The health report. Anonymous callers get only status; signed-in users also get the checks."""

    status = serializers.ChoiceField(
        choices=["ok", "degraded", "unavailable"],
        help_text=(
            "ok when everything works, degraded when the database works but the broker is unreachable, no worker "
            "replies or no model is active, unavailable when the database is down."
        ),
    )
    database = DatabaseCheckSerializer(required=False)
    broker = BrokerCheckSerializer(required=False)
    workers = WorkersSerializer(required=False)
    predictions = OpenPredictionCountsSerializer(required=False, help_text="Open predictions by status.")
    active_model = ActiveModelSerializer(required=False, allow_null=True, help_text="null when no model is active.")
    training = LatestTrainingSerializer(
        required=False, allow_null=True, help_text="The latest training run, or null when there has been none."
    )
    message = serializers.CharField(
        required=False,
        help_text="Which model classifies photos or, when none is active, how to get one.",
    )

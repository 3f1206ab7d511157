"""
Model versions and training runs. Nothing here imports TensorFlow: the web process reads these rows without
loading the model, which only the worker and the ml commands do.
"""

from django.conf import settings
from django.db import models


class TrainingRun(models.Model):
    """One run of ``train_model``, updated after every epoch so a long run can be watched."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    phase = models.CharField(max_length=20, blank=True, help_text="head, fine_tune, calibrate or evaluate.")
    epoch = models.PositiveIntegerField(default=0)
    total_epochs = models.PositiveIntegerField(default=0)
    history = models.JSONField(default=list, blank=True, help_text="Loss and metrics per epoch.")
    parameters = models.JSONField(default=dict, blank=True)
    data_dir = models.CharField(max_length=500, blank=True)
    output_dir = models.CharField(max_length=500, blank=True)
    error_message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Training run {self.pk} ({self.status})"


class ModelVersion(models.Model):
    """A trained classifier: its files, its measured metrics and its operating point."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    directory = models.CharField(max_length=500, help_text="Folder holding the model file, model card and plots.")
    model_file = models.CharField(max_length=500, help_text="Path of the .keras file.")
    model_sha256 = models.CharField(max_length=64)
    class_names = models.JSONField(default=list, help_text="Class names in output order; the output is P(cancer).")
    image_size = models.PositiveIntegerField(default=224)
    threshold = models.FloatField(help_text="Calibrated probability at or above which a photo is high risk.")
    uncertain_low = models.FloatField(help_text="Calibrated probabilities from here up to the threshold are uncertain.")
    uncertain_high = models.FloatField(
        help_text="Calibrated probabilities from the threshold up to here are uncertain."
    )
    calibration = models.JSONField(default=dict, help_text="Calibration method and parameters, fitted on validation.")
    metrics = models.JSONField(default=dict, blank=True, help_text="Validation and test metrics from the model card.")
    training_run = models.OneToOneField(
        TrainingRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="model_version"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="at_most_one_active_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

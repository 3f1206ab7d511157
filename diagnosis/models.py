"""
Clinical records: patients, screening cases, photographs, the model's predictions, clinicians' reviews and the
audit trail. Every record belongs to one clinic through its patient, and querysets offer ``visible_to(user)`` so
that views never have to remember the clinic filter.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Clinic


class VisibleToQuerySet(models.QuerySet):
    """A queryset that filters its rows to the clinics a user belongs to, along ``clinic_path``."""

    clinic_path = "clinic"

    def visible_to(self, user: Any) -> "VisibleToQuerySet":
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(**{f"{self.clinic_path}__memberships__user": user})


class PatientQuerySet(VisibleToQuerySet):
    clinic_path = "clinic"


class CaseQuerySet(VisibleToQuerySet):
    clinic_path = "patient__clinic"


class ImageQuerySet(VisibleToQuerySet):
    clinic_path = "case__patient__clinic"


class PredictionQuerySet(VisibleToQuerySet):
    clinic_path = "image__case__patient__clinic"


class ReviewQuerySet(VisibleToQuerySet):
    clinic_path = "case__patient__clinic"


class Exposure(models.TextChoices):
    NEVER = "never", "Never"
    FORMER = "former", "Former"
    CURRENT = "current", "Current"
    UNKNOWN = "unknown", "Unknown"


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    identifier = models.CharField(max_length=64, help_text="The clinic's own patient identifier.")
    name = models.CharField(max_length=200, blank=True)
    year_of_birth = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    tobacco_smoking = models.CharField(max_length=10, choices=Exposure.choices, default=Exposure.UNKNOWN)
    smokeless_tobacco = models.CharField(
        max_length=10,
        choices=Exposure.choices,
        default=Exposure.UNKNOWN,
        help_text="Smokeless tobacco, betel quid or areca nut.",
    )
    alcohol = models.CharField(max_length=10, choices=Exposure.choices, default=Exposure.UNKNOWN)
    previous_oral_cancer = models.BooleanField(null=True, blank=True)
    notes = models.TextField(blank=True)
    is_archived = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patients_created", null=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patients_updated", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "identifier"], name="patient_identifier_unique_in_clinic")
        ]

    def __str__(self) -> str:
        # Only the clinic's identifier: names stay out of logs and admin titles.
        return f"Patient {self.identifier}"


class Case(models.Model):
    """One screening encounter: a lesion looked at on one day."""

    class Site(models.TextChoices):
        UPPER_LIP = "upper_lip", "Upper lip"
        LOWER_LIP = "lower_lip", "Lower lip"
        BUCCAL_MUCOSA = "buccal_mucosa", "Buccal mucosa"
        DORSAL_TONGUE = "dorsal_tongue", "Dorsal tongue"
        LATERAL_TONGUE = "lateral_tongue", "Lateral tongue"
        VENTRAL_TONGUE = "ventral_tongue", "Ventral tongue"
        FLOOR_OF_MOUTH = "floor_of_mouth", "Floor of mouth"
        GINGIVA = "gingiva", "Gingiva"
        HARD_PALATE = "hard_palate", "Hard palate"
        SOFT_PALATE = "soft_palate", "Soft palate"
        RETROMOLAR_AREA = "retromolar_area", "Retromolar area"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        AWAITING_REVIEW = "awaiting_review", "Awaiting review"
        CLOSED = "closed", "Closed"

    # The status changes a case may make. A closed case can be reopened, for example when histopathology arrives.
    ALLOWED_TRANSITIONS: dict[str, set[str]] = {
        Status.OPEN: {Status.AWAITING_REVIEW, Status.CLOSED},
        Status.AWAITING_REVIEW: {Status.OPEN, Status.CLOSED},
        Status.CLOSED: {Status.OPEN},
    }

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="cases")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases")
    encounter_date = models.DateField(default=timezone.localdate)
    lesion_site = models.CharField(max_length=20, choices=Site.choices)
    lesion_description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    assigned_specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cases_to_review",
        null=True,
        blank=True,
        help_text="The specialist the case is referred to for review.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-encounter_date", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"Case {self.pk} ({self.get_lesion_site_display()})"

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, set())


class Review(models.Model):
    """A clinician's or specialist's own assessment of a case."""

    class Agreement(models.TextChoices):
        AGREE = "agree", "Agree with the model"
        DISAGREE = "disagree", "Disagree with the model"
        UNSURE = "unsure", "Unsure"

    class Referral(models.TextChoices):
        URGENT_REFERRAL = "urgent_referral", "Urgent referral"
        SPECIALIST_REVIEW = "specialist_review", "Specialist review"
        ROUTINE_RECALL = "routine_recall", "Routine recall"
        NO_ACTION = "no_action", "No action"

    class Histopathology(models.TextChoices):
        NOT_DONE = "not_done", "Not done"
        PENDING = "pending", "Pending"
        BENIGN = "benign", "Benign"
        POTENTIALLY_MALIGNANT = "potentially_malignant", "Potentially malignant disorder / dysplasia"
        MALIGNANT = "malignant", "Malignant (carcinoma)"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    prediction = models.ForeignKey(
        "Prediction",
        on_delete=models.PROTECT,
        related_name="reviews",
        null=True,
        blank=True,
        help_text="The model result the reviewer looked at, if any.",
    )
    agreement = models.CharField(max_length=10, choices=Agreement.choices)
    clinical_impression = models.TextField(blank=True)
    referral_decision = models.CharField(max_length=20, choices=Referral.choices)
    recall_date = models.DateField(null=True, blank=True)
    histopathology_result = models.CharField(
        max_length=25, choices=Histopathology.choices, default=Histopathology.NOT_DONE
    )
    histopathology_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Review {self.pk} of case {self.case_id}"


def image_upload_path(instance: "Image", filename: str) -> str:
    # A random name: the original file name is kept only in the original_filename field.
    return f"images/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


def thumbnail_upload_path(instance: "Image", filename: str) -> str:
    return f"thumbnails/{uuid.uuid4().hex}.jpg"


def model_input_upload_path(instance: "Image", filename: str) -> str:
    return f"model-inputs/{uuid.uuid4().hex}.png"


def preview_upload_path(instance: "Image", filename: str) -> str:
    return f"previews/{uuid.uuid4().hex}.jpg"


def heatmap_upload_path(instance: "Prediction", filename: str) -> str:
    return f"heatmaps/{uuid.uuid4().hex}.jpg"


class Image(models.Model):
    """An intra-oral photograph, stored upright, in 8-bit sRGB and with all metadata removed."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="images")
    file = models.FileField(upload_to=image_upload_path, max_length=255)
    thumbnail = models.FileField(upload_to=thumbnail_upload_path, max_length=255, blank=True)
    # Copies made once at intake so the worker never decodes the full-size photo again. The model input is the
    # photo resized exactly as training and evaluation resize it, stored losslessly; the preview is the base of the
    # heat-map overlay. Either may be empty (older photos, or a model of another input size) and the worker then
    # falls back to the full photo.
    model_input = models.FileField(
        upload_to=model_input_upload_path,
        max_length=255,
        blank=True,
        help_text="The photo resized to the model's input size at intake (lossless PNG).",
    )
    preview = models.FileField(
        upload_to=preview_upload_path,
        max_length=255,
        blank=True,
        help_text="The photo at most 512 pixels on the long side (JPEG), the base of the heat-map overlay.",
    )
    original_filename = models.CharField(max_length=255, blank=True)
    detected_format = models.CharField(max_length=10, help_text="The format found by decoding the upload.")
    stored_format = models.CharField(max_length=10, default="PNG")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    upload_size = models.PositiveBigIntegerField(help_text="Size of the uploaded file in bytes.")
    upload_sha256 = models.CharField(max_length=64, db_index=True)
    stored_sha256 = models.CharField(max_length=64)
    quality_warnings = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="images")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    is_excluded = models.BooleanField(default=False)
    excluded_reason = models.TextField(blank=True)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="images_excluded", null=True, blank=True
    )
    excluded_at = models.DateTimeField(null=True, blank=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            # The same photo twice in one case is one image. Excluded images do not count, so a photo excluded by
            # mistake can be uploaded again.
            models.UniqueConstraint(
                fields=["case", "upload_sha256"],
                condition=models.Q(is_excluded=False),
                name="one_image_per_upload_in_case",
            )
        ]

    def __str__(self) -> str:
        return f"Image {self.pk} of case {self.case_id}"


class Prediction(models.Model):
    """One run of the classifier on one image. Re-classifying adds a new prediction and keeps the old ones."""

    class Status(models.TextChoices):
        WAITING_FOR_MODEL = "waiting_for_model", "Waiting for a model"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Label(models.TextChoices):
        HIGH_RISK = "high_risk", "High risk (refer)"
        UNCERTAIN = "uncertain", "Uncertain (specialist review)"
        LOW_RISK = "low_risk", "Low risk"

    FINAL_STATES = {Status.SUCCEEDED, Status.FAILED}

    image = models.ForeignKey(Image, on_delete=models.PROTECT, related_name="predictions")
    model_version = models.ForeignKey(
        "ml.ModelVersion", on_delete=models.PROTECT, related_name="predictions", null=True, blank=True
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="predictions_requested", null=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    raw_probability = models.FloatField(null=True, blank=True, help_text="The model's P(cancer) before calibration.")
    probability = models.FloatField(null=True, blank=True, help_text="Calibrated P(cancer).")
    label = models.CharField(max_length=10, choices=Label.choices, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    inference_ms = models.FloatField(null=True, blank=True)
    heatmap = models.FileField(upload_to=heatmap_upload_path, max_length=255, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)

    objects = PredictionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Prediction {self.pk} of image {self.image_id} ({self.status})"


class AuditEvent(models.Model):
    """
    An append-only record of one action: who did what to which record, when, and from which address.

    Rows are never updated or deleted: ``save`` refuses to change an existing row and ``delete`` raises.
    """

    class Action(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGOUT = "logout", "Signed out"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        ARCHIVE = "archive", "Archived"
        STATUS_CHANGE = "status_change", "Changed status"
        REVIEW = "review", "Reviewed"
        READ = "read", "Read"
        UPLOAD = "upload", "Uploaded"
        EXCLUDE = "exclude", "Excluded"
        RECLASSIFY = "reclassify", "Requested classification"
        ACTIVATE_MODEL = "activate_model", "Activated a model"
        ISSUE_TOKEN = "issue_token", "Issued an API token"
        ACCESS_DENIED = "access_denied", "Denied access to another clinic's record"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_events", null=True, blank=True
    )
    # The user name typed in a failed sign-in, where no actor exists.
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    target_type = models.CharField(max_length=40, blank=True, help_text="What was acted on, for example 'patient'.")
    target_id = models.CharField(max_length=40, blank=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    image = models.ForeignKey(Image, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    via = models.CharField(max_length=20, default="api", help_text="api, admin, web, command or worker.")
    changes = models.JSONField(default=dict, blank=True, help_text="Changed fields with their old and new values.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor or self.username or '-'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Audit events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Audit events are append-only and cannot be deleted.")

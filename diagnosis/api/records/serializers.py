import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from accounts.models import Clinic, Membership, User
from diagnosis.api.images.serializers import ImageSerializer
from diagnosis.api.records.permissions import EDITOR_ROLES
from diagnosis.models import Case, Patient, Prediction, Review
from diagnosis.services import DUPLICATE_IDENTIFIER_MESSAGE

EARLIEST_YEAR_OF_BIRTH = 1900


# The schema names the prediction labels' enum LabelEnum, after the prediction's label field. A second field with the
# same choices would get a second enum of the same values, so the case's risk label refers to that one by name.
@extend_schema_field({"allOf": [{"$ref": "#/components/schemas/LabelEnum"}]})
class RiskLabelField(serializers.ChoiceField):
    """A prediction label, documented as the prediction's LabelEnum."""


def _request_user(context: dict[str, Any]) -> User | None:
    user = getattr(context.get("request"), "user", None)
    return user if user is not None and user.is_authenticated else None


class PatientSerializer(serializers.ModelSerializer):
    clinic = serializers.PrimaryKeyRelatedField(
        queryset=Clinic.objects.none(),
        required=False,
        help_text="The clinic that registers the patient. Optional when you can register patients in one clinic only.",
        error_messages={
            "does_not_exist": (
                "Clinic {pk_value} is not one where you can register patients: choose a clinic in which you are a "
                "clinician or clinic administrator."
            ),
            "incorrect_type": "Send the clinic's numeric id.",
        },
    )
    clinic_name = serializers.CharField(source="clinic.name", read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    updated_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Patient
        fields = [
            "id",
            "clinic",
            "clinic_name",
            "identifier",
            "name",
            "year_of_birth",
            "sex",
            "tobacco_smoking",
            "smokeless_tobacco",
            "alcohol",
            "previous_oral_cancer",
            "notes",
            "is_archived",
            "archived_at",
            "created_by",
            "updated_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_archived", "archived_at", "created_at", "updated_at"]
        # The identifier's uniqueness within the clinic is checked in validate(), after the clinic default applies.
        validators: list = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self._user()
        if user is not None and not self.fields["clinic"].read_only:
            self.fields["clinic"].queryset = Clinic.objects.filter(
                memberships__user=user, memberships__role__in=EDITOR_ROLES
            )

    def validate_year_of_birth(self, value: int | None) -> int | None:
        this_year = timezone.localdate().year
        if value is not None and not EARLIEST_YEAR_OF_BIRTH <= value <= this_year:
            raise serializers.ValidationError(
                f"Enter a year between {EARLIEST_YEAR_OF_BIRTH} and {this_year}, or leave it empty if unknown.",
                code="out_of_range",
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        clinic = attrs.get("clinic") or (self.instance.clinic if self.instance else self._default_clinic())
        attrs["clinic"] = clinic

        identifier = attrs.get("identifier")
        if identifier is not None:
            duplicates = Patient.objects.filter(clinic=clinic, identifier=identifier)
            if self.instance is not None:
                duplicates = duplicates.exclude(pk=self.instance.pk)
            if duplicates.exists():
                raise serializers.ValidationError({"identifier": DUPLICATE_IDENTIFIER_MESSAGE}, code="unique")
        return attrs

    def _default_clinic(self) -> Clinic:
        clinics = list(self.fields["clinic"].queryset[:2])
        if len(clinics) == 1:
            return clinics[0]
        raise serializers.ValidationError(
            {"clinic": "You can register patients in several clinics: choose the clinic for this patient."},
            code="required",
        )

    def _user(self) -> User | None:
        return _request_user(self.context)


class PatientUpdateSerializer(PatientSerializer):
    """A patient's details. The clinic is fixed once the patient is registered."""

    clinic = serializers.PrimaryKeyRelatedField(read_only=True)


class CaseSerializer(serializers.ModelSerializer):
    patient = serializers.PrimaryKeyRelatedField(
        queryset=Patient.objects.none(),
        help_text="The patient's id.",
        error_messages={
            "does_not_exist": "Patient {pk_value} was not found among your clinics' patients: check the id.",
            "incorrect_type": "Send the patient's numeric id.",
        },
    )
    patient_identifier = serializers.CharField(source="patient.identifier", read_only=True)
    patient_name = serializers.CharField(source="patient.name", read_only=True)
    clinic = serializers.IntegerField(source="patient.clinic_id", read_only=True)
    patient_is_archived = serializers.BooleanField(
        source="patient.is_archived",
        read_only=True,
        help_text=(
            "Whether the patient is archived. The case, its photos and its reviews are then read-only: every change "
            "is rejected with 409 and the code 'archived' until the patient is unarchived."
        ),
    )
    clinician = UserSummarySerializer(read_only=True)
    assigned_specialist = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(),
        required=False,
        allow_null=True,
        help_text="The id of the specialist the case is referred to (see the specialists in /api/auth/me/).",
        error_messages={
            "does_not_exist": "User {pk_value} is not a specialist in your clinics: choose one of the clinic's "
            "specialists.",
            "incorrect_type": "Send the specialist's numeric user id.",
        },
    )
    assigned_specialist_detail = UserSummarySerializer(source="assigned_specialist", read_only=True, allow_null=True)
    image_count = serializers.SerializerMethodField(help_text="Photographs in the case, not counting excluded ones.")
    review_count = serializers.SerializerMethodField()
    allowed_next_statuses = serializers.SerializerMethodField()
    # The risk summary comes from annotations of the case query (diagnosis/risk.py), so every view that
    # returns a case reads it through that query.
    risk_label = RiskLabelField(
        choices=Prediction.Label.choices,
        read_only=True,
        allow_null=True,
        help_text=(
            "The most severe label among the latest succeeded prediction of each photo that is not excluded: "
            "high_risk, then uncertain, then low_risk. Null while no photo has a result. A model estimate that "
            "supports the clinician's decision, not a diagnosis."
        ),
    )
    max_probability = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="The highest calibrated P(cancer), from 0 to 1, among the predictions that risk_label summarizes. "
        "Null if none.",
    )
    pending_predictions = serializers.IntegerField(
        read_only=True,
        help_text=(
            "How many photos that are not excluded have a latest prediction that is not final yet: waiting for a "
            "model, queued or running."
        ),
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "patient",
            "patient_identifier",
            "patient_name",
            "patient_is_archived",
            "clinic",
            "clinician",
            "encounter_date",
            "lesion_site",
            "lesion_description",
            "status",
            "allowed_next_statuses",
            "assigned_specialist",
            "assigned_specialist_detail",
            "image_count",
            "review_count",
            "risk_label",
            "max_probability",
            "pending_predictions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]
        extra_kwargs = {
            "lesion_site": {
                "error_messages": {
                    "invalid_choice": f'"{{input}}" is not a lesion site: use one of {", ".join(Case.Site.values)}.'
                }
            }
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _request_user(self.context)
        if user is None:
            return

        if not self.fields["patient"].read_only:
            self.fields["patient"].queryset = Patient.objects.visible_to(user)
        self.fields["assigned_specialist"].queryset = User.objects.filter(
            memberships__role=Membership.Role.SPECIALIST,
            memberships__clinic__in=Clinic.objects.filter(memberships__user=user),
        ).distinct()

    def get_image_count(self, case: Case) -> int:
        # List views annotate the counts, and a freshly created or updated case is counted here.
        if hasattr(case, "image_count"):
            return case.image_count
        return case.images.filter(is_excluded=False).count()

    def get_review_count(self, case: Case) -> int:
        if hasattr(case, "review_count"):
            return case.review_count
        return case.reviews.count()

    def get_allowed_next_statuses(self, case: Case) -> list[str]:
        return sorted(str(status) for status in Case.ALLOWED_TRANSITIONS.get(case.status, set()))

    def validate_encounter_date(self, value: datetime.date) -> datetime.date:
        if value > timezone.localdate():
            raise serializers.ValidationError(
                "The encounter date is in the future: enter the date the patient was seen.", code="future_date"
            )
        return value


class CaseUpdateSerializer(CaseSerializer):
    """A case's details and status. The status may only move along the allowed transitions."""

    patient = serializers.PrimaryKeyRelatedField(read_only=True)
    status = serializers.ChoiceField(
        choices=Case.Status.choices,
        required=False,
        help_text="The new status. 'allowed_next_statuses' lists the statuses the case can move to.",
    )

    class Meta(CaseSerializer.Meta):
        read_only_fields = ["created_at", "updated_at"]


class CaseDetailSerializer(CaseSerializer):
    images = ImageSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["images"]


class CaseDetailUpdateSerializer(CaseUpdateSerializer):
    images = ImageSerializer(many=True, read_only=True)

    class Meta(CaseUpdateSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["images"]


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = UserSummarySerializer(read_only=True)
    prediction = serializers.PrimaryKeyRelatedField(
        queryset=Prediction.objects.none(),
        required=False,
        allow_null=True,
        help_text="The model result the reviewer looked at, if any.",
        error_messages={
            "does_not_exist": "Prediction {pk_value} was not found: choose a prediction of one of this case's images.",
            "incorrect_type": "Send the prediction's numeric id.",
        },
    )

    class Meta:
        model = Review
        fields = [
            "id",
            "case",
            "reviewer",
            "prediction",
            "agreement",
            "clinical_impression",
            "referral_decision",
            "recall_date",
            "histopathology_result",
            "histopathology_notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["case", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _request_user(self.context)
        if user is not None:
            self.fields["prediction"].queryset = Prediction.objects.visible_to(user)

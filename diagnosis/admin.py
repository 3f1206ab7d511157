"""
The admin for Django staff. Staff see every clinic, so every change made here, and every opened patient or case,
is written to the audit trail with ``via="admin"``. Audit events themselves can be viewed but never changed.
"""

from types import SimpleNamespace
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from diagnosis import audit, services
from diagnosis.models import AuditEvent, Case, Image, Patient, Prediction, Review
from diagnosis.services import ARCHIVED_PATIENT_MESSAGE, transition_message


class AuditedAdmin(admin.ModelAdmin):
    """Write one audit event for each record created, changed or opened in the admin."""

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        original = type(obj).objects.get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)

        values = {field: getattr(obj, field) for field in form.changed_data if hasattr(obj, field)}
        if original is None:
            changes = audit.diff(SimpleNamespace(), values)  # type: ignore[arg-type]
            audit.record(
                AuditEvent.Action.CREATE, actor=request.user, target=obj, request=request, via="admin", changes=changes
            )
            return

        changes = audit.diff(original, values)
        if changes:
            action = self.audit_action(changes)
            audit.record(action, actor=request.user, target=obj, request=request, via="admin", changes=changes)

    def audit_action(self, changes: dict[str, Any]) -> str:
        return AuditEvent.Action.UPDATE

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            if obj is not None:
                audit.record(AuditEvent.Action.READ, actor=request.user, target=obj, request=request, via="admin")
        return response


class CaseInline(admin.TabularInline):
    model = Case
    extra = 0
    fields = ["encounter_date", "lesion_site", "status", "clinician"]
    readonly_fields = fields
    show_change_link = True
    # Cases are never deleted: their photos and audit events protect them, so the delete box could only fail.
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PatientAdminForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["clinic", *services.PATIENT_FIELDS, "is_archived"]

    def clean_is_archived(self) -> bool:
        archiving = self.cleaned_data["is_archived"]
        if archiving and self.instance.pk is not None and not self.instance.is_archived:
            not_closed = services.cases_not_closed(self.instance)
            if not_closed:
                raise forms.ValidationError(services.open_cases_message(not_closed), code="open_cases")
        return archiving


@admin.register(Patient)
class PatientAdmin(AuditedAdmin):
    form = PatientAdminForm
    list_display = ["identifier", "clinic", "year_of_birth", "sex", "is_archived", "updated_at"]
    list_filter = ["clinic", "is_archived", "sex", "tobacco_smoking", "smokeless_tobacco", "alcohol"]
    search_fields = ["identifier", "name"]
    readonly_fields = ["archived_at", "created_by", "updated_by", "created_at", "updated_at"]
    autocomplete_fields = ["clinic"]
    inlines = [CaseInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Patient | None = None) -> list[str]:
        # An archived patient's record is read-only here as in the API: only restoring it (is_archived) is allowed.
        if obj is not None and obj.is_archived:
            editable = {"is_archived"}
            return [*self.readonly_fields, *(name for name in PatientAdminForm.Meta.fields if name not in editable)]
        return list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Patient, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        if "is_archived" in form.changed_data:
            obj.archived_at = timezone.now() if obj.is_archived else None
        super().save_model(request, obj, form, change)

    def audit_action(self, changes: dict[str, Any]) -> str:
        if changes.get("is_archived") == [False, True]:
            return AuditEvent.Action.ARCHIVE
        return AuditEvent.Action.UPDATE

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseAdminForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = [
            "patient",
            "clinician",
            "encounter_date",
            "lesion_site",
            "lesion_description",
            "status",
            "assigned_specialist",
        ]

    def clean_patient(self) -> Patient:
        patient = self.cleaned_data["patient"]
        if patient is not None and patient.is_archived:
            raise forms.ValidationError(ARCHIVED_PATIENT_MESSAGE, code="archived")
        return patient

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if self.instance.pk is not None and status != self.instance.status and not self.instance.can_move_to(status):
            raise forms.ValidationError(transition_message(self.instance.status, status))

        closing = status == Case.Status.CLOSED and self.instance.status != Case.Status.CLOSED
        if self.instance.pk is not None and closing:
            problem = services.review_needed_before_closing(self.instance)
            if problem:
                raise forms.ValidationError(problem, code="review_required")
        return status


@admin.register(Case)
class CaseAdmin(AuditedAdmin):
    form = CaseAdminForm
    list_display = [
        "id",
        "patient",
        "clinic",
        "encounter_date",
        "lesion_site",
        "status",
        "clinician",
        "assigned_specialist",
    ]
    list_filter = ["status", "lesion_site", "patient__clinic", "encounter_date"]
    search_fields = ["patient__identifier", "patient__name", "lesion_description"]
    date_hierarchy = "encounter_date"
    autocomplete_fields = ["patient", "clinician", "assigned_specialist"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["patient__clinic", "clinician", "assigned_specialist"]

    @admin.display(description="Clinic", ordering="patient__clinic__name")
    def clinic(self, case: Case) -> str:
        return case.patient.clinic.name

    def audit_action(self, changes: dict[str, Any]) -> str:
        if set(changes) == {"status"}:
            return AuditEvent.Action.STATUS_CHANGE
        return AuditEvent.Action.UPDATE

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An archived patient's records are read-only here as in the API.
        if obj is not None and obj.patient.is_archived:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReviewAdminForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["case", "reviewer", *services.REVIEW_FIELDS]

    def clean_case(self) -> Case:
        case = self.cleaned_data["case"]
        if case is not None and case.patient.is_archived:
            raise forms.ValidationError(ARCHIVED_PATIENT_MESSAGE, code="archived")
        return case


@admin.register(Review)
class ReviewAdmin(AuditedAdmin):
    form = ReviewAdminForm
    list_display = ["id", "case", "reviewer", "agreement", "referral_decision", "histopathology_result", "created_at"]
    list_filter = ["agreement", "referral_decision", "histopathology_result", "case__patient__clinic"]
    search_fields = ["case__patient__identifier", "reviewer__username", "clinical_impression"]
    autocomplete_fields = ["case", "reviewer"]
    raw_id_fields = ["prediction"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["case", "reviewer"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.case.patient.is_archived:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ViewOnlyAdmin(admin.ModelAdmin):
    """Records that the application writes itself: the admin shows them and changes nothing."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Image)
class ImageAdmin(ViewOnlyAdmin):
    # The file fields are left out: media has no public URL, so their admin links could not open.
    exclude = ["file", "thumbnail"]
    list_display = ["id", "case", "detected_format", "width", "height", "uploaded_by", "uploaded_at", "is_excluded"]
    list_filter = ["is_excluded", "detected_format", "case__patient__clinic", "uploaded_at"]
    search_fields = ["case__patient__identifier", "upload_sha256", "original_filename"]
    list_select_related = ["case", "uploaded_by"]


@admin.register(Prediction)
class PredictionAdmin(ViewOnlyAdmin):
    exclude = ["heatmap"]
    list_display = ["id", "image", "status", "label", "probability", "model_version", "attempts", "created_at"]
    list_filter = ["status", "label", "model_version"]
    search_fields = ["image__case__patient__identifier", "error_code"]
    list_select_related = ["image", "model_version"]


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnlyAdmin):
    list_display = [
        "created_at",
        "actor",
        "username",
        "action",
        "target_type",
        "target_id",
        "patient",
        "via",
        "ip_address",
    ]
    list_filter = [
        "action",
        "via",
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("clinic", admin.RelatedOnlyFieldListFilter),
        ("patient", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    search_fields = ["username", "actor__username", "patient__identifier", "target_id", "request_id", "ip_address"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "patient"]

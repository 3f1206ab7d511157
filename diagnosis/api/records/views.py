"""
Patients, cases and reviews. Every queryset starts from ``visible_to(user)``, so a record of another clinic is a
404 and never appears in a list or a count. Writes go through ``diagnosis.services``, which audits them. Reads are
audited here: one event per record read, and one per page of a list.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from diagnosis import audit, services
from diagnosis.api.records import permissions
from diagnosis.api.records.serializers import (
    CaseDetailSerializer,
    CaseDetailUpdateSerializer,
    CaseSerializer,
    PatientSerializer,
    PatientUpdateSerializer,
    ReviewSerializer,
)
from diagnosis.models import AuditEvent, Case, Image, Patient, Prediction, Review
from diagnosis.risk import with_risk_summary
from oralcare.api import ErrorSerializer

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
# Writes to the records of an archived patient are rejected with 409 and the code "archived", and archiving a patient
# whose cases are not all closed with 409 and the code "open_cases".
WRITE_ERRORS = {**ERRORS, 409: ErrorSerializer}
READ_ERRORS = {401: ErrorSerializer, 404: ErrorSerializer}
LIST_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer}
PATIENT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The patient's id.")
CASE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The case's id.")
REVIEW_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The review's id.")


def _flag(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true", "yes", "on"}


# The largest value of a 64-bit signed integer, the type of every id column.
MAX_ID = 2**63 - 1


def _positive_int(value: str, *, parameter: str) -> int:
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        raise serializers.ValidationError(
            {parameter: [f"'{value}' is not a valid id: send a whole number, as listed by the API."]}, code="invalid"
        )
    return int(value)


def _audited_page(
    view: viewsets.GenericViewSet,
    rows: QuerySet,
    *,
    listed: str,
    patient_of: Callable[[Any], Patient],
    serializer_class: type[serializers.Serializer] | None = None,
    target: Patient | Case | None = None,
) -> Response:
    """Serialize one page of ``rows`` and record one read event that names the patients of the rows on it."""
    page = view.paginate_queryset(rows)
    rows_on_page = list(page) if page is not None else list(rows)
    if serializer_class is None:
        serializer = view.get_serializer(rows_on_page, many=True)
    else:
        serializer = serializer_class(rows_on_page, many=True, context=view.get_serializer_context())
    data = serializer.data

    audit.record_list_read(
        listed,
        [patient_of(row) for row in rows_on_page],
        actor=view.request.user,
        request=view.request,
        target=target,
    )
    return view.get_paginated_response(data) if page is not None else Response(data)


@extend_schema_view(
    list=extend_schema(
        summary="List patients",
        description=(
            "Lists the patients of the user's clinics, most recently changed first, 25 per page. Archived patients "
            "are left out unless include_archived is set. Each request writes one audit event that names the "
            "patients on the page."
        ),
        parameters=[
            OpenApiParameter("search", OpenApiTypes.STR, description="Part of the patient's identifier or name."),
            OpenApiParameter("include_archived", OpenApiTypes.BOOL, description="Also list archived patients."),
            OpenApiParameter("clinic", OpenApiTypes.INT, description="Only patients of this clinic."),
        ],
        responses={200: PatientSerializer(many=True), **LIST_ERRORS},
    ),
    create=extend_schema(
        summary="Register a patient",
        description=(
            "Registers a patient in a clinic where the user is a clinician or clinic administrator. The identifier "
            "must be unique within the clinic."
        ),
        responses={201: PatientSerializer, **ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a patient (audited)",
        parameters=[PATIENT_ID],
        description="Returns one patient of the user's clinics and records the read in the audit trail.",
        responses={200: PatientSerializer, **READ_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a patient's details",
        parameters=[PATIENT_ID],
        description=(
            "Changes the fields sent. Only clinicians and clinic administrators can change a patient, the clinic "
            "is fixed, and an archived patient cannot be changed (409, code 'archived') until unarchived."
        ),
        request=PatientUpdateSerializer,
        responses={200: PatientSerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=["patients"])
class PatientViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Patients of the user's clinics. There is no DELETE: archive a patient instead."""

    queryset = Patient.objects.all()
    lookup_value_regex = "[0-9]+"
    serializer_class = PatientSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Patient]:
        patients = Patient.objects.visible_to(self.request.user).select_related("clinic", "created_by", "updated_by")
        if self.action != "list":
            return patients

        params = self.request.query_params
        if not _flag(params.get("include_archived")):
            patients = patients.filter(is_archived=False)
        if params.get("clinic"):
            patients = patients.filter(clinic_id=_positive_int(params["clinic"], parameter="clinic"))
        search = params.get("search", "").strip()
        if "\x00" in search:
            # PostgreSQL cannot store or compare NUL characters in text, so the query would fail.
            raise serializers.ValidationError(
                {"search": ["The search text contains a NUL character: remove it and search again."]},
                code="null_characters",
            )
        if search:
            patients = patients.filter(Q(identifier__icontains=search) | Q(name__icontains=search))
        return patients

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action in {"update", "partial_update"}:
            return PatientUpdateSerializer
        return PatientSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not permissions.editable_clinic_ids(request.user):
            raise PermissionDenied(
                detail="Only clinicians and clinic administrators can register patients. Ask one of them to do it.",
                code="role_required",
            )
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.create_patient(
            clinic=data.pop("clinic"), actor=self.request.user, data=data, request=self.request
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patients = self.filter_queryset(self.get_queryset())
        return _audited_page(self, patients, listed="patient", patient_of=lambda patient: patient)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_object()
        audit.record(AuditEvent.Action.READ, actor=request.user, target=patient, request=request)
        return Response(self.get_serializer(patient).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_object()
        permissions.require_editor(request.user, patient.clinic_id, action="change a patient's details")
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        patient = serializer.instance
        serializer.instance = services.update_patient(
            patient, actor=self.request.user, data=serializer.validated_data, request=self.request
        )

    @extend_schema(
        summary="Archive a patient",
        parameters=[PATIENT_ID],
        description=(
            "Archives the patient: the patient leaves the default patient list, and the patient's details, cases, "
            "photos and reviews become read-only until the patient is unarchived. Patients are never deleted. A "
            "patient with a case that is open or awaiting review cannot be archived (409, code 'open_cases'): the "
            "message names those cases, which must be closed first."
        ),
        operation_id="patients_archive",
        request=None,
        responses={200: PatientSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        return self._set_archived(archived=True)

    @extend_schema(
        summary="Bring back an archived patient",
        parameters=[PATIENT_ID],
        description="Unarchives the patient, who appears in the patient list again and whose records can change again.",
        operation_id="patients_unarchive",
        request=None,
        responses={200: PatientSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def unarchive(self, request: Request, pk: str | None = None) -> Response:
        return self._set_archived(archived=False)

    @extend_schema(
        summary="List a patient's cases, newest first",
        parameters=[PATIENT_ID],
        description=(
            "Lists the patient's cases, newest encounter first, 25 per page, also for an archived patient. Each "
            "request writes one audit event for the patient."
        ),
        responses={200: CaseSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def cases(self, request: Request, pk: str | None = None) -> Response:
        patient = self.get_object()
        cases = _cases_with_counts(Case.objects.visible_to(request.user).filter(patient=patient))

        return _audited_page(
            self,
            cases,
            listed="case",
            patient_of=lambda case: case.patient,
            serializer_class=CaseSerializer,
            target=patient,
        )

    def _set_archived(self, *, archived: bool) -> Response:
        patient = self.get_object()
        verb = "archive patients" if archived else "unarchive patients"
        permissions.require_editor(self.request.user, patient.clinic_id, action=verb)

        patient = services.archive_patient(patient, actor=self.request.user, archived=archived, request=self.request)
        return Response(PatientSerializer(patient, context=self.get_serializer_context()).data)


def _cases_with_counts(cases: QuerySet[Case]) -> QuerySet[Case]:
    # Correlated subqueries count only the rows of the page returned, where a JOIN with GROUP BY would group every
    # case of the clinic before paginating.
    images = Image.objects.filter(case=OuterRef("pk"), is_excluded=False)
    reviews = Review.objects.filter(case=OuterRef("pk"))
    counted = cases.select_related("patient", "clinician", "assigned_specialist").annotate(
        image_count=_count_of(images),
        review_count=_count_of(reviews),
    )
    return with_risk_summary(counted)


def _count_of(rows: QuerySet) -> Coalesce:
    counted = rows.order_by().values("case").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@extend_schema_view(
    list=extend_schema(
        summary="List cases",
        description=(
            "Lists the cases of the user's clinics, newest encounter first, 25 per page. With assigned_to=me it is "
            "a specialist's review queue. Each request writes one audit event that names the patients of the cases "
            "on the page."
        ),
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=Case.Status.values, description="Only this status."),
            OpenApiParameter("patient", OpenApiTypes.INT, description="Only this patient's cases."),
            OpenApiParameter(
                "assigned_to",
                OpenApiTypes.STR,
                description="Only cases referred to this specialist: a user id, or 'me' for a specialist's queue.",
            ),
            OpenApiParameter(
                "risk_label",
                OpenApiTypes.STR,
                enum=Prediction.Label.values,
                description="Only cases with this risk_label, the most severe latest result among their photos.",
            ),
        ],
        responses={200: CaseSerializer(many=True), **LIST_ERRORS},
    ),
    create=extend_schema(
        summary="Open a case",
        description=(
            "Opens a case for a patient of the user's clinics. Only clinicians and clinic administrators can open "
            "cases, and an archived patient gets none (409, code 'archived')."
        ),
        responses={201: CaseDetailSerializer, **WRITE_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a case with its images (audited)",
        parameters=[CASE_ID],
        description="Returns the case with its photos and records the read in the audit trail.",
        responses={200: CaseDetailSerializer, **READ_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a case's details or status",
        parameters=[CASE_ID],
        description=(
            "Changes the details sent, the status, or both. Clinicians and clinic administrators can change "
            "details, and specialists only the status, which can move only to one of allowed_next_statuses. A case "
            "of an archived patient cannot change (409, code 'archived')."
        ),
        request=CaseDetailUpdateSerializer,
        responses={200: CaseDetailSerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=["cases"])
class CaseViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Screening cases of the user's clinics, newest first."""

    queryset = Case.objects.all()
    lookup_value_regex = "[0-9]+"
    serializer_class = CaseSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Case]:
        cases = _cases_with_counts(Case.objects.visible_to(self.request.user))
        if self.action == "retrieve" or self.action == "partial_update":
            cases = cases.prefetch_related("images")
        if self.action != "list":
            return cases

        params = self.request.query_params
        if params.get("status"):
            cases = cases.filter(status=self._status_parameter(params["status"]))
        if params.get("patient"):
            cases = cases.filter(patient_id=_positive_int(params["patient"], parameter="patient"))
        assigned_to = params.get("assigned_to")
        if assigned_to == "me":
            cases = cases.filter(assigned_specialist=self.request.user)
        elif assigned_to:
            cases = cases.filter(assigned_specialist_id=_positive_int(assigned_to, parameter="assigned_to"))
        if params.get("risk_label"):
            cases = cases.filter(risk_label=self._risk_label_parameter(params["risk_label"]))
        return cases

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action in {"update", "partial_update"}:
            return CaseDetailUpdateSerializer
        if self.action in {"retrieve", "create"}:
            return CaseDetailSerializer
        return CaseSerializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        patient = data.pop("patient")
        permissions.require_editor(self.request.user, patient.clinic_id, action="open cases")
        case = services.open_case(patient=patient, actor=self.request.user, data=data, request=self.request)
        # Read back through the list's query, so the response carries the same counts and risk summary.
        serializer.instance = self.get_queryset().get(pk=case.pk)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cases = self.filter_queryset(self.get_queryset())
        return _audited_page(self, cases, listed="case", patient_of=lambda case: case.patient)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        audit.record(AuditEvent.Action.READ, actor=request.user, target=case, request=request)
        return Response(self.get_serializer(case).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        fields = set(request.data) if isinstance(request.data, dict) else set()
        if fields - {"status"}:
            permissions.require_editor(request.user, case.patient.clinic_id, action="change a case's details")
        else:
            permissions.require_reviewer(request.user, case.patient.clinic_id)
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        case = serializer.instance
        services.update_case(case, actor=self.request.user, data=serializer.validated_data, request=self.request)
        serializer.instance = self.get_queryset().get(pk=case.pk)

    @staticmethod
    def _status_parameter(value: str) -> str:
        if value not in Case.Status.values:
            raise serializers.ValidationError(
                {"status": [f"'{value}' is not a case status: use one of {', '.join(Case.Status.values)}."]},
                code="invalid_choice",
            )
        return value

    @staticmethod
    def _risk_label_parameter(value: str) -> str:
        if value not in Prediction.Label.values:
            raise serializers.ValidationError(
                {"risk_label": [f"'{value}' is not a risk label: use one of {', '.join(Prediction.Label.values)}."]},
                code="invalid_choice",
            )
        return value


@extend_schema_view(
    list=extend_schema(
        summary="List a case's reviews",
        description=(
            "Lists the case's reviews, newest first, 25 per page. Each request writes one audit event for the case."
        ),
        parameters=[CASE_ID],
        responses={200: ReviewSerializer(many=True), **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Review a case",
        description=(
            "Adds the user's review of the case. Clinicians, specialists and clinic administrators can review, but "
            "not a case of an archived patient (409, code 'archived')."
        ),
        parameters=[CASE_ID],
        responses={201: ReviewSerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=["reviews"])
class CaseReviewViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The reviews of one case, newest first."""

    queryset = Review.objects.all()
    serializer_class = ReviewSerializer

    def get_queryset(self) -> QuerySet[Review]:
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()

        case = self._case()
        return Review.objects.visible_to(self.request.user).filter(case=case).select_related("reviewer")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self._case()
        reviews = self.filter_queryset(self.get_queryset())
        return _audited_page(self, reviews, listed="review", patient_of=lambda review: case.patient, target=case)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        case = self._case()
        permissions.require_reviewer(self.request.user, case.patient.clinic_id)
        serializer.instance = services.add_review(
            case, actor=self.request.user, data=serializer.validated_data, request=self.request
        )

    def _case(self) -> Case:
        if not hasattr(self, "_visible_case"):
            cases = Case.objects.visible_to(self.request.user).select_related("patient")
            self._visible_case = get_object_or_404(cases, pk=self.kwargs["pk"])
        return self._visible_case


@extend_schema_view(
    retrieve=extend_schema(
        summary="Read a review (audited)",
        parameters=[REVIEW_ID],
        description="Returns one review of a case in the user's clinics and records the read in the audit trail.",
        responses={200: ReviewSerializer, **READ_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a review",
        parameters=[REVIEW_ID],
        description=(
            "Changes the fields sent, for example to add the histopathology result once it is known. Only the "
            "reviewer or a clinic administrator can change a review, and not while the patient is archived (409, "
            "code 'archived')."
        ),
        responses={200: ReviewSerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=["reviews"])
class ReviewViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    queryset = Review.objects.all()
    lookup_value_regex = "[0-9]+"
    serializer_class = ReviewSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Review]:
        return Review.objects.visible_to(self.request.user).select_related("reviewer", "case__patient")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        review = self.get_object()
        audit.record(AuditEvent.Action.READ, actor=request.user, target=review, request=request)
        return Response(self.get_serializer(review).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        review = self.get_object()
        permissions.require_review_author_or_admin(request.user, review, review.case.patient.clinic_id)
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        review = serializer.instance
        serializer.instance = services.update_review(
            review, actor=self.request.user, data=serializer.validated_data, request=self.request
        )

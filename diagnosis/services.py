"""
Writes to the clinical records. The API views, the admin and management commands call these functions, so each
change runs the same checks and writes the same audit event whichever way it arrives.

Each function takes the acting user, the request when there is one (for the address and request id in the audit
trail) and ``via`` ("api", "admin", "web" or "command"). Rule violations raise Django's ``ValidationError`` keyed by
field, which the API's exception handler turns into a field-keyed 400.

An archived patient's records are read-only: any change to the patient, its cases or their reviews raises
``PatientArchivedError`` (409, code "archived") until the patient is unarchived. A patient can be archived only once
all of the patient's cases are closed, otherwise ``archive_patient`` raises ``OpenCasesError`` (409, code
"open_cases"), so no case is left in a specialist's queue that nobody can review or close.
"""

from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.status import HTTP_409_CONFLICT

from accounts.models import Clinic, Membership
from diagnosis import audit
from diagnosis.models import AuditEvent, Case, Patient, Prediction, Review
from diagnosis.risk import with_risk_summary

PATIENT_FIELDS = (
    "identifier",
    "name",
    "year_of_birth",
    "sex",
    "tobacco_smoking",
    "smokeless_tobacco",
    "alcohol",
    "previous_oral_cancer",
    "notes",
)
CASE_FIELDS = ("encounter_date", "lesion_site", "lesion_description", "assigned_specialist")
REVIEW_FIELDS = (
    "prediction",
    "agreement",
    "clinical_impression",
    "referral_decision",
    "recall_date",
    "histopathology_result",
    "histopathology_notes",
)

DUPLICATE_IDENTIFIER_MESSAGE = (
    "A patient with this identifier already exists in this clinic: search for that patient or use another identifier."
)
ARCHIVED_PATIENT_MESSAGE = (
    "This patient is archived, so the patient's records cannot be changed. Restore the patient from the archive first."
)
# The message of OpenCasesError lists at most this many cases by name and counts the rest.
MAX_CASES_NAMED = 5


class PatientArchivedError(APIException):
    """A change to the records of an archived patient, returned by the API as 409 with the code "archived"."""

    status_code = HTTP_409_CONFLICT
    default_detail = ARCHIVED_PATIENT_MESSAGE
    default_code = "archived"


class OpenCasesError(APIException):
    """An attempt to archive a patient whose cases are not all closed, returned by the API as 409 "open_cases"."""

    status_code = HTTP_409_CONFLICT
    default_detail = "This patient has cases that are not closed: close them before archiving the patient."
    default_code = "open_cases"


def create_patient(
    *,
    clinic: Clinic,
    actor: Any,
    data: dict[str, Any],
    request: HttpRequest | None = None,
    via: str = "api",
) -> Patient:
    patient = Patient(clinic=clinic, created_by=actor, updated_by=actor, **_pick(data, PATIENT_FIELDS))

    _save_patient(patient)

    audit.record(
        AuditEvent.Action.CREATE,
        actor=actor,
        target=patient,
        request=request,
        via=via,
        changes=_created_values(patient, PATIENT_FIELDS),
    )
    return patient


def update_patient(
    patient: Patient,
    *,
    actor: Any,
    data: dict[str, Any],
    request: HttpRequest | None = None,
    via: str = "api",
) -> Patient:
    require_not_archived(patient)

    values = _pick(data, PATIENT_FIELDS)
    changes = audit.diff(patient, values)
    if not changes:
        return patient

    for field, value in values.items():
        setattr(patient, field, value)
    patient.updated_by = actor
    _save_patient(patient)

    audit.record(AuditEvent.Action.UPDATE, actor=actor, target=patient, request=request, via=via, changes=changes)
    return patient


def archive_patient(
    patient: Patient,
    *,
    actor: Any,
    archived: bool = True,
    request: HttpRequest | None = None,
    via: str = "api",
) -> Patient:
    """
    Archive a patient (or bring one back with ``archived=False``). Patients are never deleted.

    Archiving raises ``OpenCasesError`` while any of the patient's cases is open or awaiting review.
    """
    with transaction.atomic():
        _lock_patient(patient)
        if patient.is_archived == archived:
            return patient

        if archived:
            # Locking the cases too keeps a closed case from being reopened between this check and the archiving.
            cases = list(Case.objects.select_for_update().filter(patient=patient).order_by("encounter_date", "pk"))
            not_closed = [case for case in cases if case.status != Case.Status.CLOSED]
            if not_closed:
                raise OpenCasesError(open_cases_message(not_closed))

        changes = {"is_archived": [patient.is_archived, archived]}
        patient.is_archived = archived
        patient.archived_at = timezone.now() if archived else None
        patient.updated_by = actor
        patient.save(update_fields=["is_archived", "archived_at", "updated_by", "updated_at"])

        action = AuditEvent.Action.ARCHIVE if archived else AuditEvent.Action.UPDATE
        audit.record(action, actor=actor, target=patient, request=request, via=via, changes=changes)
    return patient


def cases_not_closed(patient: Patient) -> list[Case]:
    """Return the patient's cases that are open or awaiting review, oldest encounter first."""
    cases = Case.objects.filter(patient=patient).exclude(status=Case.Status.CLOSED)
    return list(cases.order_by("encounter_date", "pk"))


def open_cases_message(cases: list[Case]) -> str:
    """Build the message that names the cases that keep a patient from being archived and how to close them."""
    named = [
        f"case {case.pk} (encounter {case.encounter_date.isoformat()}, {Case.Status(case.status).label.lower()})"
        for case in cases[:MAX_CASES_NAMED]
    ]
    if len(cases) > MAX_CASES_NAMED:
        named.append(f"{len(cases) - MAX_CASES_NAMED} more")
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    return (
        f"This patient cannot be archived while a case is open or awaiting review: {listed}. Finish the "
        "specialist review of any case awaiting review, close each case, then archive the patient."
    )


def open_case(
    *,
    patient: Patient,
    actor: Any,
    data: dict[str, Any],
    request: HttpRequest | None = None,
    via: str = "api",
) -> Case:
    with transaction.atomic():
        # The lock keeps the patient from being archived between this check and the new case.
        _lock_patient(patient)
        require_not_archived(patient)

        values = _pick(data, CASE_FIELDS)
        _check_specialist(patient.clinic_id, values.get("assigned_specialist"))
        case = Case.objects.create(patient=patient, clinician=actor, **values)

        audit.record(
            AuditEvent.Action.CREATE,
            actor=actor,
            target=case,
            request=request,
            via=via,
            changes=_created_values(case, CASE_FIELDS + ("status",)),
        )
    return case


def update_case(
    case: Case,
    *,
    actor: Any,
    data: dict[str, Any],
    request: HttpRequest | None = None,
    via: str = "api",
) -> Case:
    """Change a case's details and, if ``data`` has a ``status``, its status (audited as a separate event)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        require_not_archived(case.patient)

        values = _pick(data, CASE_FIELDS)
        if "assigned_specialist" in values:
            _check_specialist(case.patient.clinic_id, values["assigned_specialist"])

        changes = audit.diff(case, values)
        if changes:
            for field, value in values.items():
                setattr(case, field, value)
            case.save()
            audit.record(AuditEvent.Action.UPDATE, actor=actor, target=case, request=request, via=via, changes=changes)

        if "status" in data and data["status"] != case.status:
            case = change_case_status(case, data["status"], actor=actor, request=request, via=via)
    return case


def change_case_status(
    case: Case,
    status: str,
    *,
    actor: Any,
    request: HttpRequest | None = None,
    via: str = "api",
) -> Case:
    """Move a case to ``status`` if ``Case.ALLOWED_TRANSITIONS`` permits it."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        require_not_archived(case.patient)

        if status == case.status:
            return case

        if not case.can_move_to(status):
            raise ValidationError(
                {"status": ValidationError(transition_message(case.status, status), code="transition")}
            )

        if status == Case.Status.CLOSED:
            problem = review_needed_before_closing(case)
            if problem:
                raise ValidationError({"status": ValidationError(problem, code="review_required")})

        changes = {"status": [case.status, status]}
        case.status = status
        case.save(update_fields=["status", "updated_at"])
        audit.record(
            AuditEvent.Action.STATUS_CHANGE, actor=actor, target=case, request=request, via=via, changes=changes
        )
    return case


def review_needed_before_closing(case: Case) -> str | None:
    """
    Return why ``case`` needs a review before it can be closed, or None when it can be closed.

    A case sent for specialist review, or whose photos have a high-risk or uncertain result, is a referral decision
    waiting to be made. Closing it without a review would drop that decision silently.
    """
    if case.reviews.exists():
        return None

    risk_label = with_risk_summary(Case.objects.filter(pk=case.pk)).values_list("risk_label", flat=True).first()
    if case.status == Case.Status.AWAITING_REVIEW:
        reason = "This case is awaiting specialist review"
    elif risk_label == Prediction.Label.HIGH_RISK:
        reason = "A photo of this case has a high-risk result"
    elif risk_label == Prediction.Label.UNCERTAIN:
        reason = "A photo of this case has an uncertain result"
    else:
        return None
    return f"{reason} and the case has no review yet. Record a review with the referral decision, then close the case."


def require_not_archived(patient: Patient) -> None:
    """
    Raise ``PatientArchivedError`` if the patient is archived.

    The service functions here call it before every change. The photo views call it before they store, exclude or
    re-classify a photo of the patient, because those writes live in ``diagnosis.uploads`` and
    ``diagnosis.screening``.
    """
    if patient.is_archived:
        raise PatientArchivedError()


def transition_message(current: str, requested: str) -> str:
    allowed = sorted(str(state) for state in Case.ALLOWED_TRANSITIONS.get(current, set()))
    return (
        f"A case cannot move from '{current}' to '{requested}'. "
        f"From '{current}' it can move to: {', '.join(repr(state) for state in allowed)}."
    )


def add_review(
    case: Case,
    *,
    actor: Any,
    data: dict[str, Any],
    request: HttpRequest | None = None,
    via: str = "api",
) -> Review:
    require_not_archived(case.patient)

    values = _pick(data, REVIEW_FIELDS)
    review = Review(case=case, reviewer=actor, **values)
    _check_review(review)
    review.save()

    audit.record(
        AuditEvent.Action.REVIEW,
        actor=actor,
        target=review,
        request=request,
        via=via,
        changes=_created_values(review, REVIEW_FIELDS),
    )
    return review


def update_review(
    review: Review,
    *,
    actor: Any,
    data: dict[str, Any],
    request: HttpRequest | None = None,
    via: str = "api",
) -> Review:
    """Change a review, typically to add the histopathology result once it is known."""
    require_not_archived(review.case.patient)

    values = _pick(data, REVIEW_FIELDS)
    changes = audit.diff(review, values)
    if not changes:
        return review

    for field, value in values.items():
        setattr(review, field, value)
    _check_review(review)
    review.save()

    audit.record(AuditEvent.Action.UPDATE, actor=actor, target=review, request=request, via=via, changes=changes)
    return review


def _pick(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: data[field] for field in fields if field in data}


def _created_values(instance: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    # A new record's audit event lists each filled-in field as changed from nothing (None).
    values = {field: getattr(instance, field) for field in fields}
    changes = audit.diff(SimpleNamespace(), values)  # type: ignore[arg-type]
    return {field: change for field, change in changes.items() if change[1] != ""}


def _lock_patient(patient: Patient) -> None:
    """Lock the patient's row until the transaction ends, and reread its archive state into ``patient``."""
    locked = Patient.objects.select_for_update().only("is_archived", "archived_at").get(pk=patient.pk)
    patient.is_archived = locked.is_archived
    patient.archived_at = locked.archived_at


def _save_patient(patient: Patient) -> None:
    # The serializer checks the identifier first. This catches two requests that register it at the same moment.
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as error:
        duplicate = Patient.objects.filter(clinic_id=patient.clinic_id, identifier=patient.identifier)
        if duplicate.exclude(pk=patient.pk).exists():
            raise ValidationError(
                {"identifier": ValidationError(DUPLICATE_IDENTIFIER_MESSAGE, code="unique")}
            ) from error
        raise


def _check_specialist(clinic_id: int, specialist: Any) -> None:
    if specialist is None:
        return

    if specialist.role_in(clinic_id) != Membership.Role.SPECIALIST:
        raise ValidationError(
            {
                "assigned_specialist": ValidationError(
                    "This user is not a specialist in the patient's clinic: choose one of the clinic's specialists.",
                    code="not_a_specialist",
                )
            }
        )


def _check_review(review: Review) -> None:
    errors: dict[str, ValidationError] = {}
    if review.referral_decision == Review.Referral.ROUTINE_RECALL and review.recall_date is None:
        errors["recall_date"] = ValidationError(
            "A routine recall needs a recall date: enter the date the patient should come back.", code="required"
        )
    if review.prediction is not None and review.prediction.image.case_id != review.case_id:
        errors["prediction"] = ValidationError(
            "This prediction belongs to another case: choose a prediction of one of this case's images.",
            code="wrong_case",
        )
    if errors:
        raise ValidationError(errors)

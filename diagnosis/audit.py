"""
Writing the audit trail. Every create, change, status change, review and every read of a patient record or photo
goes through ``record``, from the API, the admin, management commands and the worker alike. A page of a list that
shows patients' records is one read event from ``record_list_read``.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.http import HttpRequest

from diagnosis.models import AuditEvent, Case, Image, Patient, Prediction, Review
from oralcare.middleware import client_ip


def record(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    via: str = "api",
    changes: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one audit event. The clinic, patient, case and image are derived from ``target``."""
    event = _new_event(action, actor=actor, target=target, request=request, via=via, changes=changes, username=username)
    event.save()
    return event


# API paths whose first id names a patient's record. A signed-in user's 404 on such a path may be for a record of a
# clinic the user is not a member of, because the API returns the same 404 as for a missing record.
RECORD_PATH = re.compile(r"^/api/(?P<collection>patients|cases|images|reviews)/(?P<id>\d+)/")
RECORD_MODELS: dict[str, Any] = {"patients": Patient, "cases": Case, "images": Image, "reviews": Review}


def record_denied_access(request: HttpRequest) -> AuditEvent | None:
    """
    Record an ``access_denied`` event when a signed-in user's 404 was for a record that exists in another clinic.

    The response stays a 404 either way, so the user learns nothing. The event lets an auditor see who looked for
    which patient's records outside their clinics. Returns the event, or None when nothing was denied.
    """
    user = getattr(request, "user", None)
    match = RECORD_PATH.match(request.path)
    if user is None or not user.is_authenticated or match is None:
        return None

    model = RECORD_MODELS[match["collection"]]
    denied = model.objects.filter(pk=int(match["id"])).first()
    if denied is None or model.objects.visible_to(user).filter(pk=denied.pk).exists():
        return None
    return record(
        AuditEvent.Action.ACCESS_DENIED,
        actor=user,
        target=denied,
        request=request,
        changes={"method": request.method, "path": request.path},
    )


def record_list_read(
    listed: str,
    patients: Iterable[Patient],
    *,
    actor: Any,
    request: HttpRequest,
    target: models.Model | None = None,
    via: str = "api",
) -> AuditEvent:
    """
    Append one read event for one page of a list, naming the patients whose records the page shows.

    ``changes`` stores the path, the query parameters and the sorted patient ids, so "who saw patient 42" is
    ``changes__patients__contains=[42]`` on PostgreSQL. ``listed`` is the model name of the listed rows, for example
    "case". It becomes the target type when there is no ``target``, such as the patient whose cases are listed.
    """
    patients = list(patients)
    changes = {
        "endpoint": request.path,
        "filters": dict(request.GET.items()),
        "patients": sorted({patient.pk for patient in patients}),
    }
    event = _new_event(AuditEvent.Action.READ, actor=actor, target=target, request=request, via=via, changes=changes)

    if target is None:
        event.target_type = listed
        # A page from one clinic is filed under it, so a clinic's trail includes the lists read there.
        clinic_ids = {patient.clinic_id for patient in patients}
        event.clinic_id = clinic_ids.pop() if len(clinic_ids) == 1 else None
    event.save()
    return event


def _new_event(
    action: str,
    *,
    actor: Any,
    target: models.Model | None,
    request: HttpRequest | None,
    via: str,
    changes: dict[str, Any] | None,
    username: str = "",
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        username=username or (getattr(actor, "get_username", lambda: "")() if actor is not None else ""),
        via=via,
        changes=changes or {},
    )
    if target is not None:
        event.target_type = target._meta.model_name or ""
        event.target_id = str(target.pk)
        _link_records(event, target)
    if request is not None:
        event.ip_address = client_ip(request)
        event.user_agent = request.headers.get("User-Agent", "")[:300]
        event.request_id = getattr(request, "request_id", "")
    return event


def diff(instance: models.Model, data: dict[str, Any]) -> dict[str, Any]:
    """Return ``{field: [old, new]}`` for each field in ``data`` whose value differs from the instance's."""
    changes = {}
    for field, new in data.items():
        old = getattr(instance, field, None)
        if isinstance(old, models.Model) or isinstance(new, models.Model):
            old = getattr(old, "pk", old)
            new = getattr(new, "pk", new)
        if old != new:
            changes[field] = [_jsonable(old), _jsonable(new)]
    return changes


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _link_records(event: AuditEvent, target: models.Model) -> None:
    image = case = patient = None
    if isinstance(target, Prediction):
        image = target.image
    elif isinstance(target, Image):
        image = target
    if image is not None:
        case = image.case
    elif isinstance(target, (Case,)):
        case = target
    elif isinstance(target, Review):
        case = target.case
    if case is not None:
        patient = case.patient
    elif isinstance(target, Patient):
        patient = target
    event.image = image
    event.case = case
    event.patient = patient
    event.clinic_id = patient.clinic_id if patient is not None else getattr(target, "clinic_id", None)

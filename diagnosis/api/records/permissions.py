"""
Role rules inside a clinic. The ``visible_to(user)`` querysets decide which clinics a user sees, so a record of
another clinic is a 404 before these rules run. These rules decide only what a member may change.

- Clinicians and clinic administrators register and edit patients, open and edit cases, and review cases.
- Specialists read their clinic's records, review cases and move a case's status (for example, close it after
  review), but do not register or edit patients or case details.
"""

from typing import Any

from rest_framework.exceptions import PermissionDenied

from accounts.models import Membership

EDITOR_ROLES = frozenset({Membership.Role.CLINICIAN, Membership.Role.CLINIC_ADMIN})
REVIEWER_ROLES = frozenset({Membership.Role.CLINICIAN, Membership.Role.CLINIC_ADMIN, Membership.Role.SPECIALIST})


def editable_clinic_ids(user: Any) -> list[int]:
    return list(user.memberships.filter(role__in=EDITOR_ROLES).values_list("clinic_id", flat=True))


def require_editor(user: Any, clinic_id: int, *, action: str) -> None:
    """Raise a 403 unless the user is a clinician or clinic administrator of the clinic."""
    if user.role_in(clinic_id) not in EDITOR_ROLES:
        raise PermissionDenied(
            detail=f"Only clinicians and clinic administrators can {action}. Ask one of them to do it.",
            code="role_required",
        )


def require_reviewer(user: Any, clinic_id: int) -> None:
    if user.role_in(clinic_id) not in REVIEWER_ROLES:
        raise PermissionDenied(
            detail="Only clinicians, specialists and clinic administrators of this clinic can review its cases.",
            code="role_required",
        )


def require_review_author_or_admin(user: Any, review: Any, clinic_id: int) -> None:
    if review.reviewer_id == user.pk or user.role_in(clinic_id) == Membership.Role.CLINIC_ADMIN:
        return

    raise PermissionDenied(
        detail="Only the reviewer or a clinic administrator can change a review. Ask the reviewer to change it.",
        code="role_required",
    )

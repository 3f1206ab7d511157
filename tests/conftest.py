import pytest
from rest_framework.test import APIClient

from accounts.models import Membership
from tests.factories import CaseFactory, ClinicFactory, PatientFactory, UserFactory

pytest_plugins = ["tests.conftest_services"]


@pytest.fixture
def clinic():
    return ClinicFactory(name="Riverside Dental")


@pytest.fixture
def other_clinic():
    return ClinicFactory(name="Hilltop Clinic")


@pytest.fixture
def clinician(clinic):
    return UserFactory(username="dr.ade", clinic=clinic, clinic__role=Membership.Role.CLINICIAN)


@pytest.fixture
def specialist(clinic):
    return UserFactory(username="dr.osei", clinic=clinic, clinic__role=Membership.Role.SPECIALIST)


@pytest.fixture
def outsider(other_clinic):
    """A clinician of another clinic, who must see none of ``clinic``'s records."""
    return UserFactory(username="dr.other", clinic=other_clinic, clinic__role=Membership.Role.CLINICIAN)


@pytest.fixture
def patient(clinic, clinician):
    return PatientFactory(clinic=clinic, created_by=clinician, updated_by=clinician)


@pytest.fixture
def case(patient, clinician):
    return CaseFactory(patient=patient, clinician=clinician)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    """Return a function that signs the API client in as the given user (or out, for None)."""

    def sign_in(user):
        api.logout()
        if user is not None:
            api.force_authenticate(user=user)
        else:
            api.force_authenticate(user=None)
        return api

    return sign_in

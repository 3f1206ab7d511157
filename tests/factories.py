"""Factories for the records tests need. Photos are made by tests/images.py, never copied from elsewhere."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import Clinic, Membership, User
from diagnosis.models import Case, Patient

PASSWORD = "correct-horse-battery-staple"


class ClinicFactory(DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def clinic(self, create: bool, extracted: Clinic | None, **kwargs: object) -> None:
        """Pass ``clinic=`` (and optionally ``clinic__role=``) to make the user a member of that clinic."""
        if create and extracted is not None:
            Membership.objects.create(user=self, clinic=extracted, role=kwargs.get("role", Membership.Role.CLINICIAN))
        if create:
            self.save()


class PatientFactory(DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    identifier = factory.Sequence(lambda n: f"P-{n:05d}")
    name = factory.Faker("name")
    year_of_birth = 1960


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(UserFactory)
    lesion_site = Case.Site.LATERAL_TONGUE
    lesion_description = "White patch, 1 cm"

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signs in: a clinician, a specialist, a clinic administrator, or Django staff."""

    def clinic_ids(self) -> list[int]:
        return list(self.memberships.values_list("clinic_id", flat=True))

    def role_in(self, clinic_id: int) -> str | None:
        membership = self.memberships.filter(clinic_id=clinic_id).first()
        return membership.role if membership else None


class Clinic(models.Model):
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in one clinic. A user may belong to several clinics, with one role in each."""

    class Role(models.TextChoices):
        CLINICIAN = "clinician", "Clinician"
        SPECIALIST = "specialist", "Specialist"
        CLINIC_ADMIN = "clinic_admin", "Clinic administrator"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CLINICIAN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")]

    def __str__(self) -> str:
        return f"{self.user} in {self.clinic} as {self.get_role_display()}"

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Clinic, Membership, User


class UserSummarySerializer(serializers.ModelSerializer):
    full_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name"]
        read_only_fields = fields

    def get_full_name(self, user: User) -> str:
        return user.get_full_name()


class ClinicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clinic
        fields = ["id", "name"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    clinic = ClinicSerializer(read_only=True)
    specialists = serializers.SerializerMethodField(
        help_text="The clinic's specialists, to whom a case can be referred for review."
    )

    class Meta:
        model = Membership
        fields = ["clinic", "role", "specialists"]
        read_only_fields = fields

    @extend_schema_field(UserSummarySerializer(many=True))
    def get_specialists(self, membership: Membership) -> list[dict[str, Any]]:
        users = User.objects.filter(
            memberships__clinic=membership.clinic_id, memberships__role=Membership.Role.SPECIALIST, is_active=True
        ).order_by("username")
        return UserSummarySerializer(users, many=True).data


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True, help_text="The user's clinics with their role.")

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "is_staff", "memberships"]
        read_only_fields = fields


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class CsrfSerializer(serializers.Serializer):
    csrf_token = serializers.CharField(
        help_text="The CSRF token. Send it back in the X-CSRFToken header of every POST, PUT, PATCH and DELETE."
    )

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Clinic, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["clinic"]
    fields = ["clinic", "role", "created_at"]
    readonly_fields = ["created_at"]


class ClinicMembershipInline(MembershipInline):
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "first_name", "last_name", "clinics", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "memberships__role", "memberships__clinic"]

    @admin.display(description="Clinics")
    def clinics(self, user: User) -> str:
        return ", ".join(f"{m.clinic.name} ({m.get_role_display()})" for m in user.memberships.select_related("clinic"))


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    inlines = [ClinicMembershipInline]
    list_display = ["name", "member_count", "created_at"]
    search_fields = ["name"]

    @admin.display(description="Members")
    def member_count(self, clinic: Clinic) -> int:
        return clinic.memberships.count()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "clinic", "role", "created_at"]
    list_filter = ["role", "clinic"]
    search_fields = ["user__username", "user__email", "clinic__name"]
    autocomplete_fields = ["user", "clinic"]

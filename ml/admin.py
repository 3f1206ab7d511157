from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from ml import services
from ml.models import ModelVersion, TrainingRun


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    """Training runs, written by the ``train_model`` command. The admin only shows them."""

    list_display = ["id", "status", "phase", "epoch", "total_epochs", "created_by", "created_at", "finished_at"]
    list_filter = ["status", "phase"]
    search_fields = ["output_dir", "data_dir"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """Model versions are created by training and activated through ``ml.services.activate``, which audits it."""

    list_display = ["name", "status", "image_size", "threshold", "created_at", "activated_at", "activated_by"]
    list_filter = ["status"]
    search_fields = ["name", "model_sha256"]
    date_hierarchy = "created_at"
    actions = ["activate"]

    @admin.action(description="Activate the selected model version", permissions=["activate"])
    def activate(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model version to activate.", level=messages.ERROR)
            return
        version = services.activate(queryset.get(), actor=request.user, via="admin")
        self.message_user(request, f"Model version {version.name} is now active.", level=messages.SUCCESS)

    def has_activate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

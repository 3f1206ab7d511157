import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from diagnosis.models import AuditEvent
from ml.models import ModelVersion
from ml.testing import make_tiny_model_version

pytestmark = pytest.mark.django_db


def test_admin_action_activates_one_version(tmp_path):
    first = make_tiny_model_version(tmp_path / "first")
    second = make_tiny_model_version(tmp_path / "second", activate=False)
    admin = get_user_model().objects.create_superuser("root.admin", "root@example.org", "a-long-password-1")
    client = Client()
    client.force_login(admin)

    response = client.post(
        "/admin/ml/modelversion/",
        {"action": "activate", "_selected_action": [second.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert ModelVersion.objects.get(pk=second.pk).status == ModelVersion.Status.ACTIVE
    assert ModelVersion.objects.get(pk=first.pk).status == ModelVersion.Status.RETIRED
    event = AuditEvent.objects.filter(action="activate_model", target_id=str(second.pk)).get()
    assert event.via == "admin"
    assert event.actor == admin


def test_admin_action_needs_exactly_one_version(tmp_path):
    first = make_tiny_model_version(tmp_path / "first")
    second = make_tiny_model_version(tmp_path / "second", activate=False)
    admin = get_user_model().objects.create_superuser("root.admin", "root@example.org", "a-long-password-1")
    client = Client()
    client.force_login(admin)

    response = client.post(
        "/admin/ml/modelversion/",
        {"action": "activate", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert "Select exactly one model version" in response.content.decode()
    assert ModelVersion.objects.get(pk=first.pk).status == ModelVersion.Status.ACTIVE

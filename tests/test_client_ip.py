"""The client address used by the audit trail and login throttling, with and without a trusted proxy."""

import pytest
from django.test import RequestFactory

from diagnosis.models import AuditEvent
from oralcare.middleware import client_ip


@pytest.fixture
def make_request():
    def build(remote_address: str, forwarded_for: str | None = None):
        headers = {"REMOTE_ADDR": remote_address}
        if forwarded_for is not None:
            headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
        return RequestFactory().get("/", **headers)

    return build


def test_no_proxy_ignores_forwarded_header(settings, make_request):
    settings.ORALCARE_TRUSTED_PROXY_COUNT = 0

    assert client_ip(make_request("10.0.0.5", "203.0.113.9")) == "10.0.0.5"


def test_one_proxy_takes_last_forwarded_entry(settings, make_request):
    settings.ORALCARE_TRUSTED_PROXY_COUNT = 1

    # The client claimed 198.51.100.1 itself; nginx appended the address it really saw.
    assert client_ip(make_request("172.18.0.4", "198.51.100.1, 203.0.113.9")) == "203.0.113.9"


def test_proxy_without_header_falls_back(settings, make_request):
    settings.ORALCARE_TRUSTED_PROXY_COUNT = 1

    assert client_ip(make_request("172.18.0.4")) == "172.18.0.4"


def test_invalid_forwarded_entry_falls_back(settings, make_request):
    settings.ORALCARE_TRUSTED_PROXY_COUNT = 1

    assert client_ip(make_request("172.18.0.4", "not-an-address")) == "172.18.0.4"


@pytest.mark.django_db
def test_audit_event_records_forwarded_client(settings, api, clinician, patient):
    settings.ORALCARE_TRUSTED_PROXY_COUNT = 1
    api.force_authenticate(clinician)

    response = api.get(f"/api/patients/{patient.pk}/", REMOTE_ADDR="172.18.0.4", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert response.status_code == 200
    event = AuditEvent.objects.filter(action=AuditEvent.Action.READ, patient=patient).latest("id")
    assert event.ip_address == "203.0.113.9"

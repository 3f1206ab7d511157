"""The OpenAPI schema, from which the web interface's TypeScript client is generated."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

RECORD_OPERATIONS = {
    ("/api/auth/csrf/", "get"),
    ("/api/auth/login/", "post"),
    ("/api/auth/logout/", "post"),
    ("/api/auth/me/", "get"),
    ("/api/patients/", "get"),
    ("/api/patients/", "post"),
    ("/api/patients/{id}/", "get"),
    ("/api/patients/{id}/", "patch"),
    ("/api/patients/{id}/archive/", "post"),
    ("/api/patients/{id}/unarchive/", "post"),
    ("/api/patients/{id}/cases/", "get"),
    ("/api/cases/", "get"),
    ("/api/cases/", "post"),
    ("/api/cases/{id}/", "get"),
    ("/api/cases/{id}/", "patch"),
    ("/api/cases/{case_pk}/reviews/", "get"),
    ("/api/cases/{case_pk}/reviews/", "post"),
    ("/api/reviews/{id}/", "get"),
    ("/api/reviews/{id}/", "patch"),
}


@pytest.fixture(scope="module")
def schema_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("schema") / "schema.yaml"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "oralcare.test_settings"}
    completed = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed, output


def test_schema_builds_without_warnings(schema_run):
    completed, _ = schema_run

    assert completed.returncode == 0, completed.stderr
    assert "Warning" not in completed.stderr
    assert "Error" not in completed.stderr


def test_schema_lists_records_operations(schema_run):
    _, output = schema_run
    schema = yaml.safe_load(output.read_text())

    operations = {(path, method) for path, item in schema["paths"].items() for method in item}

    assert RECORD_OPERATIONS <= operations


def test_records_operations_are_tagged(schema_run):
    _, output = schema_run
    schema = yaml.safe_load(output.read_text())

    for path, method in RECORD_OPERATIONS:
        operation = schema["paths"][path][method]
        assert operation.get("tags"), (path, method)
        assert operation["tags"][0] in {"auth", "patients", "cases", "reviews"}, (path, method)


def test_error_responses_documented(schema_run):
    _, output = schema_run
    schema = yaml.safe_load(output.read_text())

    create = schema["paths"]["/api/patients/"]["post"]["responses"]

    assert create["400"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    assert "errors" in schema["components"]["schemas"]["Error"]["properties"]


def test_no_delete_operation_on_records(schema_run):
    _, output = schema_run
    schema = yaml.safe_load(output.read_text())

    for path in ("/api/patients/{id}/", "/api/cases/{id}/", "/api/reviews/{id}/"):
        assert "delete" not in schema["paths"][path]
        assert "put" not in schema["paths"][path]

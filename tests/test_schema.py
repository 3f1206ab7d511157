"""The OpenAPI schema, from which the web interface's TypeScript client is generated."""

import os
import re
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
    ("/api/cases/{id}/reviews/", "get"),
    ("/api/cases/{id}/reviews/", "post"),
    ("/api/reviews/{id}/", "get"),
    ("/api/reviews/{id}/", "patch"),
}
PHOTO_OPERATIONS = {
    ("/api/cases/{id}/images/", "get"),
    ("/api/cases/{id}/images/", "post"),
    ("/api/images/{id}/", "get"),
    ("/api/images/{id}/file/", "get"),
    ("/api/images/{id}/thumbnail/", "get"),
    ("/api/images/{id}/exclude/", "post"),
    ("/api/images/{id}/predictions/", "get"),
    ("/api/images/{id}/predictions/", "post"),
    ("/api/images/{id}/heatmap/", "get"),
}
# Writes that a patient's archiving blocks, rejected with 409 and the code "archived".
ARCHIVED_CONFLICT_OPERATIONS = {
    ("/api/patients/{id}/", "patch"),
    ("/api/cases/", "post"),
    ("/api/cases/{id}/", "patch"),
    ("/api/cases/{id}/reviews/", "post"),
    ("/api/reviews/{id}/", "patch"),
    ("/api/cases/{id}/images/", "post"),
    ("/api/images/{id}/exclude/", "post"),
    ("/api/images/{id}/predictions/", "post"),
}
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


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


@pytest.fixture(scope="module")
def schema(schema_run):
    _, output = schema_run
    return yaml.safe_load(output.read_text())


def operations_of(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_schema_lists_records_operations(schema_run):
    _, output = schema_run
    schema = yaml.safe_load(output.read_text())

    operations = {(path, method) for path, item in schema["paths"].items() for method in item}

    assert RECORD_OPERATIONS <= operations
    assert PHOTO_OPERATIONS <= operations


def test_every_operation_has_summary_and_description(schema):
    for path, method, operation in operations_of(schema):
        assert operation.get("summary", "").strip(), (path, method)
        assert operation.get("description", "").strip(), (path, method)


def test_path_parameters_named_id(schema):
    # The segment after a collection name is always that resource's id, so every path names it {id}. The one
    # other parameter is the name of a model version's plot.
    for path in schema["paths"]:
        names = re.findall(r"{(\w+)}", path)
        assert set(names) <= {"id", "name"}, path
        assert "name" not in names or path == "/api/models/{id}/plots/{name}.png", path


def test_path_parameters_declared(schema):
    for path, method, operation in operations_of(schema):
        declared = {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "path"}
        assert set(re.findall(r"{(\w+)}", path)) <= declared, (path, method)


def test_record_and_photo_ids_described(schema):
    for path, method in RECORD_OPERATIONS | PHOTO_OPERATIONS:
        for parameter in schema["paths"][path][method].get("parameters", []):
            if parameter["in"] == "path":
                assert parameter.get("description"), (path, method, parameter["name"])


def test_upload_400_is_error_contract(schema):
    responses = schema["paths"]["/api/cases/{id}/images/"]["post"]["responses"]
    components = schema["components"]["schemas"]

    reference = responses["400"]["content"]["application/json"]["schema"]["$ref"]
    upload_error = components[reference.rsplit("/", 1)[-1]]

    assert set(components["Error"]["properties"]) <= set(upload_error["properties"])
    assert set(components["Error"]["required"]) <= set(upload_error["required"])
    assert "rejected" in upload_error["properties"]
    assert "rejected" not in upload_error["required"]
    assert responses["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/UploadResult")
    assert responses["413"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


def test_archived_conflict_documented(schema):
    for path, method in ARCHIVED_CONFLICT_OPERATIONS:
        operation = schema["paths"][path][method]
        conflict = operation["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
        assert conflict == "#/components/schemas/Error", (path, method)
        assert "archived" in operation["description"], (path, method)


def test_reclassify_documented_as_202(schema):
    responses = schema["paths"]["/api/images/{id}/predictions/"]["post"]["responses"]

    assert "202" in responses
    assert "201" not in responses


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

    for path in ("/api/patients/{id}/", "/api/cases/{id}/", "/api/reviews/{id}/", "/api/images/{id}/"):
        assert "delete" not in schema["paths"][path]
        assert "put" not in schema["paths"][path]

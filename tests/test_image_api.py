"""The photo endpoints: upload, duplicates, limits, private serving, exclusion, audit and the permission matrix."""

import csv
import hashlib
import io
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile
from django.db import connection
from django.http import HttpRequest
from django.test import override_settings
from PIL import Image as PILImage
from rest_framework.test import APIClient

from diagnosis.intake import load_rgb
from diagnosis.models import AuditEvent, Case, Image
from diagnosis.uploads import UploadSizeLimitHandler, rejected_uploads, store_upload
from tests import images
from tests.factories import CaseFactory, PatientFactory

pytestmark = pytest.mark.django_db

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INPUTS = Path(os.environ.get("ORALCARE_SAMPLE_INPUTS", REPO_ROOT.parent / "shared" / "inputs"))


def upload_file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def upload(client, case, *files):
    return client.post(f"/api/cases/{case.pk}/images/", {"image": list(files)}, format="multipart")


def stored_image(client, case, data: bytes | None = None, name: str = "photo.jpg") -> dict:
    response = upload(client, case, upload_file(name, data or images.jpeg()))
    assert response.status_code == 202, response.json()
    return response.json()["images"][0]


def served_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


def test_upload_one_photo(api_as, clinician, case):
    response = upload(api_as(clinician), case, upload_file("IMG_0001.jpg", images.sideways_phone_jpeg()))

    assert response.status_code == 202
    body = response.json()
    assert body["rejected"] == []
    assert len(body["images"]) == 1
    resource = body["images"][0]
    assert resource["duplicate"] is False
    assert resource["detected_format"] == "JPEG"
    assert resource["stored_format"] == "PNG"
    assert (resource["width"], resource["height"]) == (320, 240)
    assert resource["original_filename"] == "IMG_0001.jpg"
    assert resource["uploaded_by"] == clinician.username
    assert resource["file_url"] == f"/api/images/{resource['id']}/file/"
    assert resource["thumbnail_url"] == f"/api/images/{resource['id']}/thumbnail/"
    assert "latest_prediction" in resource


def test_stored_copy_upright_and_without_metadata(api_as, clinician, case):
    original = images.sideways_phone_jpeg()
    resource = stored_image(api_as(clinician), case, original)

    image = Image.objects.get(pk=resource["id"])
    stored = image.file.read()
    stored_image_pil = PILImage.open(io.BytesIO(stored))
    assert stored_image_pil.format == "PNG"
    assert stored_image_pil.mode == "RGB"
    assert Path(image.file.name).suffix == ".png"
    assert image.stored_sha256 == hashlib.sha256(stored).hexdigest()
    assert stored_image_pil.size == (320, 240)
    assert images.marker_is_top_left(stored_image_pil)
    assert not stored_image_pil.getexif()
    assert b"Exif" not in stored
    assert images.SERIAL_NUMBER.encode() not in stored
    assert image.upload_sha256 != image.stored_sha256
    assert len(image.upload_sha256) == 64
    assert image.upload_size == len(original)
    assert not Path(image.file.name).name.startswith("IMG")


@pytest.mark.parametrize(
    ("name", "make"), [("rotated.jpg", images.sideways_phone_jpeg), ("transparent.png", images.rgba_png)]
)
def test_stored_copy_decodes_to_original_pixels(api_as, clinician, case, name, make):
    original = make()
    resource = stored_image(api_as(clinician), case, original, name=name)

    image = Image.objects.get(pk=resource["id"])
    with image.file.open("rb") as stored:
        stored_pixels = np.asarray(load_rgb(stored))
    original_pixels = np.asarray(load_rgb(original))
    assert stored_pixels.shape == original_pixels.shape
    assert np.array_equal(stored_pixels, original_pixels)


def test_served_bytes_have_no_gps(api_as, clinician, case):
    client = api_as(clinician)
    resource = stored_image(client, case, images.sideways_phone_jpeg())

    for url in (resource["file_url"], resource["thumbnail_url"]):
        served = served_bytes(client.get(url))
        assert b"Exif" not in served
        assert images.SERIAL_NUMBER.encode() not in served
        assert not PILImage.open(io.BytesIO(served)).getexif().get_ifd(0x8825)


def test_upload_several_with_partial_failure(api_as, clinician, case):
    response = upload(
        api_as(clinician),
        case,
        upload_file("one.jpg", images.jpeg(images.photo(seed=1))),
        upload_file("report.jpg", images.PDF_BYTES),
        upload_file("two.webp", images.webp()),
    )

    assert response.status_code == 202
    body = response.json()
    assert [item["original_filename"] for item in body["images"]] == ["one.jpg", "two.webp"]
    assert len(body["rejected"]) == 1
    rejected = body["rejected"][0]
    assert rejected["filename"] == "report.jpg"
    assert rejected["code"] == "unsupported_format"
    assert "PDF" in rejected["detail"]
    assert case.images.count() == 2


def test_all_rejected_is_400(api_as, clinician, case):
    response = upload(
        api_as(clinician), case, upload_file("empty.jpg", b""), upload_file("drawing.svg", images.SVG_BYTES)
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["error_codes"]["image"] == ["empty_file", "unsupported_format"]
    assert body["errors"]["image"][0].startswith("empty.jpg: ")
    assert "SVG" in body["errors"]["image"][1]
    assert [item["filename"] for item in body["rejected"]] == ["empty.jpg", "drawing.svg"]
    assert body["request_id"]
    assert case.images.count() == 0


def test_upload_without_file_is_400(api_as, clinician, case):
    response = api_as(clinician).post(f"/api/cases/{case.pk}/images/", {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error_codes"]["image"] == ["required"]


def test_upload_json_is_415(api_as, clinician, case):
    response = api_as(clinician).post(f"/api/cases/{case.pk}/images/", {"image": "x"}, format="json")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_upload_to_closed_case_is_400(api_as, clinician, case):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)

    response = upload(api_as(clinician), case, upload_file("photo.jpg", images.jpeg()))

    assert response.status_code == 400
    assert response.json()["error_codes"]["image"] == ["case_closed"]


def test_duplicate_upload_returns_existing(api_as, clinician, case):
    client = api_as(clinician)
    data = images.jpeg()
    first = stored_image(client, case, data, "first.jpg")

    response = upload(client, case, upload_file("again.jpg", data))

    assert response.status_code == 202
    second = response.json()["images"][0]
    assert second["id"] == first["id"]
    assert second["duplicate"] is True
    assert case.images.count() == 1
    assert AuditEvent.objects.filter(action="upload", image_id=first["id"], changes={"duplicate": True}).exists()


def test_same_photo_in_other_case_is_new(api_as, clinician, case, patient):
    client = api_as(clinician)
    other_case = CaseFactory(patient=patient, clinician=clinician)
    data = images.jpeg()

    first = stored_image(client, case, data)
    second = stored_image(client, other_case, data)

    assert second["id"] != first["id"]
    assert second["duplicate"] is False


def test_quality_warnings_in_resource(api_as, clinician, case):
    resource = stored_image(api_as(clinician), case, images.dark_jpeg())

    assert [warning["code"] for warning in resource["quality_warnings"]] == ["too_dark"]
    assert resource["quality_warnings"][0]["message"]


def test_upload_requests_prediction(api_as, clinician, case):
    pytest.importorskip("diagnosis.screening")

    resource = stored_image(api_as(clinician), case)

    assert Image.objects.get(pk=resource["id"]).predictions.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_both_land(clinic, clinician):
    case = CaseFactory(patient=PatientFactory(clinic=clinic), clinician=clinician)
    uploads = {
        "left.jpg": images.jpeg(images.photo(seed=11)),
        "right.jpg": images.jpeg(images.photo(seed=12)),
        "same-a.jpg": images.jpeg(images.photo(seed=13)),
        "same-b.jpg": images.jpeg(images.photo(seed=13)),
    }
    results: dict[str, object] = {}
    start = threading.Barrier(len(uploads))

    def run(name: str, data: bytes) -> None:
        try:
            start.wait(timeout=10)
            results[name] = store_upload(case, upload_file(name, data), user=clinician)
        except Exception as error:  # Reported by the assertions below.
            results[name] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in uploads.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(result, tuple) for result in results.values()), results
    assert results["left.jpg"][1] is True
    assert results["right.jpg"][1] is True
    assert sorted([results["same-a.jpg"][1], results["same-b.jpg"][1]]) == [False, True]
    assert results["same-a.jpg"][0].pk == results["same-b.jpg"][0].pk
    assert Image.objects.filter(case=case).count() == 3


class CountingStream:
    """A wsgi.input that counts how many bytes the server read."""

    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        chunk = self.stream.readline(size)
        self.bytes_read += len(chunk)
        return chunk


@override_settings(ORALCARE_MAX_REQUEST_BYTES=1024 * 1024)
def test_oversized_request_rejected_unread(api_as, clinician, case):
    boundary = "BoUnDaRy"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="huge.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    body = head + images.jpeg() + bytes(2 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    stream = CountingStream(body)

    response = api_as(clinician).generic(
        "POST",
        f"/api/cases/{case.pk}/images/",
        b"",
        content_type=f"multipart/form-data; boundary={boundary}",
        **{"wsgi.input": stream, "CONTENT_LENGTH": str(len(body))},
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert "1.0 MB" in response.json()["detail"]
    assert stream.bytes_read == 0
    assert case.images.count() == 0


@override_settings(ORALCARE_MAX_UPLOAD_BYTES=200 * 1024)
def test_oversized_file_rejected_others_stored(api_as, clinician, case):
    large = images.encode(images.photo(800, 600), "PNG")
    assert len(large) > 200 * 1024

    response = upload(api_as(clinician), case, upload_file("large.png", large), upload_file("small.jpg", images.jpeg()))

    assert response.status_code == 202
    body = response.json()
    assert [item["original_filename"] for item in body["images"]] == ["small.jpg"]
    assert body["rejected"][0]["filename"] == "large.png"
    assert body["rejected"][0]["code"] == "file_too_large"
    assert "0.2 MB per file" in body["rejected"][0]["detail"]


@override_settings(ORALCARE_MAX_UPLOAD_BYTES=1000)
def test_size_handler_stops_passing_chunks():
    request = HttpRequest()
    handler = UploadSizeLimitHandler(request)
    handler.new_file("image", "big.jpg", "image/jpeg", None)
    passed = 0

    with pytest.raises(SkipFile):
        for start in range(0, 10_000, 400):
            passed += len(handler.receive_data_chunk(bytes(400), start))

    assert passed <= 1000
    assert rejected_uploads(request, "image")[0]["code"] == "file_too_large"


def test_file_headers(api_as, clinician, case):
    client = api_as(clinician)
    resource = stored_image(client, case, name='evil"name<script>.jpg')

    served = (
        (resource["file_url"], "image/png", ".png", "PNG"),
        (resource["thumbnail_url"], "image/jpeg", "-thumbnail.jpg", "JPEG"),
    )
    for url, content_type, filename_ending, image_format in served:
        response = client.get(url, HTTP_ACCEPT="image/avif,image/webp,*/*")
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Disposition"] == f'inline; filename="image-{resource["id"]}{filename_ending}"'
        assert PILImage.open(io.BytesIO(served_bytes(response))).format == image_format


def test_file_served_with_image_accept_header(api_as, clinician, case):
    client = api_as(clinician)
    resource = stored_image(client, case)

    response = client.get(resource["file_url"], HTTP_ACCEPT="image/jpeg")

    assert response.status_code == 200


def test_thumbnail_max_side(api_as, clinician, case):
    client = api_as(clinician)
    resource = stored_image(client, case, images.jpeg(images.photo(1200, 900)))

    thumbnail = PILImage.open(io.BytesIO(served_bytes(client.get(resource["thumbnail_url"]))))

    assert max(thumbnail.size) == 256


def test_reads_are_audited(api_as, clinician, case):
    client = api_as(clinician)
    resource = stored_image(client, case)
    assert AuditEvent.objects.filter(action="upload", image_id=resource["id"], actor=clinician).exists()

    client.get(f"/api/images/{resource['id']}/")
    served_bytes(client.get(resource["file_url"]))
    served_bytes(client.get(resource["thumbnail_url"]))
    client.get(f"/api/cases/{case.pk}/images/")

    reads = AuditEvent.objects.filter(action="read", actor=clinician)
    assert reads.filter(image_id=resource["id"], changes={}).count() == 1
    assert reads.filter(image_id=resource["id"], changes={"file": "file"}).count() == 1
    assert reads.filter(image_id=resource["id"], changes={"file": "thumbnail"}).count() == 1
    assert reads.filter(target_type="case", case=case, changes={"images": [resource["id"]]}).count() == 1


def test_exclude_hides_from_case(api_as, clinician, case):
    client = api_as(clinician)
    resource = stored_image(client, case)

    response = client.post(f"/api/images/{resource['id']}/exclude/", {"reason": "Wrong patient"}, format="json")

    assert response.status_code == 200
    assert response.json()["is_excluded"] is True
    assert response.json()["excluded_reason"] == "Wrong patient"
    assert response.json()["excluded_by"] == clinician.username
    assert client.get(f"/api/cases/{case.pk}/images/").json()["results"] == []
    listed = client.get(f"/api/cases/{case.pk}/images/?include_excluded=1").json()["results"]
    assert [item["id"] for item in listed] == [resource["id"]]
    assert client.get(resource["file_url"]).status_code == 200
    assert Image.objects.filter(pk=resource["id"]).exists()
    event = AuditEvent.objects.get(action="exclude", image_id=resource["id"])
    assert event.changes["excluded_reason"] == [None, "Wrong patient"]


def test_exclude_requires_reason(api_as, clinician, case):
    client = api_as(clinician)
    resource = stored_image(client, case)

    response = client.post(f"/api/images/{resource['id']}/exclude/", {"reason": " "}, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert Image.objects.get(pk=resource["id"]).is_excluded is False


def test_excluded_photo_can_be_uploaded_again(api_as, clinician, case):
    client = api_as(clinician)
    data = images.jpeg()
    first = stored_image(client, case, data)
    client.post(f"/api/images/{first['id']}/exclude/", {"reason": "Uploaded by mistake"}, format="json")

    again = stored_image(client, case, data)

    assert again["id"] != first["id"]
    assert again["duplicate"] is False


def test_exclude_twice_is_400(api_as, clinician, case):
    client = api_as(clinician)
    resource = stored_image(client, case)
    client.post(f"/api/images/{resource['id']}/exclude/", {"reason": "Blurred"}, format="json")

    response = client.post(f"/api/images/{resource['id']}/exclude/", {"reason": "Blurred"}, format="json")

    assert response.status_code == 400
    assert response.json()["error_codes"]["reason"] == ["already_excluded"]


# Who may do what with a photo of ``clinic``: members read, clinicians change, everyone else gets 404 or 401/403.
PERMISSION_MATRIX = [
    ("clinician", {"upload": 202, "list": 200, "detail": 200, "file": 200, "thumbnail": 200, "exclude": 200}),
    ("specialist", {"upload": 403, "list": 200, "detail": 200, "file": 200, "thumbnail": 200, "exclude": 403}),
    ("outsider", {"upload": 404, "list": 404, "detail": 404, "file": 404, "thumbnail": 404, "exclude": 404}),
    ("anonymous", {"upload": 403, "list": 403, "detail": 403, "file": 403, "thumbnail": 403, "exclude": 403}),
]


@pytest.mark.parametrize(("role", "expected"), PERMISSION_MATRIX, ids=[role for role, _ in PERMISSION_MATRIX])
def test_permission_matrix(role, expected, request, clinician, case):
    owner = APIClient()
    owner.force_authenticate(clinician)
    image_id = stored_image(owner, case)["id"]
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(request.getfixturevalue(role))

    outcomes = {
        "upload": upload(client, case, upload_file("new.jpg", images.jpeg(images.photo(seed=5)))).status_code,
        "list": client.get(f"/api/cases/{case.pk}/images/").status_code,
        "detail": client.get(f"/api/images/{image_id}/").status_code,
        "file": client.get(f"/api/images/{image_id}/file/").status_code,
        "thumbnail": client.get(f"/api/images/{image_id}/thumbnail/").status_code,
        "exclude": client.post(f"/api/images/{image_id}/exclude/", {"reason": "Test"}, format="json").status_code,
    }

    if role == "anonymous":
        expected = {action: outcomes[action] if outcomes[action] in (401, 403) else "401 or 403" for action in expected}
    assert outcomes == expected


def test_outsider_gets_no_audit_read(api_as, clinician, outsider, case):
    image_id = stored_image(api_as(clinician), case)["id"]

    api_as(outsider).get(f"/api/images/{image_id}/file/")

    assert not AuditEvent.objects.filter(action="read", actor=outsider).exists()


def test_media_folder_not_served(api_as, clinician, case):
    client = api_as(clinician)
    resource = stored_image(client, case)
    image = Image.objects.get(pk=resource["id"])
    stored = image.file.read()

    for prefix in ("/private-media-is-not-served/", "/media/", "/"):
        response = client.get(prefix + image.file.name)
        content = served_bytes(response) if response.streaming else response.content
        assert stored not in content
        assert not response.get("Content-Type", "").startswith("image/")
    assert client.get("/private-media-is-not-served/" + image.file.name).status_code == 404
    assert client.get("/media/" + image.file.name).status_code == 404


def _sample_expectations() -> list[tuple[str, str]]:
    table = SAMPLE_INPUTS / "expectations.tsv"
    if not table.is_file():
        return []
    with table.open(newline="") as handle:
        return [(row["file"], row["expectation"]) for row in csv.DictReader(handle, delimiter="\t")]


SAMPLES = _sample_expectations()


@pytest.mark.skipif(not SAMPLES, reason=f"No expectations.tsv in ORALCARE_SAMPLE_INPUTS ({SAMPLE_INPUTS}).")
@pytest.mark.parametrize(("name", "expectation"), SAMPLES, ids=[name for name, _ in SAMPLES])
def test_sample_input(name, expectation, api_as, clinician, case):
    client = api_as(clinician)
    data = (SAMPLE_INPUTS / name).read_bytes()

    response = upload(client, case, upload_file(name, data))

    outcome = "accept" if response.status_code == 202 else "reject"
    assert response.status_code in (202, 400), response.content
    assert expectation in (outcome, "accept-or-reject")
    if outcome == "reject":
        body = response.json()
        assert body["rejected"][0]["filename"] == name
        assert len(body["rejected"][0]["detail"]) > 30
        return

    resource = response.json()["images"][0]
    served = PILImage.open(io.BytesIO(served_bytes(client.get(resource["file_url"]))))
    assert served.mode == "RGB"
    assert not served.getexif()
    assert (served.width, served.height) == (resource["width"], resource["height"])
    if name.startswith("exif_orientation"):
        original = PILImage.open(SAMPLE_INPUTS / name)
        assert served.size == tuple(reversed(original.size))


def session_client(user) -> tuple[APIClient, str]:
    """Return a client signed in with a session that enforces CSRF, as the browser interface is, and its token."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    token = "a" * 32
    client.cookies["csrftoken"] = token
    return client, token


@override_settings(ORALCARE_MAX_UPLOAD_BYTES=200 * 1024)
def test_session_upload_with_csrf_applies_limits(clinician, case):
    client, token = session_client(clinician)
    large = images.encode(images.photo(800, 600), "PNG")

    response = client.post(
        f"/api/cases/{case.pk}/images/",
        {"image": [upload_file("large.png", large), upload_file("small.jpg", images.jpeg())]},
        format="multipart",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 202, response.json()
    assert [item["original_filename"] for item in response.json()["images"]] == ["small.jpg"]
    assert response.json()["rejected"][0]["code"] == "file_too_large"


@override_settings(ORALCARE_MAX_REQUEST_BYTES=1024)
def test_session_oversized_request_is_413(clinician, case):
    client, token = session_client(clinician)

    response = client.post(
        f"/api/cases/{case.pk}/images/",
        {"image": [upload_file("photo.jpg", images.jpeg())]},
        format="multipart",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=2)
def test_too_many_files_is_400(api_as, clinician, case):
    files = [upload_file(f"photo{index}.jpg", images.jpeg(images.photo(seed=index))) for index in range(3)]

    response = upload(api_as(clinician), case, *files)

    assert response.status_code == 400
    assert response.json()["error_codes"]["image"] == ["too_many_files"]
    assert "maximum is 2" in response.json()["errors"]["image"][0]


@pytest.mark.parametrize("name", sorted(images.ACCEPTED))
def test_accepted_kind_stored_as_rgb_png(name, api_as, clinician, case):
    make, detected_format = images.ACCEPTED[name]
    client = api_as(clinician)

    resource = stored_image(client, case, make(), name)

    assert resource["detected_format"] == detected_format
    served = PILImage.open(io.BytesIO(served_bytes(client.get(resource["file_url"]))))
    assert served.format == "PNG"
    assert served.mode == "RGB"
    assert served.size == (320, 240)
    assert not served.getexif()
    assert "icc_profile" not in served.info


@pytest.mark.parametrize("name", sorted(images.REJECTED))
def test_rejected_kind_is_400_with_code(name, api_as, clinician, case):
    make, code = images.REJECTED[name]

    response = upload(api_as(clinician), case, upload_file(name, make()))

    assert response.status_code == 400
    assert response.json()["error_codes"]["image"] == [code]
    assert response.json()["rejected"][0]["filename"] == name


def test_insert_race_returns_existing(monkeypatch, clinician, case):
    from diagnosis import uploads

    data = images.jpeg()
    first, created = store_upload(case, upload_file("first.jpg", data), user=clinician)
    assert created is True
    stored_names = set(default_storage.listdir("images")[1])
    real_lookup = uploads._existing_image
    lookups = []

    def miss_first_lookup(case_arg, upload_sha256):
        lookups.append(upload_sha256)
        return None if len(lookups) == 1 else real_lookup(case_arg, upload_sha256)

    monkeypatch.setattr(uploads, "_existing_image", miss_first_lookup)

    second, created = store_upload(case, upload_file("second.jpg", data), user=clinician)

    assert created is False
    assert second.pk == first.pk
    assert len(lookups) == 2
    assert set(default_storage.listdir("images")[1]) == stored_names
    assert Image.objects.filter(case=case).count() == 1


def test_malformed_multipart_is_400(api_as, clinician, case):
    response = api_as(clinician).generic(
        "POST", f"/api/cases/{case.pk}/images/", b"not multipart", content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_missing_thumbnail_is_404(api_as, clinician, case):
    client = api_as(clinician)
    resource = stored_image(client, case)
    Image.objects.filter(pk=resource["id"]).update(thumbnail="")

    response = client.get(f"/api/images/{resource['id']}/thumbnail/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"

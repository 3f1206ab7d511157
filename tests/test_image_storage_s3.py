"""
Photos stored in S3-compatible object storage: moto's server mode listens on 127.0.0.1, and django-storages talks
to it over HTTP exactly as it would to a real object store.
"""

import io
import socket
import urllib.error
import urllib.request

import boto3
import pytest
from django.conf import settings
from django.test import override_settings
from moto.server import ThreadedMotoServer
from PIL import Image as PILImage

from diagnosis.models import Image
from tests import images
from tests.test_image_api import served_bytes, upload, upload_file

pytestmark = pytest.mark.django_db

BUCKET = "oralcare-test-media"
REGION = "us-east-1"
ACCESS_KEY = "oralcare-test-key"
SECRET_KEY = "oralcare-test-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_endpoint(monkeypatch):
    # botocore must never fall back to the instance metadata address for credentials or region.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint):
    endpoint, client = s3_endpoint
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
        "staticfiles": settings.STORAGES["staticfiles"],
    }
    with override_settings(STORAGES=storages):
        yield endpoint, client


def test_upload_and_read_back_through_s3(s3_storage, api_as, clinician, case):
    endpoint, client = s3_storage
    api = api_as(clinician)

    response = upload(api, case, upload_file("IMG_0002.jpg", images.sideways_phone_jpeg()))

    assert response.status_code == 202, response.json()
    resource = response.json()["images"][0]
    image = Image.objects.get(pk=resource["id"])
    keys = {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {image.file.name, image.thumbnail.name, image.model_input.name, image.preview.name}

    stored_object = client.get_object(Bucket=BUCKET, Key=image.file.name)["Body"].read()
    served = served_bytes(api.get(resource["file_url"]))
    assert served == stored_object
    assert b"Exif" not in served
    served_photo = PILImage.open(io.BytesIO(served))
    assert served_photo.format == "PNG"
    assert images.marker_is_top_left(served_photo)
    thumbnail = PILImage.open(io.BytesIO(served_bytes(api.get(resource["thumbnail_url"]))))
    assert thumbnail.format == "JPEG"


def test_s3_objects_not_publicly_readable(s3_storage, api_as, clinician, case):
    endpoint, client = s3_storage
    resource = upload(api_as(clinician), case, upload_file("photo.jpg", images.jpeg())).json()["images"][0]
    image = Image.objects.get(pk=resource["id"])

    for key in (image.file.name, image.thumbnail.name, image.model_input.name, image.preview.name):
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{endpoint}/{BUCKET}/{key}", timeout=10)
        assert denied.value.code == 403
        grants = client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        assert all("URI" not in grant["Grantee"] for grant in grants)

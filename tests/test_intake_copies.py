"""
The small copies that the intake stores beside each photo for the worker: the model input (the photo resized as
training and evaluation resize it) and the base photo of the heat-map overlay.
"""

import io

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from diagnosis import classification, uploads
from diagnosis.models import Image, Prediction
from ml import preprocess
from tests import images
from tests.screening_data import model_version_row

pytestmark = pytest.mark.django_db


def store(case, user, name: str, data: bytes) -> Image:
    image, _created = uploads.store_upload(case, SimpleUploadedFile(name, data), user=user)
    return image


def open_stored(field_file) -> PILImage.Image:
    with field_file.open("rb") as handle:
        return PILImage.open(io.BytesIO(handle.read()))


def prediction_for(image: Image) -> Prediction:
    return Prediction.objects.filter(image=image).first() or Prediction.objects.create(image=image)


def test_upload_stores_model_input_at_default_size(case, clinician):
    image = store(case, clinician, "photo.jpg", images.jpeg(images.photo(640, 480)))

    model_input = open_stored(image.model_input)
    assert model_input.format == "PNG"
    assert model_input.size == (uploads.DEFAULT_MODEL_INPUT_SIZE, uploads.DEFAULT_MODEL_INPUT_SIZE)


def test_model_input_follows_active_model_size(case, clinician):
    model_version_row()  # active, image size 32

    image = store(case, clinician, "photo.jpg", images.jpeg(images.photo(640, 480)))

    assert open_stored(image.model_input).size == (32, 32)


@pytest.mark.parametrize(
    ("name", "data"),
    [("sideways.jpg", images.sideways_phone_jpeg()), ("transparent.png", images.rgba_png())],
)
def test_model_input_equals_resized_stored_photo(case, clinician, name, data):
    image = store(case, clinician, name, data)

    with image.file.open("rb") as handle:
        expected = preprocess.to_model_array(preprocess.read_photo(handle), uploads.DEFAULT_MODEL_INPUT_SIZE)
    actual = np.asarray(open_stored(image.model_input).convert("RGB"))
    assert np.array_equal(actual, expected)


def test_preview_is_jpeg_at_most_overlay_side(case, clinician):
    image = store(case, clinician, "large.jpg", images.jpeg(images.photo(1600, 1200)))

    preview = open_stored(image.preview)
    assert preview.format == "JPEG"
    assert preview.size == (preprocess.OVERLAY_MAX_SIDE, 384)


def test_worker_reads_copies_not_full_photo(case, clinician, monkeypatch):
    image = store(case, clinician, "photo.jpg", images.jpeg(images.photo(640, 480)))
    monkeypatch.setattr(classification, "read_photo", lambda prediction: pytest.fail("decoded the full photo"))

    model_input, overlay_base = classification.read_inputs(prediction_for(image), image_size=224)

    assert model_input.size == (224, 224)
    assert overlay_base.size == (512, 384)


def test_worker_falls_back_for_other_input_size(case, clinician):
    image = store(case, clinician, "photo.jpg", images.jpeg(images.photo(640, 480)))

    model_input, overlay_base = classification.read_inputs(prediction_for(image), image_size=160)

    assert model_input.size == (640, 480)
    assert overlay_base.size == (512, 384)


def test_worker_falls_back_when_copy_missing(case, clinician):
    image = store(case, clinician, "photo.jpg", images.jpeg(images.photo(640, 480)))
    default_storage.delete(image.model_input.name)
    default_storage.delete(image.preview.name)

    model_input, overlay_base = classification.read_inputs(prediction_for(image), image_size=224)

    assert model_input.size == (640, 480)
    assert overlay_base.size == (640, 480)


def test_failed_save_removes_copies(case, clinician, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(uploads.audit, "record", fail)
    before = set(_stored_names())

    with pytest.raises(RuntimeError):
        store(case, clinician, "photo.jpg", images.jpeg())

    assert set(_stored_names()) == before


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "data"),
    [("sideways.jpg", images.sideways_phone_jpeg()), ("transparent.png", images.rgba_png())],
)
def test_copy_gives_full_photo_probability(case, clinician, tiny_active_model, name, data):
    from ml.inference import load_classifier

    image = store(case, clinician, name, data)
    classifier = load_classifier(tiny_active_model)

    model_input, _overlay_base = classification.read_inputs(prediction_for(image), image_size=classifier.image_size)
    from_copy = classifier.predict(model_input)
    from_upload = classifier.predict(preprocess.read_photo(io.BytesIO(data)))

    assert model_input.size == (classifier.image_size, classifier.image_size)
    assert from_copy.raw_probability == from_upload.raw_probability
    assert from_copy.probability == from_upload.probability


def _stored_names() -> list[str]:
    names = []
    for folder in ("images", "thumbnails", "model-inputs", "previews"):
        if default_storage.exists(folder):
            names.extend(f"{folder}/{name}" for name in default_storage.listdir(folder)[1])
    return names

import os
import subprocess
import sys
from pathlib import Path

import pytest

from diagnosis.models import AuditEvent
from ml import inference, services
from ml.models import ModelVersion
from ml.testing import make_photo, make_tiny_model_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_classifier_cache():
    inference.clear_cache()
    yield
    inference.clear_cache()


def test_no_active_model_returns_none():
    assert inference.get_classifier() is None


def test_tiny_model_separates_generated_photos(tmp_path):
    make_tiny_model_version(tmp_path / "tiny")
    classifier = inference.get_classifier()

    cancer = classifier.predict(make_photo("cancer", seed=901))
    benign = classifier.predict(make_photo("non_cancer", seed=902))

    assert cancer.probability > benign.probability
    assert cancer.label == "high_risk"
    assert benign.label == "low_risk"
    assert 0.0 <= benign.raw_probability <= 1.0
    assert cancer.threshold == classifier.version.threshold
    assert cancer.inference_ms >= 0


def test_predict_batch_matches_single_predictions(tmp_path):
    make_tiny_model_version(tmp_path / "tiny")
    classifier = inference.get_classifier()
    photos = [make_photo("cancer", seed=11), make_photo("non_cancer", seed=12, size=80)]

    batch = classifier.predict_batch(photos)
    singles = [classifier.predict(photo) for photo in photos]

    for together, alone in zip(batch, singles, strict=True):
        assert together.probability == pytest.approx(alone.probability, abs=1e-6)


def test_classifier_is_cached_until_active_version_changes(tmp_path):
    first = make_tiny_model_version(tmp_path / "first")
    loaded = inference.get_classifier()
    assert inference.get_classifier() is loaded
    assert loaded.version.pk == first.pk

    second = make_tiny_model_version(tmp_path / "second")
    reloaded = inference.get_classifier()

    assert reloaded is not loaded
    assert reloaded.version.pk == second.pk


def test_activate_retires_previous_and_audits(tmp_path):
    first = make_tiny_model_version(tmp_path / "first")
    second = make_tiny_model_version(tmp_path / "second", activate=False)

    services.activate(second, via="command")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ModelVersion.Status.RETIRED
    assert second.status == ModelVersion.Status.ACTIVE
    assert ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).count() == 1
    event = AuditEvent.objects.filter(action="activate_model").first()
    assert event.target_id == str(second.pk)
    assert event.changes["retired"] == [first.name]


def test_heatmap_is_rgb_and_input_sized(tmp_path):
    make_tiny_model_version(tmp_path / "tiny")
    classifier = inference.get_classifier()
    photo = make_photo("cancer", size=96, seed=5)

    overlay = classifier.heatmap(photo)

    assert overlay.mode == "RGB"
    assert overlay.size == photo.size


def test_heatmap_of_large_photo_is_at_most_512(tmp_path):
    make_tiny_model_version(tmp_path / "tiny")
    classifier = inference.get_classifier()

    overlay = classifier.heatmap(make_photo("cancer", size=700, seed=6))

    assert max(overlay.size) == 512


def test_web_modules_do_not_import_tensorflow():
    code = (
        "import django, sys; django.setup(); "
        "import ml.inference, ml.services, ml.api.urls, ml.admin, ml.calibration, ml.preprocess; "
        "print('tensorflow' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "oralcare.test_settings"},
        cwd=Path(__file__).resolve().parent.parent,
    )

    assert result.stdout.strip() == "False"

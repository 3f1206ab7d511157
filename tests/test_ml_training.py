import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from diagnosis.models import AuditEvent
from ml import dataset, inference, preprocess
from ml.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db

PHOTO_SIDE = 80
TINY_OPTIONS = [
    "--architecture",
    "tiny",
    "--image-size",
    "32",
    "--head-epochs",
    "3",
    "--fine-tune-epochs",
    "2",
    "--unfreeze-layers",
    "2",
    "--batch-size",
    "8",
    "--seed",
    "3",
]


def _photo(kind: str, seed: int, *, side: int = PHOTO_SIDE) -> Image.Image:
    """Return a reddish (cancer) or greyish-blue photo with a seeded pattern, so each picture has its own hash."""
    rng = np.random.default_rng(seed)
    centre = np.array((200, 45, 45) if kind == "cancer" else (120, 125, 150), dtype=float)
    pattern = rng.normal(0, 40, size=(6, 6, 3))
    pattern = np.asarray(Image.fromarray(np.uint8(np.clip(pattern + 128, 0, 255))).resize((side, side)), float) - 128
    return Image.fromarray(np.uint8(np.clip(centre + pattern * 0.6, 0, 255)), mode="RGB")


def _exif_rotated_jpeg(path: Path, image: Image.Image) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(path, format="JPEG", quality=95, exif=exif)


def _rgba_png(path: Path, image: Image.Image) -> None:
    rgba = image.convert("RGBA")
    alpha = np.full((image.height, image.width), 255, dtype=np.uint8)
    alpha[:, : image.width // 4] = 0
    rgba.putalpha(Image.fromarray(alpha))
    rgba.save(path, format="PNG")


@pytest.fixture
def photo_folder(tmp_path):
    """Cancer/ and Benign/ folders of generated photos with duplicates, odd formats and one unreadable file."""
    root = tmp_path / "photos"
    for kind, folder, offset in (("cancer", "Cancer", 0), ("non_cancer", "Benign", 1000)):
        (root / folder).mkdir(parents=True)
        for index in range(24):
            _photo(kind, offset + index).save(root / folder / f"{folder.lower()}_{index:02d}.png")

    cancer = root / "Cancer"
    (cancer / "copy_of_00.png").write_bytes((cancer / "cancer_00.png").read_bytes())
    _photo("cancer", 1).resize((120, 120)).save(cancer / "resized_01.jpg", quality=95)
    _exif_rotated_jpeg(cancer / "rotated.jpg", _photo("cancer", 500))
    _rgba_png(root / "Benign" / "transparent.png", _photo("non_cancer", 1500))
    (cancer / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    return root


def _train(photo_folder: Path, output: Path, *extra: str) -> str:
    stdout = io.StringIO()
    call_command(
        "train_model",
        "--data",
        str(photo_folder),
        "--class-map",
        "Cancer/Benign",
        "--output",
        str(output),
        *TINY_OPTIONS,
        *extra,
        stdout=stdout,
        skip_checks=True,
    )
    return stdout.getvalue()


def test_train_evaluate_activate_cycle(photo_folder, tmp_path):
    output = tmp_path / "version"
    log = _train(photo_folder, output, "--activate")

    version = ModelVersion.objects.get()
    assert version.status == ModelVersion.Status.ACTIVE
    assert version.class_names == ["Benign", "Cancer"]
    assert version.uncertain_low <= version.threshold <= version.uncertain_high
    assert AuditEvent.objects.filter(action="activate_model", target_id=str(version.pk)).exists()

    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert len(run.history) == 5
    assert {"loss", "val_loss", "val_auc", "phase"} <= set(run.history[0])
    assert "broken.jpg" in log

    for name in (
        "final_mobilenet_model.keras",
        "model.tflite",
        "model_card.json",
        "split_manifest.json",
        "training_history.png",
        "roc_curve.png",
        "confusion_matrix.png",
        "reliability_diagram.png",
    ):
        assert (output / name).is_file(), name
    card = json.loads((output / "model_card.json").read_text())
    assert card["positive_class"] == "Cancer"
    assert card["parameters"]["head_epochs"] == 3
    assert card["data"]["images"] == 52
    assert card["data"]["skipped"][0]["file"].endswith("broken.jpg")
    assert set(card["calibration"]["expected_calibration_error"]["test"]) == {"before", "after"}
    assert set(card["metrics"]["test"]["confidence_intervals"]) == {
        "roc_auc",
        "sensitivity",
        "specificity",
        "expected_calibration_error",
    }
    assert card["runtime"]["matches"] is True
    assert card["runtime"]["served"] in {"tflite", "onnx"}
    assert set(card["runtime"]["candidates"]) == {"tflite", "onnx"}
    assert (output / "model.onnx").is_file()
    assert card["software"]["keras"]

    stdout = io.StringIO()
    call_command(
        "evaluate_model",
        "--data",
        str(photo_folder),
        "--class-map",
        "Cancer/Benign",
        "--json",
        "--bootstrap",
        "50",
        stdout=stdout,
        skip_checks=True,
    )
    report = json.loads(stdout.getvalue())
    for key in (
        "accuracy",
        "roc_auc",
        "sensitivity",
        "specificity",
        "ppv",
        "npv",
        "f1",
        "brier_score",
        "expected_calibration_error",
        "confusion_matrix",
        "counts_per_class",
        "confidence_intervals",
    ):
        assert key in report, key
    assert report["counts_per_class"] == {"Benign": 25, "Cancer": 27}
    assert report["roc_auc"] > 0.9
    assert len(report["skipped"]) == 1

    # The worker's path: the shared decoder, then the active classifier.
    inference.clear_cache()
    classifier = inference.get_classifier()
    evaluated = {Path(row["file"]).name: row["probability"] for row in report["predictions"]}
    assert classifier.runtime == card["runtime"]["served"]
    for name in ("Cancer/rotated.jpg", "Benign/transparent.png", "Cancer/cancer_05.png"):
        served = classifier.predict(preprocess.read_photo(photo_folder / name))
        assert served.probability == pytest.approx(evaluated[Path(name).name], abs=1e-6), name

    # Every runtime gives the Keras reference's probabilities within the tolerance.
    reference = inference.load_classifier(version, runtime="keras")
    for runtime in ("tflite", "onnx"):
        other = inference.load_classifier(version, runtime=runtime)
        photo = preprocess.read_photo(photo_folder / "Cancer" / "rotated.jpg")
        assert other.predict(photo).raw_probability == pytest.approx(
            reference.predict(photo).raw_probability, abs=1e-3
        ), runtime


def test_classify_prints_probability_label_version(photo_folder, tmp_path):
    _train(photo_folder, tmp_path / "version", "--activate", "--no-tflite")
    version = ModelVersion.objects.get()

    stdout = io.StringIO()
    call_command("classify", str(photo_folder / "Cancer" / "rotated.jpg"), stdout=stdout, skip_checks=True)

    path, probability, label, name = stdout.getvalue().strip().split("\t")[:4]
    assert path.endswith("rotated.jpg")
    assert 0.0 <= float(probability) <= 1.0
    assert label in {"high_risk", "uncertain", "low_risk"}
    assert name == version.name


def test_classify_reports_unreadable_file(photo_folder, tmp_path):
    _train(photo_folder, tmp_path / "version", "--activate", "--no-tflite")
    stderr = io.StringIO()

    with pytest.raises(CommandError, match="1 of 1"):
        call_command("classify", str(photo_folder / "Cancer" / "broken.jpg"), stderr=stderr, skip_checks=True)

    assert "broken.jpg\terror" in stderr.getvalue()


def test_activate_model_command(photo_folder, tmp_path):
    _train(photo_folder, tmp_path / "first", "--no-tflite", "--name", "first")
    _train(photo_folder, tmp_path / "second", "--no-tflite", "--name", "second", "--activate")

    call_command("activate_model", "first", stdout=io.StringIO(), skip_checks=True)

    assert ModelVersion.objects.get(name="first").status == ModelVersion.Status.ACTIVE
    assert ModelVersion.objects.get(name="second").status == ModelVersion.Status.RETIRED
    with pytest.raises(CommandError, match="not found"):
        call_command("activate_model", "no-such-version", skip_checks=True)


def test_positive_class_is_cancer_whatever_folder_order(tmp_path):
    # "Aaa_cancer" sorts before "Zzz_other": the output must still be P(cancer).
    root = tmp_path / "photos"
    for kind, folder, offset in (("cancer", "Aaa_cancer", 0), ("non_cancer", "Zzz_other", 1000)):
        (root / folder).mkdir(parents=True)
        for index in range(20):
            _photo(kind, offset + index).save(root / folder / f"{index}.png")
    call_command(
        "train_model",
        "--data",
        str(root),
        "--class-map",
        "Aaa_cancer/Zzz_other",
        "--no-tflite",
        "--output",
        str(tmp_path / "version"),
        "--activate",
        *TINY_OPTIONS,
        stdout=io.StringIO(),
        skip_checks=True,
    )

    classifier = inference.load_classifier(ModelVersion.objects.get())
    cancer = classifier.predict(_photo("cancer", 9001)).raw_probability
    benign = classifier.predict(_photo("non_cancer", 9002)).raw_probability

    assert classifier.version.class_names == ["Zzz_other", "Aaa_cancer"]
    assert cancer > benign


def test_duplicates_never_cross_splits(photo_folder):
    photo_set = dataset.read_photos(photo_folder, image_size=32, positive="Cancer", negative="Benign")
    groups = dataset.group_duplicates(photo_set.photos)
    by_name = {photo.path.name: photo for photo in photo_set.photos}

    assert groups == len(photo_set.photos) - 2
    assert by_name["copy_of_00.png"].group == by_name["cancer_00.png"].group
    assert by_name["resized_01.jpg"].group == by_name["cancer_01.png"].group
    assert by_name["cancer_02.png"].group != by_name["cancer_03.png"].group
    for seed in range(20):
        dataset.assign_splits(photo_set.photos, validation=0.2, test=0.2, seed=seed)
        assert by_name["copy_of_00.png"].split == by_name["cancer_00.png"].split
        assert by_name["resized_01.jpg"].split == by_name["cancer_01.png"].split


def test_split_is_stratified_and_seeded(photo_folder):
    photo_set = dataset.read_photos(photo_folder, image_size=32, positive="Cancer", negative="Benign")
    dataset.group_duplicates(photo_set.photos)

    dataset.assign_splits(photo_set.photos, validation=0.25, test=0.25, seed=7)
    first = [photo.split for photo in photo_set.photos]
    dataset.assign_splits(photo_set.photos, validation=0.25, test=0.25, seed=7)
    second = [photo.split for photo in photo_set.photos]

    assert first == second
    for split in dataset.SPLITS:
        chosen = dataset.select(photo_set.photos, split)
        assert any(photo.label == 1 for photo in chosen), split
        assert any(photo.label == 0 for photo in chosen), split


def test_unreadable_file_is_skipped_and_listed(photo_folder):
    photo_set = dataset.read_photos(photo_folder, image_size=32, positive="Cancer", negative="Benign")

    assert len(photo_set.skipped) == 1
    assert photo_set.skipped[0]["file"].endswith("broken.jpg")
    assert photo_set.skipped[0]["reason"]
    assert all(photo.path.name != "broken.jpg" for photo in photo_set.photos)


def test_missing_class_folder_is_explained(photo_folder, tmp_path):
    with pytest.raises(CommandError, match="--class-map"):
        _train(photo_folder, tmp_path / "version", "--class-map", "Malignant/Benign")


def test_missing_weights_file_error(photo_folder, tmp_path):
    missing = tmp_path / "nowhere.h5"

    with pytest.raises(CommandError) as error:
        call_command(
            "train_model",
            "--data",
            str(photo_folder),
            "--class-map",
            "Cancer/Benign",
            "--weights",
            str(missing),
            stdout=io.StringIO(),
            skip_checks=True,
        )

    message = str(error.value)
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5" in message
    assert str(missing) in message
    assert "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/" in message
    assert "~/.keras/models/" in message
    assert TrainingRun.objects.get().status == TrainingRun.Status.FAILED


def test_wrong_weights_file_error(tmp_path, settings):
    from ml import modeling

    wrong = tmp_path / modeling.IMAGENET_WEIGHTS_FILE
    wrong.write_bytes(b"not the weights")
    settings.ORALCARE_IMAGENET_WEIGHTS = str(wrong)

    with pytest.raises(modeling.WeightsError) as error:
        modeling.imagenet_weights_path()

    assert "sha256" in str(error.value)
    assert modeling.IMAGENET_WEIGHTS_SHA256 in str(error.value)
    assert str(wrong) in str(error.value)

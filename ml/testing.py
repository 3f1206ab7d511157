"""
A tiny real Keras model version with the saved model's input/output contract, for tests of the worker and the API.
Imports TensorFlow when called.
"""

from pathlib import Path

import numpy as np
from PIL import Image

from ml import artifacts, calibration
from ml.models import ModelVersion

CLASS_NAMES = ["non_cancer", "cancer"]


def make_photo(kind: str, *, size: int = 32, seed: int = 0) -> Image.Image:
    """Return a generated photo: "cancer" photos are reddish, "non_cancer" photos are greyish blue."""
    rng = np.random.default_rng(seed)
    centre = (200, 45, 45) if kind == "cancer" else (120, 125, 150)
    shift = rng.integers(-25, 26, size=3)
    noise = rng.normal(0, 12, size=(size, size, 3))
    pixels = np.clip(np.array(centre) + shift + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, mode="RGB")


def make_tiny_model_version(
    directory: str | Path, *, image_size: int = 32, activate: bool = True, name: str | None = None
) -> ModelVersion:
    """Train a small convolutional classifier for a few steps on generated photos, save it and create its row."""
    import keras

    from ml import modeling, services

    keras.utils.set_random_seed(7)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)

    pixels, labels = _generated_set(image_size, count=48, seed=1)
    model = modeling.build_classifier(
        modeling.tiny_base(image_size), image_size=image_size, augmentation=modeling.NO_AUGMENTATION, dense_units=16
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    model.fit(pixels, labels, epochs=8, batch_size=16, verbose=0)
    model.save(folder / artifacts.KERAS_FILE)

    validation, validation_labels = _generated_set(image_size, count=32, seed=2)
    raw = np.asarray(model(validation, training=False)).reshape(-1)
    fitted = calibration.fit_temperature(raw, validation_labels)
    point = calibration.choose_operating_point(
        calibration.apply_calibration(raw, fitted), validation_labels, target_sensitivity=0.95, band_width=0.5
    )
    card = {"class_names": CLASS_NAMES, "architecture": "tiny", "image_size": image_size, "calibration": fitted}
    artifacts.write_json(folder / artifacts.MODEL_CARD_FILE, card)

    version = artifacts.create_version(
        name=name or f"tiny-{ModelVersion.objects.count() + 1}-{folder.name}",
        directory=folder,
        class_names=CLASS_NAMES,
        image_size=image_size,
        operating_point=point,
        calibration=fitted,
        metrics={"runtime": {"served": "keras"}},
    )
    if activate:
        version = services.activate(version, via="command")
    return version


def _generated_set(image_size: int, *, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    kinds = ["cancer" if index % 2 == 0 else "non_cancer" for index in range(count)]
    images = [make_photo(kind, size=image_size, seed=seed * 1000 + index) for index, kind in enumerate(kinds)]
    pixels = np.stack([np.asarray(image, dtype=np.float32) for image in images])
    labels = np.array([1.0 if kind == "cancer" else 0.0 for kind in kinds], dtype=np.float32)
    return pixels, labels

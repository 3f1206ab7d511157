"""
Model builders: the MobileNetV2 classifier and the small network that tests use. Imports TensorFlow; only the ml
commands, the worker and tests load it.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
from django.conf import settings

IMAGENET_WEIGHTS_FILE = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5"
IMAGENET_WEIGHTS_SHA256 = "3e195a2857356cfc092cbbb460beb2a5bce279015d7792598b8d3d9e451902e3"
IMAGENET_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/" + IMAGENET_WEIGHTS_FILE
)
ARCHITECTURES = ("mobilenet_v2", "tiny")


class WeightsError(RuntimeError):
    """The ImageNet weights file is missing or is not the expected file."""


@dataclass(frozen=True)
class Augmentation:
    """Random transforms applied in training only; each range is the Keras layer's factor."""

    flip: bool = True
    rotation: float = 0.1
    zoom: float = 0.2
    translation: float = 0.1
    brightness: float = 0.2
    contrast: float = 0.2


NO_AUGMENTATION = Augmentation(flip=False, rotation=0, zoom=0, translation=0, brightness=0, contrast=0)


def imagenet_weights_path(explicit: str | Path | None = None) -> Path | None:
    """
    Return the local with-top weights file to use, or None to let Keras download it.

    Looks at ``explicit`` (a command option), then ORALCARE_IMAGENET_WEIGHTS, then Keras' cache ~/.keras/models/.
    """
    configured = explicit or settings.ORALCARE_IMAGENET_WEIGHTS
    if configured:
        path = Path(configured).expanduser()
        check_weights_file(path)
        return path

    cached = keras_cache_dir() / IMAGENET_WEIGHTS_FILE
    if cached.is_file():
        check_weights_file(cached)
        return cached
    return None


def keras_cache_dir() -> Path:
    """Return the folder where Keras keeps downloaded weights: $KERAS_HOME/models, by default ~/.keras/models."""
    return Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser() / "models"


def check_weights_file(path: Path) -> None:
    """Raise WeightsError unless ``path`` is the known MobileNetV2 1.0/224 with-top weights file."""
    how_to_get = (
        f"Download it from {IMAGENET_WEIGHTS_URL} (the file Keras downloads for weights='imagenet') and set "
        f"ORALCARE_IMAGENET_WEIGHTS to its path, or copy it into ~/.keras/models/."
    )
    if not path.is_file():
        raise WeightsError(f"The ImageNet weights file {IMAGENET_WEIGHTS_FILE} was not found at {path}. {how_to_get}")

    digest = file_sha256(path)
    if digest != IMAGENET_WEIGHTS_SHA256:
        raise WeightsError(
            f"The file at {path} is not {IMAGENET_WEIGHTS_FILE}: its sha256 is {digest}, expected "
            f"{IMAGENET_WEIGHTS_SHA256}. {how_to_get}"
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def mobilenet_v2_base(image_size: int, *, weights_path: Path | None) -> keras.Model:
    """
    Return MobileNetV2 (alpha 1.0) without its classifier, ending at the ``out_relu`` feature map.

    The with-top model is built and cut, because the local file contains the with-top weights and does not load into
    an include_top=False model. With no local file, Keras downloads the same file (weights="imagenet").
    """
    weights = str(weights_path) if weights_path is not None else "imagenet"
    full = keras.applications.MobileNetV2(input_shape=(224, 224, 3), alpha=1.0, include_top=True, weights=weights)
    if image_size == 224:
        return keras.Model(full.input, full.get_layer("out_relu").output, name="mobilenetv2_base")

    # The with-top model only exists at 224 x 224; other sizes copy its convolution weights by layer name.
    base = keras.applications.MobileNetV2(
        input_shape=(image_size, image_size, 3), alpha=1.0, include_top=False, weights=None
    )
    for layer in base.layers:
        if layer.weights:
            layer.set_weights(full.get_layer(layer.name).get_weights())
    return keras.Model(base.input, base.get_layer("out_relu").output, name="mobilenetv2_base")


def tiny_base(image_size: int) -> keras.Model:
    """Return a two-convolution feature extractor with the same interface as the MobileNetV2 base (tests only)."""
    inputs = keras.Input((image_size, image_size, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="tiny_conv1")(inputs)
    x = keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", name="out_relu")(x)
    return keras.Model(inputs, x, name="tiny_base")


def augmentation_block(augmentation: Augmentation, *, seed: int) -> keras.Sequential:
    """Return the training-only augmentation layers; at inference every one of them passes pixels through."""
    layers: list[Any] = []
    if augmentation.flip:
        layers.append(keras.layers.RandomFlip("horizontal_and_vertical", seed=seed))
    if augmentation.rotation:
        layers.append(keras.layers.RandomRotation(augmentation.rotation, fill_mode="reflect", seed=seed + 1))
    if augmentation.zoom:
        layers.append(keras.layers.RandomZoom(augmentation.zoom, fill_mode="reflect", seed=seed + 2))
    if augmentation.translation:
        layers.append(
            keras.layers.RandomTranslation(
                augmentation.translation, augmentation.translation, fill_mode="reflect", seed=seed + 3
            )
        )
    if augmentation.brightness:
        layers.append(keras.layers.RandomBrightness(augmentation.brightness, value_range=(0, 255), seed=seed + 4))
    if augmentation.contrast:
        layers.append(keras.layers.RandomContrast(augmentation.contrast, value_range=(0, 255), seed=seed + 5))
    return keras.Sequential(layers, name="augmentation")


def build_classifier(
    base: keras.Model,
    *,
    image_size: int,
    augmentation: Augmentation,
    dense_units: int = 128,
    dropout: float = 0.3,
    seed: int = 42,
) -> keras.Model:
    """
    Return the classifier: pixels 0-255 -> augmentation (training only) -> MobileNetV2 scaling -> base -> GAP ->
    Dense(relu) -> Dropout -> Dense(1, sigmoid) = P(cancer).
    """
    inputs = keras.Input((image_size, image_size, 3), name="pixels")
    x = inputs
    augment = augmentation_block(augmentation, seed=seed)
    if augment.layers:
        x = augment(x)
    # MobileNetV2's own preprocessing, x / 127.5 - 1, as a built-in layer that loads in Keras' safe mode.
    x = keras.layers.Rescaling(1.0 / 127.5, offset=-1.0, name="mobilenet_v2_scaling")(x)
    x = base(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = keras.layers.Dropout(dropout, seed=seed, name="dropout")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="p_cancer")(x)
    return keras.Model(inputs, outputs, name="oral_cancer_classifier")


def build_base(architecture: str, image_size: int, *, weights_path: Path | None) -> keras.Model:
    if architecture == "mobilenet_v2":
        return mobilenet_v2_base(image_size, weights_path=weights_path)
    if architecture == "tiny":
        return tiny_base(image_size)
    raise ValueError(f"Unknown architecture {architecture!r}; expected one of {', '.join(ARCHITECTURES)}.")


def set_trainable_top(base: keras.Model, unfreeze: int) -> int:
    """
    Freeze the base except its last ``unfreeze`` layers; batch normalisation layers stay frozen so their
    ImageNet statistics are kept. Return the number of layers made trainable.
    """
    base.trainable = True
    layers = base.layers
    first = max(0, len(layers) - unfreeze)
    count = 0
    for index, layer in enumerate(layers):
        trainable = index >= first and not isinstance(layer, keras.layers.BatchNormalization)
        layer.trainable = trainable
        count += int(trainable and bool(layer.weights))
    return count

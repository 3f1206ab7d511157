"""
Grad-CAM heat maps (Selvaraju et al., 2017) on the saved Keras model. Loaded by the worker only: imports TensorFlow.
"""

import weakref
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from matplotlib import colormaps
from PIL import Image

from ml import preprocess

# Share of the overlay taken by the heat map where the map is strongest.
OPACITY = 0.45


def class_activation_map(model: Any, batch: np.ndarray) -> np.ndarray:
    """
    Return the Grad-CAM map (H', W') in [0, 1] of P(cancer) for one float32 image of shape (1, S, S, 3).

    The model must be a chain of layers. The map is taken at the output of the last layer that returns a 4-D
    feature map: the MobileNetV2 base, or the last convolution of a small model.
    """
    compute = _compiled.get(model)
    if compute is None:
        compute = _compiled[model] = _grad_cam_function(model)

    heat = compute(tf.convert_to_tensor(batch, dtype=tf.float32))[0].numpy()
    peak = float(heat.max())
    return heat / peak if peak > 0 else heat


# One traced graph per loaded model: eager layer-by-layer execution is several times slower.
_compiled: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


def _grad_cam_function(model: Any) -> Any:
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    feature_index = max(index for index, layer in enumerate(layers) if len(layer.output.shape) == 4)

    @tf.function(reduce_retracing=True)
    def compute(pixels: tf.Tensor) -> tf.Tensor:
        features = pixels
        for layer in layers[: feature_index + 1]:
            features = layer(features, training=False)

        with tf.GradientTape() as tape:
            tape.watch(features)
            output = features
            for layer in layers[feature_index + 1 :]:
                output = layer(output, training=False)
            score = tf.reduce_sum(output)
        gradients = tape.gradient(score, features)

        weights = tf.reduce_mean(gradients, axis=(1, 2))
        return tf.nn.relu(tf.reduce_sum(features * weights[:, tf.newaxis, tf.newaxis, :], axis=-1))

    return compute


def overlay(model: Any, image: Image.Image, *, image_size: int, model_input: Image.Image | None = None) -> Image.Image:
    """
    Return the photo with its Grad-CAM map drawn over it, RGB, at most preprocess.OVERLAY_MAX_SIDE pixels on the
    long side.

    The map is computed on ``model_input`` when given (the exact pixels the classifier saw), else on ``image``
    resized to the model's input size.
    """
    image = preprocess.to_overlay_base(image)

    batch = preprocess.to_model_batch([model_input if model_input is not None else image], image_size)
    heat = class_activation_map(model, batch)

    heat_image = Image.fromarray(np.uint8(heat * 255)).resize(image.size, Image.Resampling.BILINEAR)
    heat_values = np.asarray(heat_image, dtype=np.float32) / 255.0
    colours = colormaps["jet"](heat_values)[..., :3]
    alpha = (OPACITY * heat_values)[..., np.newaxis]
    photo = np.asarray(image, dtype=np.float32) / 255.0
    blended = (1 - alpha) * photo + alpha * colours
    return Image.fromarray(np.uint8(np.clip(blended, 0, 1) * 255), mode="RGB")

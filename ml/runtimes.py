"""
TensorFlow Lite conversion of a trained model and its agreement check against Keras. Imports TensorFlow.
"""

from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from ml import inference


def convert_to_tflite(model: Any, path: Path, *, image_size: int) -> Path:
    """Convert the model's inference graph (augmentation off) to a float32 TFLite file with batch size 1."""

    @tf.function(input_signature=[tf.TensorSpec((1, image_size, image_size, 3), tf.float32, name="pixels")])
    def serve(pixels: tf.Tensor) -> tf.Tensor:
        return model(pixels, training=False)

    converter = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()], model)
    path.write_bytes(converter.convert())
    return path


def compare_with_keras(model: Any, tflite_path: Path, batch: np.ndarray) -> dict[str, Any]:
    """Return the largest absolute difference between Keras and TFLite probabilities on ``batch``."""
    keras_p = predict_in_chunks(model, batch)
    interpreter = inference.load_interpreter(tflite_path)
    tflite_p = inference.run_interpreter(interpreter, batch)
    difference = float(np.max(np.abs(keras_p - tflite_p))) if len(batch) else 0.0
    return {
        "images": int(len(batch)),
        "max_abs_difference": difference,
        "tolerance": inference.RUNTIME_TOLERANCE,
        "matches": bool(difference <= inference.RUNTIME_TOLERANCE),
    }


def predict_in_chunks(model: Any, batch: np.ndarray, *, chunk: int = 32) -> np.ndarray:
    """Return Keras probabilities for a large uint8 or float batch, ``chunk`` images at a time."""
    outputs = [
        inference.keras_probabilities(model, batch[start : start + chunk].astype(np.float32))
        for start in range(0, len(batch), chunk)
    ]
    return np.concatenate(outputs) if outputs else np.empty(0)

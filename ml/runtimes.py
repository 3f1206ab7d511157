"""
TensorFlow Lite and ONNX conversion of a trained model, the agreement check against Keras and the choice of the
served runtime. Imports TensorFlow.
"""

import statistics
import time
from collections.abc import Callable
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


def convert_to_onnx(model: Any, path: Path, *, image_size: int) -> Path:
    """Convert the model's inference graph to an ONNX file with a variable batch size."""
    import tf2onnx

    signature = (tf.TensorSpec((None, image_size, image_size, 3), tf.float32, name="pixels"),)

    @tf.function(input_signature=signature)
    def serve(pixels: tf.Tensor) -> tf.Tensor:
        return model(pixels, training=False)

    tf2onnx.convert.from_function(serve, input_signature=signature, opset=17, output_path=str(path))
    return path


def compare_with_keras(model: Any, tflite_path: Path, batch: np.ndarray) -> dict[str, Any]:
    """Return the largest absolute difference between Keras and TFLite probabilities on ``batch``."""
    interpreter = inference.load_interpreter(tflite_path)
    return _agreement(model, lambda x: inference.run_interpreter(interpreter, x), batch)


def choose_runtime(model: Any, folder: Path, batch: np.ndarray, *, image_size: int) -> dict[str, Any]:
    """
    Convert to TFLite and ONNX, check each against Keras on ``batch`` and time single-image calls.

    The served runtime is the fastest converted one that matches Keras within the tolerance, else Keras.
    """
    runners: dict[str, Callable[[np.ndarray], np.ndarray]] = {}
    tflite_path = convert_to_tflite(model, folder / inference.TFLITE_FILE, image_size=image_size)
    interpreter = inference.load_interpreter(tflite_path)
    runners["tflite"] = lambda x: inference.run_interpreter(interpreter, x)
    try:
        onnx_path = convert_to_onnx(model, folder / inference.ONNX_FILE, image_size=image_size)
        session = inference.load_onnx_session(onnx_path)
        runners["onnx"] = lambda x: inference.run_onnx(session, x)
    except ImportError:
        pass

    candidates = {}
    for name, run in runners.items():
        check = _agreement(model, run, batch)
        check["single_image_ms_p50"] = _median_latency(run, batch)
        candidates[name] = check
    matching = [name for name, check in candidates.items() if check["matches"]]
    served = min(matching, key=lambda name: candidates[name]["single_image_ms_p50"]) if matching else "keras"
    return {"served": served, "reference": "keras", "candidates": candidates, **candidates.get(served, {})}


def _agreement(model: Any, run: Callable[[np.ndarray], np.ndarray], batch: np.ndarray) -> dict[str, Any]:
    keras_p = predict_in_chunks(model, batch)
    other_p = np.concatenate([run(batch[start : start + 32]) for start in range(0, len(batch), 32)])
    difference = float(np.max(np.abs(keras_p - other_p))) if len(batch) else 0.0
    return {
        "images": int(len(batch)),
        "max_abs_difference": difference,
        "tolerance": inference.RUNTIME_TOLERANCE,
        "matches": bool(difference <= inference.RUNTIME_TOLERANCE),
    }


def _median_latency(run: Callable[[np.ndarray], np.ndarray], batch: np.ndarray, *, calls: int = 30) -> float:
    if not len(batch):
        return 0.0
    run(batch[:1])
    latencies = []
    for index in range(calls):
        started = time.perf_counter()
        run(batch[index % len(batch)][np.newaxis])
        latencies.append((time.perf_counter() - started) * 1000)
    return float(statistics.median(latencies))


def predict_in_chunks(model: Any, batch: np.ndarray, *, chunk: int = 32) -> np.ndarray:
    """Return Keras probabilities for a large uint8 or float batch, ``chunk`` images at a time."""
    outputs = [
        inference.keras_probabilities(model, batch[start : start + chunk].astype(np.float32))
        for start in range(0, len(batch), chunk)
    ]
    return np.concatenate(outputs) if outputs else np.empty(0)

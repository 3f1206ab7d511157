"""
The classifier at run time. TensorFlow is imported inside functions, so importing this module is cheap; only the
worker and the ml commands call ``get_classifier``, which loads the model once per process.
"""

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from PIL import Image

from ml import calibration, preprocess
from ml.artifacts import ONNX_FILE, TFLITE_FILE
from ml.models import ModelVersion

logger = logging.getLogger(__name__)

# The served TFLite file must reproduce the Keras probabilities within this absolute difference on the test split.
RUNTIME_TOLERANCE = 1e-3


@dataclass(frozen=True)
class PredictionResult:
    raw_probability: float
    probability: float
    label: str
    threshold: float
    inference_ms: float


class Classifier:
    """A loaded model version: the Keras reference model and, when it matched Keras, a TFLite interpreter."""

    def __init__(self, version: ModelVersion, *, runtime: str | None = None) -> None:
        self.version = version
        self.image_size = int(version.image_size)
        self.keras_model = load_keras_model(Path(version.model_file))
        self.runtime = runtime or served_runtime(version)
        self._interpreter: Any = None
        self._lock = threading.Lock()
        self._session: Any = None
        if self.runtime == "tflite":
            self._interpreter = load_interpreter(Path(version.directory) / TFLITE_FILE)
        elif self.runtime == "onnx":
            self._session = load_onnx_session(Path(version.directory) / ONNX_FILE)

    def predict(self, image: Image.Image) -> PredictionResult:
        return self.predict_batch([image])[0]

    def predict_batch(self, images: list[Image.Image]) -> list[PredictionResult]:
        if not images:
            return []

        batch = preprocess.to_model_batch(images, self.image_size)
        started = time.perf_counter()
        raw = self.raw_probabilities(batch)
        elapsed_ms = (time.perf_counter() - started) * 1000 / len(images)

        calibrated = calibration.apply_calibration(raw, self.version.calibration)
        return [self._result(float(r), float(p), elapsed_ms) for r, p in zip(raw, calibrated, strict=True)]

    def raw_probabilities(self, batch: np.ndarray) -> np.ndarray:
        """Return the model's uncalibrated P(cancer) for a float32 batch of shape (N, S, S, 3), pixels 0-255."""
        if self._interpreter is not None:
            with self._lock:
                return run_interpreter(self._interpreter, batch)
        if self._session is not None:
            return run_onnx(self._session, batch)
        return keras_probabilities(self.keras_model, batch)

    def heatmap(self, image: Image.Image, *, model_input: Image.Image | None = None) -> Image.Image:
        """
        Return a Grad-CAM overlay of ``image`` (RGB, at most preprocess.OVERLAY_MAX_SIDE pixels on the long side),
        computed on ``model_input`` when given.
        """
        from ml import gradcam

        with self._lock:
            return gradcam.overlay(self.keras_model, image, image_size=self.image_size, model_input=model_input)

    def _result(self, raw: float, probability: float, inference_ms: float) -> PredictionResult:
        label = calibration.label_for(
            probability, uncertain_low=self.version.uncertain_low, uncertain_high=self.version.uncertain_high
        )
        return PredictionResult(
            raw_probability=raw,
            probability=probability,
            label=label,
            threshold=float(self.version.threshold),
            inference_ms=inference_ms,
        )


_cache: dict[str, Any] = {"key": None, "classifier": None}
_cache_lock = threading.Lock()


def get_classifier() -> Classifier | None:
    """Return the active version's classifier, loaded once per process and reloaded when the active version changes."""
    active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    if active is None:
        return None

    key = (active.pk, active.model_sha256, active.calibration, active.threshold)
    with _cache_lock:
        if _cache["key"] != repr(key):
            logger.info("Loading model version %s (id %s) from %s", active.name, active.pk, active.directory)
            _cache["classifier"] = Classifier(active)
            _cache["key"] = repr(key)
        return _cache["classifier"]


def clear_cache() -> None:
    with _cache_lock:
        _cache["key"] = None
        _cache["classifier"] = None


def load_classifier(version: ModelVersion, *, runtime: str | None = None) -> Classifier:
    """Load a classifier for any version, active or not (for evaluation and the CLI)."""
    return Classifier(version, runtime=runtime)


def served_runtime(version: ModelVersion) -> str:
    """
    Return the runtime chosen at training time ("onnx" or "tflite": the fastest that matched Keras) when its
    file exists, else "keras".
    """
    runtime = (version.metrics or {}).get("runtime", {})
    files = {"tflite": TFLITE_FILE, "onnx": ONNX_FILE}
    served = runtime.get("served")
    if served in files and (Path(version.directory) / files[served]).is_file():
        if served != "onnx" or _onnx_available():
            return str(served)
    return "keras"


def _onnx_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def load_onnx_session(path: Path, *, threads: int | None = None) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or int(getattr(settings, "ORALCARE_INFERENCE_THREADS", 2))
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run_onnx(session: Any, batch: np.ndarray) -> np.ndarray:
    """Run an ONNX Runtime session on a float32 batch of any size."""
    name = session.get_inputs()[0].name
    output = session.run(None, {name: np.ascontiguousarray(batch, dtype=np.float32)})[0]
    return np.asarray(output, dtype=np.float64).reshape(-1)


def load_keras_model(path: Path) -> Any:
    import keras

    if not path.is_file():
        raise FileNotFoundError(f"Model file {path} is missing; train a model with 'manage.py train_model'.")
    # compile=False: the optimizer state is not needed to predict, and loading it is slow.
    return keras.saving.load_model(path, compile=False)


def keras_probabilities(model: Any, batch: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    output = model(tf.convert_to_tensor(batch, dtype=tf.float32), training=False)
    return np.asarray(output, dtype=np.float64).reshape(-1)


def load_interpreter(path: Path, *, threads: int | None = None) -> Any:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover - the TensorFlow copy of the same interpreter
        from tensorflow.lite import Interpreter  # type: ignore[no-redef]

    if threads is None:
        threads = int(getattr(settings, "ORALCARE_INFERENCE_THREADS", 2))
    interpreter = Interpreter(model_path=str(path), num_threads=threads)
    interpreter.allocate_tensors()
    return interpreter


def run_interpreter(interpreter: Any, batch: np.ndarray) -> np.ndarray:
    """Run a TFLite interpreter one image at a time (the converted model has a fixed batch size of 1)."""
    input_detail = interpreter.get_input_details()[0]
    output_detail = interpreter.get_output_details()[0]
    results = np.empty(len(batch), dtype=np.float64)
    for index, image in enumerate(batch):
        interpreter.set_tensor(input_detail["index"], image[np.newaxis].astype(np.float32))
        interpreter.invoke()
        results[index] = float(interpreter.get_tensor(output_detail["index"]).reshape(-1)[0])
    return results

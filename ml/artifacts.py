"""
The saved format of a model version: its folder, model card and database row. Pure Django and the standard library.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

from ml.calibration import OperatingPoint
from ml.models import ModelVersion, TrainingRun

KERAS_FILE = "final_mobilenet_model.keras"
TFLITE_FILE = "model.tflite"
ONNX_FILE = "model.onnx"
MODEL_CARD_FILE = "model_card.json"
MANIFEST_FILE = "split_manifest.json"
PLOT_NAMES = ("training_history", "roc_curve", "confusion_matrix", "reliability_diagram")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=_json_default) + "\n")


def read_model_card(directory: str | Path) -> dict[str, Any]:
    path = Path(directory) / MODEL_CARD_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def create_version(
    *,
    name: str,
    directory: Path,
    class_names: list[str],
    image_size: int,
    operating_point: OperatingPoint,
    calibration: dict[str, Any],
    metrics: dict[str, Any],
    training_run: TrainingRun | None = None,
) -> ModelVersion:
    """Create the candidate row for a saved model folder, with the sha256 of its Keras file."""
    model_file = directory / KERAS_FILE
    return ModelVersion.objects.create(
        name=name,
        status=ModelVersion.Status.CANDIDATE,
        directory=str(directory),
        model_file=str(model_file),
        model_sha256=file_sha256(model_file),
        class_names=class_names,
        image_size=image_size,
        threshold=operating_point.threshold,
        uncertain_low=operating_point.uncertain_low,
        uncertain_high=operating_point.uncertain_high,
        calibration=calibration,
        metrics=metrics,
        training_run=training_run,
    )


def plot_paths(directory: str | Path) -> dict[str, Path]:
    """Return the existing PNG plots of a model folder by name."""
    folder = Path(directory)
    return {name: folder / f"{name}.png" for name in PLOT_NAMES if (folder / f"{name}.png").is_file()}


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")

"""
The training pipeline behind ``manage.py train_model``: read, split, build, fit the head, fine-tune, calibrate,
choose the operating point, evaluate, convert, save. Imports TensorFlow; only the ml commands load it.
"""

import json
import logging
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from django.conf import settings
from django.utils import timezone

from ml import artifacts, calibration, dataset, metrics, modeling, plots, runtimes, services
from ml.models import ModelVersion, TrainingRun

logger = logging.getLogger(__name__)


@dataclass
class TrainingOptions:
    data_dir: Path
    output_dir: Path | None = None
    name: str = ""
    architecture: str = "mobilenet_v2"
    weights: str = ""
    positive: str = dataset.DEFAULT_POSITIVE
    negative: str = dataset.DEFAULT_NEGATIVE
    image_size: int = 224
    batch_size: int = 32
    head_epochs: int = 5
    fine_tune_epochs: int = 14
    unfreeze_layers: int = 60
    head_learning_rate: float = 1e-3
    fine_tune_learning_rate: float = 5e-5
    patience: int = 5
    dropout: float = 0.3
    dense_units: int = 128
    label_smoothing: float = 0.0
    validation_fraction: float = 0.15
    test_fraction: float = 0.15
    seed: int = 42
    calibration_method: str = "platt"
    target_sensitivity: float = 0.95
    uncertain_band: float = 0.5
    augmentation: modeling.Augmentation = field(default_factory=modeling.Augmentation)
    convert_tflite: bool = True
    activate: bool = False


Printer = Callable[[str], None]


def train(options: TrainingOptions, *, run: TrainingRun, echo: Printer = print) -> ModelVersion:
    """Run the whole pipeline, keeping ``run`` up to date; return the new candidate (or active) version."""
    started = time.perf_counter()
    keras.utils.set_random_seed(options.seed)
    weights_path = _resolve_weights(options)

    echo(f"Reading photos from {options.data_dir} ...")
    photo_set = dataset.read_photos(
        options.data_dir, image_size=options.image_size, positive=options.positive, negative=options.negative
    )
    for item in photo_set.skipped:
        echo(f"WARNING: skipped unreadable file {item['file']}: {item['reason']}")
    groups = dataset.group_duplicates(photo_set.photos)
    dataset.assign_splits(
        photo_set.photos, validation=options.validation_fraction, test=options.test_fraction, seed=options.seed
    )
    split_summary = _split_summary(photo_set.photos)
    echo(f"Read {len(photo_set.photos)} photos in {groups} duplicate groups: {json.dumps(split_summary)}")
    read_seconds = time.perf_counter() - started

    name = options.name or _version_name(options)
    output = Path(options.output_dir or Path(settings.ORALCARE_MODEL_DIR) / name)
    output.mkdir(parents=True, exist_ok=True)
    _update(run, output_dir=str(output))
    rows = dataset.manifest(photo_set.photos, data_dir=options.data_dir)
    artifacts.write_json(output / artifacts.MANIFEST_FILE, {"files": rows, "skipped": photo_set.skipped})

    train_x, train_y = dataset.as_arrays(dataset.select(photo_set.photos, "train"))
    val_x, val_y = dataset.as_arrays(dataset.select(photo_set.photos, "validation"))
    test_x, test_y = dataset.as_arrays(dataset.select(photo_set.photos, "test"))
    for photo in photo_set.photos:
        photo.pixels = None

    base = modeling.build_base(options.architecture, options.image_size, weights_path=weights_path)
    model = modeling.build_classifier(
        base,
        image_size=options.image_size,
        augmentation=options.augmentation,
        dense_units=options.dense_units,
        dropout=options.dropout,
        seed=options.seed,
    )
    fit = _Fitter(options, run=run, echo=echo, output=output, train=(train_x, train_y), validation=(val_x, val_y))

    base.trainable = False
    fit.phase("head", model, epochs=options.head_epochs, learning_rate=options.head_learning_rate)
    if options.fine_tune_epochs > 0:
        unfrozen = modeling.set_trainable_top(base, options.unfreeze_layers)
        echo(f"Fine-tuning the top {options.unfreeze_layers} base layers ({unfrozen} with weights).")
        fit.phase("fine_tune", model, epochs=options.fine_tune_epochs, learning_rate=options.fine_tune_learning_rate)
    train_seconds = time.perf_counter() - started

    _update(run, phase="calibrate")
    model.save(output / artifacts.KERAS_FILE)
    val_raw = runtimes.predict_in_chunks(model, val_x)
    test_raw = runtimes.predict_in_chunks(model, test_x)
    fitted = calibration.fit_calibration(val_raw, val_y, options.calibration_method)
    val_p = calibration.apply_calibration(val_raw, fitted)
    test_p = calibration.apply_calibration(test_raw, fitted)
    point = calibration.choose_operating_point(
        val_p, val_y, target_sensitivity=options.target_sensitivity, band_width=options.uncertain_band
    )

    _update(run, phase="evaluate")
    class_names = photo_set.class_names
    results = {
        "validation": _split_metrics(val_raw, val_p, val_y, point, class_names, options.seed),
        "test": _split_metrics(test_raw, test_p, test_y, point, class_names, options.seed),
    }
    runtime = _convert(model, output, test_x, options) if options.convert_tflite else {"served": "keras"}
    _write_plots(output, run.history, results, (val_raw, val_p, val_y), (test_raw, test_p, test_y), class_names)

    total_seconds = time.perf_counter() - started
    card = _model_card(
        options,
        name=name,
        class_names=class_names,
        rows=rows,
        skipped=photo_set.skipped,
        split=split_summary,
        groups=groups,
        fitted=fitted,
        point=point,
        results=results,
        runtime=runtime,
        timings={"read_seconds": read_seconds, "train_seconds": train_seconds, "total_seconds": total_seconds},
    )
    artifacts.write_json(output / artifacts.MODEL_CARD_FILE, card)

    version = artifacts.create_version(
        name=name,
        directory=output,
        class_names=class_names,
        image_size=options.image_size,
        operating_point=point,
        calibration=fitted,
        metrics={
            "validation": results["validation"],
            "test": results["test"],
            "runtime": runtime,
            "timings": card["timings"],
        },
        training_run=run,
    )
    if options.activate:
        version = services.activate(version, actor=run.created_by, via="command")
    _update(run, status=TrainingRun.Status.SUCCEEDED, phase="done", finished_at=timezone.now())
    echo(f"Saved model version {version.name} ({version.status}) in {output} after {total_seconds:.0f} s.")
    return version


class _Fitter:
    """Fits one phase at a time and records every epoch on the TrainingRun."""

    def __init__(
        self,
        options: TrainingOptions,
        *,
        run: TrainingRun,
        echo: Printer,
        output: Path,
        train: tuple[np.ndarray, np.ndarray],
        validation: tuple[np.ndarray, np.ndarray],
    ) -> None:
        self.options = options
        self.run = run
        self.echo = echo
        self.checkpoint = output / "best_checkpoint.keras"
        self.train_data = _batches(*train, batch_size=options.batch_size, shuffle_seed=options.seed)
        self.validation_data = _batches(*validation, batch_size=options.batch_size, shuffle_seed=None)
        self.class_weight = _class_weights(train[1])
        self.epochs_done = 0

    def phase(self, name: str, model: keras.Model, *, epochs: int, learning_rate: float) -> None:
        if epochs <= 0:
            return
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss=keras.losses.BinaryCrossentropy(label_smoothing=self.options.label_smoothing),
            metrics=[keras.metrics.BinaryAccuracy(name="accuracy"), keras.metrics.AUC(name="auc")],
        )
        _update(self.run, phase=name)
        callbacks = [
            keras.callbacks.EarlyStopping(
                monitor="val_auc", mode="max", patience=self.options.patience, restore_best_weights=True
            ),
            keras.callbacks.ModelCheckpoint(self.checkpoint, monitor="val_auc", mode="max", save_best_only=True),
            keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=1e-6),
            _ProgressCallback(self.run, name, self.echo),
        ]
        history = model.fit(
            self.train_data,
            validation_data=self.validation_data,
            epochs=self.epochs_done + epochs,
            initial_epoch=self.epochs_done,
            class_weight=self.class_weight,
            callbacks=callbacks,
            shuffle=False,  # the tf.data pipeline reshuffles every epoch itself
            verbose=0,
        )
        self.epochs_done += len(history.history.get("loss", []))


class _ProgressCallback(keras.callbacks.Callback):
    def __init__(self, run: TrainingRun, phase: str, echo: Printer) -> None:
        super().__init__()
        self.training_run = run
        self.phase_name = phase
        self.echo = echo
        self.started = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row: dict[str, Any] = {"phase": self.phase_name, "epoch": epoch + 1}
        row.update({key: float(value) for key, value in (logs or {}).items()})
        row["seconds"] = round(time.perf_counter() - self.started, 1)
        self.training_run.history = [*self.training_run.history, row]
        _update(self.training_run, epoch=epoch + 1, history=self.training_run.history)
        shown = " ".join(f"{key}={row[key]:.4f}" for key in ("loss", "auc", "val_loss", "val_auc") if key in row)
        self.echo(
            f"[{self.phase_name}] epoch {epoch + 1}/{self.training_run.total_epochs} {shown} ({row['seconds']:.0f} s)"
        )


def _batches(x: np.ndarray, y: np.ndarray, *, batch_size: int, shuffle_seed: int | None) -> tf.data.Dataset:
    """Return batches of float32 pixels 0-255 from in-memory uint8 arrays, reshuffled every epoch when seeded."""
    data = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle_seed is not None:
        data = data.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size).map(lambda pixels, labels: (tf.cast(pixels, tf.float32), labels))
    return data.prefetch(tf.data.AUTOTUNE)


def _class_weights(labels: np.ndarray) -> dict[int, float]:
    """Return n / (2 * n_class) per class, so each class carries half of the loss."""
    total = len(labels)
    positives = float(np.sum(labels))
    negatives = total - positives
    if positives == 0 or negatives == 0:
        return {0: 1.0, 1: 1.0}
    return {0: total / (2 * negatives), 1: total / (2 * positives)}


def _resolve_weights(options: TrainingOptions) -> Path | None:
    if options.architecture != "mobilenet_v2":
        return None
    return modeling.imagenet_weights_path(options.weights or None)


def _split_metrics(
    raw: np.ndarray,
    calibrated: np.ndarray,
    labels: np.ndarray,
    point: calibration.OperatingPoint,
    class_names: list[str],
    seed: int,
) -> dict[str, Any]:
    result = metrics.evaluate(calibrated, labels, threshold=point.threshold, class_names=class_names, seed=seed)
    result["expected_calibration_error_before"] = calibration.expected_calibration_error(raw, labels)
    result["uncertain_share"] = (
        float(np.mean((calibrated >= point.uncertain_low) & (calibrated < point.uncertain_high)))
        if len(labels)
        else None
    )
    return result


def _convert(model: keras.Model, output: Path, test_x: np.ndarray, options: TrainingOptions) -> dict[str, Any]:
    """Convert to TFLite and ONNX and serve the fastest that reproduces Keras within the tolerance on test."""
    return runtimes.choose_runtime(model, output, test_x.astype(np.float32), image_size=options.image_size)


def _write_plots(
    output: Path,
    history: list[dict[str, Any]],
    results: dict[str, Any],
    validation: tuple[np.ndarray, np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray, np.ndarray],
    class_names: list[str],
) -> None:
    plots.training_history(history, output / "training_history.png")
    plots.roc_curve(
        {"validation": (validation[1], validation[2]), "test": (test[1], test[2])}, output / "roc_curve.png"
    )
    plots.confusion_matrix(
        results["test"]["confusion_matrix"]["rows_actual_columns_predicted"],
        class_names,
        output / "confusion_matrix.png",
        title="Test split at the chosen threshold",
    )
    plots.reliability_diagram(
        {
            "test before calibration": (test[0], test[2]),
            "test after calibration": (test[1], test[2]),
            "validation after calibration": (validation[1], validation[2]),
        },
        output / "reliability_diagram.png",
    )


def _model_card(
    options: TrainingOptions,
    *,
    name: str,
    class_names: list[str],
    rows: list[dict[str, Any]],
    skipped: list[dict[str, str]],
    split: dict[str, Any],
    groups: int,
    fitted: dict[str, Any],
    point: calibration.OperatingPoint,
    results: dict[str, Any],
    runtime: dict[str, Any],
    timings: dict[str, float],
) -> dict[str, Any]:
    parameters = asdict(options)
    parameters["data_dir"] = str(options.data_dir)
    parameters["output_dir"] = str(options.output_dir) if options.output_dir else ""
    return {
        "name": name,
        "created": timezone.now().isoformat(),
        "class_names": class_names,
        "positive_class": class_names[1],
        "output": "P(cancer) from a sigmoid; input float RGB 0-255 of shape (None, S, S, 3), resized by the caller",
        "image_size": options.image_size,
        "architecture": options.architecture,
        "parameters": parameters,
        "data": {
            "manifest_file": artifacts.MANIFEST_FILE,
            "manifest_sha256": dataset.manifest_sha256(rows),
            "images": len(rows),
            "duplicate_groups": groups,
            "splits": split,
            "skipped": skipped,
        },
        "calibration": {
            "method": fitted["method"],
            "parameters": fitted,
            "fitted_on": "validation",
            "expected_calibration_error": {
                split_name: {
                    "before": results[split_name]["expected_calibration_error_before"],
                    "after": results[split_name]["expected_calibration_error"],
                }
                for split_name in ("validation", "test")
            },
        },
        "operating_point": {
            **asdict(point),
            "how_chosen": (
                f"Highest calibrated threshold whose validation sensitivity is at least {point.target_sensitivity}; "
                f"uncertain band is {options.uncertain_band} logits on either side of it."
            ),
        },
        "metrics": results,
        "runtime": runtime,
        "timings": timings,
        "software": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
    }


def _split_summary(photos: list[dataset.Photo]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for split in dataset.SPLITS:
        chosen = dataset.select(photos, split)
        summary[split] = {"images": len(chosen), "cancer": sum(photo.label for photo in chosen)}
    return summary


def _version_name(options: TrainingOptions) -> str:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return f"{options.architecture}-{options.image_size}-{stamp}"


def _update(run: TrainingRun, **fields: Any) -> None:
    for key, value in fields.items():
        setattr(run, key, value)
    run.save(update_fields=list(fields))

"""
Evaluation of a saved model version on a photo folder, for ``manage.py evaluate_model``. Imports TensorFlow through
the classifier when it runs.
"""

import json
from pathlib import Path
from typing import Any

import numpy as np

from ml import artifacts, calibration, dataset, inference, metrics, plots
from ml.models import ModelVersion


def evaluate_folder(
    version: ModelVersion,
    data_dir: Path,
    *,
    positive: str,
    negative: str,
    split: str = "all",
    runtime: str | None = None,
    output: Path | None = None,
    bootstrap: int = metrics.BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """Classify every readable photo of the folder (or of one manifest split) and return the metrics report."""
    photo_set = dataset.read_photos(data_dir, image_size=version.image_size, positive=positive, negative=negative)
    photos = _in_split(photo_set.photos, version, split)
    if not photos:
        raise ValueError(f"No readable photos to evaluate in {data_dir} (split {split}).")

    classifier = inference.load_classifier(version, runtime=runtime)
    pixels, labels = dataset.as_arrays(photos)
    raw = np.concatenate(
        [
            classifier.raw_probabilities(pixels[start : start + 32].astype(np.float32))
            for start in range(0, len(pixels), 32)
        ]
    )
    probability = calibration.apply_calibration(raw, version.calibration)

    class_names = [negative, positive]
    report = metrics.evaluate(
        probability,
        labels,
        threshold=version.threshold,
        class_names=class_names,
        seed=seed,
        bootstrap_samples=bootstrap,
    )
    report["expected_calibration_error_before"] = calibration.expected_calibration_error(raw, labels)
    report.update(
        {
            "model_version": version.name,
            "runtime": classifier.runtime,
            "data_dir": str(data_dir),
            "split": split,
            "skipped": photo_set.skipped,
            "uncertain_low": version.uncertain_low,
            "uncertain_high": version.uncertain_high,
            "labels": _label_counts(probability, version),
            "predictions": [
                {"file": str(photo.path), "label": photo.label, "raw_probability": float(r), "probability": float(p)}
                for photo, r, p in zip(photos, raw, probability, strict=True)
            ],
        }
    )

    folder = output or Path(version.directory) / "evaluation" / f"{data_dir.name}-{split}"
    report["plots_dir"] = str(_write_plots(folder, report, raw, probability, labels, class_names))
    artifacts.write_json(folder / "evaluation.json", report)
    return report


def summary(report: dict[str, Any]) -> str:
    """Return a short human-readable summary of an evaluation report."""
    intervals = report["confidence_intervals"]

    def with_interval(name: str) -> str:
        value = report[name]
        interval = intervals.get(name)
        shown = f"{value:.3f}" if value is not None else "n/a"
        return f"{shown} (95% CI {interval[0]:.3f}-{interval[1]:.3f})" if interval else shown

    lines = [
        f"Model {report['model_version']} ({report['runtime']}) on {report['data_dir']} [{report['split']}]: "
        f"{report['images']} photos {json.dumps(report['counts_per_class'])}, {len(report['skipped'])} skipped",
        f"threshold {report['threshold']:.4f}",
        f"{'roc_auc':<28}{with_interval('roc_auc')}",
        f"{'sensitivity':<28}{with_interval('sensitivity')}",
        f"{'specificity':<28}{with_interval('specificity')}",
    ]
    lines.append(f"{'expected_calibration_error':<28}{with_interval('expected_calibration_error')}")
    noise = report.get("expected_calibration_error_if_calibrated")
    if noise:
        lines.append(
            f"{'ECE if perfectly calibrated':<28}{noise['mean']:.3f} (95th percentile {noise['p95']:.3f}; sampling "
            f"noise of {report['images']} photos)"
        )
    for name in ("accuracy", "ppv", "npv", "f1", "brier_score"):
        value = report[name]
        lines.append(f"{name:<28}{value:.3f}" if value is not None else f"{name:<28}n/a")
    lines.append(f"{'ECE before calibration':<28}{report['expected_calibration_error_before']:.3f}")
    lines.append(f"labels {json.dumps(report['labels'])}")
    lines.append(f"plots in {report['plots_dir']}")
    return "\n".join(lines)


def _in_split(photos: list[dataset.Photo], version: ModelVersion, split: str) -> list[dataset.Photo]:
    if split == "all":
        return photos
    path = Path(version.directory) / artifacts.MANIFEST_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: --split needs the split manifest saved with the model.")
    rows = json.loads(path.read_text())["files"]
    chosen = {row["sha256"] for row in rows if row["split"] == split}
    return [photo for photo in photos if photo.sha256 in chosen]


def _label_counts(probability: np.ndarray, version: ModelVersion) -> dict[str, int]:
    counts = {calibration.HIGH_RISK: 0, calibration.UNCERTAIN: 0, calibration.LOW_RISK: 0}
    for value in probability:
        label = calibration.label_for(
            float(value), uncertain_low=version.uncertain_low, uncertain_high=version.uncertain_high
        )
        counts[label] += 1
    return counts


def _write_plots(
    folder: Path,
    report: dict[str, Any],
    raw: np.ndarray,
    probability: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    plots.roc_curve({report["split"]: (probability, labels)}, folder / "roc_curve.png")
    plots.confusion_matrix(
        report["confusion_matrix"]["rows_actual_columns_predicted"],
        class_names,
        folder / "confusion_matrix.png",
        title=f"{report['split']} at the stored threshold",
    )
    plots.reliability_diagram(
        {"before calibration": (raw, labels), "after calibration": (probability, labels)},
        folder / "reliability_diagram.png",
    )
    return folder

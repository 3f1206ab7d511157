"""
PNG plots of a training run and an evaluation, drawn with matplotlib's Agg backend (no display needed).
"""

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ml import calibration, metrics  # noqa: E402


def training_history(history: list[dict[str, Any]], path: Path) -> Path:
    """Plot accuracy and loss per epoch for training and validation, both phases on one time axis."""
    epochs = [row["epoch"] for row in history]
    figure, (accuracy_axis, loss_axis) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("accuracy", "train"), ("val_accuracy", "validation")):
        accuracy_axis.plot(epochs, [row.get(key) for row in history], marker="o", label=label)
    for key, label in (("loss", "train"), ("val_loss", "validation")):
        loss_axis.plot(epochs, [row.get(key) for row in history], marker="o", label=label)

    fine_tune = [row["epoch"] for row in history if row.get("phase") == "fine_tune"]
    for axis, title in ((accuracy_axis, "Accuracy"), (loss_axis, "Loss")):
        if fine_tune:
            axis.axvline(min(fine_tune) - 0.5, color="grey", linestyle="--", label="fine-tuning starts")
        axis.set_title(title)
        axis.set_xlabel("epoch")
        axis.legend()
    return _save(figure, path)


def roc_curve(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path) -> Path:
    """Plot one ROC curve per split; ``curves`` maps a split name to (probabilities, labels)."""
    figure, axis = plt.subplots(figsize=(5, 5))
    for name, (probability, labels) in curves.items():
        if len(set(np.asarray(labels).tolist())) < 2:
            continue
        fpr, tpr = metrics.roc_points(probability, labels)
        auc = metrics.area_under_roc(probability, labels)
        axis.plot(fpr, tpr, label=f"{name} (AUC {auc:.3f})")
    axis.plot([0, 1], [0, 1], color="grey", linestyle=":")
    axis.set_xlabel("1 - specificity")
    axis.set_ylabel("sensitivity")
    axis.set_title("ROC curve")
    axis.legend(loc="lower right")
    return _save(figure, path)


def confusion_matrix(matrix: list[list[int]], class_names: list[str], path: Path, *, title: str) -> Path:
    figure, axis = plt.subplots(figsize=(5, 4.5))
    values = np.asarray(matrix)
    axis.imshow(values, cmap="Blues")
    # White counts on the dark cells, so a large count stays readable on the darkest blue.
    dark = values > values.max() / 2
    for row in range(2):
        for column in range(2):
            color = "white" if dark[row, column] else "black"
            axis.text(column, row, str(values[row, column]), ha="center", va="center", fontsize=14, color=color)
    # Two-line labels, because tight_layout leaves too little room left of the square image for one-line ones.
    axis.set_xticks([0, 1], [f"predicted\n{name}" for name in class_names])
    axis.set_yticks([0, 1], [f"actual\n{name}" for name in class_names])
    axis.set_title(title)
    return _save(figure, path)


def reliability_diagram(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path) -> Path:
    """Plot observed cancer frequency against mean predicted probability per bin, one line per curve."""
    figure, axis = plt.subplots(figsize=(5, 6.5))
    axis.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
    for name, (probability, labels) in curves.items():
        rows = calibration.reliability_bins(probability, labels)
        ece = calibration.expected_calibration_error(probability, labels)
        axis.plot(
            [row["mean_probability"] for row in rows],
            [row["observed_frequency"] for row in rows],
            marker="o",
            label=f"{name} (ECE {ece:.3f})",
        )
    axis.set_xlabel("mean predicted P(cancer)")
    axis.set_ylabel("observed share of cancer")
    axis.set_title("Reliability diagram")
    # Below the axes, because miscalibrated curves can pass through any corner of the plot.
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12))
    return _save(figure, path)


def _save(figure: Any, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path

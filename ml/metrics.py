"""
Classification metrics at a threshold, with bootstrap 95% confidence intervals. NumPy and scikit-learn only.
"""

from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

from ml import calibration

BOOTSTRAP_SAMPLES = 1000


def evaluate(
    probability: np.ndarray,
    labels: np.ndarray,
    *,
    threshold: float,
    class_names: list[str],
    seed: int = 0,
    bootstrap_samples: int = BOOTSTRAP_SAMPLES,
) -> dict[str, Any]:
    """Return every reported metric of calibrated probabilities at ``threshold``; label 1 is cancer."""
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(labels).astype(int)
    counts = calibration.confusion_counts(p, y, threshold)
    tp, fp, tn, fn = counts["tp"], counts["fp"], counts["tn"], counts["fn"]
    sensitivity = _ratio(tp, tp + fn)
    ppv = _ratio(tp, tp + fp)

    return {
        "images": int(len(y)),
        "threshold": float(threshold),
        "accuracy": _ratio(tp + tn, len(y)),
        "roc_auc": area_under_roc(p, y),
        "sensitivity": sensitivity,
        "specificity": _ratio(tn, tn + fp),
        "ppv": ppv,
        "npv": _ratio(tn, tn + fn),
        "f1": _ratio(2 * ppv * sensitivity, ppv + sensitivity) if ppv == ppv and sensitivity == sensitivity else None,
        "brier_score": float(np.mean((p - y) ** 2)) if len(y) else None,
        "expected_calibration_error": calibration.expected_calibration_error(p, y),
        "expected_calibration_error_if_calibrated": calibration.expected_calibration_error_if_calibrated(p, seed=seed),
        "confusion_matrix": {
            "labels": [class_names[0], class_names[1]],
            "rows_actual_columns_predicted": [
                [tn, fp],
                [fn, tp],
            ],
            **counts,
        },
        "counts_per_class": {class_names[0]: int(np.sum(y == 0)), class_names[1]: int(np.sum(y == 1))},
        "confidence_intervals": bootstrap_intervals(p, y, threshold=threshold, seed=seed, samples=bootstrap_samples),
    }


def area_under_roc(probability: np.ndarray, labels: np.ndarray) -> float | None:
    if len(set(np.asarray(labels).tolist())) < 2:
        return None
    return float(roc_auc_score(labels, probability))


def roc_points(probability: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    false_positive_rate, true_positive_rate, _ = roc_curve(labels, probability)
    return false_positive_rate, true_positive_rate


def bootstrap_intervals(
    probability: np.ndarray, labels: np.ndarray, *, threshold: float, seed: int, samples: int
) -> dict[str, list[float] | None]:
    """Return percentile 95% intervals of ROC AUC, sensitivity, specificity and calibration error over resamples."""
    rng = np.random.default_rng(seed)
    n = len(labels)
    values: dict[str, list[float]] = {
        "roc_auc": [],
        "sensitivity": [],
        "specificity": [],
        "expected_calibration_error": [],
    }
    if n == 0:
        return dict.fromkeys(values)

    predicted = probability >= threshold
    for _ in range(samples):
        index = rng.integers(0, n, n)
        y = labels[index]
        positives = y == 1
        if positives.all() or not positives.any():
            continue
        values["roc_auc"].append(float(roc_auc_score(y, probability[index])))
        values["sensitivity"].append(float(predicted[index][positives].mean()))
        values["specificity"].append(float((~predicted[index][~positives]).mean()))
        values["expected_calibration_error"].append(calibration.expected_calibration_error(probability[index], y))
    return {
        name: [float(np.percentile(found, 2.5)), float(np.percentile(found, 97.5))] if found else None
        for name, found in values.items()
    }


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator / denominator) if denominator else None

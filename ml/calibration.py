"""
Calibration, operating point and calibration error, in NumPy only so the web process can import them.

Calibrated probability: ``{"method": "temperature", "temperature": T}`` maps a raw P to sigmoid(logit(P) / T);
``{"method": "platt", "a": a, "b": b}`` maps it to sigmoid(a * logit(P) + b); ``{"method": "none"}`` keeps it.
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

# Raw probabilities are clipped this far from 0 and 1 before taking the logit, so a saturated sigmoid stays finite.
EPSILON = 1e-7

HIGH_RISK = "high_risk"
UNCERTAIN = "uncertain"
LOW_RISK = "low_risk"


@dataclass(frozen=True)
class OperatingPoint:
    """The referral threshold and the uncertain band around it, all in calibrated probability."""

    threshold: float
    uncertain_low: float
    uncertain_high: float
    target_sensitivity: float
    validation_sensitivity: float
    validation_specificity: float


def logit(probability: np.ndarray | float) -> np.ndarray:
    clipped = np.clip(np.asarray(probability, dtype=np.float64), EPSILON, 1 - EPSILON)
    return np.log(clipped) - np.log1p(-clipped)


def sigmoid(values: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(values, dtype=np.float64)))


def apply_calibration(raw: np.ndarray | float, calibration: dict[str, Any]) -> np.ndarray:
    """Map raw model probabilities to calibrated ones with the stored calibration parameters."""
    method = calibration.get("method", "none")
    if method == "none":
        return np.asarray(raw, dtype=np.float64)
    if method == "temperature":
        return sigmoid(logit(raw) / float(calibration["temperature"]))
    if method == "platt":
        return sigmoid(float(calibration["a"]) * logit(raw) + float(calibration["b"]))
    raise ValueError(f"Unknown calibration method {method!r}; expected 'none', 'temperature' or 'platt'.")


def fit_temperature(raw: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Fit one temperature T > 0 that minimises the log loss of sigmoid(logit(raw) / T)."""
    z = logit(raw)
    y = np.asarray(labels, dtype=np.float64)

    # The log loss is convex in 1/T, so a bounded golden-section search on log T finds the minimum.
    def loss(log_t: float) -> float:
        return _log_loss(sigmoid(z / math.exp(log_t)), y)

    best = _golden_section(loss, math.log(0.05), math.log(20.0))
    return {"method": "temperature", "temperature": float(math.exp(best))}


def fit_platt(raw: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Fit sigmoid(a * logit(raw) + b) by maximum likelihood on Platt's smoothed targets (unregularised)."""
    from sklearn.linear_model import LogisticRegression

    z = logit(raw).reshape(-1, 1)
    y = np.asarray(labels, dtype=np.float64)
    positives = y.sum()
    negatives = len(y) - positives
    targets = np.where(y > 0.5, (positives + 1) / (positives + 2), 1 / (negatives + 2))

    # Soft targets become two weighted copies of each photo, one per class.
    features = np.vstack([z, z])
    classes = np.concatenate([np.ones(len(y)), np.zeros(len(y))])
    weights = np.concatenate([targets, 1 - targets])
    model = LogisticRegression(C=1e6, max_iter=1000).fit(features, classes, sample_weight=weights)
    return {"method": "platt", "a": float(model.coef_[0][0]), "b": float(model.intercept_[0])}


def fit_calibration(raw: np.ndarray, labels: np.ndarray, method: str) -> dict[str, Any]:
    if method == "temperature":
        return fit_temperature(raw, labels)
    if method == "platt":
        return fit_platt(raw, labels)
    if method == "none":
        return {"method": "none"}
    raise ValueError(f"Unknown calibration method {method!r}; expected 'none', 'temperature' or 'platt'.")


def expected_calibration_error(probability: np.ndarray, labels: np.ndarray, *, bins: int = 10) -> float:
    """Return the expected calibration error over ``bins`` equal-width bins of the predicted P(cancer)."""
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if len(p) == 0:
        return float("nan")

    indices = np.minimum((p * bins).astype(int), bins - 1)
    error = 0.0
    for index in range(bins):
        members = indices == index
        if members.any():
            error += members.mean() * abs(p[members].mean() - y[members].mean())
    return float(error)


def expected_calibration_error_if_calibrated(
    probability: np.ndarray, *, bins: int = 10, draws: int = 1000, seed: int = 0
) -> dict[str, float] | None:
    """
    Return the mean and 95th percentile of the ECE that a perfectly calibrated model would still show on these photos.

    Each draw gives every photo a label that is cancer with exactly its predicted probability, so any calibration
    error measured in the draws comes from the finite number of photos and the binning alone. An observed ECE near
    this mean is within sampling noise of perfect calibration.
    """
    p = np.asarray(probability, dtype=np.float64)
    if len(p) == 0:
        return None

    rng = np.random.default_rng(seed)
    errors = [expected_calibration_error(p, rng.random(len(p)) < p, bins=bins) for _ in range(draws)]
    return {"mean": float(np.mean(errors)), "p95": float(np.percentile(errors, 95))}


def reliability_bins(probability: np.ndarray, labels: np.ndarray, *, bins: int = 10) -> list[dict[str, float]]:
    """Return the mean prediction, observed frequency and count of each non-empty bin, for reliability diagrams."""
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    indices = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for index in range(bins):
        members = indices == index
        if members.any():
            rows.append(
                {
                    "bin": index,
                    "mean_probability": float(p[members].mean()),
                    "observed_frequency": float(y[members].mean()),
                    "count": int(members.sum()),
                }
            )
    return rows


def choose_threshold(probability: np.ndarray, labels: np.ndarray, *, target_sensitivity: float) -> float:
    """
    Return the highest threshold t such that the share of positives with probability >= t is at least the target.
    """
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    positives = np.sort(p[y])[::-1]
    if len(positives) == 0:
        raise ValueError("Cannot choose a threshold: the validation split has no cancer photos.")
    if not 0 < target_sensitivity <= 1:
        raise ValueError(f"The target sensitivity must be in (0, 1], not {target_sensitivity}.")

    needed = math.ceil(target_sensitivity * len(positives) - 1e-9)
    return float(positives[needed - 1])


def choose_operating_point(
    probability: np.ndarray, labels: np.ndarray, *, target_sensitivity: float, band_width: float
) -> OperatingPoint:
    """
    Choose the threshold on validation and an uncertain band of ``band_width`` logits on either side of it.
    """
    threshold = choose_threshold(probability, labels, target_sensitivity=target_sensitivity)
    centre = float(logit(threshold))
    low = float(sigmoid(centre - band_width))
    high = float(sigmoid(centre + band_width))
    counts = confusion_counts(probability, labels, threshold)
    return OperatingPoint(
        threshold=threshold,
        uncertain_low=min(low, threshold),
        uncertain_high=max(high, threshold),
        target_sensitivity=target_sensitivity,
        validation_sensitivity=_ratio(counts["tp"], counts["tp"] + counts["fn"]),
        validation_specificity=_ratio(counts["tn"], counts["tn"] + counts["fp"]),
    )


def label_for(probability: float, *, uncertain_low: float, uncertain_high: float) -> str:
    """Return high_risk at or above the band, low_risk below it, uncertain inside it."""
    if probability >= uncertain_high:
        return HIGH_RISK
    if probability < uncertain_low:
        return LOW_RISK
    return UNCERTAIN


def confusion_counts(probability: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, int]:
    predicted = np.asarray(probability) >= threshold
    actual = np.asarray(labels).astype(bool)
    return {
        "tp": int(np.sum(predicted & actual)),
        "fp": int(np.sum(predicted & ~actual)),
        "tn": int(np.sum(~predicted & ~actual)),
        "fn": int(np.sum(~predicted & actual)),
    }


def _ratio(numerator: int, denominator: int) -> float:
    return float(numerator / denominator) if denominator else float("nan")


def _log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _golden_section(function: Any, low: float, high: float, *, tolerance: float = 1e-6) -> float:
    ratio = (math.sqrt(5) - 1) / 2
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    while abs(b - a) > tolerance:
        if function(c) < function(d):
            b = d
        else:
            a = c
        c, d = b - ratio * (b - a), a + ratio * (b - a)
    return (a + b) / 2

import numpy as np
import pytest

from ml import calibration, metrics


def _synthetic(temperature: float, *, n: int = 20000, seed: int = 0):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 3, n)
    labels = (rng.random(n) < calibration.sigmoid(z / temperature)).astype(float)
    return calibration.sigmoid(z), labels


def test_temperature_recovers_known_value():
    raw, labels = _synthetic(2.0)

    fitted = calibration.fit_temperature(raw, labels)

    assert fitted["method"] == "temperature"
    assert fitted["temperature"] == pytest.approx(2.0, rel=0.1)


def test_temperature_lowers_calibration_error():
    raw, labels = _synthetic(2.5)

    calibrated = calibration.apply_calibration(raw, calibration.fit_temperature(raw, labels))

    before = calibration.expected_calibration_error(raw, labels)
    after = calibration.expected_calibration_error(calibrated, labels)
    assert after < before
    assert after < 0.02


def test_platt_recovers_slope_and_offset():
    rng = np.random.default_rng(1)
    z = rng.normal(0, 3, 20000)
    labels = (rng.random(len(z)) < calibration.sigmoid(0.5 * z + 1.0)).astype(float)

    fitted = calibration.fit_platt(calibration.sigmoid(z), labels)

    assert fitted["a"] == pytest.approx(0.5, abs=0.05)
    assert fitted["b"] == pytest.approx(1.0, abs=0.1)


def test_apply_calibration_methods():
    raw = np.array([0.2, 0.5, 0.9])

    assert np.allclose(calibration.apply_calibration(raw, {"method": "none"}), raw)
    assert np.allclose(calibration.apply_calibration(raw, {"method": "temperature", "temperature": 1.0}), raw)
    assert np.allclose(calibration.apply_calibration(raw, {"method": "platt", "a": 1.0, "b": 0.0}), raw)
    assert calibration.apply_calibration(0.5, {"method": "temperature", "temperature": 3.0}) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="isotonic"):
        calibration.apply_calibration(raw, {"method": "isotonic"})


def test_threshold_is_highest_keeping_target_sensitivity():
    positives = np.linspace(0.1, 1.0, 20)
    probability = np.concatenate([positives, np.full(10, 0.05)])
    labels = np.concatenate([np.ones(20), np.zeros(10)])

    threshold = calibration.choose_threshold(probability, labels, target_sensitivity=0.95)

    # 19 of 20 positives must stay at or above the threshold, so it is the second-lowest positive score.
    assert threshold == pytest.approx(positives[1])
    assert np.mean(positives >= threshold) >= 0.95
    assert np.mean(positives >= np.nextafter(threshold, 1.0)) < 0.95


def test_threshold_without_positives_raises():
    with pytest.raises(ValueError, match="no cancer photos"):
        calibration.choose_threshold(np.array([0.1, 0.2]), np.array([0, 0]), target_sensitivity=0.95)


def test_operating_point_band_contains_threshold():
    rng = np.random.default_rng(3)
    probability = rng.random(200)
    labels = (probability + rng.normal(0, 0.2, 200) > 0.5).astype(int)

    point = calibration.choose_operating_point(probability, labels, target_sensitivity=0.9, band_width=0.5)

    assert point.uncertain_low <= point.threshold <= point.uncertain_high
    assert point.uncertain_low < point.uncertain_high
    assert point.validation_sensitivity >= 0.9


@pytest.mark.parametrize(
    ("probability", "expected"),
    [(0.1, "low_risk"), (0.3, "uncertain"), (0.5, "uncertain"), (0.7, "high_risk"), (0.9, "high_risk")],
)
def test_label_rule(probability, expected):
    assert calibration.label_for(probability, uncertain_low=0.3, uncertain_high=0.7) == expected


def test_calibration_error_of_perfect_predictions_is_zero():
    assert calibration.expected_calibration_error(np.array([0.0, 1.0, 1.0]), np.array([0, 1, 1])) == 0.0
    assert calibration.expected_calibration_error(np.array([0.95, 0.95]), np.array([0, 0])) == pytest.approx(0.95)


def test_metrics_at_threshold():
    probability = np.array([0.9, 0.8, 0.3, 0.6, 0.2, 0.1])
    labels = np.array([1, 1, 1, 0, 0, 0])

    report = metrics.evaluate(
        probability, labels, threshold=0.5, class_names=["benign", "cancer"], bootstrap_samples=200
    )

    assert report["sensitivity"] == pytest.approx(2 / 3)
    assert report["specificity"] == pytest.approx(2 / 3)
    assert report["ppv"] == pytest.approx(2 / 3)
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert report["confusion_matrix"]["rows_actual_columns_predicted"] == [[2, 1], [1, 2]]
    assert report["counts_per_class"] == {"benign": 3, "cancer": 3}
    low, high = report["confidence_intervals"]["roc_auc"]
    assert low <= report["roc_auc"] <= high


def test_ece_if_calibrated_shrinks_with_more_photos():
    rng = np.random.default_rng(3)
    small = calibration.expected_calibration_error_if_calibrated(rng.random(100), draws=300)
    large = calibration.expected_calibration_error_if_calibrated(rng.random(5000), draws=300)

    assert 0 < large["mean"] < small["mean"]
    assert small["mean"] <= small["p95"]


def test_ece_if_calibrated_is_zero_for_certain_predictions():
    noise = calibration.expected_calibration_error_if_calibrated(np.array([0.0, 1.0, 1.0, 0.0]), draws=50)

    assert noise == {"mean": 0.0, "p95": 0.0}


def test_ece_if_calibrated_empty_is_none():
    assert calibration.expected_calibration_error_if_calibrated(np.array([])) is None

"""Layout of the evaluation plots: every label inside the image and the legend clear of the curves."""

from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from ml import plots


@pytest.fixture
def drawn_figures(monkeypatch):
    """Collect each figure that a plot function saves, so its layout can be measured afterwards."""
    figures: list[Figure] = []
    save = plots._save

    def save_and_keep(figure: Figure, path: Path) -> Path:
        figures.append(figure)
        return save(figure, path)

    monkeypatch.setattr(plots, "_save", save_and_keep)
    return figures


def rendered(figure: Figure):
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas.get_renderer()


def assert_inside(inner: Bbox, outer: Bbox, name: str) -> None:
    assert inner.x0 >= outer.x0, name
    assert inner.y0 >= outer.y0, name
    assert inner.x1 <= outer.x1, name
    assert inner.y1 <= outer.y1, name


def calibration_curves() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 2, 200)
    probability = np.clip(labels * 0.6 + rng.random(200) * 0.4, 0, 1)
    return {
        "test before calibration": (probability, labels),
        "test after calibration": (probability**0.8, labels),
        "validation after calibration": (np.sqrt(probability), labels),
    }


def test_confusion_matrix_labels_fit(drawn_figures, tmp_path):
    path = plots.confusion_matrix(
        [[92, 2], [4, 63]], ["non_cancer", "cancer"], tmp_path / "confusion_matrix.png", title="Test split"
    )

    assert path.stat().st_size > 0
    [figure] = drawn_figures
    renderer = rendered(figure)
    axis = figure.axes[0]
    texts = [*axis.get_xticklabels(), *axis.get_yticklabels(), axis.title]
    for text in texts:
        assert_inside(text.get_window_extent(renderer), figure.bbox, repr(text.get_text()))


def test_reliability_legend_clear_of_axes(drawn_figures, tmp_path):
    plots.reliability_diagram(calibration_curves(), tmp_path / "reliability_diagram.png")

    [figure] = drawn_figures
    renderer = rendered(figure)
    axis = figure.axes[0]
    legend = axis.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(axis.get_window_extent(renderer))
    assert_inside(legend, figure.bbox, "legend")
    assert_inside(axis.xaxis.label.get_window_extent(renderer), figure.bbox, "x label")
    assert_inside(axis.yaxis.label.get_window_extent(renderer), figure.bbox, "y label")

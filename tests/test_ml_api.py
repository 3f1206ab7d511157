import pytest

from ml import artifacts
from ml.models import TrainingRun
from ml.testing import make_tiny_model_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(tmp_path):
    version = make_tiny_model_version(tmp_path / "tiny")
    from ml import plots

    plots.training_history(
        [{"epoch": 1, "phase": "head", "loss": 0.6, "val_loss": 0.5, "accuracy": 0.6, "val_accuracy": 0.7}],
        tmp_path / "tiny" / "training_history.png",
    )
    return version


def test_models_list_shows_metrics_and_plots(api_as, clinician, version):
    response = api_as(clinician).get("/api/models/")

    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["name"] == version.name
    assert row["status"] == "active"
    assert row["threshold"] == pytest.approx(version.threshold)
    assert row["served_runtime"] == "keras"
    assert row["plots"]["training_history"].endswith(f"/api/models/{version.pk}/plots/training_history.png")


def test_plot_is_served_to_signed_in_users(api_as, clinician, version):
    response = api_as(clinician).get(f"/api/models/{version.pk}/plots/training_history.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_plot_needs_sign_in(api_as, version):
    response = api_as(None).get(f"/api/models/{version.pk}/plots/training_history.png")

    assert response.status_code in (401, 403)


def test_unknown_plot_is_404(api_as, clinician, version):
    response = api_as(clinician).get(f"/api/models/{version.pk}/plots/roc_curve.png")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_training_run_shows_progress(api_as, clinician):
    run = TrainingRun.objects.create(
        status=TrainingRun.Status.FAILED,
        phase="head",
        epoch=2,
        total_epochs=10,
        history=[{"epoch": 1, "loss": 0.7}, {"epoch": 2, "loss": 0.6}],
        error_message="ValueError: broken\nTraceback (most recent call last): ...",
    )

    listing = api_as(clinician).get("/api/training-runs/")
    detail = api_as(clinician).get(f"/api/training-runs/{run.pk}/")

    assert listing.status_code == 200
    assert listing.json()["results"][0]["id"] == run.pk
    assert detail.json()["epoch"] == 2
    assert len(detail.json()["history"]) == 2
    assert detail.json()["error_message"] == "ValueError: broken"


def test_plot_names_match_saved_files():
    assert set(artifacts.PLOT_NAMES) == {"training_history", "roc_curve", "confusion_matrix", "reliability_diagram"}

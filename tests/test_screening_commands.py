"""The screening commands: import_images, reclassify and watchdog."""

import io

import pytest
from django.core.management import CommandError, call_command

from diagnosis.models import AuditEvent, Case, Prediction
from tests.screening_data import jpeg_bytes, model_version_row, reddish_photo, stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def camp_folder(tmp_path):
    (tmp_path / "day1").mkdir()
    (tmp_path / "day1" / "a.jpg").write_bytes(jpeg_bytes(reddish_photo(96)))
    (tmp_path / "b.jpg").write_bytes(jpeg_bytes(reddish_photo(128)))
    (tmp_path / "notes.txt").write_text("tongue, left side")
    return tmp_path


def run_command(name: str, *args: str) -> str:
    output = io.StringIO()
    call_command(name, *args, stdout=output, stderr=io.StringIO())
    return output.getvalue()


def run_import(*args: str) -> str:
    return run_command("import_images", *args)


def test_import_stores_and_queues(camp_folder, clinic, patient, clinician):
    model_version_row()

    output = run_import(str(camp_folder), "--clinic", clinic.name, "--patient", patient.identifier,
                        "--user", clinician.username)

    case = Case.objects.get(patient=patient)
    assert case.images.count() == 2
    assert set(Prediction.objects.filter(image__case=case).values_list("status", flat=True)) == {"queued"}
    assert "2 photos stored" in output
    assert "1 rejected" in output
    assert "Rejected notes.txt" in output


def test_import_twice_counts_duplicates(camp_folder, clinic, patient, clinician, case):
    arguments = [str(camp_folder), "--clinic", clinic.name, "--patient", patient.identifier,
                 "--user", clinician.username, "--case", str(case.pk)]
    run_import(*arguments)

    output = run_import(*arguments)

    assert case.images.count() == 2
    assert "0 photos stored" in output
    assert "2 already in the case" in output


def test_import_rejects_outsider(camp_folder, clinic, patient, outsider):
    with pytest.raises(CommandError, match="not a member"):
        run_import(str(camp_folder), "--clinic", clinic.name, "--patient", patient.identifier,
                   "--user", outsider.username)


def test_import_rejects_unknown_patient(camp_folder, clinic, clinician):
    with pytest.raises(CommandError, match="no patient"):
        run_import(str(camp_folder), "--clinic", clinic.name, "--patient", "NOPE", "--user", clinician.username)


def test_import_rejects_archived_patient(camp_folder, clinic, patient, clinician):
    patient.is_archived = True
    patient.save(update_fields=["is_archived"])

    with pytest.raises(CommandError, match="archived"):
        run_import(str(camp_folder), "--clinic", clinic.name, "--patient", patient.identifier,
                   "--user", clinician.username)

    assert not Case.objects.filter(patient=patient).exists()


def test_reclassify_all_adds_predictions(case, clinician):
    model_version_row()
    images = [stored_image(case, clinician) for _ in range(2)]
    for image in images:
        Prediction.objects.create(image=image, status=Prediction.Status.SUCCEEDED)

    output = run_command("reclassify", "--all")

    assert "Requested 2 new predictions" in output
    for image in images:
        assert image.predictions.count() == 2
        assert image.predictions.filter(status=Prediction.Status.QUEUED).count() == 1
    assert AuditEvent.objects.filter(action="reclassify", via="command").count() == 2


def test_reclassify_since_skips_older(case, clinician):
    stored_image(case, clinician)

    output = run_command("reclassify", "--since", "2999-01-01")

    assert "Requested 0 new predictions" in output


def test_reclassify_by_model_version(case, clinician):
    old = model_version_row(name="old-model", active=False)
    chosen, other = stored_image(case, clinician), stored_image(case, clinician)
    Prediction.objects.create(image=chosen, status=Prediction.Status.SUCCEEDED, model_version=old)

    run_command("reclassify", "--model-version", "old-model")

    assert chosen.predictions.count() == 2
    assert other.predictions.count() == 0


def test_reclassify_needs_a_selection():
    with pytest.raises(CommandError, match="--all"):
        run_command("reclassify")


def test_reclassify_rejects_unknown_version():
    with pytest.raises(CommandError, match="No model version"):
        run_command("reclassify", "--model-version", "missing")


def test_watchdog_command_reports_counts():
    output = run_command("watchdog")

    assert output.startswith("Watchdog: 0 re-sent, 0 failed, 0 released")

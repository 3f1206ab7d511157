"""
The clinician interface in Debian's Chromium, against a real Django server, a real Celery worker, Redis and a tiny
real Keras model. Each test creates its own records.
"""

import io
import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session

from accounts.models import Membership
from diagnosis.models import Case, Patient, Prediction, Review
from ml.models import ModelVersion, TrainingRun
from tests.browser.conftest import run_axe
from tests.factories import PASSWORD, CaseFactory, ClinicFactory, PatientFactory, UserFactory
from tests.screening_data import stored_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESULT_TIMEOUT_MS = 90_000
PHONE = {"width": 360, "height": 740}


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def photo_bytes(kind: str = "cancer", *, seed: int = 3, image_format: str = "JPEG") -> bytes:
    from ml.testing import make_photo

    buffer = io.BytesIO()
    make_photo(kind, size=320, seed=seed).save(buffer, format=image_format)
    return buffer.getvalue()


def dark_photo_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 320), (4, 3, 3)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def clinic() -> Any:
    return ClinicFactory(name="Riverside Dental")


@pytest.fixture
def clinician(clinic: Any) -> Any:
    return UserFactory(
        username="dr.ade", first_name="Ada", last_name="Eze", clinic=clinic, clinic__role=Membership.Role.CLINICIAN
    )


@pytest.fixture
def patient(clinic: Any, clinician: Any) -> Any:
    return PatientFactory(
        clinic=clinic, identifier="RD-1001", name="Test Patient", created_by=clinician, updated_by=clinician
    )


@pytest.fixture
def case(patient: Any, clinician: Any) -> Any:
    return CaseFactory(patient=patient, clinician=clinician, lesion_description="White patch, 1 cm, painless")


def upload_input(page: Any) -> Any:
    return page.get_by_label("Choose photos")


def test_sign_in_and_out(page: Any, clinician: Any) -> None:
    page.goto("/login/")
    page.get_by_label("User name").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    assert page.url.endswith("/patients/")

    # The header adds the user's name only after React has hydrated and loaded it, so the button's handler is
    # attached by then: the static HTML shows the button earlier, and a click before hydration does nothing.
    expect(page.get_by_test_id("signed-in-user")).to_be_attached()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/patients/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_shows_message(page: Any, clinician: Any) -> None:
    page.goto("/login/")
    page.get_by_label("User name").fill(clinician.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert").filter(has_text="incorrect")).to_be_visible()


def test_deep_link_returns_after_sign_in(page: Any, clinician: Any, patient: Any) -> None:
    page.goto(f"/patients/view/?id={patient.pk}")
    page.wait_for_url(re.compile(r"/login/\?next="))
    page.get_by_label("User name").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name=patient.identifier)).to_be_visible()
    assert page.url.endswith(f"/patients/view/?id={patient.pk}")

    page.reload()
    expect(page.get_by_role("heading", name=patient.identifier)).to_be_visible()


def test_create_patient(page: Any, sign_in_as: Any, clinician: Any) -> None:
    sign_in_as(clinician)
    page.goto("/patients/")
    page.get_by_role("link", name="New patient").click()

    page.get_by_label("Patient identifier").fill("RD-2044")
    page.get_by_label("Name").fill("Amina Okafor")
    page.get_by_label("Year of birth").fill("1958")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Tobacco smoking").select_option("former")
    page.get_by_label("Smokeless tobacco, betel quid or areca nut").select_option("current")
    page.get_by_role("button", name="Create patient").click()

    expect(page.get_by_role("heading", name="RD-2044")).to_be_visible()
    patient = Patient.objects.get(identifier="RD-2044")
    assert patient.smokeless_tobacco == "current"
    assert patient.year_of_birth == 1958
    assert "RD-2044" not in page.url

    page.goto("/patients/")
    page.get_by_label("Search by identifier or name").fill("okafor")
    expect(page.get_by_role("link", name=re.compile("RD-2044"))).to_be_visible()
    assert not [message for message in page.console_messages if "RD-2044" in message or "Okafor" in message]


def test_archive_patient(page: Any, sign_in_as: Any, clinician: Any, patient: Any) -> None:
    sign_in_as(clinician)
    page.goto(f"/patients/view/?id={patient.pk}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Archive").click()

    expect(page.get_by_role("button", name="Restore from archive")).to_be_visible()
    patient.refresh_from_db()
    assert patient.is_archived

    page.goto("/patients/")
    expect(page.get_by_text("No patients yet.")).to_be_visible()
    page.get_by_label("Include archived patients").check()
    expect(page.get_by_role("link", name=re.compile(patient.identifier))).to_be_visible()


def test_archive_rejected_names_open_case(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    sign_in_as(clinician)
    page.goto(f"/patients/view/?id={case.patient.pk}")
    expect(page.get_by_test_id("timeline-case")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Archive").click()

    alert = page.get_by_role("alert").filter(has_text="cannot be archived")
    expect(alert).to_contain_text("cannot be archived while a case is open or awaiting review")
    expect(alert).to_contain_text(f"case {case.pk} (encounter {case.encounter_date.isoformat()}, open)")
    case.patient.refresh_from_db()
    assert not case.patient.is_archived


def test_archived_patient_pages_are_read_only(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    add_prediction(case, Prediction.Status.SUCCEEDED, Prediction.Label.UNCERTAIN, 0.45)
    add_prediction(case, Prediction.Status.FAILED)
    Review.objects.create(
        case=case, reviewer=clinician, agreement=Review.Agreement.UNSURE, referral_decision=Review.Referral.NO_ACTION
    )
    # The case stays open, as on a patient archived before open cases blocked archiving, so a page that ignored the
    # archive would offer every write control.
    Patient.objects.filter(pk=case.patient_id).update(is_archived=True)
    notice = "This patient is archived: records can be read but not changed."

    sign_in_as(clinician)
    page.goto(f"/cases/view/?id={case.pk}")
    expect(page.get_by_test_id("signed-in-user")).to_be_attached()

    expect(page.get_by_test_id("patient-archived")).to_contain_text(notice)
    expect(page.get_by_test_id("image-card")).to_have_count(2)
    expect(page.get_by_role("region", name="Model result")).to_have_count(1)
    expect(page.get_by_test_id("review")).to_contain_text("No action")
    expect(page.get_by_role("heading", name="Add photos")).to_have_count(0)
    expect(upload_input(page)).to_have_count(0)
    expect(page.get_by_role("button", name="Send for specialist review")).to_have_count(0)
    expect(page.get_by_role("button", name="Close case")).to_have_count(0)
    expect(page.get_by_text("Exclude Photo 1")).to_have_count(0)
    expect(page.get_by_role("button", name="Analyse again")).to_have_count(0)
    expect(page.get_by_role("button", name="Save review")).to_have_count(0)
    expect(page.get_by_text("Update histopathology")).to_have_count(0)

    page.goto(f"/patients/view/?id={case.patient_id}")
    expect(page.get_by_test_id("patient-archived")).to_contain_text(notice)
    expect(page.get_by_test_id("timeline-case")).to_have_count(1)
    expect(page.get_by_role("button", name="Restore from archive")).to_be_visible()
    expect(page.get_by_role("link", name="Open a case")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit patient")).to_have_count(0)


def add_prediction(case: Any, status: str, label: str = "", probability: float | None = None) -> Prediction:
    """Store a photo in ``case`` with one prediction, as a worker would have left it."""
    image = stored_image(case, case.clinician)
    return Prediction.objects.create(image=image, status=status, label=label, probability=probability)


def test_review_queue_lists_referred_case(page: Any, sign_in_as: Any, clinic: Any, case: Any) -> None:
    specialist = UserFactory(username="dr.osei", clinic=clinic, clinic__role=Membership.Role.SPECIALIST)
    case.status = Case.Status.AWAITING_REVIEW
    case.assigned_specialist = specialist
    case.save()
    add_prediction(case, Prediction.Status.SUCCEEDED, Prediction.Label.HIGH_RISK, 0.87)
    add_prediction(case, Prediction.Status.SUCCEEDED, Prediction.Label.LOW_RISK, 0.12)
    add_prediction(case, Prediction.Status.QUEUED)
    CaseFactory(patient=case.patient, clinician=case.clinician, lesion_site=Case.Site.GINGIVA)

    sign_in_as(specialist)
    page.goto("/queue/")
    page.get_by_label("Only cases referred to me").check()

    entries = page.get_by_role("link", name=re.compile("Lateral tongue"))
    expect(entries).to_have_count(1)
    risk = entries.get_by_test_id("case-risk")
    expect(risk).to_contain_text("Model result")
    expect(risk).to_contain_text("High risk (refer)")
    expect(risk).to_contain_text("highest estimated probability 87.0%")
    expect(risk).to_contain_text("1 result pending")
    expect(page.get_by_test_id("case-risk-note")).to_contain_text("It is not a diagnosis")
    expect(page.get_by_role("link", name=re.compile("Gingiva"))).to_have_count(0)

    page.get_by_label("Model result").select_option("low_risk")
    expect(page.get_by_text("No cases with this model result are awaiting review.")).to_be_visible()
    page.get_by_label("Model result").select_option("high_risk")
    expect(entries).to_have_count(1)
    entries.click()
    expect(page.get_by_role("heading", name=re.compile("Lateral tongue"))).to_be_visible()


def test_patient_cases_show_model_result(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    add_prediction(case, Prediction.Status.SUCCEEDED, Prediction.Label.UNCERTAIN, 0.45)
    add_prediction(case, Prediction.Status.RUNNING)
    add_prediction(case, Prediction.Status.WAITING_FOR_MODEL)
    CaseFactory(patient=case.patient, clinician=clinician, lesion_site=Case.Site.GINGIVA)

    sign_in_as(clinician)
    page.goto(f"/patients/view/?id={case.patient.pk}")

    entries = page.get_by_test_id("timeline-case")
    expect(entries).to_have_count(2)
    with_photos = entries.filter(has_text="Lateral tongue")
    risk = with_photos.get_by_test_id("case-risk")
    expect(risk).to_contain_text("Uncertain (specialist review)")
    expect(risk).to_contain_text("highest estimated probability 45.0%")
    expect(risk).to_contain_text("2 results pending")
    # The photo's own badge uses the same words as the case's summary.
    expect(with_photos.get_by_role("list", name="Photos")).to_contain_text("Uncertain (specialist review)")
    expect(entries.filter(has_text="Gingiva").get_by_test_id("case-risk")).to_have_count(0)
    expect(page.get_by_test_id("case-risk-note")).to_contain_text("It is not a diagnosis")


def test_duplicate_identifier_shows_field_error(page: Any, sign_in_as: Any, clinician: Any, patient: Any) -> None:
    sign_in_as(clinician)
    page.goto("/patients/new/")
    page.get_by_label("Patient identifier").fill(patient.identifier)
    page.get_by_role("button", name="Create patient").click()

    identifier = page.get_by_label("Patient identifier")
    expect(identifier).to_have_attribute("aria-invalid", "true")
    assert Patient.objects.filter(identifier=patient.identifier).count() == 1


def test_open_case(page: Any, sign_in_as: Any, clinician: Any, patient: Any) -> None:
    sign_in_as(clinician)
    page.goto(f"/patients/view/?id={patient.pk}")
    expect(page.get_by_text("No cases yet.")).to_be_visible()
    page.get_by_role("link", name="Open a case").click()

    page.get_by_label("Lesion site").select_option("lateral_tongue")
    page.get_by_label("Lesion description").fill("Red and white patch, 12 mm, three weeks")
    page.get_by_role("button", name="Open case").click()

    expect(page.get_by_role("heading", name=re.compile("Lateral tongue"))).to_be_visible()
    created = Case.objects.get(patient=patient)
    assert created.lesion_description == "Red and white patch, 12 mm, three weeks"
    assert page.url.endswith(f"/cases/view/?id={created.pk}")

    page.get_by_role("link", name=re.compile("Back to patient")).click()
    expect(page.get_by_test_id("timeline-case")).to_have_count(1)


def test_upload_shows_result_and_heatmap(
    page: Any, sign_in_as: Any, clinician: Any, case: Any, tiny_active_model: Any, celery_worker: Any
) -> None:
    sign_in_as(clinician)
    page.goto(f"/cases/view/?id={case.pk}")
    upload_input(page).set_input_files(
        files=[
            {"name": "lesion.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes("cancer")},
            {"name": "cheek.png", "mimeType": "image/png", "buffer": photo_bytes("non_cancer", image_format="PNG")},
            {"name": "dark.png", "mimeType": "image/png", "buffer": dark_photo_bytes()},
        ]
    )

    cards = page.get_by_test_id("image-card")
    expect(cards).to_have_count(3)
    # The photos are sent one at a time in the order chosen, so the case numbers them in that order.
    for index, name in enumerate(["lesion.jpg", "cheek.png", "dark.png"]):
        expect(cards.nth(index)).to_contain_text(f"Photo {index + 1}")
        expect(cards.nth(index)).to_contain_text(name)
    results = page.get_by_role("region", name="Model result")
    expect(results).to_have_count(3, timeout=RESULT_TIMEOUT_MS)
    dark_result = cards.filter(has_text="dark.png").get_by_role("region", name="Model result")
    expect(dark_result).to_contain_text("Photo quality problem: this result may be unreliable.")
    for index in range(3):
        expect(results.nth(index)).to_contain_text("Estimated probability of cancer")
        expect(results.nth(index)).to_contain_text(tiny_active_model.name)
        expect(results.nth(index)).to_contain_text("not a diagnosis")
        expect(results.nth(index)).to_contain_text(
            re.compile(r"Uncertain range: .+% to .+%, around the referral threshold of .+%.*\. Photos in this range go")
        )
    expect(page.get_by_test_id("announcer")).to_contain_text("Photo")

    card = cards.first
    card.get_by_role("button", name="Show heat map").click()
    heatmap = card.get_by_role("img", name=re.compile("heat map"))
    expect(heatmap).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=heatmap.element_handle())
    expect(card.get_by_role("button", name="Hide heat map")).to_have_attribute("aria-pressed", "true")
    expect(card.get_by_test_id("heatmap-key")).to_contain_text("Coloured: regions that most raised the estimate")
    names = page.get_by_test_id("original-filename")
    expect(names.filter(has_text="lesion.jpg")).to_have_count(1)
    expect(names.filter(has_text="cheek.png")).to_have_count(1)


def test_submit_review(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    sign_in_as(clinician)
    page.goto(f"/cases/view/?id={case.pk}")

    expect(page.get_by_text("Results are not ready yet; you can still record your own assessment.")).to_be_visible()
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Choose whether you agree with the model.")).to_be_visible()

    page.get_by_label("Unsure").check()
    page.get_by_label("Clinical impression").fill("Homogeneous leukoplakia, no induration")
    page.get_by_label("Routine recall").check()
    page.get_by_label("Recall date").fill("2027-03-01")
    page.get_by_role("button", name="Save review").click()

    expect(page.get_by_role("status").filter(has_text="Review saved. It is listed above.")).to_be_visible()
    expect(page.get_by_role("button", name="Save review")).to_have_count(0)
    expect(page.get_by_test_id("review")).to_have_count(1)
    expect(page.get_by_test_id("review")).to_contain_text("Routine recall")
    review = Review.objects.get(case=case)
    assert review.agreement == "unsure"
    assert str(review.recall_date) == "2027-03-01"

    page.get_by_text("Update histopathology").click()
    page.get_by_test_id("review").get_by_label("Histopathology result").select_option("benign")
    page.get_by_role("button", name="Save result").click()
    expect(page.get_by_test_id("review")).to_contain_text("Histopathology: Benign")
    review.refresh_from_db()
    assert review.histopathology_result == "benign"


def test_rejected_file_shows_message(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    sign_in_as(clinician)
    page.goto(f"/cases/view/?id={case.pk}")
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    upload_input(page).set_input_files(files=[{"name": "scan.jpg", "mimeType": "image/jpeg", "buffer": pdf}])

    row = page.get_by_test_id("upload-row")
    message = row.get_by_role("alert")
    expect(message).to_contain_text("PDF")
    expect(page.get_by_text("No photos yet.")).to_be_visible()


def test_file_too_large_rejected_before_sending(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    sign_in_as(clinician)
    page.goto(f"/cases/view/?id={case.pk}")
    requests: list[str] = []
    page.on("request", lambda request: request.method == "POST" and requests.append(request.url))
    upload_input(page).set_input_files(
        files=[{"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8" + b"\0" * (26 * 1024 * 1024)}]
    )

    expect(page.get_by_test_id("upload-row").get_by_role("alert")).to_contain_text("at most 25.0 MB")
    assert requests == []


def test_other_clinic_patient_shows_not_found(page: Any, sign_in_as: Any, clinician: Any) -> None:
    elsewhere = PatientFactory(clinic=ClinicFactory(name="Hilltop Clinic"), identifier="HT-9")
    sign_in_as(clinician)
    page.goto(f"/patients/view/?id={elsewhere.pk}")

    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("HT-9")).to_have_count(0)


def test_phone_layout_has_no_horizontal_scroll(
    page: Any, sign_in_as: Any, clinician: Any, case: Any, patient: Any
) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    sign_in_as(clinician)
    pages = [
        ("/patients/", "Patients"),
        (f"/patients/view/?id={patient.pk}", patient.identifier),
        (f"/patients/edit/?id={patient.pk}", f"Edit {patient.identifier}"),
        (f"/cases/view/?id={case.pk}", "Lateral tongue"),
        ("/queue/", "Review queue"),
        ("/models/", "Models"),
    ]
    for path, heading in pages:
        page.goto(path)
        expect(page.get_by_role("heading", name=re.compile(re.escape(heading))).first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways at {PHONE['width']} px: {width} px wide"
        expect(page.get_by_test_id("signed-in-user")).to_contain_text("dr.ade · Riverside Dental")


def test_camera_input_accepts_phone_camera(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    sign_in_as(clinician)
    page.goto(f"/cases/view/?id={case.pk}")

    camera = page.get_by_label("Take a photo")
    expect(camera).to_have_attribute("capture", "environment")
    expect(camera).to_have_attribute("accept", "image/*")
    expect(camera).to_have_attribute("multiple", "")
    expect(page.get_by_test_id("drop-zone")).to_contain_text("JPEG, PNG, WebP, HEIC; TIFF, BMP and GIF are converted")


def test_key_pages_pass_accessibility_check(
    page: Any, sign_in_as: Any, clinician: Any, case: Any, patient: Any
) -> None:
    page.goto("/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert run_axe(page) == []

    sign_in_as(clinician)
    pages = [
        ("/patients/", "Patients"),
        ("/patients/new/", "New patient"),
        (f"/patients/view/?id={patient.pk}", patient.identifier),
        (f"/cases/view/?id={case.pk}", "Lateral tongue"),
        ("/queue/", "Review queue"),
    ]
    for path, heading in pages:
        page.goto(path)
        expect(page.get_by_role("heading", name=re.compile(re.escape(heading))).first).to_be_visible()
        assert run_axe(page) == [], path


def test_expired_session_returns_to_page(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    sign_in_as(clinician)
    page.goto(f"/cases/view/?id={case.pk}")
    expect(page.get_by_role("heading", name=re.compile("Lateral tongue"))).to_be_visible()
    # The page's own requests finish first, so only the save meets the ended session.
    expect(page.get_by_text("No photos yet.")).to_be_visible()
    expect(page.get_by_text("No reviews yet.")).to_be_visible()

    # The server ends the session, as it does when the session expires.
    Session.objects.all().delete()
    page.get_by_label("Agree with the model", exact=True).check()
    page.get_by_label("No action").check()
    page.get_by_role("button", name="Save review").click()

    page.wait_for_url(re.compile(r"/login/\?next="))
    page.get_by_label("User name").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("Lateral tongue"))).to_be_visible()
    assert page.url.endswith(f"/cases/view/?id={case.pk}")


def throttle_uploads(page: Any) -> None:
    """Slow uploads to 64 KB/s, so progress bars and cancel buttons stay on screen long enough to use."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 50, "downloadThroughput": -1, "uploadThroughput": 64 * 1024},
    )


def test_upload_progress_and_cancel(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    sign_in_as(clinician)
    page.goto(f"/cases/view/?id={case.pk}")
    throttle_uploads(page)
    upload_input(page).set_input_files(
        files=[{"name": "large.png", "mimeType": "image/png", "buffer": b"\x89PNG" + b"\1" * (3 * 1024 * 1024)}]
    )

    progress = page.get_by_label("Uploading large.png")
    expect(progress).to_be_visible()
    page.get_by_role("button", name="Cancel upload of large.png").click()

    expect(page.get_by_test_id("upload-row")).to_contain_text("Cancelled.")
    expect(progress).to_have_count(0)
    assert case.images.count() == 0


def test_waiting_upload_can_be_cancelled(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    sign_in_as(clinician)
    page.goto(f"/cases/view/?id={case.pk}")
    throttle_uploads(page)
    upload_input(page).set_input_files(
        files=[
            {"name": "first.png", "mimeType": "image/png", "buffer": b"\x89PNG" + b"\1" * (3 * 1024 * 1024)},
            {"name": "second.png", "mimeType": "image/png", "buffer": b"\x89PNG" + b"\1" * (3 * 1024 * 1024)},
        ]
    )

    second = page.get_by_test_id("upload-row").filter(has_text="second.png")
    expect(page.get_by_label("Uploading first.png")).to_be_visible()
    expect(second).to_contain_text("Waiting to upload.")
    page.get_by_role("button", name="Cancel upload of second.png").click()
    expect(second).to_contain_text("Cancelled.")
    page.get_by_role("button", name="Cancel upload of first.png").click()

    expect(page.get_by_test_id("upload-row").filter(has_text="first.png")).to_contain_text("Cancelled.")
    expect(page.get_by_label("Uploading second.png")).to_have_count(0)
    assert case.images.count() == 0


def test_photo_waits_for_model_then_excluded(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    sign_in_as(clinician)
    page.goto(f"/cases/view/?id={case.pk}")
    upload_input(page).set_input_files(
        files=[{"name": "lesion.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes("cancer")}]
    )
    card = page.get_by_test_id("image-card")
    expect(card).to_contain_text("Waiting for a model: analysed automatically when one is active.")
    upload_input(page).set_input_files(
        files=[{"name": "second.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes("non_cancer")}]
    )
    expect(page.get_by_test_id("image-card")).to_have_count(2)
    card = page.get_by_test_id("image-card").filter(has_text="lesion.jpg")
    card.get_by_text("Exclude Photo 1").click()
    card.get_by_role("button", name="Exclude photo").click()
    expect(card.get_by_text("Say why the photo is excluded")).to_be_visible()

    card.get_by_label("Reason for excluding").fill("Wrong patient")
    card.get_by_role("button", name="Exclude photo").click()
    expect(card.get_by_text("Exclude Photo 1 because “Wrong patient”?")).to_be_visible()
    assert not case.images.get(original_filename="lesion.jpg").is_excluded
    card.get_by_role("button", name="Confirm exclusion").click()

    remaining = page.get_by_test_id("image-card")
    expect(remaining).to_have_count(1)
    expect(remaining.get_by_role("heading", name="Photo 2")).to_be_visible()
    expect(page.get_by_text("1 photo excluded")).to_be_visible()
    page.get_by_role("button", name="Show excluded photos").click()
    excluded = page.get_by_test_id("excluded-photo")
    expect(excluded).to_have_count(1)
    expect(excluded).to_contain_text("Photo 1: lesion.jpg")
    expect(excluded).to_contain_text("Wrong patient")
    image = case.images.get(original_filename="lesion.jpg")
    assert image.is_excluded
    assert image.excluded_reason == "Wrong patient"


def test_models_page_explains_missing_model(page: Any, sign_in_as: Any, clinician: Any) -> None:
    sign_in_as(clinician)
    page.goto("/models/")
    expect(page.get_by_text("python manage.py train_model --data DIR --activate")).to_be_visible()

    TrainingRun.objects.create(status=TrainingRun.Status.RUNNING, epoch=3, total_epochs=19)
    page.reload()
    expect(page.get_by_text("A model is being trained (epoch 3 of 19)")).to_be_visible()
    expect(page.get_by_text("administrator activates")).to_have_count(0)


def test_unreviewed_high_risk_case_not_closed(page: Any, sign_in_as: Any, clinician: Any, case: Any) -> None:
    Prediction.objects.create(
        image=stored_image(case, clinician), status=Prediction.Status.SUCCEEDED, label="high_risk", probability=0.9
    )
    sign_in_as(clinician)
    page.goto(f"/cases/view/?id={case.pk}")
    expect(page.get_by_test_id("signed-in-user")).to_be_attached()

    page.get_by_role("button", name="Close case").first.click()
    page.get_by_role("button", name="Confirm closing").click()

    expect(page.get_by_role("alert").filter(has_text="no review yet")).to_be_visible()
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN


def test_send_for_review_then_specialist_closes(page: Any, sign_in_as: Any, clinic: Any, case: Any) -> None:
    specialist = UserFactory(
        username="dr.osei", first_name="Kofi", last_name="Osei", clinic=clinic, clinic__role=Membership.Role.SPECIALIST
    )
    sign_in_as(case.clinician)
    page.goto(f"/cases/view/?id={case.pk}")
    page.get_by_label("Specialist (optional)").select_option(str(specialist.pk))
    page.get_by_role("button", name="Send for specialist review").click()
    expect(page.get_by_role("status").filter(has_text="Sent to Kofi Osei for review.")).to_be_visible()
    expect(page.get_by_role("button", name="Return to clinician (reopen)")).to_be_visible()
    expect(page.get_by_role("button", name="Reopen case")).to_have_count(0)

    page.context.clear_cookies()
    sign_in_as(specialist)
    page.goto(f"/cases/view/?id={case.pk}")
    page.get_by_label("Agree with the model", exact=True).check()
    page.get_by_label("No action").check()
    page.get_by_role("button", name="Save review").click()

    saved = page.get_by_role("region", name="Reviews")
    expect(saved.get_by_role("button", name="Return to clinician (reopen)")).to_be_visible()
    saved.get_by_role("button", name="Close case").click()
    expect(saved.get_by_text("Close this case?")).to_be_visible()
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_REVIEW
    saved.get_by_role("button", name="Confirm closing").click()
    expect(page.get_by_text("Closed", exact=True).first).to_be_visible()
    expect(page.get_by_text("This case is closed. Reopen it to add or exclude photos.")).to_be_visible()
    expect(upload_input(page)).to_have_count(0)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_models_page_labels_metrics(page: Any, sign_in_as: Any, clinician: Any) -> None:
    run = TrainingRun.objects.create(
        status=TrainingRun.Status.SUCCEEDED, epoch=19, total_epochs=19, parameters={"target_sensitivity": "0.95"}
    )
    test_metrics = {
        "images": 161,
        "sensitivity": 0.9403,
        "specificity": 0.9787,
        "ppv": 0.9692,
        "roc_auc": 0.9741,
        "confidence_intervals": {"sensitivity": [0.8769, 0.9859], "roc_auc": [0.9454, 0.9948]},
    }
    ModelVersion.objects.create(
        name="card-check",
        status=ModelVersion.Status.ACTIVE,
        directory="/nonexistent",
        model_file="/nonexistent/model.keras",
        threshold=0.403,
        uncertain_low=0.29,
        uncertain_high=0.527,
        metrics={"test": test_metrics, "runtime": {"served": "tflite", "single_image_ms_p50": 1.76}},
        training_run=run,
    )
    sign_in_as(clinician)
    page.goto("/models/")

    table = page.get_by_role("table", name="Test set (held out)")
    expect(table.get_by_role("row", name=re.compile("PPV \\(positive predictive value\\)"))).to_contain_text("96.9%")
    sensitivity = table.get_by_role("row", name=re.compile("Sensitivity"))
    expect(sensitivity).to_contain_text("95% CI 87.7%–98.6%")
    expect(sensitivity).to_contain_text("Below the target sensitivity of 95%")
    expect(table.get_by_role("row", name=re.compile("Specificity"))).not_to_contain_text("Below the target")
    expect(page.get_by_text("Single-photo latency (median)")).to_be_visible()
    expect(page.get_by_text("evaluate the model on your clinic's own labelled photos")).to_be_visible()

"""
Screen a labelled folder of photos through OralCare's public HTTP API, as a signed-in clinician would, and print
how the results compare with the folder labels and how long each photo took.

For every photo it creates a patient and a case, uploads the photo, and waits for the worker's prediction. It
prints sensitivity, specificity and accuracy at the model's referral threshold, where a photo counts as positive
when its calibrated probability is at or above the threshold, whatever band it falls in. It also prints the ROC AUC
of the calibrated probability, the number of uncertain results, and the latency from the upload's 202 to the
prediction's ``finished_at``. Both times come from this machine's clock, so run it against a server on the same
machine.

    .venv/bin/python benchmarks/screening_run.py --data ../shared/data/oral-photos \
        --manifest var/models/<version>/split_manifest.json --split test \
        --username demo.clinician --password '...'
"""

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import requests
from sklearn.metrics import roc_auc_score

FINAL_STATES = {"succeeded", "failed"}
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".bmp", ".tif", ".tiff", ".gif", ".mpo"}


@dataclass
class Photo:
    path: Path
    label: int  # 1 for cancer
    image_id: int | None = None
    accepted_at: float = 0.0
    prediction: dict = field(default_factory=dict)
    error: str = ""


def main() -> int:
    options = parse_arguments()
    photos = list_photos(options.data, options.positive, options.negative, options.manifest, options.split)
    if options.limit:
        photos = photos[: options.limit]
    if not photos:
        print(f"No photos found under {options.data}.", file=sys.stderr)
        return 1
    print(f"Screening {len(photos)} photos from {options.data} through {options.base_url}")

    session = sign_in(options.base_url, options.username, options.password)
    clinic_id = session.get(f"{options.base_url}/api/auth/me/").json()["memberships"][0]["clinic"]["id"]
    started = time.monotonic()
    run_tag = datetime.now().strftime("%Y%m%d%H%M%S")
    for number, photo in enumerate(photos):
        upload(session, options.base_url, clinic_id, photo, identifier=f"SCREEN-{run_tag}-{number:04d}")
    print(f"Uploaded {sum(p.image_id is not None for p in photos)} photos in {time.monotonic() - started:.1f} s")

    wait_for_predictions(session, options.base_url, photos, timeout=options.timeout)
    print_report(photos, elapsed=time.monotonic() - started)
    return 0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="OralCare's address (default: %(default)s)")
    parser.add_argument("--username", default=os.environ.get("ORALCARE_USERNAME", ""), required=False)
    parser.add_argument(
        "--password",
        default=os.environ.get("ORALCARE_PASSWORD", ""),
        help="the clinician's password (default: the ORALCARE_PASSWORD environment variable)",
    )
    parser.add_argument("--data", type=Path, required=True, help="folder with one subfolder per class")
    parser.add_argument("--positive", default="cancer", help="folder of the cancer class (default: %(default)s)")
    parser.add_argument("--negative", default="non_cancer", help="folder of the other class (default: %(default)s)")
    parser.add_argument("--manifest", type=Path, help="split_manifest.json of a trained model, to screen one split")
    parser.add_argument("--split", default="test", help="the split to screen with --manifest (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=0, help="screen only the first N photos (default: all)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for all predictions")
    options = parser.parse_args()
    options.base_url = options.base_url.rstrip("/")
    if not options.username or not options.password:
        parser.error("--username and --password (or ORALCARE_USERNAME and ORALCARE_PASSWORD) are required")
    return options


def list_photos(data: Path, positive: str, negative: str, manifest: Path | None, split: str) -> list[Photo]:
    if manifest is not None:
        payload = json.loads(manifest.read_text())
        rows = payload["files"] if isinstance(payload, dict) else payload
        return [Photo(data / row["file"], int(row["label"])) for row in rows if row["split"] == split]

    photos = []
    for folder, label in ((positive, 1), (negative, 0)):
        for path in sorted((data / folder).iterdir()):
            if path.suffix.lower() in PHOTO_SUFFIXES:
                photos.append(Photo(path, label))
    return photos


def sign_in(base_url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    token = session.get(f"{base_url}/api/auth/csrf/").json()["csrf_token"]
    session.headers.update({"X-CSRFToken": token, "Referer": f"{base_url}/"})
    response = session.post(f"{base_url}/api/auth/login/", json={"username": username, "password": password})
    if response.status_code != 200:
        sys.exit(f"Sign-in failed ({response.status_code}): {response.text}")
    # Django rotates the CSRF token at sign-in.
    session.headers["X-CSRFToken"] = session.cookies.get("csrftoken", token)
    return session


def upload(session: requests.Session, base_url: str, clinic_id: int, photo: Photo, *, identifier: str) -> None:
    patient = session.post(f"{base_url}/api/patients/", json={"clinic": clinic_id, "identifier": identifier})
    patient.raise_for_status()
    case = session.post(f"{base_url}/api/cases/", json={"patient": patient.json()["id"], "lesion_site": "other"})
    case.raise_for_status()

    with photo.path.open("rb") as file:
        response = session.post(f"{base_url}/api/cases/{case.json()['id']}/images/", files={"image": file})
    photo.accepted_at = time.time()
    body = response.json()
    if response.status_code == 202 and body.get("images"):
        photo.image_id = body["images"][0]["id"]
    else:
        photo.error = json.dumps(body.get("rejected") or body.get("errors") or body)


def wait_for_predictions(session: requests.Session, base_url: str, photos: list[Photo], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = [photo for photo in photos if photo.image_id is not None]
    while pending and time.monotonic() < deadline:
        still_pending = []
        for photo in pending:
            image = session.get(f"{base_url}/api/images/{photo.image_id}/").json()
            prediction = image.get("latest_prediction") or {}
            if prediction.get("status") in FINAL_STATES:
                photo.prediction = prediction
            else:
                still_pending.append(photo)
        pending = still_pending
        if pending:
            time.sleep(1.0)
    for photo in pending:
        photo.error = f"no final prediction within {timeout:.0f} s"


def print_report(photos: list[Photo], *, elapsed: float) -> None:
    done = [p for p in photos if p.prediction.get("status") == "succeeded"]
    failed = [p for p in photos if p not in done]
    for photo in failed:
        reason = photo.error or photo.prediction.get("error_message", "")
        print(f"  not classified: {photo.path.name}: {reason}")
    if not done:
        print("No prediction succeeded.")
        return

    labels = [p.label for p in done]
    probabilities = [p.prediction["probability"] for p in done]
    positives = [p.prediction["probability"] >= p.prediction["threshold"] for p in done]
    tp = sum(1 for label, positive in zip(labels, positives, strict=True) if label == 1 and positive)
    tn = sum(1 for label, positive in zip(labels, positives, strict=True) if label == 0 and not positive)
    n_cancer = sum(labels)
    n_other = len(labels) - n_cancer
    latencies = sorted(
        datetime.fromisoformat(p.prediction["finished_at"]).timestamp() - p.accepted_at for p in done
    )

    print(f"Photos: {len(photos)} ({n_cancer} cancer, {n_other} non-cancer); classified: {len(done)}; "
          f"not classified: {len(failed)}")
    print(f"Sensitivity: {tp / n_cancer:.3f} ({tp}/{n_cancer})" if n_cancer else "Sensitivity: n/a")
    print(f"Specificity: {tn / n_other:.3f} ({tn}/{n_other})" if n_other else "Specificity: n/a")
    print(f"Accuracy: {(tp + tn) / len(done):.3f}")
    if n_cancer and n_other:
        print(f"ROC AUC: {roc_auc_score(labels, probabilities):.3f}")
    uncertain = sum(1 for p in done if p.prediction["label"] == "uncertain")
    print(f"Uncertain (specialist review): {uncertain} of {len(done)}")
    print(f"End-to-end latency, 202 to result: p50 {percentile(latencies, 50):.2f} s, "
          f"p95 {percentile(latencies, 95):.2f} s, max {latencies[-1]:.2f} s")
    print(f"Wall time: {elapsed:.1f} s ({len(done) / elapsed:.2f} photos/s)")


def percentile(sorted_values: list[float], q: float) -> float:
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(q) - 1]


if __name__ == "__main__":
    sys.exit(main())

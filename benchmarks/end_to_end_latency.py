"""
Measure end-to-end latency from an upload's 202 response to its prediction's succeeded state (result and Grad-CAM
heat map stored) for 1, 10 and 100 photos uploaded at once, and check that no prediction is lost or duplicated.
Prints the figures; asserts nothing.

    .venv/bin/python benchmarks/end_to_end_latency.py [--model-version NAME] [--photos DIR] [--batches 1,10,100]

Everything runs on 127.0.0.1 in a temporary folder: its own SQLite database, media, redis-server, one Celery worker
and a gunicorn server that receives the uploads over HTTP with a token.
"""

import argparse
import http.client
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import harness

UPLOAD_THREADS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_common_arguments(parser)
    parser.add_argument("--batches", default="1,10,100", help="Comma-separated batch sizes (default 1,10,100).")
    parser.add_argument("--concurrency", type=int, default=2, help="Pool processes of the worker (default 2).")
    arguments = parser.parse_args()

    instance = harness.Instance(keep=arguments.keep)
    try:
        run(instance, arguments)
    finally:
        instance.close()


def run(instance: harness.Instance, arguments: argparse.Namespace) -> None:
    batches = [int(size) for size in arguments.batches.split(",")]
    instance.start_redis()
    row = harness.source_model_row(arguments.source_database, arguments.model_version)
    context = harness.setup_django(row)
    photos = harness.photo_paths(arguments.photos, sum(batches) + 2)
    base_url = instance.start_server()
    worker = instance.start_worker(name="e2e", concurrency=arguments.concurrency)

    print(f"Machine: {harness.machine_description()}")
    print(f"Model version: {context['version'].name}; one worker with {arguments.concurrency} pool processes; "
          "gunicorn with 1 process and 8 threads")

    upload_batch(base_url, context, photos[:2], label="warm-up", quiet=True)
    rss = {pid: harness.rss_megabytes(pid) for pid in [worker.pid, *harness.pool_pids(worker.pid)]}
    print("Worker RSS after warm-up: " + ", ".join(
        f"{'parent' if pid == worker.pid else 'pool process'} {size:.0f} MB" for pid, size in rss.items()))

    offset = 2
    for size in batches:
        upload_batch(base_url, context, photos[offset: offset + size], label=f"{size} at once")
        offset += size


def upload_batch(base_url: str, context, photos: list[Path], *, label: str, quiet: bool = False) -> None:
    from diagnosis.models import Case

    case = Case.objects.create(patient=context["patient"], clinician=context["user"], lesion_site="other")
    started = time.time()
    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
        accepted = list(pool.map(lambda path: upload(base_url, context["token"], case.pk, path), photos))
    uploaded = time.time()

    image_ids = [image_id for image_id, _ in accepted if image_id is not None]
    finished = wait_for_results(image_ids, timeout=1800)
    if quiet:
        return

    latencies = [(finished[image_id] - accepted_at) * 1000 for image_id, accepted_at in accepted
                 if image_id in finished]
    lost, duplicated = check_integrity(image_ids)
    rejected = len(photos) - len(image_ids)
    print(f"\n{label}: {len(photos)} uploads, {len(latencies)} succeeded, {rejected} rejected at upload, "
          f"{len(lost)} lost, {len(duplicated)} duplicated")
    if latencies:
        print(f"  202 -> succeeded (ms): p50 {harness.percentile(latencies, 0.5):.0f}  "
              f"p95 {harness.percentile(latencies, 0.95):.0f}  max {max(latencies):.0f}")
        # The upload requests take longer than classifying, so the batch's wall time is mostly upload time.
        print(f"  all {len(photos)} uploads answered after {uploaded - started:.1f} s; last result "
              f"{max(finished.values()) - started:.1f} s after the first upload started")


def upload(base_url: str, token: str, case_id: int, path: Path) -> tuple[int | None, float]:
    """POST one photo and return its image id (None when rejected) and the time the 202 arrived."""
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{path.name}\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    connection.request("POST", f"/api/cases/{case_id}/images/", body=body, headers={
        "Authorization": f"Token {token}", "Content-Type": f"multipart/form-data; boundary={boundary}",
    })
    response = connection.getresponse()
    payload = response.read()
    accepted_at = time.time()
    connection.close()
    if response.status != 202:
        return None, accepted_at
    images = json.loads(payload)["images"]
    return (images[0]["id"] if images else None), accepted_at


def wait_for_results(image_ids: list[int], *, timeout: float) -> dict[int, float]:
    """Wait until every image's prediction is final; return each succeeded image's finish time (Unix seconds)."""
    from diagnosis.models import Prediction

    harness.wait_until(
        lambda: not Prediction.objects.filter(image_id__in=image_ids)
        .exclude(status__in=Prediction.FINAL_STATES).exists(),
        timeout=timeout, interval=0.02, description=f"{len(image_ids)} predictions to finish",
    )
    rows = Prediction.objects.filter(image_id__in=image_ids, status=Prediction.Status.SUCCEEDED).exclude(heatmap="")
    return {image_id: finished.timestamp() for image_id, finished in rows.values_list("image_id", "finished_at")}


def check_integrity(image_ids: list[int]) -> tuple[list[int], list[int]]:
    """Return the images without a succeeded prediction and those classified more than once."""
    from django.db.models import Count

    from diagnosis.models import Prediction

    counts = dict(
        Prediction.objects.filter(image_id__in=image_ids, status=Prediction.Status.SUCCEEDED)
        .values("image_id").annotate(count=Count("id")).values_list("image_id", "count")
    )
    lost = [image_id for image_id in image_ids if counts.get(image_id, 0) == 0]
    runs = successful_runs_per_image(image_ids)
    duplicated = [image_id for image_id in image_ids if counts.get(image_id, 0) > 1 or runs.get(image_id, 0) > 1]
    return lost, duplicated


def successful_runs_per_image(image_ids: list[int]) -> dict[int, int]:
    from django.db.models import Count

    from diagnosis.models import AuditEvent

    rows = (
        AuditEvent.objects.filter(image_id__in=image_ids, action="status_change", target_type="prediction",
                                  changes__status=["running", "succeeded"])
        .values("image_id").annotate(count=Count("id")).values_list("image_id", "count")
    )
    return dict(rows)


if __name__ == "__main__":
    main()

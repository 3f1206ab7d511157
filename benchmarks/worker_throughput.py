"""
Measure the served runtime's single-image latency beside the naive path (load the .keras file and call
model.predict inside the request), the worker's throughput with one and two pool processes, and the worker's
memory after warm-up. Prints the figures; asserts nothing.

    .venv/bin/python benchmarks/worker_throughput.py [--model-version NAME] [--photos DIR] [--count 100]

Everything runs on 127.0.0.1 in a temporary folder: its own SQLite database, media, redis-server and workers.
"""

import argparse
import time
from pathlib import Path

import harness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_common_arguments(parser)
    parser.add_argument("--count", type=int, default=100, help="Photos per throughput run (default 100).")
    parser.add_argument("--repeat", type=int, default=200, help="Timed runs for the latency figures (default 200).")
    arguments = parser.parse_args()

    instance = harness.Instance(keep=arguments.keep)
    try:
        run(instance, arguments)
    finally:
        instance.close()


def run(instance: harness.Instance, arguments: argparse.Namespace) -> None:
    instance.start_redis()
    row = harness.source_model_row(arguments.source_database, arguments.model_version)
    context = harness.setup_django(row)
    photos = harness.photo_paths(arguments.photos, arguments.count + 4)
    version = context["version"]

    print(f"Machine: {harness.machine_description()}")
    print(f"Model version: {version.name} (image size {version.image_size}, runtime "
          f"{(version.metrics or {}).get('runtime', {}).get('served', 'keras')})")

    images = store_photos(context, photos)
    measure_latency(version, photos[:20], repeat=arguments.repeat)
    measure_classification_only(version, images[4:])
    for concurrency in (1, 2):
        measure_worker(instance, images, concurrency=concurrency)


def measure_latency(version, photos, *, repeat: int) -> None:
    """Served runtime (as the worker runs it) against model.predict on the same loaded Keras model."""
    import numpy as np

    from diagnosis.intake import load_rgb
    from ml import preprocess
    from ml.inference import load_classifier, load_keras_model

    classifier = load_classifier(version)
    batches = [preprocess.to_model_batch([load_rgb(path)], classifier.image_size) for path in photos]

    served = timed(lambda index: classifier.raw_probabilities(batches[index % len(batches)]), repeat, warmup=10)
    keras_model = load_keras_model(Path(version.model_file))
    naive_repeat = max(10, repeat // 10)
    naive = timed(lambda index: keras_model.predict(batches[index % len(batches)], verbose=0), naive_repeat,
                  warmup=3)
    started = time.perf_counter()
    fresh = load_keras_model(Path(version.model_file))
    fresh.predict(batches[0], verbose=0)
    load_and_predict = (time.perf_counter() - started) * 1000

    print("\nSingle-image latency (one photo already decoded and resized, milliseconds):")
    print(f"  served runtime ({classifier.runtime}): p50 {np.percentile(served, 50):.2f}  "
          f"p95 {np.percentile(served, 95):.2f}  ({repeat} runs)")
    print(f"  naive model.predict on a loaded Keras model: p50 {np.percentile(naive, 50):.2f}  "
          f"p95 {np.percentile(naive, 95):.2f}  ({naive_repeat} runs)")
    print(f"  naive request that loads the .keras file and calls model.predict: {load_and_predict:.0f} (1 run)")
    print(f"  served runtime is {np.percentile(naive, 50) / np.percentile(served, 50):.1f}x faster than "
          "model.predict at p50")


def measure_classification_only(version, images) -> None:
    """
    Read and decode the stored model input, infer and store the result in one process, heat maps excluded, as the
    worker does. Then do the same from the full-size stored photo, as the worker does for photos without the copy.
    """
    from diagnosis.classification import read_model_input, read_photo
    from ml.inference import load_classifier

    classifier = load_classifier(version)
    readers = {
        "the model input copy made at intake": lambda prediction: read_model_input(
            prediction, image_size=classifier.image_size
        ),
        "the full-size stored photo": read_photo,
    }
    for description, reader in readers.items():
        rate = classify_all(classifier, version, images, reader)
        print(f"\nClassification only, one process (read {description}, decode, normalise, infer, store; no heat "
              f"map): {rate:.1f} photos/s over {len(images)} photos")


def classify_all(classifier, version, images, reader) -> float:
    """Classify every image once with ``reader`` and return the photos per second."""
    from django.utils import timezone

    from diagnosis.models import Prediction

    predictions = [Prediction.objects.create(image=image, status=Prediction.Status.RUNNING) for image in images]
    classifier.predict(reader(predictions[0]))

    started = time.perf_counter()
    for prediction in predictions:
        result = classifier.predict(reader(prediction))
        Prediction.objects.filter(pk=prediction.pk).update(
            status=Prediction.Status.SUCCEEDED, model_version=version, raw_probability=result.raw_probability,
            probability=result.probability, label=result.label, threshold=result.threshold,
            inference_ms=result.inference_ms, finished_at=timezone.now(),
        )
    return len(predictions) / (time.perf_counter() - started)


def measure_worker(instance: harness.Instance, images, *, concurrency: int) -> None:
    """Queue the stored photos at once and time the worker until every prediction succeeded."""
    from django.db import transaction

    from diagnosis import screening
    from diagnosis.models import Prediction
    from oralcare.celery import app

    app.close()
    worker = instance.start_worker(name=f"throughput{concurrency}", concurrency=concurrency)

    warmup = [screening.request_prediction(image, requested_by=None) for image in images[:4]]
    wait_for_final([prediction.pk for prediction in warmup], timeout=300)
    rss_warm = {pid: harness.rss_megabytes(pid) for pid in [worker.pid, *harness.pool_pids(worker.pid)]}

    started = time.time()
    with transaction.atomic():
        predictions = [screening.request_prediction(image, requested_by=None) for image in images[4:]]
    ids = [prediction.pk for prediction in predictions]
    wait_for_final(ids, timeout=1800)
    finished = max(Prediction.objects.filter(pk__in=ids).values_list("finished_at", flat=True)).timestamp()
    succeeded = Prediction.objects.filter(pk__in=ids, status=Prediction.Status.SUCCEEDED, attempts=1).count()

    print(f"\nWorker with {concurrency} pool process(es), {len(ids)} photos queued at once "
          "(decode, normalise, infer, Grad-CAM heat map, store):")
    print(f"  throughput {len(ids) / (finished - started):.2f} photos/s; {succeeded} of {len(ids)} succeeded on "
          "the first attempt")
    print("  RSS after warm-up: " + ", ".join(
        f"{'parent' if pid == worker.pid else 'pool process'} {rss:.0f} MB" for pid, rss in rss_warm.items()))
    instance.stop_process(worker)


def store_photos(context, photos):
    """Store the photos through the intake in a new case; the predictions it requests are removed."""
    from django.core.files import File

    from diagnosis import uploads
    from diagnosis.models import Case, Image, Prediction

    case = Case.objects.create(patient=context["patient"], clinician=context["user"], lesion_site="other")
    images = []
    for path in photos:
        with path.open("rb") as handle:
            image, _created = uploads.store_upload(case, File(handle, name=path.name), user=context["user"])
        images.append(image)
    # Their tasks are still in Redis; the first worker drops them because the rows are gone.
    Prediction.objects.filter(image__case=case).delete()
    return list(Image.objects.filter(pk__in=[image.pk for image in images]).order_by("id"))


def wait_for_final(ids: list[int], *, timeout: float) -> None:
    from diagnosis.models import Prediction

    harness.wait_until(
        lambda: not Prediction.objects.filter(pk__in=ids).exclude(status__in=Prediction.FINAL_STATES).exists(),
        timeout=timeout, interval=0.1, description=f"{len(ids)} predictions to finish",
    )


def timed(call, repeat: int, *, warmup: int) -> list[float]:
    for index in range(warmup):
        call(index)
    durations = []
    for index in range(repeat):
        started = time.perf_counter()
        call(index)
        durations.append((time.perf_counter() - started) * 1000)
    return durations


if __name__ == "__main__":
    main()

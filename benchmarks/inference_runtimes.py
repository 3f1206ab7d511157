"""
Compare inference runtimes of a saved model version on this machine's CPU and print the figures.

Runtimes: Keras ``model.predict``, a direct Keras call ``model(x, training=False)``, a ``tf.function`` of the model,
the version's TensorFlow Lite file run by LiteRT (``ai_edge_litert``) and its ONNX file run by ONNX Runtime. For
each: single-image latency p50/p95, batch throughput, and the largest probability difference from Keras on the test
split of the version's split manifest.

    .venv/bin/python benchmarks/inference_runtimes.py --model var/models/NAME --data ../shared/data/oral-photos

Timings depend on whatever else runs on the machine; the script prints the CPU count and load average with them.
"""

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oralcare.settings")


def main() -> None:
    arguments = _parser().parse_args()

    import django

    django.setup()
    import tensorflow as tf

    from ml import dataset, inference, runtimes

    folder = Path(arguments.model).resolve()
    card = json.loads((folder / "model_card.json").read_text())
    size = int(card["image_size"])
    test_x = _test_split(folder, Path(arguments.data), size, dataset)
    model = inference.load_keras_model(folder / "final_mobilenet_model.keras")
    reference = runtimes.predict_in_chunks(model, test_x)

    serve = tf.function(lambda x: model(x, training=False), input_signature=[tf.TensorSpec((None, size, size, 3))])
    interpreter = inference.load_interpreter(folder / "model.tflite", threads=arguments.threads)

    candidates: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "keras_predict": lambda x: model.predict(x, verbose=0).reshape(-1),
        "keras_call": lambda x: inference.keras_probabilities(model, x),
        "tf_function": lambda x: serve(tf.constant(x)).numpy().reshape(-1),
        f"litert_{arguments.threads}_threads": lambda x: inference.run_interpreter(interpreter, x),
    }
    onnx_path = folder / "model.onnx"
    if onnx_path.is_file():
        session = inference.load_onnx_session(onnx_path, threads=arguments.threads)
        candidates[f"onnxruntime_{arguments.threads}_threads"] = lambda x: inference.run_onnx(session, x)

    print(
        f"model {folder.name}, image size {size}, {len(test_x)} test images, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    rows = [_measure(name, run, test_x, reference, arguments) for name, run in candidates.items()]
    print(json.dumps(rows, indent=2))


def _measure(
    name: str,
    run: Callable[[np.ndarray], np.ndarray],
    test_x: np.ndarray,
    reference: np.ndarray,
    arguments: argparse.Namespace,
) -> dict[str, Any]:
    outputs = np.concatenate([run(test_x[start : start + 32]) for start in range(0, len(test_x), 32)])
    for _ in range(3):
        run(test_x[:1])

    latencies = []
    for index in range(arguments.single):
        image = test_x[index % len(test_x)][np.newaxis]
        started = time.perf_counter()
        run(image)
        latencies.append((time.perf_counter() - started) * 1000)

    batch = test_x[: arguments.batch]
    started = time.perf_counter()
    for _ in range(arguments.batch_repeats):
        run(batch)
    throughput = arguments.batch_repeats * len(batch) / (time.perf_counter() - started)

    return {
        "runtime": name,
        "single_image_ms_p50": round(statistics.median(latencies), 2),
        "single_image_ms_p95": round(float(np.percentile(latencies, 95)), 2),
        f"batch_{len(batch)}_images_per_second": round(throughput, 1),
        "max_abs_difference_from_keras": float(np.max(np.abs(outputs - reference))),
    }


def _test_split(folder: Path, data_dir: Path, size: int, dataset: Any) -> np.ndarray:
    rows = json.loads((folder / "split_manifest.json").read_text())["files"]
    photos = [
        dataset.read_photo(data_dir / row["file"], label=row["label"], folder=row["folder"], image_size=size)
        for row in rows
        if row["split"] == "test"
    ]
    return dataset.as_arrays(photos)[0].astype(np.float32)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="Model version folder (with model.tflite).")
    parser.add_argument("--data", required=True, help="The data folder the version was trained on.")
    parser.add_argument("--single", type=int, default=100, help="Single-image predictions timed per runtime.")
    parser.add_argument("--batch", type=int, default=32, help="Images per batch in the throughput test.")
    parser.add_argument("--batch-repeats", type=int, default=5, help="Batches timed per runtime.")
    parser.add_argument(
        "--threads", type=int, default=2, help="LiteRT and ONNX Runtime threads (ORALCARE_INFERENCE_THREADS)."
    )
    return parser


if __name__ == "__main__":
    main()

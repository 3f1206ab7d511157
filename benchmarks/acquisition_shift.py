"""
Measure how a model version's results change when the same photos look as if another clinic had taken them:
recompressed, smaller, darker, warmer, blurred, framed closer or turned. Prints one row per change; asserts nothing.

    .venv/bin/python benchmarks/acquisition_shift.py [--model NAME] [--data DIR] [--split test]

The photos are the version's own split (test by default) from its split manifest, decoded with the shared decoder;
each change is applied to the decoded photo before the shared resize, and the version's served runtime classifies
the result. Nothing here tunes the model: it shows which kinds of camera and framing differences the internal
figures do not cover. Photos from another source differ in ways these changes only approximate.
"""

import argparse
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oralcare.settings")

Change = Callable[[Image.Image], Image.Image]


def recompress(quality: int) -> Change:
    def change(image: Image.Image) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")

    return change


def shrink(long_side: int) -> Change:
    def change(image: Image.Image) -> Image.Image:
        smaller = image.copy()
        smaller.thumbnail((long_side, long_side), Image.Resampling.BILINEAR)
        return smaller

    return change


def brightness(factor: float) -> Change:
    return lambda image: ImageEnhance.Brightness(image).enhance(factor)


def warm_cast(image: Image.Image) -> Image.Image:
    # A warmer white balance, as under incandescent light: red up 10%, blue down 10%.
    pixels = np.asarray(image, dtype=np.float32) * np.array([1.1, 1.0, 0.9], dtype=np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="RGB")


def blur(radius: float) -> Change:
    return lambda image: image.filter(ImageFilter.GaussianBlur(radius))


def centre_crop(share: float) -> Change:
    def change(image: Image.Image) -> Image.Image:
        width, height = image.size
        left = round(width * (1 - share) / 2)
        top = round(height * (1 - share) / 2)
        return image.crop((left, top, left + round(width * share), top + round(height * share)))

    return change


def turn(image: Image.Image) -> Image.Image:
    # A phone photo whose orientation tag was lost: the pixels arrive a quarter turn off.
    return image.transpose(Image.Transpose.ROTATE_90)


CHANGES: dict[str, Change | None] = {
    "none (as stored)": None,
    "JPEG recompressed at quality 40": recompress(40),
    "shrunk to 320 px on the long side": shrink(320),
    "shrunk to 160 px on the long side": shrink(160),
    "darker (brightness x0.6)": brightness(0.6),
    "brighter (brightness x1.4)": brightness(1.4),
    "warmer white balance": warm_cast,
    "blurred (Gaussian, radius 3 px)": blur(3),
    "framed closer (centre 60%)": centre_crop(0.6),
    "turned a quarter (orientation lost)": turn,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="Model version name (default: the active version).")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" /
                        "oral-photos", help="Photo folder with cancer/ and non_cancer/ (default: ../shared/data/...).")
    parser.add_argument("--split", default="test", choices=["train", "validation", "test"],
                        help="Which split of the version's manifest to use (default: test).")
    arguments = parser.parse_args()

    import django

    django.setup()
    from ml import calibration, dataset, inference, metrics, preprocess
    from ml.models import ModelVersion

    versions = ModelVersion.objects.all()
    version = versions.get(name=arguments.model) if arguments.model else versions.get(status=ModelVersion.Status.ACTIVE)
    manifest = json.loads((Path(version.directory) / "split_manifest.json").read_text())
    chosen = {row["file"]: row for row in manifest["files"] if row["split"] == arguments.split}
    positive, negative = version.class_names[1], version.class_names[0]
    files = [(path, label) for path, label, folder in dataset.list_files(arguments.data, positive=positive,
                                                                         negative=negative)
             if path.relative_to(arguments.data).as_posix() in chosen]
    photos = [(preprocess.read_photo(path, relaxed=True), label) for path, label in files]
    labels = np.array([label for _, label in photos])
    classifier = inference.load_classifier(version)

    print(f"Model {version.name} ({classifier.runtime}), {arguments.split} split: {len(photos)} photos "
          f"({int(labels.sum())} cancer); threshold {version.threshold:.3f}")
    print(f"{'Change':<38}{'ROC AUC':>8}{'Sens.':>7}{'Spec.':>7}{'Mean |dP|':>11}{'Labels changed':>16}")

    baseline = None
    for name, change in CHANGES.items():
        images = [change(image) if change else image for image, _ in photos]
        batch = np.stack([preprocess.to_model_array(image, classifier.image_size) for image in images])
        raw = np.concatenate([classifier.raw_probabilities(batch[start:start + 32].astype(np.float32))
                              for start in range(0, len(batch), 32)])
        probability = calibration.apply_calibration(raw, version.calibration)
        labelled = [calibration.label_for(p, uncertain_low=version.uncertain_low,
                                          uncertain_high=version.uncertain_high) for p in probability]
        if baseline is None:
            baseline = (probability, labelled)
        report = metrics.evaluate(probability, labels, threshold=version.threshold, class_names=version.class_names,
                                  bootstrap_samples=0)
        shift = float(np.mean(np.abs(probability - baseline[0])))
        changed = sum(first != second for first, second in zip(labelled, baseline[1], strict=True))
        print(f"{name:<38}{report['roc_auc']:>8.3f}{report['sensitivity']:>7.3f}{report['specificity']:>7.3f}"
              f"{shift:>11.3f}{changed:>16}")


if __name__ == "__main__":
    main()

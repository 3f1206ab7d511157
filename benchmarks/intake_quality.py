"""
Print the quality statistics that ``diagnosis.intake.quality_warnings`` uses, over a folder of photos, and how
many photos each warning would flag. Used to choose the thresholds in diagnosis/intake.py.

    python benchmarks/intake_quality.py PHOTO_FOLDER [--limit N]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diagnosis import intake  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="Folder searched recursively for .jpg, .jpeg, .png and .webp files.")
    parser.add_argument("--limit", type=int, default=0, help="Read at most this many photos (0 reads all).")
    options = parser.parse_args()

    paths = sorted(p for p in options.folder.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp"})
    if options.limit:
        paths = paths[:: max(1, len(paths) // options.limit)][: options.limit]

    means, clipped, sharpness, blurred_sharpness, seconds = [], [], [], [], []
    flagged: dict[str, int] = {}
    for path in paths:
        started = time.perf_counter()
        decoded = intake.decode_image(path, limits=intake.ImageLimits(max_pixels=10**9, min_side=1))
        seconds.append(time.perf_counter() - started)

        luminance = intake._quality_luminance(decoded.image)
        means.append(float(luminance.mean()))
        clipped.append(float(np.mean((luminance <= 5) | (luminance >= 250))))
        sharpness.append(intake.laplacian_variance(luminance))
        blurred = decoded.image.filter(ImageFilter.GaussianBlur(radius=max(decoded.image.size) / 256))
        blurred_sharpness.append(intake.laplacian_variance(intake._quality_luminance(blurred)))
        for warning in decoded.warnings:
            flagged[warning["code"]] = flagged.get(warning["code"], 0) + 1

    print(f"photos: {len(paths)}")
    for name, values in [
        ("mean luminance", means),
        ("clipped fraction", clipped),
        ("laplacian variance", sharpness),
        ("laplacian variance, gaussian blur radius side/256", blurred_sharpness),
        ("decode seconds", seconds),
    ]:
        percentiles = np.percentile(values, [0, 1, 5, 50, 95, 99, 100])
        print(f"{name:52s} " + " ".join(f"{value:9.3f}" for value in percentiles) + "   (p0 p1 p5 p50 p95 p99 p100)")
    print("warnings:", flagged or "none")


if __name__ == "__main__":
    main()

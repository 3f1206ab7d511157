"""
The one place where a photo becomes model input. Training, evaluation, the CLI and the worker all call these
functions, so the same file gives the same pixels everywhere. NumPy and Pillow only.
"""

import dataclasses
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

# Pillow's bilinear filter widens its support when it shrinks an image, so large photos are anti-aliased.
RESAMPLE = Image.Resampling.BILINEAR

# Long side of the photo under a heat-map overlay. The heat map has the resolution of the model's last feature map
# (7 x 7 for MobileNetV2 at 224), so a larger base adds bytes but no detail.
OVERLAY_MAX_SIDE = 512


def read_photo(source: str | Path | BinaryIO, *, relaxed: bool = False) -> Image.Image:
    """
    Decode a photo with the shared intake decoder: format by content, EXIF orientation, alpha flattened, 8-bit RGB.

    ``relaxed`` drops the minimum-side and aspect-ratio limits that uploads must meet, for data sets.
    """
    from diagnosis import intake

    limits = dataclasses.replace(intake.ImageLimits(), min_side=1, max_aspect_ratio=1000.0) if relaxed else None
    return intake.load_rgb(source, limits=limits)


def to_model_array(image: Image.Image, image_size: int) -> np.ndarray:
    """Resize an RGB image to image_size x image_size and return it as uint8 (H, W, 3)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    if image.size != (image_size, image_size):
        image = image.resize((image_size, image_size), RESAMPLE)
    return np.asarray(image, dtype=np.uint8)


def to_overlay_base(image: Image.Image) -> Image.Image:
    """Return an RGB copy of ``image`` at most OVERLAY_MAX_SIDE pixels on the long side."""
    image = image.convert("RGB") if image.mode != "RGB" else image.copy()
    image.thumbnail((OVERLAY_MAX_SIDE, OVERLAY_MAX_SIDE), RESAMPLE)
    return image


def to_model_batch(images: list[Image.Image], image_size: int) -> np.ndarray:
    """Stack RGB images as the float32 batch the saved model takes: pixels 0-255, shape (N, S, S, 3)."""
    arrays = [to_model_array(image, image_size) for image in images]
    return np.stack(arrays).astype(np.float32)

"""
The one place where a photo becomes model input. Training, evaluation, the CLI and the worker all call these
functions, so the same file gives the same pixels everywhere. NumPy and Pillow only.
"""

from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

# Pillow's bilinear filter widens its support when it shrinks an image, so large photos are anti-aliased.
RESAMPLE = Image.Resampling.BILINEAR


def read_photo(source: str | Path | BinaryIO, *, relaxed: bool = False) -> Image.Image:
    """Decode a photo with the shared intake decoder: EXIF orientation applied, 8-bit RGB."""
    from diagnosis import intake

    if not relaxed:
        return intake.load_rgb(source)
    return intake.decode_image(source, limits=training_limits()).image


def training_limits():  # type: ignore[no-untyped-def]
    """Image limits for data sets: no minimum side and no aspect-ratio check, the usual pixel-count cap."""
    from diagnosis import intake

    defaults = intake.ImageLimits()
    return _replace_limits(defaults, min_side=1, max_aspect_ratio=1000.0)


def to_model_array(image: Image.Image, image_size: int) -> np.ndarray:
    """Resize an RGB image to image_size x image_size and return it as uint8 (H, W, 3)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    if image.size != (image_size, image_size):
        image = image.resize((image_size, image_size), RESAMPLE)
    return np.asarray(image, dtype=np.uint8)


def to_model_batch(images: list[Image.Image], image_size: int) -> np.ndarray:
    """Stack RGB images as the float32 batch the saved model takes: pixels 0-255, shape (N, S, S, 3)."""
    arrays = [to_model_array(image, image_size) for image in images]
    return np.stack(arrays).astype(np.float32)


def _replace_limits(limits, **changes):  # type: ignore[no-untyped-def]
    import dataclasses

    if dataclasses.is_dataclass(limits):
        known = {field.name for field in dataclasses.fields(limits)}
        return dataclasses.replace(limits, **{name: value for name, value in changes.items() if name in known})
    for name, value in changes.items():
        if hasattr(limits, name):
            setattr(limits, name, value)
    return limits

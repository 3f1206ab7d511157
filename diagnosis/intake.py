"""
Decoding and normalising photographs. The web upload, training, evaluation and the worker all read photos through
``decode_image``, so a photo is read the same way everywhere.

The format is decided by the content, never by the file name. Limits are checked from the header before any pixel
is decoded. The result is an upright 8-bit sRGB ``RGB`` image with no metadata, plus quality warnings.

This module imports no Django at module level, so training scripts can use it without configured settings.
"""

from __future__ import annotations

import io
import logging
import os
import re
import warnings
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pillow_heif
from PIL import Image, ImageCms, ImageOps

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()
Image.init()

# Formats accepted as photos, and formats also converted although phones and cameras rarely produce them.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF", "MPO")
CONVERTED_FORMATS = ("TIFF", "BMP", "GIF")
# Image.open tries only these plugins, so Pillow never hands a file to an unsafe decoder (EPS runs Ghostscript).
# MPO has no opener of its own: Pillow's JPEG opener returns an MPO image when the file has an MP index.
OPENED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF") + CONVERTED_FORMATS
ACCEPTED_DESCRIPTION = "JPEG, PNG, WebP or HEIC photo (TIFF, BMP and GIF files are converted)"

# Transparent areas are flattened onto this colour, so the same file always gives the same pixels.
FLATTEN_BACKGROUND = (255, 255, 255)

# Quality statistics are computed on a copy scaled down to this maximum side, so they do not depend much on
# the camera's resolution.
QUALITY_SIDE = 512
DARK_MEAN_LUMINANCE = 40.0
BRIGHT_MEAN_LUMINANCE = 215.0
# Fraction of pixels at 0-5 or 250-255 of the 8-bit luminance above which the exposure is clipped.
CLIPPED_FRACTION = 0.25
# Variance of the 4-neighbour Laplacian of the 8-bit luminance at QUALITY_SIDE, below which a photo is flagged as
# blurred. On 1065 intra-oral training photos the median was 101 and 1.6% scored below 10, while the same photos
# after a Gaussian blur of radius side/256 had a median of 4 (benchmarks/intake_quality.py).
BLUR_LAPLACIAN_VARIANCE = 10.0

_SRGB_PROFILE = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class ImageLimits:
    """Limits a photo must meet. The defaults match the settings' defaults."""

    max_pixels: int = 50_000_000
    min_side: int = 64
    max_aspect_ratio: float = 4.0

    @classmethod
    def from_settings(cls) -> ImageLimits:
        """Read the limits from Django settings, or return the defaults when Django is not configured."""
        try:
            from django.conf import settings

            return cls(
                max_pixels=settings.ORALCARE_MAX_IMAGE_PIXELS,
                min_side=settings.ORALCARE_MIN_IMAGE_SIDE,
                max_aspect_ratio=settings.ORALCARE_MAX_ASPECT_RATIO,
            )
        except Exception:  # ImportError or ImproperlyConfigured outside a Django process.
            return cls()


class ImageRejected(Exception):
    """An upload that cannot be used, with a stable code and a message a clinician can act on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class DecodedImage:
    image: Image.Image
    detected_format: str
    warnings: list[dict[str, str]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


def decode_image(
    source: BinaryIO | bytes | str | os.PathLike[str], *, limits: ImageLimits | None = None
) -> DecodedImage:
    """
    Decode a photo into an upright 8-bit sRGB RGB image without metadata.

    Raises ImageRejected for an empty, unsupported, truncated, corrupt, too large, too small or too elongated file.
    """
    limits = limits or ImageLimits.from_settings()
    stream, close_stream = _open_stream(source)
    try:
        return _decode_stream(stream, limits)
    finally:
        if close_stream:
            stream.close()


def load_rgb(
    path_or_file: BinaryIO | bytes | str | os.PathLike[str], *, limits: ImageLimits | None = None
) -> Image.Image:
    """Return only the normalised image of ``decode_image``, for training, evaluation and the worker."""
    return decode_image(path_or_file, limits=limits).image


def _open_stream(source: BinaryIO | bytes | str | os.PathLike[str]) -> tuple[BinaryIO, bool]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, (str, os.PathLike)):
        return open(source, "rb"), True
    source.seek(0)
    return source, False


def _decode_stream(stream: BinaryIO, limits: ImageLimits) -> DecodedImage:
    head = stream.read(1024)
    stream.seek(0)
    if not head:
        raise ImageRejected("empty_file", "The file is empty (0 bytes). Upload the photo again.")

    opened = _open_image(stream, head, limits)
    detected_format = str(opened.format)
    _check_header_limits(opened, limits)

    notes: list[dict[str, str]] = []
    if getattr(opened, "is_animated", False) or getattr(opened, "n_frames", 1) > 1:
        notes.append(
            _warning(
                "multi_frame",
                f"The {_format_name(detected_format)} file contains several frames; only the first frame was kept.",
            )
        )
    if detected_format == "GIF":
        notes.append(
            _warning(
                "limited_colours",
                "GIF stores at most 256 colours, so colours may be inaccurate. Upload the original JPEG or HEIC "
                "photo if you have it.",
            )
        )

    frame = _load_first_frame(opened, detected_format)
    upright, orientation_note = _apply_orientation(frame)
    if orientation_note:
        notes.append(orientation_note)
    try:
        rgb, colour_note = _to_srgb(upright)
    except (ValueError, OSError) as error:
        logger.info("Converting a %s image in mode %s to RGB failed: %s", detected_format, upright.mode, error)
        raise ImageRejected(
            "unsupported_colour_mode",
            f"The image's colour mode ({upright.mode}) cannot be converted to RGB. Export it as an RGB JPEG or PNG "
            "and upload it again.",
        ) from error
    if colour_note:
        notes.append(colour_note)

    clean = _strip_metadata(rgb)
    return DecodedImage(image=clean, detected_format=detected_format, warnings=notes + quality_warnings(clean))


def _open_image(stream: BinaryIO, head: bytes, limits: ImageLimits) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # The pixel limit of ImageLimits is checked right after opening, so Pillow's warning would only repeat it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(stream, formats=list(OPENED_FORMATS))
    except Image.DecompressionBombError as error:
        # Pillow refuses more than twice Image.MAX_IMAGE_PIXELS while reading the header. Its message states the size.
        claimed = re.search(r"Image size \((\d+) pixels\)", str(error))
        raise _too_many_pixels_error(None, limits.max_pixels, int(claimed.group(1)) if claimed else None) from error
    except Exception as error:  # Pillow raises UnidentifiedImageError, but plugins may raise others on bad headers.
        raise _unreadable_error(head) from error


def _check_header_limits(image: Image.Image, limits: ImageLimits) -> None:
    width, height = image.size
    if width * height > limits.max_pixels:
        raise _too_many_pixels_error((width, height), limits.max_pixels)

    if min(width, height) < limits.min_side:
        raise ImageRejected(
            "too_small",
            f"The image is {width}×{height} pixels; each side must be at least {limits.min_side} pixels. Upload the "
            "original photo, not a thumbnail.",
        )

    ratio = max(width, height) / min(width, height)
    if ratio > limits.max_aspect_ratio:
        raise ImageRejected(
            "extreme_aspect_ratio",
            f"The image is {width}×{height} pixels, {ratio:.1f} times longer than wide; the maximum is "
            f"{limits.max_aspect_ratio:g}. Upload an uncropped photo of the lesion.",
        )


def _load_first_frame(image: Image.Image, detected_format: str) -> Image.Image:
    # LOAD_TRUNCATED_IMAGES stays False: a file cut off mid-upload must fail here, not turn into grey pixels.
    try:
        image.seek(0)
        image.load()
        return image
    except (Image.DecompressionBombError, MemoryError) as error:
        raise _too_many_pixels_error(image.size) from error
    except Exception as error:  # Decoders raise OSError, SyntaxError, ValueError and others on damaged data.
        logger.info("Decoding a %s upload failed: %s", detected_format, error)
        if "truncated" in str(error):
            raise ImageRejected(
                "truncated_image",
                f"The {_format_name(detected_format)} file is truncated: it ends before the image data is complete, "
                "usually because the upload or copy was cut off. Upload the original photo again.",
            ) from error
        raise ImageRejected(
            "corrupt_image",
            f"The {_format_name(detected_format)} file is damaged and cannot be decoded. Upload the original "
            "photo again.",
        ) from error


def _apply_orientation(image: Image.Image) -> tuple[Image.Image, dict[str, str] | None]:
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception as error:  # A malformed EXIF block raises from the EXIF parser.
        logger.info("Reading the EXIF orientation failed: %s", error)
        return image, _warning(
            "orientation_unknown",
            "The photo's EXIF data is damaged, so its orientation tag could not be read. Check that the photo is "
            "upright.",
        )
    return (upright if upright is not None else image), None


def _to_srgb(image: Image.Image) -> tuple[Image.Image, dict[str, str] | None]:
    """Convert any mode to 8-bit sRGB RGB, converting an embedded ICC profile and flattening transparency."""
    icc_profile = image.info.get("icc_profile")
    image = _to_8_bit(image)
    colour, alpha = _split_alpha(image)

    note = None
    if icc_profile:
        converted = _convert_icc(colour, icc_profile)
        if converted is None:
            note = _warning(
                "icc_profile_ignored",
                "The photo's embedded colour profile could not be read, so colours may be slightly off.",
            )
        colour = converted
    if colour is None or colour.mode != "RGB":
        colour = (colour or image).convert("RGB")

    if alpha is not None:
        background = Image.new("RGB", colour.size, FLATTEN_BACKGROUND)
        colour = Image.composite(colour, background, alpha)
    return colour, note


def _to_8_bit(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # Pillow opens 16-bit greyscale as I;16 or I. Keeping the high byte maps it to 8 bits.
        values = np.asarray(image, dtype=np.int64)
        return Image.fromarray((np.clip(values, 0, 65535) >> 8).astype(np.uint8), mode="L")
    if image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        scale = 255.0 / values.max() if values.max() > 255.0 else 1.0
        return Image.fromarray(np.clip(values * scale, 0, 255).astype(np.uint8), mode="L")
    if image.mode == "1":
        return image.convert("L")
    return image


def _split_alpha(image: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    has_alpha = image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info
    if not has_alpha:
        return image, None

    with_alpha = image.convert("LA" if image.mode in ("L", "LA", "La") else "RGBA")
    colour = with_alpha.convert("L" if with_alpha.mode == "LA" else "RGB")
    return colour, with_alpha.getchannel("A")


def _convert_icc(image: Image.Image, icc_profile: bytes) -> Image.Image | None:
    if image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, _SRGB_PROFILE, outputMode="RGB")
    except Exception as error:  # PyCMSError or OSError for a damaged or mismatched profile.
        logger.info("Converting an embedded ICC profile failed: %s", error)
        return None


def _strip_metadata(image: Image.Image) -> Image.Image:
    # A new image from the raw pixels: no EXIF, GPS, ICC, XMP, comments or thumbnails can come along.
    return Image.frombytes("RGB", image.size, image.tobytes())


def quality_warnings(image: Image.Image) -> list[dict[str, str]]:
    """
    Flag a photo that is too dark, too bright, clipped or blurred.

    The statistics are computed on the 8-bit luminance of a copy scaled to QUALITY_SIDE: the mean, the fraction of
    pixels at either end of the range, and the variance of the 4-neighbour Laplacian (low when edges are soft).
    """
    luminance = _quality_luminance(image)
    mean = float(luminance.mean())
    clipped = float(np.mean((luminance <= 5) | (luminance >= 250)))
    sharpness = laplacian_variance(luminance)

    found = []
    if mean < DARK_MEAN_LUMINANCE:
        found.append(_warning("too_dark", "The photo is very dark. Retake it with more light or the flash on."))
    elif mean > BRIGHT_MEAN_LUMINANCE:
        found.append(_warning("too_bright", "The photo is over-exposed. Retake it with less light or no flash."))
    if clipped > CLIPPED_FRACTION:
        found.append(
            _warning(
                "clipped",
                f"{clipped:.0%} of the photo is pure black or pure white, so detail is lost there. Adjust the "
                "lighting and retake it.",
            )
        )
    if sharpness < BLUR_LAPLACIAN_VARIANCE:
        found.append(
            _warning("blurry", "The photo looks blurred. Hold the camera still, focus on the lesion and retake it.")
        )
    return found


def laplacian_variance(luminance: np.ndarray) -> float:
    """Return the variance of the 4-neighbour Laplacian of a 2-D luminance array (0-255)."""
    if luminance.shape[0] < 3 or luminance.shape[1] < 3:
        return 0.0
    centre = luminance[1:-1, 1:-1]
    laplacian = luminance[:-2, 1:-1] + luminance[2:, 1:-1] + luminance[1:-1, :-2] + luminance[1:-1, 2:] - 4.0 * centre
    return float(laplacian.var())


def _quality_luminance(image: Image.Image) -> np.ndarray:
    small = image.convert("L")
    if max(small.size) > QUALITY_SIDE:
        small.thumbnail((QUALITY_SIDE, QUALITY_SIDE), Image.Resampling.BILINEAR)
    return np.asarray(small, dtype=np.float32)


def _warning(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def _too_many_pixels_error(
    size: tuple[int, int] | None, max_pixels: int | None = None, pixels: int | None = None
) -> ImageRejected:
    if size is not None:
        pixels = size[0] * size[1]
    dimensions = f"{size[0]}×{size[1]} pixels, " if size else ""
    described = f"{dimensions}{pixels / 1_000_000:.0f} megapixels" if pixels else "too large"
    limit = f" The maximum is {max_pixels / 1_000_000:g} megapixels." if max_pixels else ""
    return ImageRejected(
        "too_many_pixels",
        f"The image is {described}, more than can be processed safely.{limit} Upload a smaller photo or export it "
        "at a lower resolution.",
    )


def _unreadable_error(head: bytes) -> ImageRejected:
    kind = sniff_file_type(head)
    if kind in _IMAGE_KINDS_SUPPORTED:
        return ImageRejected(
            "corrupt_image",
            f"The file starts like a {kind} image but cannot be read: it is damaged or cut off. Upload the original "
            "photo again.",
        )
    described = kind or "not a recognised image or document"
    return ImageRejected(
        "unsupported_format",
        f"The file is not a supported photo: its content is {described}. Upload a {ACCEPTED_DESCRIPTION}.",
    )


def _format_name(pillow_format: str) -> str:
    return {"WEBP": "WebP", "HEIF": "HEIC/HEIF"}.get(pillow_format, pillow_format)


_IMAGE_KINDS_SUPPORTED = {"JPEG", "PNG", "WebP", "HEIC/HEIF", "TIFF", "BMP", "GIF"}

# Leading bytes of common files people upload by mistake, used only to name the type in the rejection message.
_MAGIC_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
    (b"%PDF", "a PDF document"),
    (b"%!PS", "a PostScript document"),
    (b"\xc5\xd0\xd3\xc6", "an EPS document"),
    (b"PK\x03\x04", "a ZIP archive (or a Word, Excel or PowerPoint file)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"8BPS", "a Photoshop (PSD) file"),
    (b"\x00\x00\x01\x00", "a Windows icon (ICO) file"),
    (b"\xff\x4f\xff\x51", "a JPEG 2000 image"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"MZ", "a program (Windows executable)"),
)

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}


def sniff_file_type(head: bytes) -> str | None:
    """
    Name the type of a file from its first bytes, or return None when it is not recognised.

    Supported image kinds are returned bare ("JPEG"); other kinds come with an article ("a PDF document").
    """
    for prefix, kind in _MAGIC_PREFIXES:
        if head.startswith(prefix):
            return kind

    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "HEIC/HEIF"
        if brand in (b"avif", b"avis"):
            return "an AVIF image"
        return "a video (MP4 or QuickTime)"
    if head.startswith(b"RIFF"):
        return {b"WEBP": "WebP", b"AVI ": "an AVI video", b"WAVE": "a WAV audio file"}.get(head[8:12], "a RIFF file")
    if len(head) > 132 and head[128:132] == b"DICM":
        return "a DICOM file"
    return _sniff_text(head)


def _sniff_text(head: bytes) -> str | None:
    try:
        text = head.decode("utf-8").lstrip("\ufeff \t\r\n").lower()
    except UnicodeDecodeError:
        return None
    if "<svg" in text:
        return "an SVG image (SVG can carry scripts and is never accepted)"
    if text.startswith("<!doctype html") or "<html" in text:
        return "an HTML page"
    if text.startswith("<?xml"):
        return "an XML document"
    if text.startswith(("{", "[")):
        return "a JSON or text file"
    if all(character.isprintable() or character.isspace() for character in text):
        return "a text file"
    return None

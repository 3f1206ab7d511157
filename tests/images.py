"""
Photos and broken files for the intake tests, generated with Pillow and pillow-heif.

``photo`` draws a textured picture with a red marker in its top-left corner, so a test can tell whether the
decoded result is upright. Every helper returns the file's bytes.
"""

import io
import struct
import zlib

import numpy as np
import pillow_heif
from PIL import ExifTags, Image, ImageCms, ImageFilter

pillow_heif.register_heif_opener()

MARKER_COLOUR = (220, 30, 30)
SERIAL_NUMBER = "SN-4471-OC-TEST"


def photo(width: int = 320, height: int = 240, *, seed: int = 0, brightness: float = 1.0) -> Image.Image:
    """Return an upright RGB picture with fine texture and a red square in the top-left corner."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([90 + 60 * x / width, 120 + 40 * y / height, 110 + 30 * (x + y) / (width + height)], axis=-1)
    texture = rng.normal(0, 25, size=(height, width, 1))
    pixels = np.clip((base + texture) * brightness, 0, 255).astype(np.uint8)
    side = max(8, min(width, height) // 5)
    pixels[:side, :side] = MARKER_COLOUR
    return Image.fromarray(pixels, "RGB")


def marker_is_top_left(image: Image.Image) -> bool:
    """Return True when the red marker of ``photo`` sits in the top-left corner of ``image``."""
    side = max(8, min(image.size) // 5)
    corner = np.asarray(image.convert("RGB").crop((2, 2, side - 2, side - 2)), dtype=np.float64).mean(axis=(0, 1))
    return corner[0] > 150 and corner[1] < 90 and corner[2] < 90


def encode(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def jpeg(image: Image.Image | None = None, **options) -> bytes:
    return encode(image or photo(), "JPEG", quality=90, **options)


def phone_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: orientation, maker, model, body serial number, time and GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "ExamplePhone"
    exif[ExifTags.Base.Model] = "Model 7"
    exif[ExifTags.Base.DateTime] = "2026:03:01 10:15:00"
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.BodySerialNumber] = SERIAL_NUMBER
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    return exif


def sideways_phone_jpeg() -> bytes:
    """A JPEG stored rotated with EXIF orientation 6 (display rotated 90° clockwise), carrying GPS and a serial."""
    upright = photo(320, 240)
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    return jpeg(stored, exif=phone_exif(orientation=6))


def rgba_png() -> bytes:
    image = photo().convert("RGBA")
    alpha = Image.new("L", image.size, 255)
    alpha.paste(0, (image.width * 3 // 4, image.height // 2, image.width, image.height))
    image.putalpha(alpha)
    return encode(image, "PNG")


def palette_png_with_transparency() -> bytes:
    image = photo().convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    return encode(image, "PNG", transparency=0)


def grayscale_jpeg() -> bytes:
    return jpeg(photo().convert("L"))


def cmyk_jpeg() -> bytes:
    return jpeg(photo().convert("CMYK"))


def png_16_bit() -> bytes:
    values = (np.asarray(photo().convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
    return encode(Image.fromarray(values), "PNG")


def webp() -> bytes:
    return encode(photo(), "WEBP", quality=90)


def heic() -> bytes:
    return encode(photo(), "HEIF", quality=90)


def mpo() -> bytes:
    return encode(photo(seed=1), "MPO", save_all=True, append_images=[photo(seed=2)])


def tiff() -> bytes:
    return encode(photo(), "TIFF")


def bmp() -> bytes:
    return encode(photo(), "BMP")


def animated_gif() -> bytes:
    frames = [photo(seed=seed).convert("P", palette=Image.Palette.ADAPTIVE) for seed in range(3)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def truncated_jpeg() -> bytes:
    data = jpeg(photo(640, 480))
    return data[: len(data) * 2 // 3]


def tiny_png() -> bytes:
    return encode(Image.new("RGB", (1, 1), (200, 100, 100)), "PNG")


def long_strip_png() -> bytes:
    return encode(photo(1000, 100), "PNG")


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny PNG whose header claims ``width``×``height`` pixels, so only a header check can stop it cheaply."""
    data = bytearray(encode(Image.new("L", (64, 64)), "PNG"))
    ihdr_start = 8 + 8  # signature, then the chunk's length and type
    data[ihdr_start : ihdr_start + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12 : ihdr_start + 13]))
    data[ihdr_start + 13 : ihdr_start + 17] = struct.pack(">I", crc)
    return bytes(data)


def swapped_primaries_profile() -> bytes:
    """An sRGB ICC profile whose red and green primaries are swapped, so converting it turns red into green."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack(">I", profile[128:132])
    entries = {}
    for index in range(count):
        start = 132 + 12 * index
        entries[bytes(profile[start : start + 4])] = start
    red, green = entries[b"rXYZ"], entries[b"gXYZ"]
    profile[red + 4 : red + 12], profile[green + 4 : green + 12] = (
        profile[green + 4 : green + 12],
        profile[red + 4 : red + 12],
    )
    return bytes(profile)


def red_jpeg_with_profile(icc_profile: bytes) -> bytes:
    return jpeg(Image.new("RGB", (128, 128), (255, 0, 0)), icc_profile=icc_profile)


def dark_jpeg() -> bytes:
    return jpeg(photo(brightness=0.12))


def bright_jpeg() -> bytes:
    return jpeg(photo(brightness=3.0))


def blurred_jpeg() -> bytes:
    return jpeg(photo(640, 480).filter(ImageFilter.GaussianBlur(radius=6)))


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG_BYTES = b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(1)</script></svg>'
HTML_BYTES = b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>"
ZIP_BYTES = b"PK\x03\x04" + bytes(60)


# Every kind of file the intake accepts, by name, with the detected format it must report.
ACCEPTED = {
    "plain.jpg": (lambda: jpeg(), "JPEG"),
    "sideways_phone.jpg": (sideways_phone_jpeg, "JPEG"),
    "rgba.png": (rgba_png, "PNG"),
    "palette_transparency.png": (palette_png_with_transparency, "PNG"),
    "grayscale.jpg": (grayscale_jpeg, "JPEG"),
    "cmyk.jpg": (cmyk_jpeg, "JPEG"),
    "sixteen_bit.png": (png_16_bit, "PNG"),
    "photo.webp": (webp, "WEBP"),
    "photo.heic": (heic, "HEIF"),
    "stereo.mpo": (mpo, "MPO"),
    "scan.tiff": (tiff, "TIFF"),
    "scan.bmp": (bmp, "BMP"),
    "animated.gif": (animated_gif, "GIF"),
}

# Every kind of file the intake rejects, by name, with its rejection code.
REJECTED = {
    "truncated.jpg": (truncated_jpeg, "truncated_image"),
    "empty.jpg": (lambda: b"", "empty_file"),
    "document.jpg": (lambda: PDF_BYTES, "unsupported_format"),
    "drawing.jpg": (lambda: SVG_BYTES, "unsupported_format"),
    "page.jpg": (lambda: HTML_BYTES, "unsupported_format"),
    "archive.jpg": (lambda: ZIP_BYTES, "unsupported_format"),
    "tiny.png": (tiny_png, "too_small"),
    "strip.png": (long_strip_png, "extreme_aspect_ratio"),
    "bomb.png": (bomb_png, "too_many_pixels"),
}

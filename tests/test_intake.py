"""Unit tests of diagnosis.intake.decode_image: every accepted kind ends upright, RGB and metadata-free."""

import io
import random

import numpy as np
import pytest
from PIL import Image

from diagnosis.intake import DecodedImage, ImageLimits, ImageRejected, decode_image, load_rgb, sniff_file_type
from tests import images

ACCEPTED = sorted(images.ACCEPTED.items())
REJECTED = sorted(images.REJECTED.items())


@pytest.mark.parametrize(("name", "kind"), ACCEPTED, ids=[name for name, _ in ACCEPTED])
def test_accepted_kind_is_upright_rgb(name, kind):
    make, expected_format = kind

    decoded = decode_image(make())

    assert isinstance(decoded, DecodedImage)
    assert decoded.detected_format == expected_format
    assert decoded.image.mode == "RGB"
    assert decoded.image.info == {}
    assert not decoded.image.getexif()
    assert (decoded.width, decoded.height) == (320, 240)
    if name in ("grayscale.jpg", "sixteen_bit.png"):
        pixels = np.asarray(decoded.image, dtype=np.int16)
        assert np.abs(pixels[..., 0] - pixels[..., 1]).max() <= 1
    else:
        assert images.marker_is_top_left(decoded.image)


@pytest.mark.parametrize(("name", "kind"), REJECTED, ids=[name for name, _ in REJECTED])
def test_rejected_kind_has_code_and_message(name, kind):
    make, expected_code = kind

    with pytest.raises(ImageRejected) as raised:
        decode_image(make())

    assert raised.value.code == expected_code
    assert len(raised.value.message) > 30
    assert raised.value.message.endswith(".")


def test_exif_orientation_applied_to_pixels():
    data = images.sideways_phone_jpeg()
    assert Image.open(io.BytesIO(data)).size == (240, 320)

    decoded = decode_image(data)

    assert decoded.image.size == (320, 240)
    assert images.marker_is_top_left(decoded.image)


def test_gps_and_serial_number_removed():
    data = images.sideways_phone_jpeg()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)

    decoded = decode_image(data)
    stored = images.encode(decoded.image, "PNG")

    assert b"Exif" not in stored
    assert images.SERIAL_NUMBER.encode() not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_transparency_flattened_onto_white():
    decoded = decode_image(images.rgba_png())

    assert decoded.image.getpixel((decoded.width - 1, decoded.height - 1)) == (255, 255, 255)


def test_palette_transparency_flattened():
    decoded = decode_image(images.palette_png_with_transparency())

    assert decoded.image.mode == "RGB"
    assert decoded.detected_format == "PNG"


def test_icc_profile_converted_to_srgb():
    decoded = decode_image(images.red_jpeg_with_profile(images.swapped_primaries_profile()))

    red, green, blue = decoded.image.getpixel((64, 64))
    assert green > 200
    assert red < 60


def test_damaged_icc_profile_warns():
    decoded = decode_image(images.red_jpeg_with_profile(b"not a profile" * 20))

    assert "icc_profile_ignored" in [warning["code"] for warning in decoded.warnings]
    assert decoded.image.getpixel((64, 64))[0] > 200


def test_cmyk_becomes_plausible_rgb():
    original = np.asarray(images.photo(), dtype=np.float64)

    decoded = np.asarray(decode_image(images.cmyk_jpeg()).image, dtype=np.float64)

    assert np.abs(decoded - original).mean() < 20


def test_sixteen_bit_keeps_brightness():
    original = np.asarray(images.photo().convert("L"), dtype=np.float64)

    decoded = np.asarray(decode_image(images.png_16_bit()).image.convert("L"), dtype=np.float64)

    assert np.abs(decoded - original).mean() < 2


@pytest.mark.parametrize("make", [images.animated_gif, images.mpo], ids=["gif", "mpo"])
def test_multi_frame_keeps_first_frame_with_warning(make):
    decoded = decode_image(make())

    assert "multi_frame" in [warning["code"] for warning in decoded.warnings]
    assert images.marker_is_top_left(decoded.image)


@pytest.mark.parametrize(
    ("make", "code"),
    [(images.dark_jpeg, "too_dark"), (images.bright_jpeg, "too_bright"), (images.blurred_jpeg, "blurry")],
    ids=["dark", "bright", "blurred"],
)
def test_quality_warning(make, code):
    decoded = decode_image(make())

    codes = [warning["code"] for warning in decoded.warnings]
    assert code in codes
    assert all(set(warning) == {"code", "message"} for warning in decoded.warnings)


def test_sharp_photo_has_no_quality_warning():
    assert decode_image(images.jpeg()).warnings == []


def test_pixel_limit_checked_before_decoding():
    data = images.bomb_png(9_000, 9_000)

    with pytest.raises(ImageRejected) as raised:
        decode_image(data)

    assert raised.value.code == "too_many_pixels"
    assert "9000×9000" in raised.value.message
    assert "50 megapixels" in raised.value.message


def test_limits_are_stated_in_messages():
    with pytest.raises(ImageRejected) as too_many:
        decode_image(images.jpeg(images.photo(320, 240)), limits=ImageLimits(max_pixels=10_000))
    with pytest.raises(ImageRejected) as too_small:
        decode_image(images.jpeg(images.photo(320, 240)), limits=ImageLimits(min_side=300))
    with pytest.raises(ImageRejected) as too_long:
        decode_image(images.jpeg(images.photo(320, 240)), limits=ImageLimits(max_aspect_ratio=1.2))

    assert "0.01 megapixels" in too_many.value.message
    assert "at least 300 pixels" in too_small.value.message
    assert "maximum is 1.2" in too_long.value.message


def test_unsupported_message_names_type_and_accepted_formats():
    with pytest.raises(ImageRejected) as raised:
        decode_image(images.PDF_BYTES)

    assert "PDF document" in raised.value.message
    assert "JPEG, PNG, WebP or HEIC" in raised.value.message


def test_corrupt_png_rejected():
    data = bytearray(images.encode(images.photo(), "PNG"))
    data[200:260] = bytes(60)

    with pytest.raises(ImageRejected) as raised:
        decode_image(bytes(data))

    assert raised.value.code in ("corrupt_image", "truncated_image")


def test_header_only_jpeg_is_corrupt():
    with pytest.raises(ImageRejected) as raised:
        decode_image(images.jpeg()[:40])

    assert raised.value.code in ("corrupt_image", "truncated_image")
    assert "JPEG" in raised.value.message


def test_sources_path_file_and_bytes(tmp_path):
    data = images.jpeg()
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)

    from_path = load_rgb(path)
    from_string = load_rgb(str(path))
    from_file = load_rgb(io.BytesIO(data))
    from_bytes = load_rgb(data)

    for image in (from_string, from_file, from_bytes):
        assert image.tobytes() == from_path.tobytes()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7", "a PDF document"),
        (b"\x00\x00\x00\x18ftypheic", "HEIC/HEIF"),
        (b"\x00\x00\x00\x18ftypavif", "an AVIF image"),
        (b"\x00\x00\x00\x18ftypisom", "a video (MP4 or QuickTime)"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><svg>", "an SVG image (SVG can carry scripts and is never accepted)"),
        (b"<?xml version='1.0'?><note/>", "an XML document"),
        (bytes(range(256)), None),
    ],
)
def test_sniff_file_type(head, expected):
    assert sniff_file_type(head) == expected


FUZZED_SOURCES = {
    "jpeg": images.jpeg,
    "png": lambda: images.encode(images.photo(), "PNG"),
    "webp": images.webp,
    "gif": images.animated_gif,
    "tiff": images.tiff,
    "heic": images.heic,
    "bmp": images.bmp,
    "mpo": images.mpo,
}


@pytest.mark.parametrize("kind", sorted(FUZZED_SOURCES))
def test_damaged_files_raise_only_rejection(kind):
    rng = random.Random(f"intake-{kind}")
    original = FUZZED_SOURCES[kind]()

    for _ in range(40):
        data = bytearray(original)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]

        try:
            decoded = decode_image(bytes(data))
        except ImageRejected as rejection:
            assert rejection.code
            assert rejection.message
        else:
            assert decoded.image.mode == "RGB"

"""prepare_cover(): a cover that fits is kept byte for byte, anything else becomes a JPEG that fits, and
anything that is not a complete, sanely sized image is refused with a reason."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from pressplant.audio.cover import MAX_COVER_PIXELS, prepare_cover
from pressplant.audio.errors import BadCover


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    return Image.open(BytesIO(data))


def gradient(width: int, height: int, mode: str = "RGB") -> Image.Image:
    return Image.linear_gradient("L").resize((width, height)).convert(mode)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose IHDR says width x height over a tiny IDAT: the header of a decompression bomb."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def test_a_jpeg_that_fits_is_kept_byte_for_byte():
    data = encode(gradient(1400, 1000), "JPEG", quality=95)
    cover = prepare_cover(data)
    assert cover.data == data
    assert (cover.mime, cover.width_px, cover.height_px, cover.depth_bits) == ("image/jpeg", 1400, 1000, 24)


def test_a_png_that_fits_is_kept_byte_for_byte_transparency_and_all():
    data = encode(gradient(600, 600, "RGBA"), "PNG")
    cover = prepare_cover(data)
    assert (cover.data, cover.mime, cover.depth_bits) == (data, "image/png", 32)


def test_a_3000_px_cover_becomes_a_jpeg_of_at_most_1400_px():
    cover = prepare_cover(encode(gradient(3000, 3000), "JPEG", quality=95))
    image = opened(cover.data)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (1400, 1400))
    assert (cover.mime, cover.width_px, cover.height_px) == ("image/jpeg", 1400, 1400)


def test_scaling_keeps_the_aspect_ratio_and_honours_max_px():
    cover = prepare_cover(encode(gradient(3000, 1500), "PNG"), max_px=600)
    assert opened(cover.data).size == (600, 300) == (cover.width_px, cover.height_px)


@pytest.mark.parametrize(("fmt", "mode"), [("WEBP", "RGB"), ("GIF", "P"), ("BMP", "RGB"), ("TIFF", "CMYK")])
def test_other_formats_become_rgb_jpegs(fmt, mode):
    cover = prepare_cover(encode(gradient(200, 100, mode), fmt))
    image = opened(cover.data)
    assert (image.format, image.mode, image.size, cover.mime) == ("JPEG", "RGB", (200, 100), "image/jpeg")


def test_a_cmyk_jpeg_is_converted_because_players_show_it_in_wrong_colours():
    data = encode(Image.new("CMYK", (100, 100), (0, 255, 255, 0)), "JPEG")  # pure red in print terms
    cover = prepare_cover(data)
    image = opened(cover.data)
    assert cover.data != data and image.mode == "RGB"
    red, green, blue = image.getpixel((50, 50))
    assert red > 200 and green < 60 and blue < 60


def test_transparency_is_flattened_onto_white_when_converting():
    data = encode(Image.new("RGBA", (2000, 1000), (0, 0, 0, 0)), "PNG")
    image = opened(prepare_cover(data).data)
    assert image.getpixel((10, 10)) == (255, 255, 255)


def test_an_exif_rotated_jpeg_is_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    data = encode(gradient(400, 200), "JPEG", exif=exif.tobytes())
    cover = prepare_cover(data)
    assert cover.data != data and (cover.width_px, cover.height_px) == (200, 400)


def test_a_cover_heavier_than_the_limit_is_re_encoded_even_if_it_fits():
    data = encode(Image.effect_noise((800, 800), 100).convert("RGB"), "PNG")
    cover = prepare_cover(data, max_kept_bytes=len(data) - 1)
    assert cover.mime == "image/jpeg" and cover.width_px == 800


@pytest.mark.parametrize(("data", "reason"), [
    (b"", r"cover is empty"),
    (b"<html>not an image</html>", r"not an image in a format we accept .* starts with b'<html>no'"),
    (b"%!PS-Adobe-3.0 EPSF-3.0\n", r"not an image in a format we accept"),
])
def test_non_images_are_refused(data, reason):
    with pytest.raises(BadCover, match=reason):
        prepare_cover(data)


def test_a_truncated_jpeg_is_refused():
    data = encode(gradient(800, 800), "JPEG")
    with pytest.raises(BadCover, match=r"JPEG 800x800 is damaged or truncated"):
        prepare_cover(data[: len(data) // 2])


def test_a_truncated_png_is_refused():
    data = encode(Image.new("RGB", (300, 300), (1, 2, 3)), "PNG")
    with pytest.raises(BadCover, match=r"PNG 300x300 is damaged or truncated"):
        prepare_cover(data[:-20])


def test_a_png_past_our_pixel_limit_is_refused_before_decoding():
    side = int(MAX_COVER_PIXELS**0.5) + 100
    with pytest.raises(BadCover, match=rf"{side}x{side} = \d+ pixels, more than the {MAX_COVER_PIXELS}"):
        prepare_cover(png_claiming(side, side))


def test_a_png_past_pillows_bomb_limit_is_refused():
    with pytest.raises(BadCover, match=r"decompression bomb"):
        prepare_cover(png_claiming(20_000, 20_000))


def test_max_px_must_be_positive():
    with pytest.raises(ValueError, match="max_px"):
        prepare_cover(encode(gradient(10, 10), "PNG"), max_px=0)

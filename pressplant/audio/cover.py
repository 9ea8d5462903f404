"""Cover art made safe to embed in every rendition.

Covers come from labels (DDEX `FrontCoverImage`) and are untrusted: each one is decoded completely with
Pillow before it is embedded, so a truncated file or a decompression bomb is refused here and never
reaches a customer's player. A JPEG or PNG that already fits is kept byte for byte (no generation loss);
anything else becomes a baseline RGB JPEG, which every player that shows covers can decode.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from pressplant.audio.errors import BadCover

MAX_COVER_PIXELS = 36_000_000
"""Refuse images past 6000 x 6000 before decoding them: a decoded RGB image of this size is ~108 MB."""

MAX_KEPT_BYTES = 4_000_000
"""A cover larger than this is re-encoded even if it fits: it is copied into every track of a release."""

JPEG_QUALITY = 90

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
"""The Pillow decoders a cover may go through; others (EPS runs Ghostscript) are never tried."""

KEPT_MIME = {"JPEG": "image/jpeg", "PNG": "image/png"}
"""Formats kept byte for byte when they fit, with the media type written into the tags."""

_KEPT_MODES = {"JPEG": frozenset({"RGB", "L"}), "PNG": frozenset({"RGB", "RGBA", "L", "LA", "P", "I;16"})}
"""CMYK JPEGs show with wrong colours in many players, so only these modes are kept."""

_DEPTH_BITS = {"1": 1, "L": 8, "P": 8, "LA": 16, "I;16": 16, "RGB": 24, "RGBA": 32, "CMYK": 32}
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True, slots=True)
class Cover:
    """An image ready to embed: its bytes as they go into the file, and what they are."""

    data: bytes
    mime: str
    width_px: int
    height_px: int
    depth_bits: int = 24
    """Bits per pixel, as FLAC's PICTURE block states it."""


def prepare_cover(data: bytes, max_px: int = 1400, max_kept_bytes: int = MAX_KEPT_BYTES) -> Cover:
    """Validate `data` and return a cover at most `max_px` on both sides.

    Raises BadCover for anything that is not a complete image Pillow can decode within the pixel limit.
    """
    if max_px < 1:
        raise ValueError(f"max_px must be positive, got {max_px}")
    image = _decoded(data)
    if _is_kept(image, len(data), max_px, max_kept_bytes):
        return Cover(data=data, mime=KEPT_MIME[str(image.format)], width_px=image.width,
                     height_px=image.height, depth_bits=_DEPTH_BITS.get(image.mode, 24))
    return _as_jpeg(image, max_px)


def _decoded(data: bytes) -> Image.Image:
    if not data:
        raise BadCover("cover is empty (0 bytes)")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(BytesIO(data), formats=ACCEPTED_FORMATS)
        except UnidentifiedImageError:
            raise BadCover(f"cover is not an image in a format we accept ({', '.join(ACCEPTED_FORMATS)}); "
                           f"it starts with {data[:8]!r}") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise BadCover(f"cover refused as a decompression bomb: {exc}") from None
        _check_pixels(image)
        try:
            image.verify()  # PNG: every chunk's CRC and the IEND chunk; a no-op for most others
            image = Image.open(BytesIO(data), formats=ACCEPTED_FORMATS)
            image.load()  # a full decode: a truncated JPEG fails here
        except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError... on damaged data
            raise BadCover(f"cover {image.format} {image.width}x{image.height} is damaged or truncated: "
                           f"{exc}") from None
    return image


def _check_pixels(image: Image.Image) -> None:
    pixels = image.width * image.height
    if pixels > MAX_COVER_PIXELS:
        raise BadCover(f"cover is {image.width}x{image.height} = {pixels} pixels, more than the "
                       f"{MAX_COVER_PIXELS} we decode (possible decompression bomb)")


def _is_kept(image: Image.Image, size_bytes: int, max_px: int, max_kept_bytes: int) -> bool:
    kept_modes = _KEPT_MODES.get(str(image.format), frozenset())
    return (image.mode in kept_modes
            and max(image.width, image.height) <= max_px
            and size_bytes <= max_kept_bytes
            and image.getexif().get(_EXIF_ORIENTATION, 1) == 1)


def _as_jpeg(image: Image.Image, max_px: int) -> Cover:
    rgb = _to_rgb(ImageOps.exif_transpose(image))
    rgb.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    out = BytesIO()
    rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Cover(data=out.getvalue(), mime="image/jpeg", width_px=rgb.width, height_px=rgb.height)


def _to_rgb(image: Image.Image) -> Image.Image:
    """sRGB pixels: through the embedded ICC profile when there is one, transparency onto white."""
    converted = _to_srgb(image)
    if converted is not None:
        return converted
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def _to_srgb(image: Image.Image) -> Image.Image | None:
    """The image in sRGB when it is RGB or CMYK with a usable ICC profile (print covers are CMYK)."""
    icc = image.info.get("icc_profile")
    if image.mode not in ("RGB", "CMYK") or not icc:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(BytesIO(icc))
        return ImageCms.profileToProfile(image, profile, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None

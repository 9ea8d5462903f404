"""Values the engine carries from the catalogue into every file: the track's tags and its loudness."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

REPLAYGAIN_REFERENCE_LUFS = -18.0
"""ReplayGain 2.0 aims at -18 LUFS (EBU R128 measured)."""

R128_REFERENCE_LUFS = -23.0
"""Opus R128_*_GAIN tags are relative to -23 LUFS (RFC 7845)."""


@dataclass(frozen=True, slots=True)
class Loudness:
    """EBU R128 integrated loudness and true peak of a master (or of a whole release, for album gain)."""

    integrated_lufs: float
    true_peak_dbtp: float

    @property
    def replaygain_gain_db(self) -> float:
        return self._clip_safe(REPLAYGAIN_REFERENCE_LUFS - self.integrated_lufs)

    def _clip_safe(self, gain_db: float) -> float:
        """A gain that raises the level never lifts the true peak above full scale (as rsgain does by
        default): a quiet track with loud transients, or a near-silent one reading -70 LUFS, would
        otherwise be told to play up to +52 dB louder."""
        return min(gain_db, -self.true_peak_dbtp) if gain_db > 0 else gain_db

    @property
    def replaygain_peak(self) -> float:
        """True peak as a linear amplitude (1.0 = full scale), as ReplayGain's *_PEAK tags want it."""
        return 10 ** (self.true_peak_dbtp / 20)

    @property
    def r128_gain_q78(self) -> int:
        """Opus R128 gain: Q7.8 fixed point dB relative to -23 LUFS, clamped to a signed 16-bit value."""
        value = round(self._clip_safe(R128_REFERENCE_LUFS - self.integrated_lufs) * 256)
        return max(-32768, min(32767, value))

    def replaygain_texts(self) -> tuple[str, str]:
        """(gain, peak) as written in tags: "-3.52 dB", "0.988553"."""
        return f"{self.replaygain_gain_db:+.2f} dB", f"{self.replaygain_peak:.6f}"

    @classmethod
    def silent(cls) -> Loudness:
        return cls(integrated_lufs=-70.0, true_peak_dbtp=-math.inf)


@dataclass(frozen=True, slots=True)
class TrackTags:
    """What every rendition of a track says about itself, whatever its container."""

    title: str
    artists: tuple[str, ...] = ()
    album_artist: str | None = None
    album: str | None = None
    track_number: int | None = None
    track_total: int | None = None
    disc_number: int | None = None
    disc_total: int | None = None
    date: str | None = None
    """ISO 8601: "2026", "2026-11" or "2026-11-29"."""
    genre: str | None = None
    isrc: str | None = None
    barcode: str | None = None
    label: str | None = None
    copyright: str | None = None
    track_loudness: Loudness | None = None
    album_loudness: Loudness | None = None
    encoder_settings: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())
    """Further free-form (KEY, value) pairs, written where the container allows free-form keys."""

    @property
    def artist(self) -> str:
        """The display artist: every artist joined, as players show a single artist field."""
        return ", ".join(self.artists)

    def with_encoder(self, settings: str) -> TrackTags:
        return replace(self, encoder_settings=settings)


@dataclass(frozen=True, slots=True)
class Gapless:
    """Encoder delay and end padding around the real samples, for containers that say it in a tag."""

    delay_samples: int
    padding_samples: int
    valid_samples: int

    def itunsmpb(self) -> str:
        """Apple's iTunSMPB text: delay, padding and length in hex, as iTunes writes it."""
        words = [0, self.delay_samples, self.padding_samples, self.valid_samples] + [0] * 8
        widths = [8, 8, 8, 16] + [8] * 8
        return "".join(f" {w:0{n}X}" for w, n in zip(words, widths, strict=True))

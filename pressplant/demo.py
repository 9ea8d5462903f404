"""Synthesized demo music: lossless masters that sound like something, made from a seed, no samples shipped.

Each track is a chord progression (additive voices with envelopes) over a drum pattern, so encoders
see tonal and transient material, and loudness differs from track to track.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

_SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10), "dorian": (0, 2, 3, 5, 7, 9, 10)}
_PROGRESSIONS = ((0, 5, 3, 4), (0, 3, 4, 4), (5, 3, 0, 4), (0, 4, 5, 3))


@dataclass(frozen=True, slots=True)
class MasterSpec:
    seed: int
    seconds: float
    rate_hz: int = 44_100
    bits: int = 16
    channels: int = 2


def synthesize(spec: MasterSpec) -> NDArray[np.float32]:
    """(channels, samples) float32 in [-1, 1): the music of `spec.seed`, deterministic."""
    rng = np.random.default_rng(spec.seed)
    n = int(spec.seconds * spec.rate_hz)
    t = np.arange(n, dtype=np.float64) / spec.rate_hz
    bpm = float(rng.integers(84, 140))
    beat_s = 60.0 / bpm
    root_hz = 110.0 * 2 ** (int(rng.integers(0, 12)) / 12)
    scale = list(_SCALES.values())[int(rng.integers(0, len(_SCALES)))]
    progression = _PROGRESSIONS[int(rng.integers(0, len(_PROGRESSIONS)))]
    left = np.zeros(n)
    right = np.zeros(n)
    bar_s = 4 * beat_s
    for bar, start in enumerate(np.arange(0.0, spec.seconds, bar_s)):
        degree = progression[bar % len(progression)]
        chord = [scale[(degree + k) % 7] + 12 * ((degree + k) // 7) for k in (0, 2, 4)]
        _add_chord(left, right, t, start, bar_s, root_hz, chord, rng)
    _add_drums(left, right, spec.rate_hz, beat_s, rng)
    stereo = np.stack([left, right])
    level = 10 ** (rng.uniform(-9.0, -1.5) / 20)
    stereo *= level / max(1e-9, float(np.max(np.abs(stereo))))
    fade = min(n, int(0.02 * spec.rate_hz))
    ramp = np.linspace(0.0, 1.0, fade)
    stereo[:, :fade] *= ramp
    stereo[:, n - fade:] *= ramp[::-1]
    mono: NDArray[np.float32] = stereo.mean(axis=0, keepdims=True).astype(np.float32)
    return mono if spec.channels == 1 else stereo.astype(np.float32)


def _add_chord(left: NDArray[np.float64], right: NDArray[np.float64], t: NDArray[np.float64], start: float,
               length: float, root_hz: float, chord: list[int], rng: np.random.Generator) -> None:
    rate = round(1 / (t[1] - t[0])) if len(t) > 1 else 44_100
    a, b = int(start * rate), min(len(t), int((start + length) * rate))
    if a >= b:
        return
    local = t[a:b] - start
    envelope = np.minimum(1.0, local / 0.05) * np.exp(-local * rng.uniform(0.4, 1.2))
    for i, semitone in enumerate(chord):
        hz = root_hz * 2 ** (semitone / 12)
        voice = sum(np.sin(2 * np.pi * hz * h * local) / h**1.5 for h in (1, 2, 3, 4))
        pan = 0.3 + 0.2 * i
        left[a:b] += voice * envelope * (1 - pan)
        right[a:b] += voice * envelope * pan
    bass_hz = root_hz / 2 * 2 ** (chord[0] / 12)
    bass = np.sin(2 * np.pi * bass_hz * local) * np.exp(-local * 0.8)
    left[a:b] += 0.8 * bass
    right[a:b] += 0.8 * bass


def _add_drums(left: NDArray[np.float64], right: NDArray[np.float64], rate: int, beat_s: float,
               rng: np.random.Generator) -> None:
    n = len(left)
    kick_t = np.arange(int(0.25 * rate)) / rate
    kick = np.sin(2 * np.pi * (50 + 90 * np.exp(-kick_t * 30)) * kick_t) * np.exp(-kick_t * 12) * 1.5
    hat = rng.standard_normal(int(0.04 * rate)) * np.exp(-np.arange(int(0.04 * rate)) / rate * 90) * 0.25
    for beat, start in enumerate(np.arange(0.0, n / rate, beat_s / 2)):
        a = int(start * rate)
        sound = kick if beat % 2 == 0 else hat
        b = min(n, a + len(sound))
        left[a:b] += sound[: b - a]
        right[a:b] += sound[: b - a] * (1.0 if beat % 2 == 0 else 0.6)


def write_master(path: Path, spec: MasterSpec) -> Path:
    """Write `spec` as a FLAC (16 or 24 bits) or, by extension, a WAV or AIFF master at `path`."""
    audio = synthesize(spec)
    scale = 2 ** (spec.bits - 1) - 1
    codecs = {".flac": "flac", ".wav": f"pcm_s{spec.bits}le", ".aiff": f"pcm_s{spec.bits}be"}
    sample_format = "s16" if spec.bits == 16 else "s32"
    ints = np.round(audio * scale).astype(np.int32)
    if spec.bits == 24:
        ints = ints << 8
    packed = ints.T.reshape(1, -1).astype(np.int16 if spec.bits == 16 else np.int32)
    layout = "mono" if spec.channels == 1 else "stereo"
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codecs[path.suffix], rate=spec.rate_hz)
        assert isinstance(stream, av.audio.stream.AudioStream)
        stream.codec_context.layout = layout
        stream.codec_context.format = sample_format
        block = 4096
        for start in range(0, packed.shape[1], block * spec.channels):
            chunk = np.ascontiguousarray(packed[:, start:start + block * spec.channels])
            frame = av.AudioFrame.from_ndarray(chunk, format=sample_format, layout=layout)
            frame.sample_rate = spec.rate_hz
            frame.pts = start // spec.channels
            frame.time_base = Fraction(1, spec.rate_hz)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


@dataclass(frozen=True, slots=True)
class DemoRelease:
    label: str
    artist: str
    title: str
    year: int
    genre: str
    upc: str
    tracks: tuple[str, ...]
    rate_hz: int = 44_100
    bits: int = 16
    release_type: str = "Album"


DEMO_RELEASES = (
    DemoRelease("Northern Press", "Ivory Lanterns", "Signal Fires", 2025, "Electronic", "5012345678900",
                ("Signal Fires", "Low Orbit", "Harbour Lights", "Северный ветер", "Tidal Clock", "Night Ferry",
                 "Lantern Code", "Last Train North")),
    DemoRelease("Cold Spring Audio", "Marta Vane", "Glass Weather", 2026, "Ambient", "0724384960650",
                ("Glass Weather", "Salt Flats", "夜の散歩", "Slow Thaw", "White Noise Garden", "Rime"),
                rate_hz=96_000, bits=24),
    DemoRelease("Northern Press", "The Quiet Engines", "Pistons & Petals", 2024, "Indie", "4006381333931",
                ("Pistons", "Petals", "Coal Smoke Waltz", "Gearbox Lullaby", "Steam Garden", "Rail Song",
                 "Brass Hearts", "Depot", "Sleeper Car")),
    DemoRelease("Kettle Hole Records", "Дом Культуры", "Окраины", 2026, "Post-punk", "4607012345677",
                ("Окраины", "Трамвай", "Северное сияние", "Зима", "Подъезд", "Последний автобус",
                 "Панельный дом")),
    DemoRelease("Kettle Hole Records", "Nadia Okafor", "Lagos Tapes", 2025, "Afrobeat", "0602547924933",
                ("Harmattan", "Third Mainland", "Danfo", "Suya Smoke", "Eko Nights", "Lekki Tide", "Oshodi",
                 "Kalakuta Echo")),
    DemoRelease("Cold Spring Audio", "Halvard Moe", "Fjord Studies", 2023, "Classical", "7038010055102",
                ("Study I: Ice", "Study II: Water", "Study III: Stone", "Study IV: Light", "Study V: Wind",
                 "Study VI: Dusk", "Study VII: Night"), rate_hz=96_000, bits=24),
    DemoRelease("Northern Press", "Ivory Lanterns", "Harbour Lights EP", 2026, "Electronic", "5012345678917",
                ("Harbour Lights (Extended)", "Harbour Lights (Dub)", "Fog Signal", "Pier 9"), release_type="EP"),
    DemoRelease("Kettle Hole Records", "Various Artists", "Kettle Hole Sampler Vol. 1", 2026, "Compilation",
                "4607012345684",
                ("Окраины (Radio Edit)", "Danfo (Short Mix)", "Gearbox Lullaby (Demo)", "Rain on Tin",
                 "Smoke Signals", "Corner Shop", "Borrowed Time", "Night Bus", "Static", "Goodnight Kettle",
                 "Hidden Track"), release_type="Compilation"),
)
DEMO_TRACK_SECONDS = (24.0, 31.5, 27.25, 35.0, 19.75, 42.5, 22.0, 29.5, 38.25)
"""Short on purpose: the demo builds in about a minute; varied so no two tracks line up."""


def _cover_jpeg(seed: int, title: str) -> bytes:
    """A generated 1000 px cover: a two-colour gradient with the title, as a label's artwork would be."""
    import io

    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    top, bottom = rng.integers(0, 255, 3), rng.integers(0, 255, 3)
    ramp = np.linspace(0.0, 1.0, 1000)[:, None, None]
    pixels = (top * (1 - ramp) + bottom * ramp).repeat(1000, axis=1).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    ImageDraw.Draw(image).text((60, 880), title, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def build_demo_masters(folder: Path) -> Path:
    """Write the demo releases as tagged FLAC masters with cover.jpg files under `folder` (idempotent)."""
    from pressplant.audio.formats import FORMATS
    from pressplant.audio.metadata import TrackTags
    from pressplant.audio.tags import write_tags

    for r_index, release in enumerate(DEMO_RELEASES):
        album_dir = folder / release.label / f"{release.artist} - {release.title}"
        album_dir.mkdir(parents=True, exist_ok=True)
        cover = album_dir / "cover.jpg"
        if not cover.exists():
            cover.write_bytes(_cover_jpeg(r_index, release.title))
        for t_index, title in enumerate(release.tracks, start=1):
            path = album_dir / f"{t_index:02d} {title}.flac"
            if path.exists():
                continue
            seconds = DEMO_TRACK_SECONDS[(t_index - 1) % len(DEMO_TRACK_SECONDS)]
            part = path.with_name(path.name + ".part.flac")
            write_master(part, MasterSpec(seed=100 * r_index + t_index, seconds=seconds,
                                          rate_hz=release.rate_hz, bits=release.bits))
            tags = TrackTags(
                title=title, artists=(release.artist,), album_artist=release.artist, album=release.title,
                track_number=t_index, track_total=len(release.tracks), disc_number=1, disc_total=1,
                date=str(release.year), genre=release.genre, barcode=release.upc, label=release.label,
                isrc=f"GBPPL{release.year % 100:02d}{r_index:01d}{t_index:04d}",
                copyright=f"{release.year} {release.label}", extra=(("RELEASETYPE", release.release_type),),
            )
            write_tags(part, FORMATS["flac"], tags, None)
            part.replace(path)
    return folder


DEMO_BUYER_EMAIL = "demo@pressplant.test"
DEMO_BUYER_PASSWORD = "listen-to-the-demo"  # noqa: S105  (a published demo account, not a secret)
DEMO_BUYER_TOP_UP = "50.00"


def ensure_demo_buyer() -> tuple[str, str]:
    """The demo buyer, with a wallet topped up once by a voucher (idempotent): (email, password)."""
    from pressplant.accounts.actions import sign_up
    from pressplant.accounts.models import Customer
    from pressplant.ledger.actions import entries_for
    from pressplant.money import Money
    from pressplant.payments.actions import create_vouchers, redeem_voucher

    customer = Customer.objects.filter(user__email=DEMO_BUYER_EMAIL).first()
    if customer is None:
        customer = sign_up(DEMO_BUYER_EMAIL, DEMO_BUYER_PASSWORD, "GB")
    if not entries_for(customer.wallet_account).exists():
        code = create_vouchers(Money.parse(DEMO_BUYER_TOP_UP, customer.currency), 1, batch="demo")[0]
        redeem_voucher(customer.pk, code)
    return DEMO_BUYER_EMAIL, DEMO_BUYER_PASSWORD


DEMO_LABEL_EMAIL = "label@pressplant.test"
DEMO_LABEL_PASSWORD = "run-the-label"  # noqa: S105  (a published demo account, not a secret)
DEMO_LABEL_SHARES = {"Northern Press": "0.70", "Cold Spring Audio": "0.65", "Kettle Hole Records": "0.72"}
DEMO_PRE_ORDER = ("Harbour Lights EP", "2027-01-15")
"""A release on pre-order: licensed worldwide from this date."""
DEMO_NOT_IN_GERMANY = "Lagos Tapes"
"""A release licensed everywhere but Germany (an ExcludedTerritoryCode deal)."""
DEMO_SALES = (("DE", "Signal Fires", "flac"), ("US", "Signal Fires", "mp3-320"), ("FR", "Glass Weather", "flac"),
              ("GB", "Pistons & Petals", "mp3-v0"), ("US", "Lagos Tapes", "aac-256"), ("DE", "Окраины", "opus-160"))


def ensure_demo_rights() -> None:
    """Label agreements, an artist split, a pre-order, a territory exclusion, a label user, and a few sales
    from buyers in four countries, so the dashboard and statements have something to show (idempotent)."""
    from django.contrib.auth import get_user_model

    from pressplant.accounts.actions import sign_up
    from pressplant.catalogue.models import Label, Release
    from pressplant.rights.models import LabelAgreement, LabelMember, Payee, RoyaltySplit

    for name, share in DEMO_LABEL_SHARES.items():
        label = Label.objects.filter(name=name).first()
        if label is None:
            continue
        payee, _ = Payee.objects.get_or_create(code=f"label-{label.pk}", defaults={
            "name": name, "kind": Payee.Kind.LABEL, "label": label})
        LabelAgreement.objects.get_or_create(label=label, defaults={"payee": payee, "share_rate": share})
    signal_fires = Release.objects.filter(title="Signal Fires").select_related("label").first()
    if signal_fires is not None and signal_fires.label is not None and not signal_fires.royalty_splits.exists():
        artist, _ = Payee.objects.get_or_create(code="ivory-lanterns", defaults={
            "name": "Ivory Lanterns", "kind": Payee.Kind.ARTIST, "label": signal_fires.label})
        label_payee = Payee.objects.get(code=f"label-{signal_fires.label_id}")
        RoyaltySplit.objects.create(release=signal_fires, payee=label_payee, basis_points=7_000)
        RoyaltySplit.objects.create(release=signal_fires, payee=artist, basis_points=3_000)
    _ensure_demo_deals()
    northern = Label.objects.filter(name="Northern Press").first()
    if northern is not None:
        user = get_user_model().objects.filter(username=DEMO_LABEL_EMAIL).first()
        if user is None:  # an account like any other, so the store's sign-in form takes it
            user = sign_up(DEMO_LABEL_EMAIL, DEMO_LABEL_PASSWORD, "GB").user
        LabelMember.objects.get_or_create(user=user, label=northern)
    _ensure_demo_sales()


def _ensure_demo_deals() -> None:
    import datetime

    from pressplant.catalogue.models import Release
    from pressplant.rights.models import Deal, Licence

    title, starts = DEMO_PRE_ORDER
    deals = {title: {"territory_codes": ["Worldwide"], "start_date": datetime.date.fromisoformat(starts)},
             DEMO_NOT_IN_GERMANY: {"territory_codes": [], "excluded_territory_codes": ["DE"],
                                   "start_date": datetime.date(2025, 1, 1)}}
    for title, terms in deals.items():
        release = Release.objects.filter(title=title).first()
        if release is None or Licence.objects.filter(release=release).exists():
            continue
        Licence.objects.create(release=release, source=Licence.Source.DIRECT)
        Deal.objects.create(release=release, commercial_model_types=["PayAsYouGoModel"],
                            use_types=["PermanentDownload"], **terms)


def _ensure_demo_sales() -> None:
    from pressplant.accounts.actions import sign_up
    from pressplant.accounts.models import Customer
    from pressplant.catalogue.models import Release
    from pressplant.ledger.actions import entries_for
    from pressplant.money import Money
    from pressplant.orders.actions import OrderError, OrderItem, place_order
    from pressplant.payments.actions import create_vouchers, redeem_voucher

    for country, title, format_name in DEMO_SALES:
        email = f"buyer-{country.lower()}@pressplant.test"
        customer = Customer.objects.filter(user__email=email).first()
        if customer is None:
            customer = sign_up(email, DEMO_BUYER_PASSWORD, country)
        if not entries_for(customer.wallet_account).exists():
            code = create_vouchers(Money.parse("30.00", customer.currency), 1, batch="demo")[0]
            redeem_voucher(customer.pk, code)
        release = Release.objects.filter(title=title).first()
        if release is None:
            continue
        try:
            place_order(customer, [OrderItem(format_name, release_id=release.pk)], f"demo:{title}:{format_name}")
        except OrderError:  # e.g. a release the demo does not license in the buyer's country
            continue

"""write_tags / read_tags on every sellable format, checked by readers that are not our own code.

Each test encodes half a second of a sine with PyAV into the format's real codec and container, tags it,
then asks ffprobe (FFmpeg's demuxers), mutagen's raw per-container view and, for FLAC, metaflac what the
file says, and has FFmpeg decode it to prove the audio was not touched.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import av
import mutagen
import numpy as np
import pytest
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3, TXXX
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from PIL import Image

from pressplant.audio.cover import Cover, prepare_cover
from pressplant.audio.errors import TagError
from pressplant.audio.formats import FORMATS, Format, TagKind
from pressplant.audio.metadata import Gapless, Loudness, TrackTags
from pressplant.audio.tags import read_tags, write_tags

RATE_HZ = 48_000
SAMPLES = RATE_HZ // 2

# FFmpeg encoder per (Format.codec, Format.container): the test's own small table.
ENCODERS = {
    ("mp3", "mp3"): "libmp3lame", ("aac", "ipod"): "aac", ("libopus", "ogg"): "libopus",
    ("flac", "flac"): "flac", ("alac", "ipod"): "alac", ("pcm", "wav"): "pcm_s16le",
    ("pcm", "aiff"): "pcm_s16be",
}

TAGS = TrackTags(
    title="Звезда по имени Солнце — 星の歌",
    artists=("Кино", "坂本龍一"),
    album_artist="Виктор Цой",
    album="ألبوم アルバム",
    track_number=3, track_total=12, disc_number=1, disc_total=2,
    date="2026-11-29", genre="Рок", isrc="GBAYE2600001", barcode="0602448012345",
    label="Мелодия", copyright="℗ 2026 Мелодия",
    track_loudness=Loudness(integrated_lufs=-9.5, true_peak_dbtp=-0.3),
    album_loudness=Loudness(integrated_lufs=-10.0, true_peak_dbtp=-0.1),
    extra=(("CATALOGNUMBER", "MEL-001"),),
)
GAPLESS = Gapless(delay_samples=1024, padding_samples=576, valid_samples=SAMPLES)

EXPECTED_COMMON = {
    "title": [TAGS.title], "artist": list(TAGS.artists), "albumartist": ["Виктор Цой"],
    "album": ["ألبوم アルバム"], "tracknumber": ["3"], "tracktotal": ["12"], "discnumber": ["1"],
    "disctotal": ["2"], "date": ["2026-11-29"], "genre": ["Рок"], "isrc": ["GBAYE2600001"],
    "barcode": ["0602448012345"], "label": ["Мелодия"], "copyright": ["℗ 2026 Мелодия"],
}
EXPECTED_REPLAYGAIN = {
    "replaygain_track_gain": ["-8.50 dB"], "replaygain_track_peak": ["0.966051"],
    "replaygain_album_gain": ["-8.00 dB"], "replaygain_album_peak": ["0.988553"],
}
EXPECTED_R128 = {"r128_track_gain": [str(-3456)], "r128_album_gain": [str(-3328)]}  # (-23 - -9.5) * 256


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: it is the independent reader this test relies on")
    return path


def _encode(path: Path, fmt: Format) -> Path:
    t = np.arange(SAMPLES) / RATE_HZ
    wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    frame = av.AudioFrame.from_ndarray(np.stack([wave, wave]), format="fltp", layout="stereo")
    frame.sample_rate = RATE_HZ
    with av.open(str(path), "w", format=fmt.container) as out:
        stream = out.add_stream(ENCODERS[(fmt.codec, fmt.container)], rate=RATE_HZ, layout="stereo")
        stream.bit_rate = fmt.bitrate_bps or 128_000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


def _jpeg_cover() -> Cover:
    out = BytesIO()
    Image.new("RGB", (300, 300), (200, 30, 40)).save(out, "JPEG", quality=80)
    return prepare_cover(out.getvalue())


COVER = _jpeg_cover()


def _ffprobe(path: Path) -> dict:
    result = subprocess.run([_tool("ffprobe"), "-v", "error", "-show_format", "-show_streams", "-of", "json",
                             str(path)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def _ffprobe_tags(path: Path) -> dict[str, str]:
    """Container tags, lower-cased keys; Ogg keeps its comments on the audio stream."""
    probed = _ffprobe(path)
    tags = probed["format"].get("tags") or probed["streams"][0].get("tags", {})
    return {key.lower(): value for key, value in tags.items()}


def _ffmpeg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_tool("ffmpeg"), "-v", "error", *args], capture_output=True, text=True, check=True)


def _decodes_cleanly(path: Path) -> bool:
    """FFmpeg decodes every stream, cover included, without a word."""
    return _ffmpeg("-i", str(path), "-f", "null", "-").stderr == ""


def _decoded_md5(path: Path) -> str:
    result = _ffmpeg("-i", str(path), "-map", "0:a", "-f", "md5", "-")
    assert result.stderr == "", f"{path.name} does not decode cleanly: {result.stderr}"
    return result.stdout.strip()


@pytest.fixture(params=sorted(FORMATS))
def fmt(request: pytest.FixtureRequest) -> Format:
    return FORMATS[request.param]


def formats_tagged_with(*kinds: TagKind) -> pytest.MarkDecorator:
    """Run a test on the formats of these tag kinds only (overrides the `fmt` fixture's params)."""
    names = sorted(name for name, fmt in FORMATS.items() if fmt.tag_kind in kinds)
    return pytest.mark.parametrize("fmt", names, indirect=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Format], tuple[Path, Path]]:
    """(untagged, tagged with TAGS, COVER and GAPLESS) per format, made once per module: read them only."""
    folder = tmp_path_factory.mktemp("tags")
    made: dict[str, tuple[Path, Path]] = {}

    def files_of(fmt: Format) -> tuple[Path, Path]:
        if fmt.name not in made:
            encoded = _encode(folder / f"{fmt.name}.{fmt.extension}", fmt)
            tagged = folder / f"{fmt.name}-tagged.{fmt.extension}"
            shutil.copyfile(encoded, tagged)
            write_tags(tagged, fmt, TAGS, COVER, GAPLESS)
            made[fmt.name] = (encoded, tagged)
        return made[fmt.name]
    return files_of


@pytest.fixture
def encoded(fmt: Format, files: Callable[[Format], tuple[Path, Path]]) -> Path:
    return files(fmt)[0]


@pytest.fixture
def tagged(fmt: Format, files: Callable[[Format], tuple[Path, Path]]) -> Path:
    return files(fmt)[1]


def test_read_tags_returns_every_field_written(fmt, tagged):
    expected = {**EXPECTED_COMMON, "encoder": [fmt.settings_text()]}
    expected |= EXPECTED_R128 if fmt.tag_kind is TagKind.OGG else EXPECTED_REPLAYGAIN
    if fmt.tag_kind is TagKind.MP4:
        expected["itunsmpb"] = [GAPLESS.itunsmpb()]
    read = read_tags(tagged)
    assert read.fields == expected
    assert [(p.data, p.mime, p.picture_type) for p in read.pictures] == [(COVER.data, "image/jpeg", 3)]


# What ffprobe calls each field, per tag kind: FFmpeg maps ID3 and MP4 names to its own, keeps Vorbis keys.
FFPROBE_KEYS = {
    "id3": {"title": "title", "album": "album", "albumartist": "album_artist", "date": "date",
            "genre": "genre", "isrc": "tsrc", "barcode": "barcode", "label": "publisher",
            "copyright": "copyright", "track": "track", "disc": "disc"},
    "mp4": {"title": "title", "album": "album", "albumartist": "album_artist", "date": "date",
            "genre": "genre", "isrc": "isrc", "barcode": "barcode", "label": "label",
            "copyright": "copyright", "track": "track", "disc": "disc"},
    "vorbis": {"title": "title", "album": "album", "albumartist": "album_artist", "date": "date",
               "genre": "genre", "isrc": "isrc", "barcode": "barcode", "label": "label",
               "copyright": "copyright", "track": "track", "tracktotal": "tracktotal", "disc": "disc",
               "disctotal": "disctotal"},
}
FAMILY = {TagKind.ID3: "id3", TagKind.ID3_CHUNK: "id3", TagKind.MP4: "mp4", TagKind.FLAC: "vorbis",
          TagKind.OGG: "vorbis"}


def _expected_for_ffprobe(fmt: Format) -> dict[str, str]:
    family = FAMILY[fmt.tag_kind]
    pairs = {"track": "3/12", "disc": "1/2"} if family != "vorbis" else {
        "track": "3", "tracktotal": "12", "disc": "1", "disctotal": "2"}
    values = {name: values[0] for name, values in EXPECTED_COMMON.items()} | pairs
    return {key: values[name] for name, key in FFPROBE_KEYS[family].items()}


def test_ffprobe_reads_the_tags_and_one_front_cover(fmt, tagged):
    tags = _ffprobe_tags(tagged)
    for key, value in _expected_for_ffprobe(fmt).items():
        assert tags.get(key) == value, f"{fmt.name}: ffprobe {key}={tags.get(key)!r}, want {value!r}"
    assert tags["artist"].startswith("Кино")  # FFmpeg shows the first value of ID3/MP4 lists only
    assert tags["encoder"] == fmt.settings_text()
    assert tags["catalognumber"] == "MEL-001"
    pictures = [s for s in _ffprobe(tagged)["streams"] if s.get("disposition", {}).get("attached_pic")]
    assert len(pictures) == 1


def test_ffprobe_reads_loudness_as_the_container_wants_it(fmt, tagged):
    tags = _ffprobe_tags(tagged)
    if fmt.tag_kind is TagKind.OGG:
        assert (tags["r128_track_gain"], tags["r128_album_gain"]) == ("-3456", "-3328")
        assert not any(key.startswith("replaygain") for key in tags)
    else:
        assert {k: tags[k] for k in EXPECTED_REPLAYGAIN} == {k: v[0] for k, v in EXPECTED_REPLAYGAIN.items()}
        assert not any(key.startswith("r128") for key in tags)


def test_the_audio_decodes_exactly_as_before_tagging(fmt, tmp_path, encoded):
    out = tmp_path / f"no-gapless.{fmt.extension}"
    shutil.copyfile(encoded, out)
    write_tags(out, fmt, TAGS, COVER)
    assert _decodes_cleanly(out)
    assert _decoded_md5(out) == _decoded_md5(encoded)


def _raw_id3(path: Path) -> ID3:
    audio = mutagen.File(path)
    assert audio.tags.version == (2, 4, 0)
    return audio.tags


@formats_tagged_with(TagKind.ID3, TagKind.ID3_CHUNK)
def test_mutagen_raw_id3_holds_multi_value_utf8_frames(fmt, tagged):
    id3 = _raw_id3(tagged)
    assert id3["TPE1"].text == ["Кино", "坂本龍一"]
    assert id3["TPE1"].encoding == 3  # UTF-8
    assert str(id3["TRCK"]) == "3/12" and str(id3["TPOS"]) == "1/2"
    assert id3["TXXX:BARCODE"].text == ["0602448012345"]
    assert id3["TPUB"].text == ["Мелодия"] and id3["TSRC"].text == ["GBAYE2600001"]
    [apic] = id3.getall("APIC")
    assert (apic.type, apic.mime, apic.data) == (3, "image/jpeg", COVER.data)


@formats_tagged_with(TagKind.MP4)
def test_mutagen_raw_mp4_holds_atoms(fmt, tagged):
    tags = MP4(tagged).tags
    assert tags["©ART"] == ["Кино", "坂本龍一"]
    assert (tags["trkn"], tags["disk"]) == ([(3, 12)], [(1, 2)])
    assert bytes(tags["----:com.apple.iTunes:BARCODE"][0]) == b"0602448012345"
    assert bytes(tags["----:com.apple.iTunes:iTunSMPB"][0]).decode() == GAPLESS.itunsmpb()
    [covr] = tags["covr"]
    assert (covr.imageformat, bytes(covr)) == (MP4Cover.FORMAT_JPEG, COVER.data)


@formats_tagged_with(TagKind.FLAC, TagKind.OGG)
def test_mutagen_raw_vorbis_repeats_artist_and_holds_the_picture(fmt, tagged):
    audio = FLAC(tagged) if fmt.tag_kind is TagKind.FLAC else OggOpus(tagged)
    assert audio.tags["ARTIST"] == ["Кино", "坂本龍一"]
    assert (audio.tags["TRACKNUMBER"], audio.tags["TRACKTOTAL"]) == (["3"], ["12"])
    if fmt.tag_kind is TagKind.FLAC:
        [picture] = audio.pictures
        assert "METADATA_BLOCK_PICTURE" not in audio.tags
    else:
        [block] = audio.tags["METADATA_BLOCK_PICTURE"]
        picture = Picture(base64.b64decode(block))
        assert "REPLAYGAIN_TRACK_GAIN" not in audio.tags
    assert (picture.type, picture.mime, picture.data) == (3, "image/jpeg", COVER.data)
    assert (picture.width, picture.height) == (300, 300)


def test_metaflac_sees_a_front_cover_picture_block(tmp_path):
    fmt = FORMATS["flac"]
    out = _encode(tmp_path / "t.flac", fmt)
    write_tags(out, fmt, TAGS, COVER)
    listing = subprocess.run([_tool("metaflac"), "--list", "--block-type=PICTURE,VORBIS_COMMENT", str(out)],
                             capture_output=True, text=True, check=True).stdout
    assert "type: 3 (Cover (front))" in listing
    assert "comment[1]: ARTIST=Кино" in listing and "comment[2]: ARTIST=坂本龍一" in listing
    test = subprocess.run([_tool("flac"), "-t", "-s", str(out)], capture_output=True, text=True)
    assert test.returncode == 0, test.stderr


ONE_PER_CONTAINER = ["mp3-320", "aac-256", "alac", "opus-160", "flac", "wav", "aiff"]


@pytest.mark.parametrize("fmt", ONE_PER_CONTAINER, indirect=True)  # enough for a third reader
def test_mediainfo_reads_the_tags_and_a_cover(fmt, tagged):
    result = subprocess.run([_tool("mediainfo"), "--Output=JSON", str(tagged)],
                            capture_output=True, text=True, check=True)
    general = json.loads(result.stdout)["media"]["track"][0]
    assert (general["Title"], general["Album"], general["Album_Performer"]) == (
        TAGS.title, "ألبوم アルバム", "Виктор Цой")
    assert general["Performer"].startswith("Кино")  # MediaInfo lists MP4/Vorbis values, ID3's first only
    assert (general["Track_Position"], general["Track_Position_Total"]) == ("3", "12")
    assert (general["ISRC"], general["Copyright"]) == ("GBAYE2600001", "℗ 2026 Мелодия")
    assert general["Cover"] == "Yes"


def test_opusinfo_lists_the_comments_and_a_front_cover(tmp_path):
    fmt = FORMATS["opus-160"]
    out = _encode(tmp_path / "a.opus", fmt)
    write_tags(out, fmt, TAGS, COVER)
    listing = subprocess.run([_tool("opusinfo"), str(out)], capture_output=True, text=True, check=True).stdout
    for line in ("ARTIST=Кино", "ARTIST=坂本龍一", "R128_TRACK_GAIN=-3456", "TRACKNUMBER=3", "TRACKTOTAL=12",
                 "METADATA_BLOCK_PICTURE=3|image/jpeg||300x300x24|"):
        assert f"\t{line}" in listing, line
    assert "REPLAYGAIN" not in listing


def _after_id3(data: bytes) -> bytes:
    """The bytes after an ID3v2 tag (10-byte header + syncsafe size), read without mutagen."""
    assert data[:3] == b"ID3"
    size = sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    return data[10 + size:]


def test_mp3_frames_incl_the_xing_lame_frame_are_untouched(tmp_path):
    fmt = FORMATS["mp3-v0"]
    encoded = _encode(tmp_path / "a.mp3", fmt)
    out = tmp_path / "b.mp3"
    shutil.copyfile(encoded, out)
    write_tags(out, fmt, TAGS, COVER)
    frames = _after_id3(out.read_bytes())
    assert frames == _after_id3(encoded.read_bytes())
    assert frames[:2] == b"\xff\xfb"  # the first MPEG frame right after the tag...
    assert b"Info" in frames[:64] or b"Xing" in frames[:64]  # ...is the Xing/Info frame with the LAME tag
    assert out.read_bytes()[-128:-125] != b"TAG"  # no ID3v1: it cannot hold these scripts


def test_mp4_gapless_itunsmpb_is_seen_by_ffprobe(tmp_path):
    fmt = FORMATS["aac-256"]
    out = _encode(tmp_path / "a.m4a", fmt)
    write_tags(out, fmt, TAGS, None, GAPLESS)
    assert _ffprobe_tags(out)["itunsmpb"] == GAPLESS.itunsmpb()


def test_no_itunsmpb_outside_mp4(tmp_path):
    fmt = FORMATS["flac"]
    out = _encode(tmp_path / "a.flac", fmt)
    write_tags(out, fmt, TAGS, None, GAPLESS)
    assert "itunsmpb" not in _ffprobe_tags(out)


def test_tagging_twice_replaces_instead_of_adding(tmp_path):
    for name in ("mp3-320", "aac-256", "opus-96", "flac", "wav"):
        fmt = FORMATS[name]
        out = _encode(tmp_path / f"x.{fmt.extension}", fmt)
        write_tags(out, fmt, TAGS, COVER)
        write_tags(out, fmt, TrackTags(title="Second", artists=("Один",)), COVER)
        read = read_tags(out)
        assert read.fields["title"] == ["Second"] and read.fields["artist"] == ["Один"], name
        assert "album" not in read.fields and len(read.pictures) == 1, name


def test_ffmpegs_wav_info_chunk_is_removed_so_readers_see_the_id3_tags(tmp_path):
    fmt = FORMATS["wav"]
    out = _encode(tmp_path / "a.wav", fmt)
    assert b"LIST" in out.read_bytes()  # FFmpeg's muxer wrote INFO/ISFT=Lavf...
    write_tags(out, fmt, TAGS, None)
    assert b"INFO" not in out.read_bytes()
    assert _ffprobe_tags(out)["title"] == TAGS.title


def test_a_png_cover_goes_into_mp4_as_png(tmp_path):
    data = BytesIO()
    Image.new("RGBA", (64, 32), (0, 0, 0, 0)).save(data, "PNG")
    cover = prepare_cover(data.getvalue())
    fmt = FORMATS["alac"]
    out = _encode(tmp_path / "a.m4a", fmt)
    write_tags(out, fmt, TAGS, cover)
    [covr] = MP4(out).tags["covr"]
    assert covr.imageformat == MP4Cover.FORMAT_PNG
    assert read_tags(out).pictures[0].mime == "image/png"


def test_a_cover_mp4_cannot_hold_is_a_tag_error(tmp_path):
    fmt = FORMATS["aac-128"]
    out = _encode(tmp_path / "a.m4a", fmt)
    with pytest.raises(TagError, match=r"a.m4a: .*JPEG or PNG, not image/gif"):
        write_tags(out, fmt, TAGS, Cover(data=b"GIF89a", mime="image/gif", width_px=1, height_px=1))


# ---- masters tagged by other tools -----------------------------------------------------------------


def test_reads_a_flac_master_tagged_by_metaflac(tmp_path):
    master = _encode(tmp_path / "m.flac", FORMATS["flac"])
    subprocess.run([_tool("metaflac"), "--remove-all-tags", "--set-tag=TITLE=Сказка",
                    "--set-tag=ARTIST=Аквариум", "--set-tag=TRACKNUMBER=3/12", "--set-tag=TOTALDISCS=2",
                    "--set-tag=DISCNUMBER=1",
                    "--set-tag=ORGANIZATION=Мелодия", "--set-tag=UPC=0602448012345", str(master)], check=True)
    fields = read_tags(master).fields
    assert fields["title"] == ["Сказка"] and fields["artist"] == ["Аквариум"]
    assert (fields["tracknumber"], fields["tracktotal"]) == (["3"], ["12"])
    assert (fields["discnumber"], fields["disctotal"]) == (["1"], ["2"])
    assert fields["label"] == ["Мелодия"] and fields["barcode"] == ["0602448012345"]


def _tag_with_ffmpeg(tmp_path: Path, container: str, *options: str) -> Path:
    source = _encode(tmp_path / f"s.{container}", FORMATS[container])
    master = tmp_path / f"m.{container}"
    subprocess.run([_tool("ffmpeg"), "-v", "error", "-i", str(source), "-c", "copy", *options,
                    "-metadata", "title=أغنية", "-metadata", "album=夜の歌", "-metadata", "track=3/12",
                    "-metadata", "disc=1/2", "-metadata", "TSRC=GBAYE2600001", str(master)], check=True)
    return master


def test_reads_an_aiff_master_tagged_by_ffmpeg_in_id3(tmp_path):
    fields = read_tags(_tag_with_ffmpeg(tmp_path, "aiff", "-write_id3v2", "1")).fields
    assert fields["title"] == ["أغنية"] and fields["album"] == ["夜の歌"]
    assert (fields["tracknumber"], fields["tracktotal"], fields["discnumber"]) == (["3"], ["12"], ["1"])
    assert fields["isrc"] == ["GBAYE2600001"]


def test_reads_a_wav_master_tagged_by_ffmpeg_in_list_info(tmp_path):
    master = _tag_with_ffmpeg(tmp_path, "wav")
    assert b"INAM" in master.read_bytes()  # FFmpeg writes RIFF INFO, not ID3, into WAV
    fields = read_tags(master).fields
    assert fields["title"] == ["أغنية"] and fields["album"] == ["夜の歌"]
    assert (fields["tracknumber"], fields["tracktotal"]) == (["3"], ["12"])


def test_a_wav_masters_id3_chunk_wins_over_its_info_chunk(tmp_path):
    master = _tag_with_ffmpeg(tmp_path, "wav")
    wav = mutagen.File(master)
    wav.add_tags()
    wav.tags.add(mutagen.id3.TIT2(encoding=3, text=["Из ID3"]))
    wav.save()
    fields = read_tags(master).fields
    assert fields["title"] == ["Из ID3"] and fields["album"] == ["夜の歌"]


def test_reads_an_id3v23_wav_master_with_track_without_total(tmp_path):
    master = _encode(tmp_path / "m.wav", FORMATS["wav"])
    wav = mutagen.File(master)
    wav.add_tags()
    wav.tags.add(mutagen.id3.TRCK(encoding=1, text=["7"]))
    wav.tags.add(mutagen.id3.TCON(encoding=1, text=["(17)"]))
    wav.tags.add(TXXX(encoding=1, desc="barcode", text=["123"]))
    wav.save(v2_version=3)
    fields = read_tags(master).fields
    assert fields["tracknumber"] == ["7"] and "tracktotal" not in fields
    assert fields["genre"] == ["Rock"] and fields["barcode"] == ["123"]


def test_a_master_without_tags_reads_as_empty(tmp_path):
    master = tmp_path / "m.aiff"
    subprocess.run([_tool("ffmpeg"), "-v", "error", "-f", "lavfi", "-i", "sine=d=0.1", "-fflags", "+bitexact",
                    str(master)], check=True)
    read = read_tags(master)
    assert (read.fields, read.pictures, read.first("title")) == ({}, [], None)


# ---- errors ----------------------------------------------------------------------------------------


def test_reading_a_file_that_is_not_audio_is_a_tag_error(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"not audio at all" * 10)
    with pytest.raises(TagError, match=r"notes\.txt: not MP3, M4A, Ogg Opus, FLAC, WAV or AIFF"):
        read_tags(junk)


def test_reading_a_damaged_flac_is_a_tag_error_naming_the_reason(tmp_path):
    junk = tmp_path / "master.flac"
    junk.write_bytes(b"fLaC" + b"\xff" * 64)
    with pytest.raises(TagError, match=r"master\.flac: cannot read tags: .+"):
        read_tags(junk)


def test_reading_a_missing_file_is_a_tag_error(tmp_path):
    with pytest.raises(TagError, match=r"nothing\.flac: cannot read tags"):
        read_tags(tmp_path / "nothing.flac")


def test_writing_flac_tags_into_an_mp3_is_a_tag_error(tmp_path):
    mp3 = _encode(tmp_path / "a.mp3", FORMATS["mp3-128"])
    before = hashlib.sha256(mp3.read_bytes()).hexdigest()
    with pytest.raises(TagError, match=r"a\.mp3: cannot write FLAC tags for flac"):
        write_tags(mp3, FORMATS["flac"], TAGS, None)
    assert hashlib.sha256(mp3.read_bytes()).hexdigest() == before


def test_an_extra_tag_may_not_shadow_a_table_field(tmp_path):
    fmt = FORMATS["flac"]
    out = _encode(tmp_path / "a.flac", fmt)
    with pytest.raises(TagError, match=r"'isrc' collides"):
        write_tags(out, fmt, TrackTags(title="x", extra=(("isrc", "X"),)), None)

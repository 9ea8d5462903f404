"""parse_message: bytes of one ERN message -> ErnMessage (pure: takes values, reads no settings)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .deals import read_deals
from .document import clean, first_text, load_root, split_tag
from .errors import DdexError
from .identifiers import identifier_problem
from .model import MESSAGE_KINDS, ErnMessage, ImageInfo, ReleaseInfo, SoundRecordingInfo
from .paths import FamilyPaths, paths_for_namespace
from .releases import read_proprietary_ids, read_release
from .resources import read_image, read_sound_recording
from .values import parse_instant

FRONT_COVER_TYPES = frozenset({"FrontCoverImage"})


def parse_message(data: bytes) -> ErnMessage:
    """Read one message; DdexError if it is hostile, malformed, or of an unknown version or kind."""
    root = load_root(data)
    namespace, kind = split_tag(root.tag)
    version, paths = paths_for_namespace(namespace)
    if kind not in MESSAGE_KINDS:
        raise DdexError(f"ERN {version}: root element {kind!r} is not one of {', '.join(MESSAGE_KINDS)}")
    parties = _party_names(root)
    recordings, problems = _sound_recordings(root, paths, parties)
    images = tuple(read_image(e, paths) for e in root.iterfind("ResourceList/Image"))
    releases, release_problems = _releases(root, paths, parties, recordings, images)
    header = root.find("MessageHeader")
    if header is None:
        header = ET.Element("MessageHeader")
    created_text = clean(header.findtext("MessageCreatedDateTime"))
    message_id = clean(header.findtext("MessageId"))
    if message_id is None:
        problems.append("message header: MessageId is missing or empty")
    return ErnMessage(
        version=version,
        kind=kind,
        message_id=message_id,
        sender_party_id=clean(header.findtext("MessageSender/PartyId")),
        sender_name=first_text(header, ("MessageSender/PartyName/FullName",)),
        recipient_party_id=clean(header.findtext("MessageRecipient/PartyId")),
        created_at=parse_instant(created_text) or created_text,
        is_test=clean(header.findtext("MessageControlType")) == "TestMessage",
        update_indicator=clean(root.findtext("UpdateIndicator")),
        releases=releases,
        sound_recordings=recordings,
        images=images,
        deals=read_deals(root.find("DealList"), paths.deal),
        problems=tuple(problems + release_problems),
    )


def _party_names(root: ET.Element) -> dict[str, str]:
    """4.x PartyList: PartyReference -> first FullName (DisplayArtist and labels point here)."""
    names: dict[str, str] = {}
    for party in root.iterfind("PartyList/Party"):
        reference = clean(party.findtext("PartyReference"))
        name = first_text(party, ("PartyName/FullName",))
        if reference is not None and name is not None:
            names[reference] = name
    return names


def _sound_recordings(
    root: ET.Element, paths: FamilyPaths, parties: dict[str, str]
) -> tuple[tuple[SoundRecordingInfo, ...], list[str]]:
    recordings: list[SoundRecordingInfo] = []
    problems: list[str] = []
    for element in root.iterfind("ResourceList/SoundRecording"):
        recording, found = read_sound_recording(element, paths, parties)
        recordings.append(recording)
        problems.extend(found)
    return tuple(recordings), problems


def _releases(
    root: ET.Element,
    paths: FamilyPaths,
    parties: dict[str, str],
    recordings: tuple[SoundRecordingInfo, ...],
    images: tuple[ImageInfo, ...],
) -> tuple[tuple[ReleaseInfo, ...], list[str]]:
    """Main releases then track releases; a PurgeReleaseMessage yields its purged release ids."""
    purged = [_purged_release(e) for e in root.iterfind("PurgedRelease")]
    recording_refs = {r.reference for r in recordings}
    cover_refs = {i.reference for i in images if i.image_type in FRONT_COVER_TYPES}
    releases: list[ReleaseInfo] = []
    problems: list[str] = []
    for path in paths.release.main_releases + paths.release.track_releases:
        for element in root.iterfind(path):
            release, found = read_release(element, paths.release, parties, (recording_refs, cover_refs))
            releases.append(release)
            problems.extend(found)
    for release in purged:
        for kind, value in (("ICPN", release.icpn), ("GRid", release.grid)):
            problem = identifier_problem("purged release", kind, value)
            problems.extend([problem] if problem else [])
    return tuple(purged + releases), problems


def _purged_release(element: ET.Element) -> ReleaseInfo:
    """A PurgedRelease carries only identifiers (and maybe a title); the rest stays empty."""
    return ReleaseInfo(
        reference="",
        is_main=True,
        icpn=clean(element.findtext("ReleaseId/ICPN")),
        grid=clean(element.findtext("ReleaseId/GRid")),
        proprietary_ids=read_proprietary_ids(element),
        title=first_text(element, ("Title/TitleText", "ReferenceTitle/TitleText")),
        display_artist=None,
        label_name=None,
        genre=None,
        release_type=None,
        release_date=None,
        original_release_date=None,
        p_line=None,
        c_line=None,
        tracks=(),
        cover_image_reference=None,
    )

"""Releases of a ReleaseList (main release and per-track sale units) and their track lists."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping

from .document import all_texts, clean, first_element, first_text, split_tag
from .identifiers import identifier_problem
from .model import ProprietaryId, ReleaseInfo, TrackEntry
from .paths import ReleasePaths
from .values import parse_date

#: 3.x release types that are per-track sale units rather than the album/single itself
TRACK_RELEASE_TYPES = frozenset({"TrackRelease", "ResourceRelease", "VideoTrackRelease"})

#: resource groups that group works, not discs: they do not change the disc number
NON_DISC_GROUP_TYPES = frozenset({"MultiWorkPart", "Work"})


def is_main_release(element: ET.Element) -> bool:
    """4.x: a Release (not a TrackRelease); 3.x: IsMainRelease if sent, else judged by ReleaseType."""
    if split_tag(element.tag)[1] == "TrackRelease":
        return False
    flag = element.get("IsMainRelease")
    if flag is not None:
        return flag.strip().lower() == "true"
    return clean(element.findtext("ReleaseType")) not in TRACK_RELEASE_TYPES


def track_list(group: ET.Element | None, recording_refs: Collection[str]) -> tuple[TrackEntry, ...]:
    """Sound recordings in document order: disc from the outer group's SequenceNumber, track 1..n per disc."""
    if group is None:
        return ()
    placed: list[tuple[int, str]] = []
    _walk_group(group, _sequence(group) or 1, recording_refs, placed, is_root=True)
    tracks: list[TrackEntry] = []
    for disc, ref in placed:
        position = sum(1 for t in tracks if t.disc_number == disc) + 1
        tracks.append(TrackEntry(disc, position, ref))
    return tuple(tracks)


def listed_tracks(references: tuple[str, ...], recording_refs: Collection[str]) -> tuple[TrackEntry, ...]:
    """A release without a ResourceGroup (a 4.x TrackRelease, a hand-made 3.x single): the sound
    recordings it lists, in order, on disc 1."""
    listed = [ref for ref in dict.fromkeys(references) if ref in recording_refs]
    return tuple(TrackEntry(1, position, ref) for position, ref in enumerate(listed, start=1))


def _sequence(element: ET.Element) -> int | None:
    text = clean(element.findtext("SequenceNumber"))
    return int(text) if text is not None and text.isdigit() else None


def _walk_group(
    group: ET.Element, disc: int, refs: Collection[str], placed: list[tuple[int, str]], *, is_root: bool
) -> None:
    items = sorted(group.findall("ResourceGroupContentItem"), key=lambda item: _sequence(item) or 0)
    for item in items:
        ref = clean(item.findtext("ReleaseResourceReference"))
        if ref is not None and ref in refs:
            placed.append((disc, ref))
    for child in group.findall("ResourceGroup"):
        is_disc = is_root and child.get("ResourceGroupType") not in NON_DISC_GROUP_TYPES
        _walk_group(child, (_sequence(child) or disc) if is_disc else disc, refs, placed, is_root=False)


def _cover(element: ET.Element, paths: ReleasePaths, cover_refs: Collection[str]) -> str | None:
    for ref in all_texts(element, paths.resource_references) + tuple(
        clean(e.text) or "" for e in element.iter("ReleaseResourceReference")
    ):
        if ref in cover_refs:
            return ref
    return None


def read_release(
    element: ET.Element,
    paths: ReleasePaths,
    parties: Mapping[str, str],
    resources: tuple[Collection[str], Collection[str]],
) -> tuple[ReleaseInfo, list[str]]:
    """One Release/TrackRelease; `resources` is (sound recording refs, front cover image refs)."""
    recording_refs, cover_refs = resources
    reference = clean(element.findtext("ReleaseReference")) or ""
    artist_refs = all_texts(element, paths.artist_party_references)
    label_refs = all_texts(element, paths.label_party_references)
    release = ReleaseInfo(
        reference=reference,
        is_main=is_main_release(element),
        icpn=clean(element.findtext("ReleaseId/ICPN")),
        grid=clean(element.findtext("ReleaseId/GRid")),
        proprietary_ids=read_proprietary_ids(element),
        title=first_text(element, paths.title),
        display_artist=first_text(element, paths.artist_name) or (parties.get(artist_refs[0]) if artist_refs else None),
        label_name=first_text(element, paths.label_name) or (parties.get(label_refs[0]) if label_refs else None),
        genre=first_text(element, paths.genre),
        release_type=clean(element.findtext("ReleaseType")),
        release_date=parse_date(first_text(element, paths.release_date)),
        original_release_date=parse_date(first_text(element, paths.original_release_date)),
        p_line=first_text(element, paths.p_line),
        c_line=first_text(element, paths.c_line),
        tracks=track_list(first_element(element, paths.resource_group), recording_refs)
        or listed_tracks(all_texts(element, paths.resource_references), recording_refs),
        cover_image_reference=_cover(element, paths, cover_refs),
    )
    return release, release_id_problems(f"release {reference}", release)


def read_proprietary_ids(element: ET.Element) -> tuple[ProprietaryId, ...]:
    return tuple(
        ProprietaryId(namespace=found.get("Namespace", ""), value=text)
        for found in element.findall("ReleaseId/ProprietaryId")
        if (text := clean(found.text)) is not None
    )


def release_id_problems(where: str, release: ReleaseInfo) -> list[str]:
    checks = (("ICPN", release.icpn), ("GRid", release.grid))
    return [p for kind, value in checks if (p := identifier_problem(where, kind, value)) is not None]

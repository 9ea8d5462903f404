"""Sound recordings and images of a ResourceList."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from .document import all_elements, all_texts, clean, first_text
from .identifiers import identifier_problem
from .model import FileInfo, ImageInfo, SoundRecordingInfo
from .paths import FamilyPaths, FilePaths
from .values import duration_ms


def read_files(elements: list[ET.Element], paths: FilePaths) -> tuple[FileInfo, ...]:
    """Each File as (name or URI, hash algorithm, hash value); a 3.x FilePath is joined in front."""
    files = []
    for element in elements:
        name = first_text(element, paths.name)
        if name is None:
            continue
        directory = first_text(element, paths.directory)
        if directory is not None:
            name = f"{directory.rstrip('/')}/{name}"
        files.append(
            FileInfo(
                name=name,
                hash_algorithm=first_text(element, paths.hash_algorithm),
                hash_value=first_text(element, paths.hash_value),
            )
        )
    return tuple(files)


def read_sound_recording(
    element: ET.Element, paths: FamilyPaths, parties: Mapping[str, str]
) -> tuple[SoundRecordingInfo, list[str]]:
    """One SoundRecording, plus problem sentences for its identifiers."""
    p = paths.recording
    reference = clean(element.findtext("ResourceReference")) or ""
    isrc = first_text(element, p.isrc)
    artists = all_texts(element, p.artist_names) + tuple(
        parties.get(ref, ref) for ref in all_texts(element, p.artist_party_references)
    )
    recording = SoundRecordingInfo(
        reference=reference,
        isrc=isrc,
        title=first_text(element, p.title),
        display_artist=first_text(element, p.artist_name) or (artists[0] if artists else None),
        display_artists=artists,
        duration_ms=duration_ms(first_text(element, p.duration)),
        files=read_files(all_elements(element, p.files), paths.file),
        p_line=first_text(element, p.p_line),
        genre=first_text(element, p.genre),
    )
    problem = identifier_problem(f"sound recording {reference}", "ISRC", isrc)
    return recording, [problem] if problem else []


def read_image(element: ET.Element, paths: FamilyPaths) -> ImageInfo:
    return ImageInfo(
        reference=clean(element.findtext("ResourceReference")) or "",
        image_type=first_text(element, paths.image.image_type),
        files=read_files(all_elements(element, paths.image.files), paths.file),
    )

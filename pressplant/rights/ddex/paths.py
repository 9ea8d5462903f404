"""Where each value lives, per ERN version family: the version differences as one table (STYLE rule 1).

Every entry is a tuple of ElementTree paths tried in order (the first that yields text wins), relative
to the element being read (SoundRecording, Image, Release, DealTerms, ...). Children are unqualified.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DdexError

Paths = tuple[str, ...]


@dataclass(frozen=True)
class RecordingPaths:
    isrc: Paths
    title: Paths
    artist_name: Paths
    artist_names: Paths
    artist_party_references: Paths
    duration: Paths
    files: Paths
    p_line: Paths
    genre: Paths


@dataclass(frozen=True)
class ImagePaths:
    image_type: Paths
    files: Paths


@dataclass(frozen=True)
class FilePaths:
    name: Paths
    directory: Paths
    hash_algorithm: Paths
    hash_value: Paths


@dataclass(frozen=True)
class ReleasePaths:
    main_releases: Paths
    track_releases: Paths
    title: Paths
    artist_name: Paths
    artist_party_references: Paths
    label_name: Paths
    label_party_references: Paths
    genre: Paths
    release_date: Paths
    original_release_date: Paths
    p_line: Paths
    c_line: Paths
    resource_group: Paths
    resource_references: Paths


@dataclass(frozen=True)
class DealPaths:
    use_types: Paths
    price_code: Paths


@dataclass(frozen=True)
class FamilyPaths:
    recording: RecordingPaths
    image: ImagePaths
    file: FilePaths
    release: ReleasePaths
    deal: DealPaths


_FILE = FilePaths(
    name=("FileName", "URI"),
    directory=("FilePath",),
    hash_algorithm=("HashSum/HashSumAlgorithmType", "HashSum/Algorithm"),
    hash_value=("HashSum/HashSum", "HashSum/HashSumValue"),
)

_ERN3 = FamilyPaths(
    recording=RecordingPaths(
        isrc=("SoundRecordingId/ISRC",),
        title=("ReferenceTitle/TitleText", "SoundRecordingDetailsByTerritory/Title/TitleText"),
        artist_name=(
            "SoundRecordingDetailsByTerritory/DisplayArtistName",
            "SoundRecordingDetailsByTerritory/DisplayArtist/PartyName/FullName",
        ),
        artist_names=("SoundRecordingDetailsByTerritory/DisplayArtist/PartyName/FullName",),
        artist_party_references=(),
        duration=("Duration",),
        files=("SoundRecordingDetailsByTerritory/TechnicalSoundRecordingDetails/File",),
        p_line=("SoundRecordingDetailsByTerritory/PLine/PLineText",),
        genre=("SoundRecordingDetailsByTerritory/Genre/GenreText",),
    ),
    image=ImagePaths(
        image_type=("ImageType",),
        files=("ImageDetailsByTerritory/TechnicalImageDetails/File",),
    ),
    file=_FILE,
    release=ReleasePaths(
        main_releases=("ReleaseList/Release",),
        track_releases=(),
        title=("ReferenceTitle/TitleText", "ReleaseDetailsByTerritory/Title/TitleText"),
        artist_name=(
            "ReleaseDetailsByTerritory/DisplayArtistName",
            "ReleaseDetailsByTerritory/DisplayArtist/PartyName/FullName",
        ),
        artist_party_references=(),
        label_name=("ReleaseDetailsByTerritory/LabelName",),
        label_party_references=(),
        genre=("ReleaseDetailsByTerritory/Genre/GenreText",),
        release_date=("ReleaseDetailsByTerritory/ReleaseDate", "GlobalReleaseDate"),
        original_release_date=("ReleaseDetailsByTerritory/OriginalReleaseDate", "GlobalOriginalReleaseDate"),
        p_line=("PLine/PLineText", "ReleaseDetailsByTerritory/PLine/PLineText"),
        c_line=("CLine/CLineText", "ReleaseDetailsByTerritory/CLine/CLineText"),
        resource_group=("ReleaseDetailsByTerritory/ResourceGroup",),
        resource_references=("ReleaseResourceReferenceList/ReleaseResourceReference",),
    ),
    deal=DealPaths(use_types=("Usage/UseType",), price_code=("PriceInformation/PriceType",)),
)

_ERN4_RELEASE = ReleasePaths(
    main_releases=("ReleaseList/Release",),
    track_releases=("ReleaseList/TrackRelease",),
    title=("DisplayTitleText", "DisplayTitle/TitleText"),
    artist_name=("DisplayArtistName",),
    artist_party_references=("DisplayArtist/ArtistPartyReference",),
    label_name=(),
    label_party_references=("ReleaseLabelReference",),
    genre=("Genre/GenreText",),
    release_date=("ReleaseDate",),
    original_release_date=("OriginalReleaseDate",),
    p_line=("PLine/PLineText",),
    c_line=("CLine/CLineText",),
    resource_group=("ResourceGroup",),
    resource_references=("ReleaseResourceReference", "ResourceGroup//LinkedReleaseResourceReference"),
)

_ERN4_DEAL = DealPaths(use_types=("UseType",), price_code=("PriceInformation/PriceCode",))


def _ern4_recording(edition: str) -> RecordingPaths:
    """4.1/4.2 keep ids, P-line and files on SoundRecording; 4.3 moves them into SoundRecordingEdition."""
    return RecordingPaths(
        isrc=(f"{edition}ResourceId/ISRC",),
        title=("DisplayTitleText", "DisplayTitle/TitleText"),
        artist_name=("DisplayArtistName",),
        artist_names=(),
        artist_party_references=("DisplayArtist/ArtistPartyReference",),
        duration=("Duration",),
        files=(f"{edition}TechnicalDetails/DeliveryFile/File", f"{edition}TechnicalDetails/File"),
        p_line=(f"{edition}PLine/PLineText",),
        genre=("Genre/GenreText",),
    )


_ERN4_IMAGE = ImagePaths(
    image_type=("Type",),
    files=("TechnicalDetails/File", "ResourceEdition/TechnicalDetails/DeliveryFile/File"),
)

_ERN42 = FamilyPaths(_ern4_recording(""), _ERN4_IMAGE, _FILE, _ERN4_RELEASE, _ERN4_DEAL)
_ERN43 = FamilyPaths(_ern4_recording("SoundRecordingEdition/"), _ERN4_IMAGE, _FILE, _ERN4_RELEASE, _ERN4_DEAL)

NAMESPACE_PREFIX = "http://ddex.net/xml/ern/"

#: namespace suffix -> (version as people write it, its paths)
VERSIONS: dict[str, tuple[str, FamilyPaths]] = {
    "341": ("3.4.1", _ERN3),
    "35": ("3.5", _ERN3),
    "351": ("3.5.1", _ERN3),
    "36": ("3.6", _ERN3),
    "37": ("3.7", _ERN3),
    "38": ("3.8", _ERN3),
    "381": ("3.8.1", _ERN3),
    "382": ("3.8.2", _ERN3),
    "383": ("3.8.3", _ERN3),
    "41": ("4.1", _ERN42),
    "411": ("4.1.1", _ERN42),
    "42": ("4.2", _ERN42),
    "43": ("4.3", _ERN43),
}


def paths_for_namespace(namespace: str) -> tuple[str, FamilyPaths]:
    """The version and paths for a root namespace URI, or DdexError naming the namespace."""
    suffix = namespace.removeprefix(NAMESPACE_PREFIX).strip("/")
    if not namespace.startswith(NAMESPACE_PREFIX) or suffix not in VERSIONS:
        raise DdexError(f"unknown ERN version: root namespace {namespace!r} is not a supported DDEX ERN namespace")
    return VERSIONS[suffix]

"""Synthetic DDEX ERN messages (3.8.2 and 4.3) written as a label's system would, with masters beside them.

Minimal but shaped as the schemas say: element names and nesting follow ERN 3.8.2 and 4.3, so the same
spec can be sent in either version. `deliver` writes FLAC masters and a cover into a folder, takes their
digests, and returns a spec whose messages name those files with their HashSum.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from tests.catalogue.masters import image_bytes, write_sine

SENDER = "PADPIDA2026010101A"
RECIPIENT = "PADPIDA2026PRESSPL"


@dataclass(frozen=True)
class FileSpec:
    name: str
    """FileName (3.x, with `directory` as FilePath) or URI (4.x, directory joined in front)."""
    directory: str = ""
    algorithm: str | None = None
    digest: str | None = None

    @property
    def uri(self) -> str:
        return f"{self.directory.rstrip('/')}/{self.name}" if self.directory else self.name


@dataclass(frozen=True)
class RecordingSpec:
    reference: str
    isrc: str
    title: str
    artist: str = "The Sines"
    disc: int = 1
    file: FileSpec | None = None
    seconds: float = 1.0


@dataclass(frozen=True)
class DealSpec:
    references: tuple[str, ...] = ("R0",)
    model: str = "PayAsYouGoModel"
    use_types: tuple[str, ...] = ("PermanentDownload",)
    territories: tuple[str, ...] = ("Worldwide",)
    excluded: tuple[str, ...] = ()
    start: str | None = "2020-01-01"
    end: str | None = None
    price_code: str | None = None
    wholesale: tuple[str, str] | None = None
    """(amount, currency)"""
    takedown: bool = False
    effective: str | None = None
    """3.x ReleaseDeal/EffectiveDate: when the message's deal changes take effect."""


@dataclass(frozen=True)
class MessageSpec:
    recordings: tuple[RecordingSpec, ...]
    deals: tuple[DealSpec, ...] = (DealSpec(wholesale=("0.70", "GBP")),)
    message_id: str = "MSG-1"
    sender: str = SENDER
    upc: str | None = "0012345678905"
    title: str = "First Light"
    artist: str = "The Sines"
    label: str = "Pressplant Test Records"
    genre: str = "Ambient"
    release_type: str = "Album"
    release_date: str = "2024-03-01"
    cover: FileSpec | None = None
    is_test: bool = False
    track_releases: bool = True
    created: str = "2026-01-01T10:00:00Z"


@dataclass(frozen=True)
class Masters:
    """What `deliver` wrote: the spec naming the files, and the files by recording reference."""

    spec: MessageSpec
    paths: dict[str, Path] = field(default_factory=dict)
    cover_path: Path | None = None


def digest(path: Path, algorithm: str) -> str:
    return hashlib.new(algorithm.replace("-", "").lower(), path.read_bytes()).hexdigest()


def deliver(folder: Path, spec: MessageSpec, *, algorithm: str = "SHA-256", directory: str = "resources",
            cover: bool = True) -> Masters:
    """Write a FLAC for each recording (and a cover) under FOLDER/directory, named in the returned spec."""
    recordings, paths = [], {}
    for n, recording in enumerate(spec.recordings, start=1):
        name = f"{recording.reference}.flac"
        path = write_sine(folder / directory / name, seconds=recording.seconds, freq_hz=220.0 * n)
        paths[recording.reference] = path
        file = FileSpec(name, directory, algorithm, digest(path, algorithm))
        recordings.append(dataclasses.replace(recording, file=file))
    cover_spec, cover_path = None, None
    if cover:
        cover_path = folder / directory / "cover.jpg"
        cover_path.write_bytes(image_bytes("JPEG", 600))
        cover_spec = FileSpec("cover.jpg", directory, algorithm, digest(cover_path, algorithm))
    done = dataclasses.replace(spec, recordings=tuple(recordings), cover=cover_spec)
    return Masters(done, paths, cover_path)


def write_message(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- ERN 3.8.2 -------------------------------------------------------------------------------------------


def ern382(spec: MessageSpec) -> bytes:
    resources = "".join(_recording_382(r) for r in spec.recordings) + _image_382(spec.cover)
    releases = _release_382(spec) + "".join(_track_release_382(r, n) for n, r in enumerate(spec.recordings, 1)
                                            if spec.track_releases)
    deals = "".join(_deal_382(d) for d in spec.deals)
    return _document("382", spec, f"<ResourceList>{resources}</ResourceList><ReleaseList>{releases}</ReleaseList>"
                                  f"<DealList>{deals}</DealList>")


def purge382(*, upc: str | None = None, grid: str | None = None, sender: str = SENDER,
             message_id: str = "PURGE-1") -> bytes:
    ids = (f"<ICPN>{upc}</ICPN>" if upc else "") + (f"<GRid>{grid}</GRid>" if grid else "")
    spec = MessageSpec(recordings=(), sender=sender, message_id=message_id)
    body = f"<PurgedRelease><ReleaseId>{ids}</ReleaseId><Title><TitleText>Gone</TitleText></Title></PurgedRelease>"
    return _document("382", spec, body, root="PurgeReleaseMessage")


def _document(version: str, spec: MessageSpec, body: str, root: str = "NewReleaseMessage") -> bytes:
    control = "TestMessage" if spec.is_test else "LiveMessage"
    header = (f"<MessageHeader><MessageThreadId>{escape(spec.message_id)}</MessageThreadId>"
              f"<MessageId>{escape(spec.message_id)}</MessageId>"
              f"<MessageSender><PartyId>{spec.sender}</PartyId><PartyName><FullName>Test Distribution</FullName>"
              f"</PartyName></MessageSender><MessageRecipient><PartyId>{RECIPIENT}</PartyId><PartyName>"
              f"<FullName>Pressplant</FullName></PartyName></MessageRecipient>"
              f"<MessageCreatedDateTime>{spec.created}</MessageCreatedDateTime>"
              f"<MessageControlType>{control}</MessageControlType></MessageHeader>")
    indicator = "<UpdateIndicator>OriginalMessage</UpdateIndicator>" if version.startswith("3") else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<ern:{root} xmlns:ern="http://ddex.net/xml/ern/{version}" '
            f'MessageSchemaVersionId="ern/{version}" LanguageAndScriptCode="en">{header}{indicator}{body}'
            f"</ern:{root}>").encode()


def _hash_382(file: FileSpec) -> str:
    if not file.digest:
        return ""
    return (f"<HashSum><HashSum>{file.digest}</HashSum>"
            f"<HashSumAlgorithmType>{(file.algorithm or 'MD5').replace('-', '')}</HashSumAlgorithmType></HashSum>")


def _file_382(file: FileSpec | None) -> str:
    if file is None:
        return ""
    path = f"<FilePath>{escape(file.directory)}/</FilePath>" if file.directory else ""
    return f"<File><FileName>{escape(file.name)}</FileName>{path}{_hash_382(file)}</File>"


def _recording_382(r: RecordingSpec) -> str:
    return (f"<SoundRecording><SoundRecordingType>MusicalWorkSoundRecording</SoundRecordingType>"
            f"<SoundRecordingId><ISRC>{escape(r.isrc)}</ISRC></SoundRecordingId>"
            f"<ResourceReference>{r.reference}</ResourceReference>"
            f"<ReferenceTitle><TitleText>{escape(r.title)}</TitleText></ReferenceTitle>"
            f"<Duration>PT{r.seconds:g}S</Duration><SoundRecordingDetailsByTerritory>"
            f"<TerritoryCode>Worldwide</TerritoryCode>"
            f'<Title TitleType="DisplayTitle"><TitleText>{escape(r.title)}</TitleText></Title>'
            f"<DisplayArtist><PartyName><FullName>{escape(r.artist)}</FullName></PartyName>"
            f"<ArtistRole>MainArtist</ArtistRole></DisplayArtist>"
            f"<PLine><Year>2024</Year><PLineText>(P) 2024 Pressplant Test Records</PLineText></PLine>"
            f"<Genre><GenreText>Ambient</GenreText></Genre>"
            f"<TechnicalSoundRecordingDetails><TechnicalResourceDetailsReference>T{r.reference}"
            f"</TechnicalResourceDetailsReference><AudioCodecType>FLAC</AudioCodecType>{_file_382(r.file)}"
            f"</TechnicalSoundRecordingDetails></SoundRecordingDetailsByTerritory></SoundRecording>")


def _image_382(cover: FileSpec | None) -> str:
    if cover is None:
        return ""
    return (f"<Image><ImageType>FrontCoverImage</ImageType><ImageId><ProprietaryId Namespace={quoteattr(SENDER)}>"
            f"COVER</ProprietaryId></ImageId><ResourceReference>A99</ResourceReference><ImageDetailsByTerritory>"
            f"<TerritoryCode>Worldwide</TerritoryCode><TechnicalImageDetails><TechnicalResourceDetailsReference>T99"
            f"</TechnicalResourceDetailsReference><ImageCodecType>JPEG</ImageCodecType>{_file_382(cover)}"
            f"</TechnicalImageDetails></ImageDetailsByTerritory></Image>")


def _groups_382(spec: MessageSpec) -> str:
    discs: dict[int, list[RecordingSpec]] = {}
    for recording in spec.recordings:
        discs.setdefault(recording.disc, []).append(recording)
    groups = ""
    for disc in sorted(discs):
        items = "".join(f"<ResourceGroupContentItem><SequenceNumber>{n}</SequenceNumber><ResourceType>"
                        f"SoundRecording</ResourceType><ReleaseResourceReference>{r.reference}"
                        f"</ReleaseResourceReference></ResourceGroupContentItem>"
                        for n, r in enumerate(discs[disc], start=1))
        groups += f"<ResourceGroup><SequenceNumber>{disc}</SequenceNumber>{items}</ResourceGroup>"
    cover = ("<ResourceGroupContentItem><ResourceType>Image</ResourceType><ReleaseResourceReference>A99"
             "</ReleaseResourceReference></ResourceGroupContentItem>") if spec.cover else ""
    return f"<ResourceGroup>{groups}{cover}</ResourceGroup>"


def _release_382(spec: MessageSpec) -> str:
    refs = [r.reference for r in spec.recordings] + (["A99"] if spec.cover else [])
    listed = "".join(f"<ReleaseResourceReference>{ref}</ReleaseResourceReference>" for ref in refs)
    icpn = f"<ICPN>{spec.upc}</ICPN>" if spec.upc else ""
    return (f'<Release IsMainRelease="true"><ReleaseId>{icpn}</ReleaseId><ReleaseReference>R0</ReleaseReference>'
            f"<ReferenceTitle><TitleText>{escape(spec.title)}</TitleText></ReferenceTitle>"
            f"<ReleaseResourceReferenceList>{listed}</ReleaseResourceReferenceList>"
            f"<ReleaseType>{spec.release_type}</ReleaseType><ReleaseDetailsByTerritory>"
            f"<TerritoryCode>Worldwide</TerritoryCode><DisplayArtistName>{escape(spec.artist)}</DisplayArtistName>"
            f"<LabelName>{escape(spec.label)}</LabelName>"
            f'<Title TitleType="DisplayTitle"><TitleText>{escape(spec.title)}</TitleText></Title>'
            f"<DisplayArtist><PartyName><FullName>{escape(spec.artist)}</FullName></PartyName>"
            f"<ArtistRole>MainArtist</ArtistRole></DisplayArtist>{_groups_382(spec)}"
            f"<Genre><GenreText>{escape(spec.genre)}</GenreText></Genre>"
            f"<ReleaseDate>{spec.release_date}</ReleaseDate></ReleaseDetailsByTerritory>"
            f"<PLine><Year>2024</Year><PLineText>(P) 2024 Pressplant Test Records</PLineText></PLine>"
            f"<CLine><Year>2024</Year><CLineText>(C) 2024 Pressplant Test Records</CLineText></CLine></Release>")


def _track_release_382(r: RecordingSpec, n: int) -> str:
    return (f'<Release IsMainRelease="false"><ReleaseId><ISRC>{escape(r.isrc)}</ISRC></ReleaseId>'
            f"<ReleaseReference>R{n}</ReleaseReference><ReferenceTitle><TitleText>{escape(r.title)}</TitleText>"
            f"</ReferenceTitle><ReleaseResourceReferenceList><ReleaseResourceReference>{r.reference}"
            f"</ReleaseResourceReference></ReleaseResourceReferenceList><ReleaseType>TrackRelease</ReleaseType>"
            f"<ReleaseDetailsByTerritory><TerritoryCode>Worldwide</TerritoryCode>"
            f"<DisplayArtistName>{escape(r.artist)}</DisplayArtistName><ResourceGroup>"
            f"<ResourceGroupContentItem><SequenceNumber>1</SequenceNumber><ResourceType>SoundRecording"
            f"</ResourceType><ReleaseResourceReference>{r.reference}</ReleaseResourceReference>"
            f"</ResourceGroupContentItem></ResourceGroup></ReleaseDetailsByTerritory></Release>")


def _territories(deal: DealSpec) -> str:
    return ("".join(f"<TerritoryCode>{t}</TerritoryCode>" for t in deal.territories if not deal.excluded)
            + "".join(f"<ExcludedTerritoryCode>{t}</ExcludedTerritoryCode>" for t in deal.excluded))


def _validity(deal: DealSpec) -> str:
    start = f"<StartDate>{deal.start}</StartDate>" if deal.start else ""
    end = f"<EndDate>{deal.end}</EndDate>" if deal.end else ""
    return f"<ValidityPeriod>{start}{end}</ValidityPeriod>" if start or end else ""


def _price(deal: DealSpec, code_element: str) -> str:
    if deal.price_code:
        return (f"<PriceInformation><{code_element} Namespace={quoteattr(SENDER)}>{deal.price_code}"
                f"</{code_element}></PriceInformation>")
    if deal.wholesale:
        amount, currency = deal.wholesale
        return (f"<PriceInformation><WholesalePricePerUnit CurrencyCode={quoteattr(currency)}>{amount}"
                f"</WholesalePricePerUnit></PriceInformation>")
    return ""


def _deal_382(deal: DealSpec) -> str:
    refs = "".join(f"<DealReleaseReference>{ref}</DealReleaseReference>" for ref in deal.references)
    if deal.takedown:
        terms = f"<TakeDown>true</TakeDown>{_territories(deal)}{_validity(deal)}"
    else:
        uses = "".join(f"<UseType>{use}</UseType>" for use in deal.use_types)
        terms = (f"<CommercialModelType>{deal.model}</CommercialModelType><Usage>{uses}</Usage>"
                 f"{_territories(deal)}{_price(deal, 'PriceType')}{_validity(deal)}")
    effective = f"<EffectiveDate>{deal.effective}</EffectiveDate>" if deal.effective else ""
    return f"<ReleaseDeal>{refs}<Deal><DealTerms>{terms}</DealTerms></Deal>{effective}</ReleaseDeal>"


# --- ERN 4.3 ---------------------------------------------------------------------------------------------


def ern43(spec: MessageSpec) -> bytes:
    artists = dict.fromkeys([spec.artist, *(r.artist for r in spec.recordings)])
    parties = "".join(f"<Party><PartyReference>P{n}</PartyReference><PartyName><FullName>{escape(name)}</FullName>"
                      f"</PartyName></Party>" for n, name in enumerate(artists, start=1))
    parties += (f"<Party><PartyReference>PLABEL</PartyReference><PartyName><FullName>{escape(spec.label)}"
                f"</FullName></PartyName></Party>")
    party_of = {name: f"P{n}" for n, name in enumerate(artists, start=1)}
    resources = "".join(_recording_43(r, party_of[r.artist]) for r in spec.recordings) + _image_43(spec.cover)
    releases = _release_43(spec, party_of[spec.artist]) + "".join(
        _track_release_43(r, n) for n, r in enumerate(spec.recordings, start=1) if spec.track_releases)
    deals = "".join(_deal_43(d) for d in spec.deals)
    return _document("43", spec, f"<PartyList>{parties}</PartyList><ResourceList>{resources}</ResourceList>"
                                 f"<ReleaseList>{releases}</ReleaseList><DealList>{deals}</DealList>")


def _file_43(file: FileSpec | None) -> str:
    if file is None:
        return ""
    hashsum = (f"<HashSum><Algorithm>{file.algorithm or 'MD5'}</Algorithm><HashSumValue>{file.digest}"
               f"</HashSumValue></HashSum>") if file.digest else ""
    return f"<File><URI>{escape(file.uri)}</URI>{hashsum}</File>"


def _recording_43(r: RecordingSpec, party: str) -> str:
    return (f"<SoundRecording><ResourceReference>{r.reference}</ResourceReference>"
            f"<Type>MusicalWorkSoundRecording</Type><SoundRecordingEdition><ResourceId><ISRC>{escape(r.isrc)}</ISRC>"
            f"</ResourceId><PLine><Year>2024</Year><PLineText>(P) 2024 Pressplant Test Records</PLineText></PLine>"
            f"<TechnicalDetails><TechnicalResourceDetailsReference>T{r.reference}"
            f"</TechnicalResourceDetailsReference><DeliveryFile><Type>AudioFile</Type>"
            f"<AudioCodecType>FLAC</AudioCodecType>{_file_43(r.file)}</DeliveryFile></TechnicalDetails>"
            f"</SoundRecordingEdition><DisplayTitleText>{escape(r.title)}</DisplayTitleText>"
            f"<DisplayTitle><TitleText>{escape(r.title)}</TitleText></DisplayTitle>"
            f"<DisplayArtistName>{escape(r.artist)}</DisplayArtistName><DisplayArtist><ArtistPartyReference>{party}"
            f"</ArtistPartyReference><DisplayArtistRole>MainArtist</DisplayArtistRole></DisplayArtist>"
            f"<Duration>PT{r.seconds:g}S</Duration></SoundRecording>")


def _image_43(cover: FileSpec | None) -> str:
    if cover is None:
        return ""
    return (f"<Image><ResourceReference>A99</ResourceReference><Type>FrontCoverImage</Type><ResourceId>"
            f"<ProprietaryId Namespace={quoteattr(SENDER)}>COVER</ProprietaryId></ResourceId><TechnicalDetails>"
            f"<TechnicalResourceDetailsReference>T99</TechnicalResourceDetailsReference>{_file_43(cover)}"
            f"</TechnicalDetails></Image>")


def _release_43(spec: MessageSpec, party: str) -> str:
    discs: dict[int, list[RecordingSpec]] = {}
    for recording in spec.recordings:
        discs.setdefault(recording.disc, []).append(recording)
    groups = "".join(
        f"<ResourceGroup><SequenceNumber>{disc}</SequenceNumber>" + "".join(
            f"<ResourceGroupContentItem><SequenceNumber>{n}</SequenceNumber><ReleaseResourceReference>{r.reference}"
            f"</ReleaseResourceReference></ResourceGroupContentItem>" for n, r in enumerate(discs[disc], start=1))
        + "</ResourceGroup>" for disc in sorted(discs))
    cover = "<LinkedReleaseResourceReference>A99</LinkedReleaseResourceReference>" if spec.cover else ""
    icpn = f"<ICPN>{spec.upc}</ICPN>" if spec.upc else ""
    return (f"<Release><ReleaseReference>R0</ReleaseReference><ReleaseType>{spec.release_type}</ReleaseType>"
            f"<ReleaseId>{icpn}</ReleaseId><DisplayTitleText>{escape(spec.title)}</DisplayTitleText>"
            f"<DisplayTitle><TitleText>{escape(spec.title)}</TitleText></DisplayTitle>"
            f"<DisplayArtistName>{escape(spec.artist)}</DisplayArtistName><DisplayArtist><ArtistPartyReference>"
            f"{party}</ArtistPartyReference><DisplayArtistRole>MainArtist</DisplayArtistRole></DisplayArtist>"
            f"<ReleaseLabelReference>PLABEL</ReleaseLabelReference>"
            f"<PLine><Year>2024</Year><PLineText>(P) 2024 Pressplant Test Records</PLineText></PLine>"
            f"<CLine><Year>2024</Year><CLineText>(C) 2024 Pressplant Test Records</CLineText></CLine>"
            f"<Genre><GenreText>{escape(spec.genre)}</GenreText></Genre>"
            f"<ReleaseDate>{spec.release_date}</ReleaseDate><ResourceGroup>{groups}{cover}</ResourceGroup></Release>")


def _track_release_43(r: RecordingSpec, n: int) -> str:
    return (f"<TrackRelease><ReleaseReference>R{n}</ReleaseReference><ReleaseId><ProprietaryId "
            f"Namespace={quoteattr(SENDER)}>TRACK-{escape(r.isrc)}</ProprietaryId></ReleaseId>"
            f"<ReleaseResourceReference>{r.reference}</ReleaseResourceReference>"
            f"<ReleaseLabelReference>PLABEL</ReleaseLabelReference></TrackRelease>")


def _deal_43(deal: DealSpec) -> str:
    refs = "".join(f"<DealReleaseReference>{ref}</DealReleaseReference>" for ref in deal.references)
    if deal.takedown:  # ERN 4 has no TakeDown: a withdrawal is a deal left out; kept here for symmetry
        return ""
    uses = "".join(f"<UseType>{use}</UseType>" for use in deal.use_types)
    terms = (f"{_territories(deal)}{_validity(deal)}<CommercialModelType>{deal.model}</CommercialModelType>"
             f"{uses}{_price(deal, 'PriceCode')}")
    effective = f"<EffectiveDate>{deal.effective}</EffectiveDate>" if deal.effective else ""
    return f"<ReleaseDeal>{refs}<Deal><DealTerms>{terms}</DealTerms></Deal>{effective}</ReleaseDeal>"


def two_disc_album() -> MessageSpec:
    """Three recordings over two discs, listed disc 2 first in the resource list (order comes from the
    resource groups, not the resource list)."""
    return MessageSpec(recordings=(
        RecordingSpec("A3", "GBAYE2600003", "Coda", disc=2),
        RecordingSpec("A1", "GBAYE2600001", "Opening"),
        RecordingSpec("A2", "GBAYE2600002", "Middle"),
    ))

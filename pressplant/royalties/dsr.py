"""DDEX DSR sales reports for labels: the Basic Audio Profile flat file (tab-separated, UTF-8, `.tsv`).

One file per label and month: HEAD; one SY02.02 summary per sales context (territory and currency,
PayAsYouGoModel / PermanentDownload); then one block per release: RE01 (the release), AS02.02 (its sound
recordings), SU01 (one per sale or refund: Usages 1 or Returns 1, the price paid excluding sales tax);
FOOT with the line, summary and block counts. Every record carries all of its cells, empty or not.

The cell lists are data (RECORD_CELLS), taken from the DDEX BasicAudioProfile 1.2 schema
(github.com/ddexnet/dsrf, schemas/BasicAudioProfile/1.2/BasicAudioProfile.xsd, which encodes the record
types of DSR Part 8). After HEAD a commented row ("#" + record type) names each record type's cells, as
DDEX's own samples do; DSR Part 1 lets ingestors skip "#" rows and FOOT counts them as lines. Delimiters
inside values are escaped as DSR Part 1 clause 6.6.4 prescribes (tab: \\<TAB>, pipe: \\\\|, backslash: \\\\\\).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from pressplant.catalogue.models import Label, Release, Track
from pressplant.money import Money
from pressplant.rights.models import LabelMember, Licence
from pressplant.royalties.documents import amount_text
from pressplant.royalties.errors import RoyaltiesError
from pressplant.royalties.periods import Period
from pressplant.royalties.sales import SaleEvent, stream_events

RECORD_CELLS: dict[str, tuple[str, ...]] = {
    "HEAD": ("RecordType", "MessageVersion", "Profile", "ProfileVersion", "MessageId", "MessageCreatedDateTime",
             "FileNumber", "NumberOfFiles", "UsageStartDate", "UsageEndDate", "SenderPartyId", "SenderName",
             "ServiceDescription", "RecipientPartyId", "RecipientName", "RepresentedRepertoire"),
    "SY02.02": ("RecordType", "SummaryRecordId", "DistributionChannel", "DistributionChannelDPID",
                "CommercialModel", "UseType", "Territory", "ServiceDescription", "Usages", "Users",
                "CurrencyOfReporting", "NetRevenue", "RightsController", "RightsControllerPartyId",
                "AllocatedUsages", "AllocatedRevenue", "AllocatedNetRevenue", "RightsType", "ContentCategory",
                "CurrencyOfTransaction", "ExchangeRate", "RightsTypePercentage"),
    "RE01": ("RecordType", "BlockId", "ReleaseReference", "DspReleaseId", "ProprietaryReleaseId", "CatalogNumber",
             "ICPN", "DisplayArtistName", "DisplayArtistPartyId", "Title", "SubTitle", "ReleaseType", "Label",
             "PLine", "DataProvider"),
    "AS02.02": ("RecordType", "BlockId", "ResourceReference", "DspResourceId", "ISRC", "Title", "SubTitle",
                "DisplayArtistName", "DisplayArtistPartyId", "Duration", "ResourceType", "ISWC", "ComposerAuthor",
                "ComposerAuthorPartyId", "Arranger", "ArrangerPartyId", "MusicPublisher", "MusicPublisherPartyId",
                "WorkContributor", "WorkContributorPartyId", "ProprietaryWorkId", "IsMasterRecording"),
    "SU01": ("RecordType", "BlockId", "SummaryRecordId", "SalesTransactionId", "TransactedRelease",
             "TransactedResource", "IsRoyaltyBearing", "SalesUpgrade", "Usages", "Returns",
             "PriceConsumerPaidExcSalesTax", "PromotionalActivity"),
    "FOOT": ("RecordType", "NumberOfLinesInFile", "NumberOfLinesInReport", "NumberOfSummaryRecords",
             "NumberOfBlocksInFile", "NumberOfBlocksInReport"),
}  # fmt: skip
"""Record type -> its cells, in order (cell 1 is always RecordType, holding the record type itself)."""

PROFILE = "BasicAudioProfile"
PROFILE_VERSION = "1.2"
MESSAGE_VERSION = "dsrf/1.1.2/1.6/1.2"
"""Architecture / allowed-value sets / record type definitions (unconfirmed: agree it with the recipient)."""
SERVICE_DESCRIPTION = "Download"
"""The service in the file name, HEAD and summaries: no spaces or underscores allowed."""
COMMERCIAL_MODEL = "PayAsYouGoModel"
USE_TYPE = "PermanentDownload"
CONTENT_CATEGORY = "Music"
LABEL_SHARE_ROLES = ("label", "artist", "publisher", "society", "other")
"""Sale part roles that make up the label's share, split among its payees; the mechanical royalty (role
"mechanical"), VAT and the store's margin are not the label's."""
RELEASE_TYPES = {"Album": "Album", "Single": "Single", "EP": "EP", "Compilation": "Album"}
"""Our release types -> DDEX ReleaseType values."""

_DPID = re.compile(r"PADPIDA[A-Za-z0-9]+")
_ISRC = re.compile(r"[A-Za-z]{2}[A-Za-z0-9]{3}[0-9]{7}")
_ICPN = re.compile(r"[0-9]{12,14}")
_ESCAPES = str.maketrans({"\\": "\\\\\\", "|": "\\\\|", "\t": "\\\t", "\n": " ", "\r": " "})


class DsrError(RoyaltiesError):
    """A DSR record asked for with a cell its record type does not have."""


@dataclass(frozen=True, slots=True)
class DsrParty:
    """A message sender or recipient: its DDEX party id (DPID) when it has one, and its name."""

    party_id: str
    name: str

    @property
    def dpid(self) -> str:
        """The party id if it is a DPID (HEAD's party cells accept nothing else), else ""."""
        return self.party_id if _DPID.fullmatch(self.party_id) else ""

    @property
    def file_name_part(self) -> str:
        """What the file name calls the party: its DPID, else its name without spaces or underscores."""
        return self.dpid or re.sub(r"[^A-Za-z0-9-]+", "", self.name) or "unnamed"


@dataclass(frozen=True, slots=True)
class DsrFile:
    name: str
    text: str
    record_counts: dict[str, int] = field(default_factory=dict)


def record(record_type: str, **cells: str | int) -> list[str]:
    """One record with every cell of its type, in order; cells not given are empty."""
    names = RECORD_CELLS[record_type]
    unknown = sorted(set(cells) - set(names))
    if unknown:
        raise DsrError(f"a {record_type} record has no cell {', '.join(unknown)}; its cells: {', '.join(names)}")
    return [record_type, *(_escape(str(cells.get(name, ""))) for name in names[1:])]


def _escape(value: str) -> str:
    return value.translate(_ESCAPES)


def header_rows() -> list[list[str]]:
    """The commented rows naming every record type's cells, for human readers."""
    return [[f"#{record_type}", *cells[1:]] for record_type, cells in RECORD_CELLS.items()]


def file_name(recipient: DsrParty, sender: DsrParty, period: Period, territory: str, created_at: datetime,
              file_number: int = 1, number_of_files: int = 1) -> str:
    """DSR_<recipient>_<sender>_<service>_<period>_<territory>_<x>of<y>_<created>.tsv (DSR Part 1)."""
    created = created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    return (f"DSR_{recipient.file_name_part}_{sender.file_name_part}_{SERVICE_DESCRIPTION}_{period}_{territory}_"
            f"{file_number}of{number_of_files}_{created}.tsv")


def label_party(label: Label) -> DsrParty:
    """The label as a DSR recipient: the DPID its DDEX messages come from, when it sends any."""
    candidates = [*LabelMember.objects.filter(label=label).values_list("sender_party_id", flat=True),
                  *Licence.objects.filter(release__label=label).values_list("sender_party_id", flat=True)]
    return DsrParty(next((c for c in candidates if _DPID.fullmatch(c)), ""), label.name)


def dsr_files(period: Period, sender: DsrParty, created_at: datetime) -> list[DsrFile]:
    """One DSR per label with sales or refunds in `period`, by label name; in one pass over the period."""
    builders: dict[int, DsrBuilder] = {}
    for event in stream_events(period):
        label_id = event.item.label_id
        if label_id is not None:
            if label_id not in builders:
                builders[label_id] = DsrBuilder(Label.objects.get(pk=label_id), period, created_at)
            builders[label_id].add(event)
    built = [(label, builders[label.pk].finish(sender)) for label in Label.objects.filter(pk__in=list(builders))]
    return named_apart([(label, f) for label, f in built if f is not None])


def named_apart(built: list[tuple[Label, DsrFile]]) -> list[DsrFile]:
    """The files, each under a name of its own. Labels that share one DPID (a distributor delivering for
    several) would all be DSR_<that DPID>_..., and each file written would replace the one before: their
    files take the label's name (and, if that is shared too, its id) after the DPID."""
    taken = [f.name for _, f in built]
    out = []
    for label, dsr in built:
        if taken.count(dsr.name) > 1:
            recipient = dsr.name.split("_", 2)[1]  # file_name_part: no underscores
            label_part = re.sub(r"[^A-Za-z0-9]+", "", label.name) or "label"
            name = dsr.name.replace(f"DSR_{recipient}_", f"DSR_{recipient}-{label_part}_", 1)
            if name in taken:
                name = dsr.name.replace(f"DSR_{recipient}_", f"DSR_{recipient}-{label_part}{label.pk}_", 1)
            taken.append(name)
            dsr = DsrFile(name, dsr.text, dsr.record_counts)
        out.append(dsr)
    return out


def dsr_for_label(label: Label, period: Period, sender: DsrParty, created_at: datetime) -> DsrFile | None:
    """The label's DSR for `period`, or None when nothing of the label's sold or was refunded."""
    builder = DsrBuilder(label, period, created_at)
    for event in stream_events(period, label=label):
        builder.add(event)
    return builder.finish(sender)


@dataclass
class _Context:
    """One sales context (territory and currency): one summary record."""

    territory: str
    currency: str
    usages: int = 0
    net_minor: int = 0
    label_minor: int = 0


_SU01 = "\t".join(["SU01", *(f"{{{name}}}" for name in RECORD_CELLS["SU01"][1:])]) + "\n"
"""A sale record as a str.format pattern: a month can hold a million, and every one of their cells is
made here (ids, numbers, fixed words), so none needs record()'s checks or escapes."""


class _Sold(NamedTuple):
    """What a sale record needs of its event, kept until the label's events are all in (a tuple: a label's
    month can keep a million)."""

    context: tuple[str, str]
    transaction_id: str
    track_id: int | None
    is_upgrade: bool
    units: int
    price: str
    """The price paid excluding sales tax, as the file prints it."""


class DsrBuilder:
    """One label's DSR, built from its events oldest first. Summaries come before the sales in the file,
    so the sales are kept, in a few small cells each, until `finish()` numbers the summaries."""

    def __init__(self, label: Label, period: Period, created_at: datetime) -> None:
        self.label, self.period, self.created_at = label, period, created_at.astimezone(UTC)
        self.contexts: dict[tuple[str, str], _Context] = {}
        self.sold: dict[int, list[_Sold]] = defaultdict(list)
        self.prices: dict[tuple[int, str], str] = {}

    def add(self, event: SaleEvent) -> None:
        line, units = event.line, event.units
        key = (line.territory, line.currency)
        context = self.contexts.get(key) or self.contexts.setdefault(key, _Context(*key))
        context.usages += units
        context.net_minor += units * (line.price_minor - line.vat_minor)
        context.label_minor += units * event.parts.total(LABEL_SHARE_ROLES)
        self.sold[event.item.release_id].append(_Sold(key, event.transaction_id, line.track_id, event.is_upgrade,
                                                      units, self._price(line.price_minor - line.vat_minor,
                                                                         line.currency)))

    def finish(self, sender: DsrParty) -> DsrFile | None:
        if not self.sold:
            return None
        recipient = label_party(self.label)
        summary_ids = {key: number for number, key in enumerate(sorted(self.contexts), start=1)}
        lines = ["\t".join(row) + "\n" for row in (self._head(sender, recipient), *header_rows())]
        lines += ["\t".join(self._summary(summary_ids[key], self.contexts[key], recipient)) + "\n"
                  for key in sorted(self.contexts)]
        counts = {"HEAD": 1, **{row[0]: 1 for row in header_rows()}, "SY02.02": len(self.contexts)}
        lines += self._blocks(summary_ids, counts)
        blocks = len(self.sold)
        foot = record("FOOT", NumberOfLinesInFile=len(lines) + 1, NumberOfLinesInReport=len(lines) + 1,
                      NumberOfSummaryRecords=len(self.contexts), NumberOfBlocksInFile=blocks,
                      NumberOfBlocksInReport=blocks)
        lines.append("\t".join(foot) + "\n")
        counts["FOOT"] = 1
        territories = sorted(self.contexts)
        territory = territories[0][0] if len({t for t, _ in territories}) == 1 else "multi"
        name = file_name(recipient, sender, self.period, territory, self.created_at)
        return DsrFile(name, "".join(lines), {k: v for k, v in counts.items() if v})

    def _blocks(self, summary_ids: dict[tuple[str, str], int], counts: dict[str, int]) -> list[str]:
        releases = Release.objects.select_related("label").in_bulk(list(self.sold))
        tracks: dict[int, list[Track]] = defaultdict(list)
        for track in Track.objects.filter(release_id__in=list(self.sold)).order_by("release", "disc_number",
                                                                                  "position"):
            tracks[track.release_id].append(track)
        lines = []
        for number, release_id in enumerate(sorted(self.sold), start=1):
            block_id = f"BL{number}"
            references = {track.pk: f"SR{n}" for n, track in enumerate(tracks[release_id], start=1)}
            rows = self._release(block_id, releases[release_id], tracks[release_id], references)
            lines += ["\t".join(row) + "\n" for row in rows]
            lines += [self._sale(block_id, summary_ids[sold.context], sold, references)
                      for sold in self.sold[release_id]]
            counts["RE01"] = counts.get("RE01", 0) + 1
            counts["AS02.02"] = counts.get("AS02.02", 0) + len(rows) - 1
            counts["SU01"] = counts.get("SU01", 0) + len(self.sold[release_id])
        return lines

    def _price(self, amount_minor: int, currency: str) -> str:
        key = (amount_minor, currency)
        text = self.prices.get(key)
        if text is None:
            text = self.prices[key] = amount_text(Money(amount_minor, currency))
        return text

    def _head(self, sender: DsrParty, recipient: DsrParty) -> list[str]:
        created = self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        message_id = f"{recipient.file_name_part}-{self.period}-{self.created_at:%Y%m%dT%H%M%S}"
        return record("HEAD", MessageVersion=MESSAGE_VERSION, Profile=PROFILE, ProfileVersion=PROFILE_VERSION,
                      MessageId=message_id, MessageCreatedDateTime=created, FileNumber=1, NumberOfFiles=1,
                      UsageStartDate=self.period.first_day.isoformat(), UsageEndDate=self.period.last_day.isoformat(),
                      SenderPartyId=sender.dpid, SenderName=sender.name, ServiceDescription=SERVICE_DESCRIPTION,
                      RecipientPartyId=recipient.dpid, RecipientName=recipient.name)

    def _summary(self, summary_id: int, context: _Context, recipient: DsrParty) -> list[str]:
        return record("SY02.02", SummaryRecordId=summary_id, CommercialModel=COMMERCIAL_MODEL,
                      UseType=USE_TYPE, Territory=context.territory, ServiceDescription=SERVICE_DESCRIPTION,
                      Usages=context.usages, CurrencyOfReporting=context.currency,
                      NetRevenue=amount_text(Money(context.net_minor, context.currency)),
                      RightsController=recipient.name,
                      RightsControllerPartyId=f"DPID::{recipient.dpid}" if recipient.dpid else "",
                      AllocatedRevenue=amount_text(Money(context.label_minor, context.currency)),
                      ContentCategory=CONTENT_CATEGORY, CurrencyOfTransaction=context.currency)

    def _release(self, block_id: str, release: Release, tracks: list[Track], references: dict[int, str]
                 ) -> list[list[str]]:
        rows = [record("RE01", BlockId=block_id, ReleaseReference="RE1", DspReleaseId=f"R{release.pk}",
                       ICPN=release.upc if _ICPN.fullmatch(release.upc) else "",
                       DisplayArtistName=release.artist_display, Title=release.title,
                       ReleaseType=RELEASE_TYPES.get(release.release_type, ""),
                       Label=release.label.name if release.label else "", PLine=release.p_line)]
        rows += [record("AS02.02", BlockId=block_id, ResourceReference=references[track.pk],
                        DspResourceId=f"T{track.pk}", ISRC=track.isrc if _ISRC.fullmatch(track.isrc) else "",
                        Title=track.title, DisplayArtistName=track.artist_display,
                        Duration=iso_duration(track.duration_ms), ResourceType="SoundRecording")
                 for track in tracks]
        return rows

    @staticmethod
    def _sale(block_id: str, summary_id: int, sold: _Sold, references: dict[int, str]) -> str:
        return _SU01.format(
            BlockId=block_id, SummaryRecordId=summary_id, SalesTransactionId=sold.transaction_id,
            TransactedRelease="RE1" if sold.track_id is None else "",
            TransactedResource=references[sold.track_id] if sold.track_id is not None else "",
            IsRoyaltyBearing="true", SalesUpgrade="true" if sold.is_upgrade else "false",
            Usages=1 if sold.units > 0 else 0, Returns=1 if sold.units < 0 else 0,
            PriceConsumerPaidExcSalesTax=sold.price, PromotionalActivity="")


def iso_duration(duration_ms: int) -> str:
    """195_250 ms -> "PT3M15.25S" (xs:duration, as DSR's Duration cells take it)."""
    hours, rest_ms = divmod(duration_ms, 3_600_000)
    minutes, rest_ms = divmod(rest_ms, 60_000)
    seconds, millis = divmod(rest_ms, 1000)
    text = f"{seconds}.{millis:03d}".rstrip("0").rstrip(".")
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or hours else "") + f"{text}S"

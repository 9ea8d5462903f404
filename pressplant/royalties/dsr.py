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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Sum

from pressplant.catalogue.models import Label, Release, Track
from pressplant.money import Money
from pressplant.orders.models import SalePart
from pressplant.rights.models import LabelMember, Licence
from pressplant.royalties.documents import amount_text
from pressplant.royalties.errors import RoyaltiesError
from pressplant.royalties.periods import Period
from pressplant.royalties.sales import SaleEvent, labels_in, lines_in, sale_events

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
    """One DSR per label with sales or refunds in `period`."""
    files = [dsr_for_label(label, period, sender, created_at) for label in labels_in(period)]
    return [f for f in files if f is not None]


def dsr_for_label(label: Label, period: Period, sender: DsrParty, created_at: datetime) -> DsrFile | None:
    """The label's DSR for `period`, or None when nothing of the label's sold or was refunded."""
    events = sale_events(period, label=label)
    if not events:
        return None
    recipient = label_party(label)
    report = _Report(events, _label_shares(period, label), period, created_at)
    rows = report.rows(sender, recipient)
    territories = sorted({event.territory for event in events})
    name = file_name(recipient, sender, period, territories[0] if len(territories) == 1 else "multi", created_at)
    return DsrFile(name, "".join("\t".join(row) + "\n" for row in rows), report.counts(rows))


def _label_shares(period: Period, label: Label) -> dict[int, int]:
    """line id -> the label's share of it (minor units, as sold)."""
    parts = SalePart.objects.filter(line__in=lines_in(period, label=label).values("pk"), role__in=LABEL_SHARE_ROLES)
    return dict(parts.values("line_id").annotate(total=Sum("amount_minor")).values_list("line_id", "total"))


@dataclass
class _Context:
    """One sales context (territory and currency): one summary record."""

    summary_id: int
    territory: str
    currency: str
    usages: int = 0
    net_minor: int = 0
    label_minor: int = 0


class _Report:
    """The records of one label's DSR, built from its events."""

    def __init__(self, events: Sequence[SaleEvent], label_shares: dict[int, int], period: Period,
                 created_at: datetime) -> None:
        self.events = events
        self.label_shares = label_shares
        self.period = period
        self.created_at = created_at.astimezone(UTC)
        self.contexts = self._contexts()

    def _contexts(self) -> dict[tuple[str, str], _Context]:
        keys = sorted({(e.territory, e.line.currency) for e in self.events})
        contexts = {key: _Context(number, *key) for number, key in enumerate(keys, start=1)}
        for event in self.events:
            context = contexts[(event.territory, event.line.currency)]
            context.usages += event.units
            context.net_minor += event.ex_vat.amount_minor
            context.label_minor += event.units * self.label_shares.get(event.line.pk, 0)
        return contexts

    def rows(self, sender: DsrParty, recipient: DsrParty) -> list[list[str]]:
        rows = [self._head(sender, recipient), *header_rows()]
        rows += [self._summary(context, recipient) for context in self.contexts.values()]
        by_release: dict[int, list[SaleEvent]] = defaultdict(list)
        for event in self.events:
            by_release[event.item.release_id].append(event)
        releases = Release.objects.in_bulk(list(by_release))
        tracks: dict[int, list[Track]] = defaultdict(list)
        for track in Track.objects.filter(release_id__in=list(by_release)).order_by("release", "disc_number",
                                                                                      "position"):
            tracks[track.release_id].append(track)
        for number, release_id in enumerate(sorted(by_release), start=1):
            rows += self._block(f"BL{number}", releases[release_id], tracks[release_id], by_release[release_id])
        summaries, blocks = len(self.contexts), len(by_release)
        lines = len(rows) + 1
        rows.append(record("FOOT", NumberOfLinesInFile=lines, NumberOfLinesInReport=lines,
                           NumberOfSummaryRecords=summaries, NumberOfBlocksInFile=blocks,
                           NumberOfBlocksInReport=blocks))
        return rows

    def counts(self, rows: list[list[str]]) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for row in rows:
            counts[row[0]] += 1
        return dict(counts)

    def _head(self, sender: DsrParty, recipient: DsrParty) -> list[str]:
        created = self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        message_id = f"{recipient.file_name_part}-{self.period}-{self.created_at:%Y%m%dT%H%M%S}"
        return record("HEAD", MessageVersion=MESSAGE_VERSION, Profile=PROFILE, ProfileVersion=PROFILE_VERSION,
                      MessageId=message_id, MessageCreatedDateTime=created, FileNumber=1, NumberOfFiles=1,
                      UsageStartDate=self.period.first_day.isoformat(), UsageEndDate=self.period.last_day.isoformat(),
                      SenderPartyId=sender.dpid, SenderName=sender.name, ServiceDescription=SERVICE_DESCRIPTION,
                      RecipientPartyId=recipient.dpid, RecipientName=recipient.name)

    def _summary(self, context: _Context, recipient: DsrParty) -> list[str]:
        return record("SY02.02", SummaryRecordId=context.summary_id, CommercialModel=COMMERCIAL_MODEL,
                      UseType=USE_TYPE, Territory=context.territory, ServiceDescription=SERVICE_DESCRIPTION,
                      Usages=context.usages, CurrencyOfReporting=context.currency,
                      NetRevenue=amount_text(Money(context.net_minor, context.currency)),
                      RightsController=recipient.name,
                      RightsControllerPartyId=f"DPID::{recipient.dpid}" if recipient.dpid else "",
                      AllocatedRevenue=amount_text(Money(context.label_minor, context.currency)),
                      ContentCategory=CONTENT_CATEGORY, CurrencyOfTransaction=context.currency)

    def _block(self, block_id: str, release: Release, tracks: list[Track], events: list[SaleEvent]) -> list[list[str]]:
        rows = [record("RE01", BlockId=block_id, ReleaseReference="RE1", DspReleaseId=f"R{release.pk}",
                       ICPN=release.upc if _ICPN.fullmatch(release.upc) else "",
                       DisplayArtistName=release.artist_display, Title=release.title,
                       ReleaseType=RELEASE_TYPES.get(release.release_type, ""),
                       Label=release.label.name if release.label else "", PLine=release.p_line)]
        references = {track.pk: f"SR{number}" for number, track in enumerate(tracks, start=1)}
        rows += [record("AS02.02", BlockId=block_id, ResourceReference=references[track.pk],
                        DspResourceId=f"T{track.pk}", ISRC=track.isrc if _ISRC.fullmatch(track.isrc) else "",
                        Title=track.title, DisplayArtistName=track.artist_display,
                        Duration=iso_duration(track.duration_ms), ResourceType="SoundRecording")
                 for track in tracks]
        rows += [self._sale(block_id, event, references) for event in events]
        return rows

    def _sale(self, block_id: str, event: SaleEvent, references: dict[int, str]) -> list[str]:
        line = event.line
        context = self.contexts[(event.territory, line.currency)]
        price = Money(line.price_minor - line.vat_minor, line.currency)
        return record("SU01", BlockId=block_id, SummaryRecordId=context.summary_id,
                      SalesTransactionId=event.transaction_id,
                      TransactedRelease="RE1" if line.track_id is None else "",
                      TransactedResource=references[line.track_id] if line.track_id is not None else "",
                      IsRoyaltyBearing="true", SalesUpgrade="true" if event.is_upgrade else "false",
                      Usages=1 if event.units > 0 else 0, Returns=1 if event.units < 0 else 0,
                      PriceConsumerPaidExcSalesTax=amount_text(price))


def iso_duration(duration_ms: int) -> str:
    """195_250 ms -> "PT3M15.25S" (xs:duration, as DSR's Duration cells take it)."""
    hours, rest_ms = divmod(duration_ms, 3_600_000)
    minutes, rest_ms = divmod(rest_ms, 60_000)
    seconds, millis = divmod(rest_ms, 1000)
    text = f"{seconds}.{millis:03d}".rstrip("0").rstrip(".")
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or hours else "") + f"{text}S"

"""import_message: one DDEX ERN message in, kept byte for byte with what importing it did.

The order is fixed: read the bytes (pure), check the files and the catalogue (no writes), then one
transaction that keeps the audit row and writes the release, its licence and deals. A refusal at any
step leaves the audit row alone: no catalogue row, no stored file.

The same bytes again change nothing and report "already received as message N (outcome)". One
exception: a message that was read but refused is tried again, because what refused it lies outside its
bytes (the files beside it, the release a purge names) and may have been put right since.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.db import IntegrityError, transaction

from pressplant.catalogue.models import Release
from pressplant.rights.ddex import DdexError, ErnMessage, ReleaseInfo, parse_message
from pressplant.rights.imports.deals import deal_targets, replace_deals
from pressplant.rights.imports.deliveries import Delivery, plan_delivery
from pressplant.rights.imports.errors import ImportRefused
from pressplant.rights.imports.identity import check_sender, find_release, lock_identities
from pressplant.rights.imports.purges import plan_purge
from pressplant.rights.imports.releases import write_delivery
from pressplant.rights.imports.results import ImportResult, Outcome, Verdict
from pressplant.rights.imports.storage import StoredFiles
from pressplant.rights.models import DdexMessage


class Work(Protocol):
    """A message checked and ready: `write` runs inside the import's transaction."""

    def preview(self) -> str: ...

    def write(self, row: DdexMessage, stored: StoredFiles) -> Verdict: ...


@dataclass(frozen=True)
class Decided:
    """A message whose verdict needs no writing (a refusal found while checking)."""

    verdict: Verdict

    def preview(self) -> str:
        return f"it would be refused: {self.verdict.detail}"

    def write(self, row: DdexMessage, stored: StoredFiles) -> Verdict:
        return self.verdict


@dataclass(frozen=True)
class NewRelease:
    delivery: Delivery

    def preview(self) -> str:
        problems = self.delivery.message.problems
        quarantine = f", quarantined: {'; '.join(problems)}" if problems else ""
        what = "update" if self.delivery.existing else "import"
        return f"it would {what} {self.delivery.display} ({len(self.delivery.tracks)} tracks){quarantine}"

    def write(self, row: DdexMessage, stored: StoredFiles) -> Verdict:
        delivery = self.delivery
        release, tracks = write_delivery(delivery, stored)
        notes = replace_deals(release, delivery.message, row, deal_targets(delivery.message, delivery.release, tracks))
        is_quarantined = release.status == Release.Status.QUARANTINED
        lines = [_delivery_summary(delivery, release)]
        lines += [f"quarantined: {release.quarantine_reason}"] if is_quarantined else []
        detail = "\n".join([*lines, *delivery.notes, *notes])
        return Verdict(Outcome.QUARANTINED if is_quarantined else Outcome.IMPORTED, detail, (release,))


def import_message(data: bytes, *, source_name: str, via: str, folder: Path | None, user: Any = None) -> ImportResult:
    """Import one message whose files (masters, cover) lie in `folder`; `via` is cli, folder, upload or api,
    `user` the uploader. Never raises for a bad message: its refusal is the result."""
    sha256 = hashlib.sha256(data).hexdigest()
    known = DdexMessage.objects.filter(sha256=sha256).first()
    if known is not None and not may_retry(known):
        return _repeat(known)
    try:
        message = parse_message(data)
    except DdexError as exc:
        return _keep_unreadable(data, sha256, f"unreadable message: {exc}", source_name, via, user)
    work = prepare(message, folder)
    stored = StoredFiles()
    try:
        with transaction.atomic():
            lock_identities(message)
            work = _still_current(work, message, folder)
            received = {"source_name": source_name[:500], "via": via[:20], "uploaded_by": user}
            row = _claim(known, data, sha256, message, received)
            if row is None:
                return _repeat(DdexMessage.objects.get(sha256=sha256))
            verdict = _run(work, row, stored)
            return _settle(row, verdict, is_retry=known is not None)
    except BaseException:
        stored.delete_all()
        raise


def reimport_message(message_id: int, folder: Path | None) -> ImportResult:
    """A kept message imported again (a retry once its files are in `folder`); see `may_retry`."""
    row = DdexMessage.objects.get(pk=message_id)
    return import_message(bytes(row.xml), source_name=row.source_name, via=row.via, folder=folder,
                          user=row.uploaded_by)


def may_retry(row: DdexMessage) -> bool:
    """A message that was read but refused: what refused it may have been put right since."""
    return row.outcome == Outcome.REFUSED and bool(row.version)


def prepare(message: ErnMessage, folder: Path | None) -> Work:
    """Check the message against its files and the catalogue, writing nothing."""
    if message.is_test:
        live = _prepare_live(message, folder)
        detail = f"test message: nothing put on sale; as a live message {live.preview()}"
        return Decided(Verdict(Outcome.TEST, detail))
    return _prepare_live(message, folder)


def _prepare_live(message: ErnMessage, folder: Path | None) -> Work:
    try:
        if message.kind == "NewReleaseMessage":
            return _prepare_new_release(message, folder)
        if message.kind == "PurgeReleaseMessage":
            return plan_purge(message)
        raise ImportRefused(f"a {message.kind} lists releases without delivering them; it is not imported "
                            "(ask the sender for NewReleaseMessages)")
    except ImportRefused as exc:
        return Decided(Verdict(Outcome.REFUSED, str(exc)))


def _prepare_new_release(message: ErnMessage, folder: Path | None) -> NewRelease:
    main = _main_release(message)
    existing = find_release(message, main)
    if existing is not None:
        check_sender(existing, message.sender_party_id, "re-delivery")
    return NewRelease(plan_delivery(message, main, folder, existing))


def _still_current(work: Work, message: ErnMessage, folder: Path | None) -> Work:
    """The plan, made again if the release it found (or did not) has changed since: another message about the
    same release was written in between (two arriving at once, on two workers). Called with the release's
    identities locked, so the plan made now stays true until this import is written."""
    if isinstance(work, NewRelease):
        found = find_release(message, work.delivery.release)
        planned = work.delivery.existing
        if (found and found.pk) != (planned and planned.pk):
            return prepare(message, folder)
    return work


def _main_release(message: ErnMessage) -> ReleaseInfo:
    mains = [r for r in message.releases if r.is_main]
    if not mains:
        raise ImportRefused("the message has no main release (an album, EP or single), only track releases")
    if len(mains) > 1:
        references = ", ".join(r.reference for r in mains)
        raise ImportRefused(f"the message delivers {len(mains)} main releases ({references}); one per message "
                            "is imported")
    return mains[0]


def _delivery_summary(delivery: Delivery, release: Release) -> str:
    tracks = len(delivery.tracks)
    cover = "with its cover" if release.cover_key else "no cover"
    if delivery.existing is None:
        return f"imported {delivery.display} as a new release: {tracks} tracks, {cover}"
    added = len(delivery.new_tracks)
    return f"updated {delivery.display} from a re-delivery: {tracks} tracks ({added} new), {cover}"


def _run(work: Work, row: DdexMessage, stored: StoredFiles) -> Verdict:
    """The writes in a savepoint: a refusal rolls them back and deletes the files they stored."""
    try:
        with transaction.atomic():
            return work.write(row, stored)
    except ImportRefused as exc:
        stored.delete_all()
        return Verdict(Outcome.REFUSED, str(exc))


def _claim(known: DdexMessage | None, data: bytes, sha256: str, message: ErnMessage,
           received: dict[str, Any]) -> DdexMessage | None:
    """The audit row, locked: the known one for a retry, else a new one; None if another import got
    there first (the same bytes arriving twice at once)."""
    if known is not None:
        row = DdexMessage.objects.select_for_update().get(pk=known.pk)
        return row if may_retry(row) else None
    try:
        with transaction.atomic():
            return DdexMessage.objects.create(sha256=sha256, xml=data, outcome=Outcome.REFUSED, detail="importing",
                                              **_header(message), **received)
    except IntegrityError:
        return None


def _header(message: ErnMessage) -> dict[str, Any]:
    return {"version": message.version, "kind": message.kind, "message_id": (message.message_id or "")[:200],
            "sender_party_id": (message.sender_party_id or "")[:100],
            "sender_name": (message.sender_name or "")[:300], "is_test": message.is_test}


def _settle(row: DdexMessage, verdict: Verdict, *, is_retry: bool) -> ImportResult:
    """Keep the verdict on the row; a retry that comes to the same verdict changes nothing."""
    if is_retry and (verdict.outcome, verdict.detail) == (row.outcome, row.detail):
        detail = f"already received as message {row.pk} ({row.outcome}); tried again, still: {row.detail}"
        return ImportResult(Outcome(row.outcome), detail, row, verdict.releases, is_repeat=True)
    detail = verdict.detail
    if is_retry and verdict.outcome != Outcome.REFUSED:
        detail += f"\n(refused when first received: {row.detail.splitlines()[0]})"
    row.outcome, row.detail = verdict.outcome, detail
    row.save(update_fields=["outcome", "detail"])
    return ImportResult(verdict.outcome, detail, row, verdict.releases)


def _repeat(row: DdexMessage) -> ImportResult:
    first_line = row.detail.splitlines()[0] if row.detail else ""
    detail = f"already received as message {row.pk} ({row.outcome}): {first_line}"
    releases = tuple(Release.objects.filter(licence__message=row))
    return ImportResult(Outcome(row.outcome), detail, row, releases, is_repeat=True)


def _keep_unreadable(data: bytes, sha256: str, reason: str, source_name: str, via: str, user: Any) -> ImportResult:
    try:
        with transaction.atomic():
            row = DdexMessage.objects.create(sha256=sha256, xml=data, outcome=Outcome.REFUSED, detail=reason,
                                             source_name=source_name[:500], via=via[:20], uploaded_by=user)
    except IntegrityError:
        return _repeat(DdexMessage.objects.get(sha256=sha256))
    return ImportResult(Outcome.REFUSED, reason, row, ())

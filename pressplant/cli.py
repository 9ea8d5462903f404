"""The `pressplant` command: the engine's verbs (formats, probe, encode) and the store's (ingest, ...).

Every verb takes `--json` for machine-readable output. Errors go to stderr, one clear line, exit 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from pressplant.audio.errors import AudioError
from pressplant.audio.formats import FORMATS, SourceAudio, estimate_size_bytes

if TYPE_CHECKING:  # imported by the handlers once Django is set up
    from pressplant.orders.bestsellers import BestSeller, PrewarmReport
    from pressplant.rights.imports import ImportResult

Handler = Callable[[argparse.Namespace, Console], int]


class CommandError(Exception):
    """A user-facing failure: printed as one line on stderr, exit status 1."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    console = Console(stderr=False, highlight=False)
    try:
        return int(args.handler(args, console))
    except (AudioError, CommandError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pressplant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, Any] = {}
    for name, handler, help_text, arguments in _COMMANDS:
        group_name, _, verb = name.partition(" ")
        if verb:  # "ledger verify": a verb under a group
            if group_name not in groups:
                group = commands.add_parser(group_name, help=f"{group_name} commands")
                groups[group_name] = group.add_subparsers(dest="verb", required=True, metavar="VERB")
            sub = groups[group_name].add_parser(verb, help=help_text, description=help_text)
        else:
            sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        sub.add_argument("--json", action="store_true", help="print machine-readable JSON")
        for flags, options in arguments:
            sub.add_argument(*flags, **options)
    return parser


def _print_json(console: Console, data: Any) -> None:
    console.file.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


# -- formats ---------------------------------------------------------------------------------------

def _formats_rows() -> list[dict[str, Any]]:
    minute = SourceAudio(duration_samples=44_100 * 60, rate_hz=44_100, channels=2, bit_depth=16)
    rows = []
    for fmt in FORMATS.values():
        estimate = estimate_size_bytes(fmt, minute)
        rows.append({
            "name": fmt.name, "title": fmt.title, "codec": fmt.codec, "container": fmt.container,
            "extension": fmt.extension, "media_type": fmt.media_type,
            "bitrate_bps": fmt.bitrate_bps, "vbr_quality": fmt.vbr_quality, "lossless": fmt.is_lossless,
            "sample_rate": fmt.rate_policy.value, "bit_depth": fmt.depth_policy.value,
            "mb_per_minute": round(estimate.size_bytes / 1_000_000, 2), "estimate_error": estimate.max_error,
        })
    return rows


def cmd_formats(args: argparse.Namespace, console: Console) -> int:
    rows = _formats_rows()
    if args.json:
        _print_json(console, rows)
        return 0
    table = Table(title="Sellable formats (size per minute of 16/44.1 stereo)")
    for column in ("name", "codec", "bitrate", "MB/min", "sample rate", "bit depth"):
        table.add_column(column)
    for row in rows:
        if row["bitrate_bps"]:
            bitrate = f"{row['bitrate_bps'] // 1000} kb/s"
        else:
            bitrate = f"VBR V{row['vbr_quality']}" if row["vbr_quality"] is not None else "lossless"
        estimate = f"{row['mb_per_minute']:.2f}" + (" ~" if row["estimate_error"] > 0.02 else "")
        table.add_row(row["name"], row["codec"], bitrate, estimate, row["sample_rate"], row["bit_depth"])
    console.print(table)
    console.print("~ marks an estimate for VBR and lossless formats (its error bound is in --json).")
    return 0


# -- probe -----------------------------------------------------------------------------------------

def cmd_probe(args: argparse.Namespace, console: Console) -> int:
    from pressplant.audio.probe import probe

    result = probe(args.file, master=not args.any)
    data = result.as_dict()
    if args.json:
        _print_json(console, data)
        return 0
    table = Table(show_header=False, title=Path(args.file).name)
    for key in ("codec", "container", "is_lossless", "sample_rate_hz", "bit_depth", "channels",
                "duration_samples", "duration_ms", "bitrate_bps", "size_bytes"):
        table.add_row(key, str(data[key]))
    for key, value in sorted(result.tags.items()):
        table.add_row(f"tag {key}", value)
    for picture in result.pictures:
        table.add_row("picture", f"{picture.mime} {picture.width_px}x{picture.height_px}")
    console.print(table)
    return 0


# -- encode ----------------------------------------------------------------------------------------

def cmd_encode(args: argparse.Namespace, console: Console) -> int:
    from pressplant.audio.metadata import TrackTags
    from pressplant.audio.transcode import transcode

    out = Path(args.output) if args.output else Path(args.file).with_suffix("." + FORMATS[args.format].extension)
    if out.resolve() == Path(args.file).resolve():
        raise CommandError(f"{out}: the output would overwrite the master")
    cover = Path(args.cover).read_bytes() if args.cover else None
    tags = TrackTags(title=args.title or Path(args.file).stem, artists=tuple(args.artist or ()))
    info = transcode(args.file, args.format, out, tags=tags, cover=cover)
    with out.open("rb") as fh:
        sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
    data = {"path": str(info.path), "format": info.format.name, "size_bytes": info.size_bytes,
            "sha256": sha256, "sample_rate_hz": info.sample_rate_hz, "bit_depth": info.bit_depth,
            "channels": info.channels, "duration_samples": info.duration_samples,
            "encoder_settings": info.encoder_settings}
    if args.json:
        _print_json(console, data)
    else:
        console.print(f"wrote {info.path} ({info.format.title}, {info.size_bytes:,} bytes)")
    return 0


# -- commands that need the store's database --------------------------------------------------------

def setup_django() -> None:
    """Configure Django and bring the database schema up to date (the embedded store needs no setup)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pressplant.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def cmd_ingest(args: argparse.Namespace, console: Console) -> int:
    setup_django()
    from rich.progress import Progress

    from pressplant.catalogue.actions import ingest_tree

    root = Path(args.path)
    if not root.exists():
        raise CommandError(f"{root}: no such file or folder")
    with Progress(console=Console(stderr=True), disable=args.json, transient=True) as progress:
        task = progress.add_task("ingesting", total=None)

        def advance(done: int, total: int, name: str) -> None:
            progress.update(task, completed=done, total=total, description=name[-40:])

        report = ingest_tree(root, progress=advance)
    if args.json:
        _print_json(console, report.as_dict())
    else:
        console.print(report.summary())
    return 0 if not report.failed else 2


def cmd_demo(args: argparse.Namespace, console: Console) -> int:
    setup_django()
    from django.conf import settings

    from pressplant.catalogue.actions import ingest_tree
    from pressplant.demo import (
        DEMO_LABEL_EMAIL,
        DEMO_LABEL_PASSWORD,
        build_demo_masters,
        ensure_demo_buyer,
        ensure_demo_rights,
    )

    with console.status("building the demo catalogue (once; about a minute the first time)"):
        report = ingest_tree(build_demo_masters(Path(settings.HOME) / "demo-masters"))
        email, password = ensure_demo_buyer()
        ensure_demo_rights()
    url = f"http://{args.host}:{args.port}/"
    if args.json:
        _print_json(console, {"url": url, "email": email, "password": password, "ingest": report.as_dict(),
                              "label_email": DEMO_LABEL_EMAIL, "label_password": DEMO_LABEL_PASSWORD})
    else:
        console.print(report.summary(), markup=False)
        console.print(f"\nPressplant demo store: {url}\nsign in as {email} / {password} (50.00 GBP to spend)"
                      f"\nlabel dashboard: {url}label/ as {DEMO_LABEL_EMAIL} / {DEMO_LABEL_PASSWORD}", markup=False,
                      soft_wrap=True)
    if args.no_serve:
        return 0
    return _serve(args)


def cmd_serve(args: argparse.Namespace, console: Console) -> int:
    setup_django()
    console.print(f"Pressplant on http://{args.host}:{args.port}/ (Ctrl-C stops it)", markup=False)
    return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    from pressplant.server import serve

    serve(args.host, args.port, workers=args.workers)
    return 0


_SERVER_OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--host",), {"default": "127.0.0.1", "help": "address to listen on (default 127.0.0.1)"}),
    (("--port",), {"type": int, "default": 8000, "help": "port (default 8000)"}),
    (("--workers",), {"type": int, "default": 1, "help": "worker processes (default 1)"}),
]


def cmd_ledger_verify(args: argparse.Namespace, console: Console) -> int:
    setup_django()
    from pressplant.ledger.actions import verify_ledger

    report = verify_ledger()
    if args.json:
        _print_json(console, {"ok": report.ok, "problems": report.problems,
                              "money_from_outside": {c: m.as_api() for c, m in report.totals.items()}})
    else:
        for problem in report.problems:
            console.print(f"problem: {problem}", markup=False)
        totals = ", ".join(m.format() for m in report.totals.values()) or "none yet"
        verdict = "the ledger holds" if report.ok else f"{len(report.problems)} problems"
        console.print(f"{verdict}: every entry balances, every stored balance equals its postings, "
                      f"no wallet below zero; money in from outside: {totals}" if report.ok else verdict)
    return 0 if report.ok else 1


def cmd_accounts_forget_logins(args: argparse.Namespace, console: Console) -> int:
    setup_django()
    from django.conf import settings

    from pressplant.accounts.actions import forget_old_login_attempts

    days = settings.PRESSPLANT_LOGIN_RECORD_DAYS if args.days is None else args.days
    try:
        deleted = forget_old_login_attempts(days)
    except ValueError as refused:
        raise CommandError(f"--days must be at least 1: {refused}") from None
    if args.json:
        _print_json(console, {"deleted": deleted, "days": days})
    else:
        console.print(f"deleted {deleted} sign-in records older than {days} days", markup=False)
    return 0


def _ddex_line(name: str, result: ImportResult) -> str:
    """One line per message: outcome, file, releases touched, the reason or summary."""
    releases = ", ".join(str(release) for release in result.releases) or "-"
    return f"{result.outcome:<11}  {name}  {releases}  {result.reason}"


def cmd_ddex_import(args: argparse.Namespace, console: Console) -> int:
    setup_django()
    from rich.progress import Progress

    from pressplant.rights.imports import import_message

    paths = [Path(name) for name in args.files]
    if missing := [str(path) for path in paths if not path.is_file()]:
        raise CommandError(f"{', '.join(missing)}: no such file")
    results = []
    with Progress(console=Console(stderr=True), disable=args.json, transient=True) as progress:
        task = progress.add_task("importing", total=len(paths))
        for path in paths:
            progress.update(task, description=path.name[-40:])
            result = import_message(path.read_bytes(), source_name=str(path), via="cli", folder=path.parent)
            results.append((str(path), result))
            if not args.json:
                console.print(_ddex_line(str(path), result), markup=False, soft_wrap=True)
            progress.advance(task)
    if args.json:
        _print_json(console, [{"file": name, **result.as_dict()} for name, result in results])
    return 1 if any(result.is_refused for _, result in results) else 0


def cmd_ddex_watch(args: argparse.Namespace, console: Console) -> int:
    setup_django()
    import time

    from pressplant.rights.drop_folder import Dropped, process_folder

    folder = Path(args.folder)
    if not folder.is_dir():
        raise CommandError(f"{folder}: no such folder")

    def report(dropped: Dropped) -> None:
        if args.json:  # one JSON object per line, as messages arrive
            row = {"file": dropped.name, "moved_to": str(dropped.moved_to), **dropped.result.as_dict()}
            console.file.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        else:
            console.print(f"{_ddex_line(dropped.name, dropped.result)}  -> {dropped.moved_to}", markup=False,
                          soft_wrap=True)

    while True:
        process_folder(folder, on_each=report)
        if args.once:
            return 0
        time.sleep(args.interval)


def cmd_vouchers_create(args: argparse.Namespace, console: Console) -> int:
    setup_django()
    from pressplant.money import Money, MoneyError
    from pressplant.payments.actions import create_vouchers
    from pressplant.payments.errors import InvalidVoucherBatch

    try:
        amount = Money.parse(args.amount, args.currency.upper())
        codes = create_vouchers(amount, args.count, batch=args.batch)
    except (MoneyError, InvalidVoucherBatch) as exc:
        raise CommandError(str(exc)) from None
    value = amount.format().split()[0]
    if args.csv:
        _write_voucher_csv(Path(args.csv), codes, value, amount.currency)
    if args.json:
        _print_json(console, {"amount": amount.as_api(), "codes": codes})
    elif not args.csv:
        console.file.write("".join(code + "\n" for code in codes))
    return 0


def _write_voucher_csv(path: Path, codes: list[str], amount: str, currency: str) -> None:
    """The codes exist in clear only here: written to a .part file, then renamed, never half a file."""
    import csv

    part = path.with_name(path.name + ".part")
    with part.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "amount", "currency"])
        writer.writerows([code, amount, currency] for code in codes)
    part.replace(path)


def cmd_royalties_statement(args: argparse.Namespace, console: Console) -> int:
    setup_django()
    from pressplant.royalties.errors import RoyaltiesError
    from pressplant.royalties.periods import Period
    from pressplant.royalties.reports import write_period_reports

    try:
        reports = write_period_reports(Period.parse(args.period), Path(args.out))
    except RoyaltiesError as exc:
        raise CommandError(str(exc)) from None
    rows = [{"payee": r.payee_code, "name": r.payee_name, "currency": r.currency, "lines": r.lines,
             "total": r.total.as_api()} for r in reports.summary]
    if args.json:
        _print_json(console, {"period": str(reports.period), "ok": reports.ok, "problems": reports.problems,
                              "files": [str(f) for f in reports.files], "payees": rows})
        return 0 if reports.ok else 1
    table = Table(title=f"royalties {reports.period}")
    for column in ("payee", "currency", "lines", "total"):
        table.add_column(column, justify="right" if column in ("lines", "total") else "left")
    for r in reports.summary:
        table.add_row(r.payee_code, r.currency, str(r.lines), r.total.format())
    console.print(table)
    for problem in reports.problems:
        console.print(f"mismatch: {problem}", markup=False, soft_wrap=True)
    verdict = "every total equals the ledger's payable postings" if reports.ok else (
        f"{len(reports.problems)} totals differ from the ledger")
    console.print(f"{len(reports.files)} files written to {args.out}; {verdict}", markup=False, soft_wrap=True)
    return 0 if reports.ok else 1


def cmd_royalties_payout(args: argparse.Namespace, console: Console) -> int:
    setup_django()
    from datetime import UTC, datetime

    from pressplant.royalties.actions import pay_out, run_csv, thresholds_from
    from pressplant.royalties.documents import write_document
    from pressplant.royalties.errors import RoyaltiesError
    from pressplant.royalties.periods import Period

    try:
        thresholds = thresholds_from(args.threshold, args.currency or [])
        period = Period.parse(args.period) if args.period else None
        key = args.key or (f"royalties-{period}" if period else f"royalties-{datetime.now(UTC):%Y%m%dT%H%M%S}")
        run = pay_out(thresholds, key, accrued_before=period.ends_at if period else None)
    except RoyaltiesError as exc:
        raise CommandError(str(exc)) from None
    out = write_document(Path(args.out or f"payouts-{run.key}.csv"), run_csv(run))
    payouts = list(run.payouts.order_by("payee_code", "currency"))
    if args.json:
        _print_json(console, {"run": run.key, "csv": str(out), "payouts": [
            {"payee": p.payee_code, "name": p.payee_name, "email": p.email, "amount": p.amount.as_api()}
            for p in payouts]})
        return 0
    for p in payouts:
        console.print(f"{p.payee_code}\t{p.payee_name}\t{p.amount.format()}", markup=False, soft_wrap=True)
    totals = ", ".join(total.format() for total in run.totals().values()) or "nothing due"
    console.print(f"payout run {run.key}: {len(payouts)} payouts, {totals}; list written to {out}", markup=False,
                  soft_wrap=True)
    return 0


def cmd_prewarm(args: argparse.Namespace, console: Console) -> int:
    setup_django()
    from django.conf import settings

    from pressplant.catalogue.models import Track
    from pressplant.orders.bestsellers import DEFAULT_DAYS, DEFAULT_TOP, prewarm

    top = DEFAULT_TOP if args.top is None else args.top
    days = DEFAULT_DAYS if args.days is None else args.days
    if top < 1 or days < 1:
        raise CommandError("--top and --days must be at least 1")
    report = prewarm(top, days)
    if args.json:
        _print_json(console, {"top": top, "days": days, **report.as_dict()})
        return 1 if report.failed else 0
    on_workers = not settings.CELERY_TASK_ALWAYS_EAGER
    titles = Track.objects.in_bulk([best.track_id for best in report.chosen])
    table = Table(title=f"best sellers of the last {days} days")
    for column in ("sales", "track", "format", "rendition"):
        table.add_column(column, justify="right" if column == "sales" else "left")
    for best in report.chosen:
        table.add_row(str(best.sales), str(titles[best.track_id]), best.format_name,
                      _prewarm_state(best, report, on_workers))
    console.print(table)
    done = "queued for the workers" if on_workers else "encoded"
    console.print(f"{len(report.chosen)} best sellers: {len(report.chosen) - len(report.sent)} already cached, "
                  f"{len(report.sent) - len(report.failed)} {done}, {len(report.failed)} failed", markup=False)
    return 1 if report.failed else 0


def _prewarm_state(best: BestSeller, report: PrewarmReport, on_workers: bool) -> str:
    if best in report.failed:
        return f"failed: {report.failed[best]}"
    if best not in report.sent:
        return "cached"
    return "queued" if on_workers else "encoded now"


_COMMANDS: list[tuple[str, Handler, str, list[tuple[tuple[str, ...], dict[str, Any]]]]] = [
    ("formats", cmd_formats, "list the sellable formats", []),
    ("probe", cmd_probe, "describe an audio file and check it can be a master", [
        (("file",), {"help": "an audio file"}),
        (("--any",), {"action": "store_true", "help": "describe lossy files too instead of refusing them"}),
    ]),
    ("encode", cmd_encode, "encode a master into a sellable format", [
        (("file",), {"help": "a lossless master (FLAC, WAV, AIFF)"}),
        (("--format", "-f"), {"required": True, "choices": list(FORMATS), "metavar": "NAME",
                              "help": "one of: " + ", ".join(FORMATS)}),
        (("-o", "--output"), {"help": "output file (default: the master's name with the format's extension)"}),
        (("--title",), {"help": "title tag (default: the file name)"}),
        (("--artist",), {"action": "append", "help": "artist tag (repeatable)"}),
        (("--cover",), {"help": "a JPEG or PNG to embed as the front cover"}),
    ]),
    ("demo", cmd_demo, "build the demo catalogue and buyer, then serve the store", [
        *_SERVER_OPTIONS,
        (("--no-serve",), {"action": "store_true", "help": "build the demo and exit"}),
    ]),
    ("serve", cmd_serve, "serve the store", _SERVER_OPTIONS),
    ("ledger verify", cmd_ledger_verify, "prove the ledger balances and its stored balances hold", []),
    ("accounts forget-logins", cmd_accounts_forget_logins,
     "delete sign-in records (email, IP address) older than the days kept", [
        (("--days",), {"type": int, "metavar": "D", "help": "keep the last D days "
                       "(default PRESSPLANT_LOGIN_RECORD_DAYS, 30)"}),
    ]),
    ("ddex import", cmd_ddex_import, "import DDEX ERN messages, their masters and cover beside them", [
        (("files",), {"nargs": "+", "metavar": "FILE", "help": "ERN messages (.xml); exit 1 if any is refused"}),
    ]),
    ("ddex watch", cmd_ddex_watch, "import every message dropped into a folder, then file it in done/ or refused/", [
        (("folder",), {"metavar": "DIR", "help": "the drop folder: *.xml with their masters beside them"}),
        (("--once",), {"action": "store_true", "help": "process what is there and exit"}),
        (("--interval",), {"type": float, "default": 10.0, "metavar": "S",
                           "help": "seconds between passes (default 10)"}),
    ]),
    ("vouchers create", cmd_vouchers_create, "make PIN vouchers and print their codes, one per line", [
        (("--amount",), {"required": True, "help": "value of each voucher, e.g. 10.00"}),
        (("--currency",), {"required": True, "help": "ISO 4217 code, e.g. GBP"}),
        (("--count",), {"type": int, "default": 1, "help": "how many vouchers (default 1)"}),
        (("--batch",), {"default": "", "help": "a label for the batch, shown in the admin"}),
        (("--csv",), {"metavar": "FILE", "help": "also write the codes to this CSV file"}),
    ]),
    ("royalties statement", cmd_royalties_statement,
     "write a month's statements, DSRs and sales reports, and check them against the ledger", [
        (("--period",), {"required": True, "help": "the month, YYYY-MM (UTC), e.g. 2026-11"}),
        (("--out",), {"required": True, "metavar": "DIR", "help": "folder to write the files into"}),
    ]),
    ("royalties payout", cmd_royalties_payout, "pay every payee whose balance reached the threshold", [
        (("--threshold",), {"action": "append", "required": True,
                            "help": "least amount paid: 10.00 (for each --currency) or GBP=10.00; repeatable"}),
        (("--currency",), {"action": "append", "help": "currency a plain --threshold is in (repeatable)"}),
        (("--period",), {"help": "pay only what accrued before the end of this month (YYYY-MM)"}),
        (("--key",), {"help": "the run's idempotency key (default royalties-<period>, else the time)"}),
        (("--out",), {"metavar": "FILE", "help": "payout list CSV (default payouts-<key>.csv)"}),
    ]),
    ("prewarm", cmd_prewarm, "encode ahead the renditions that sold most lately (queued for the workers)", [
        (("--top",), {"type": int, "metavar": "N", "help": "how many (track, format) pairs, most sold first "
                      "(default 100)"}),
        (("--days",), {"type": int, "metavar": "D", "help": "count the sales of the last D days (default 30)"}),
    ]),
    ("ingest", cmd_ingest, "add a folder of lossless masters to the catalogue", [
        (("path",), {"help": "a folder tree of FLAC/WAV/AIFF files (or one file)"}),
    ]),
]


if __name__ == "__main__":
    sys.exit(main())

"""`sales-pipeline`: generate the sample landing area, or backfill the warehouse through Dagster."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The instance the backfill records its runs in when DAGSTER_HOME is not set; it carries the
# shipped instance config (the warehouse concurrency pool), and `dagster dev` can be pointed at it.
LOCAL_DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"


def _sample(args: argparse.Namespace) -> int:
    from sales_pipeline.sample import generate_sample
    from sales_pipeline.settings import SalesSettings

    out = Path(args.out) if args.out else SalesSettings.from_env().landing_dir
    summary = generate_sample(out, reps=args.reps, days=args.days, start=args.start, seed=args.seed)
    print(
        f"Wrote {summary.files} files to {out}: {summary.calls} calls, {summary.events} events, "
        f"{summary.documents} sales documents for {summary.reps} reps, "
        f"{summary.start} .. {summary.end}."
    )
    return 0


def _open_instance() -> dg.DagsterInstance:
    """The Dagster instance of DAGSTER_HOME. Two backfills started at once on a new DAGSTER_HOME
    both create its SQLite tables, and the slower one fails with "table ... already exists"; the
    tables are there by then, so it opens the instance again."""
    import dagster as dg
    from dagster._utils.backoff import backoff
    from sqlalchemy.exc import OperationalError

    return backoff(dg.DagsterInstance.get, retry_on=(OperationalError,), max_retries=5)


def _backfill(args: argparse.Namespace) -> int:

    from sales_pipeline.definitions import build_definitions
    from sales_pipeline.runner import run_backfill
    from sales_pipeline.settings import SalesSettings

    settings = SalesSettings.from_env()
    if not settings.landing_dir.is_dir():
        print(f"error: landing directory {settings.landing_dir} does not exist "
              "(set SALES_LANDING_DIR, or run `sales-pipeline sample`)", file=sys.stderr)
        return 2
    if "DAGSTER_HOME" not in os.environ:
        os.environ["DAGSTER_HOME"] = str(LOCAL_DAGSTER_HOME)
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    with _open_instance() as instance:
        summary = run_backfill(
            build_definitions(settings), settings, instance, start=args.start, end=args.end,
            reports=args.reports,
        )
    print()
    print("Backfill " + ("finished" if summary.success else "FAILED") + f" in {summary.seconds:.1f}s")
    lines = [
        ("rows read", summary.raw_rows),
        ("rows staged", summary.staged_rows),
        ("rows quarantined", summary.quarantined_rows),
        ("counted events", summary.counted_events),
    ]
    if summary.first_day:
        lines.append(("days covered", f"{summary.first_day} .. {summary.last_day}"))
    lines += [(f"{grain} periods", f"{count} built, {summary.reported_periods.get(grain, 0)} "
                                   "with reports")
              for grain, count in summary.periods.items()]
    lines += [
        ("warehouse", settings.warehouse),
        ("published copy", settings.published_warehouse),
        ("reports", settings.reports_dir),
        ("Dagster runs", f"{len(summary.runs)} in {os.environ['DAGSTER_HOME']}"),
    ]
    for label, value in lines:
        print(f"  {label + ':':<20}{value}")
    for failure in summary.failed:
        print(f"  failed: {failure}", file=sys.stderr)
    return 0 if summary.success else 1


def _sources_check(args: argparse.Namespace) -> int:
    from sales_pipeline.settings import SalesSettings
    from sales_pipeline.sources.check import run_check

    settings = SalesSettings.from_env()
    return run_check(
        settings, args.source or (), echo=print, error=lambda line: print(line, file=sys.stderr)
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sales-pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser("sample", help="write a deterministic sample landing area")
    sample.add_argument("--reps", type=int, default=40, help="number of sales reps (default 40)")
    sample.add_argument("--days", type=int, default=731, help="days of history (default 731)")
    sample.add_argument("--start", type=date.fromisoformat, default=date(2024, 1, 1),
                        help="first day, YYYY-MM-DD (default 2024-01-01)")
    sample.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    sample.add_argument("--out", help="landing directory (default: SALES_LANDING_DIR)")
    sample.set_defaults(run=_sample)

    backfill = commands.add_parser(
        "backfill", help="ingest the landing area and build every period, through Dagster"
    )
    backfill.add_argument("--start", type=date.fromisoformat, help="first day to build facts for")
    backfill.add_argument("--end", type=date.fromisoformat, help="last day to build facts for")
    backfill.add_argument(
        "--reports", choices=("latest", "all", "none"), default="latest",
        help="which periods of each grain get HTML reports: the latest built (default), every "
        "one, or none; any period can be rendered later with the grain's report job",
    )
    backfill.set_defaults(run=_backfill)

    sources = commands.add_parser(
        "sources", help="the source configuration (SALES_SOURCES_CONFIG, docs/sources.md)"
    )
    sources_commands = sources.add_subparsers(dest="sources_command", required=True)
    check = sources_commands.add_parser(
        "check",
        help="read the configured files in memory, without writing the warehouse: files found, "
        "rows read, a sample of mapped rows, rejects by reason, identities that map to nobody; "
        "exit 1 when files are held back, 2 on a configuration error",
    )
    check.add_argument(
        "--source", action="append", metavar="NAME",
        help="check only this source (and what it is resolved against); repeatable",
    )
    check.set_defaults(run=_sources_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

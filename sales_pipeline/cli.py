"""`sales-pipeline`: generate the sample landing area, or backfill the warehouse through Dagster."""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sales_pipeline.settings import ENVIRONMENT_HEADING, Variable, variables_help

if TYPE_CHECKING:
    import dagster as dg

    from sales_pipeline.runner import BackfillSummary
    from sales_pipeline.settings import SalesSettings

# Exit codes a cron wrapper can act on (README, "Exit codes").
EXIT_OK = 0
EXIT_FAILED = 1  # a step failed on an error: see the run named in the summary
EXIT_USAGE = 2  # a setting, the landing folder or the warehouse file is unusable: nothing ran
EXIT_PARTIAL = 3  # it ran, but files are held back or a delivery was blocked: data is missing

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


def _open_instance(home: Path) -> dg.DagsterInstance:
    """The Dagster instance of `home`, opened by one process at a time.

    Opening a new DAGSTER_HOME creates its SQLite tables and stamps their schema version; two
    backfills started at once both did, and the slower failed ("UNIQUE constraint failed:
    alembic_version.version_num"). Under the lock the second one finds the tables made.
    """
    import dagster as dg
    from filelock import FileLock

    from sales_pipeline.settings import SettingsError

    # An instance on PostgreSQL (docs/deployment.md) reads its connection from DAGSTER_PG_* and
    # reaches a server: a variable not set, or a server not there, is one line and exit 2 like any
    # other unusable setting, not a traceback that looks like a failed run. (Processes with other
    # DAGSTER_HOMEs on other machines are not under this lock: dagster-postgres retries creating
    # the tables when two processes race on a new database.)
    try:
        with FileLock(home / ".instance.lock"):
            return dg.DagsterInstance.get()
    except dg.DagsterInvalidConfigError as error:
        reasons = "; ".join(_config_error_reason(e.message) for e in error.errors)
        raise SettingsError(f"the Dagster instance config {home / 'dagster.yaml'}: {reasons}") from None
    except Exception as error:
        # Imported only here: dagster-postgres and SQLAlchemy are half a second of every start.
        import sqlalchemy.exc
        from dagster_postgres.utils import DagsterPostgresException

        if not isinstance(error, DagsterPostgresException | sqlalchemy.exc.SQLAlchemyError):
            raise
        cause = f": {error.__cause__}" if error.__cause__ else ""
        reason = f"{error}{cause}".strip().splitlines()[0]
        raise SettingsError(f"cannot open the Dagster instance storage of {home}: {reason}") from None


def _definitions(settings: SalesSettings) -> dg.Definitions:
    # Built only when the backfill has something to do.
    from sales_pipeline.definitions import build_definitions

    return build_definitions(settings)


def _config_error_reason(message: str) -> str:
    """The one line of a Dagster config error that says what is wrong (not its stack trace)."""
    line = message.split("\n\nStack Trace:")[0].strip().splitlines()[-1]
    return re.sub(r"^[\w.]+Error: ", "", line)


def _backfill(args: argparse.Namespace) -> int:

    from sales_pipeline.resources import warehouse_problem
    from sales_pipeline.runner import run_backfill
    from sales_pipeline.settings import SalesSettings

    settings = SalesSettings.from_env()
    if not settings.landing_dir.is_dir():
        print(f"error: landing directory {settings.landing_dir} does not exist "
              "(set SALES_LANDING_DIR, or run `sales-pipeline sample`)", file=sys.stderr)
        return EXIT_USAGE
    # Once here, rather than failing every step of every run on the same file.
    problem = warehouse_problem(settings.warehouse)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if "DAGSTER_HOME" not in os.environ:
        os.environ["DAGSTER_HOME"] = str(LOCAL_DAGSTER_HOME)
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    with _open_instance(home) as instance:
        summary = run_backfill(
            lambda: _definitions(settings), settings, instance, start=args.start, end=args.end,
            reports=args.reports,
        )
    print()
    print("Backfill " + ("finished" if summary.success else "FAILED") + f" in {summary.seconds:.1f}s"
          + (": nothing changed, nothing built" if summary.nothing_changed else ""))
    lines = [] if summary.nothing_changed else [
        ("rows read", summary.raw_rows),
        ("rows staged", summary.staged_rows),
        ("rows quarantined", summary.quarantined_rows),
        ("counted events", summary.counted_events),
    ]
    if summary.nothing_changed:
        lines.append(("as built by", f"the backfill of {summary.unchanged_since}"))
    if summary.first_day:
        lines.append(("days covered", f"{summary.first_day} .. {summary.last_day}"))
    lines += [(f"{grain} periods", f"{count} built, {summary.reported_periods.get(grain, 0)} "
                                   "with reports")
              for grain, count in summary.periods.items()]
    lines += [
        ("warehouse", settings.warehouse),
        ("published copy", f"{settings.published_warehouse}"
         + (" (new copy: reconnect to see it)" if summary.published else " (unchanged)")),
        ("reports", settings.reports_dir),
        ("Dagster runs", f"{len(summary.runs)} in {os.environ['DAGSTER_HOME']}"),
    ]
    for label, value in lines:
        print(f"  {label + ':':<20}{value}")
    for held in summary.held_back:
        print(f"  held back: {held.source} {held.file}: {held.reason}", file=sys.stderr)
    for name in summary.not_recognised:
        print(f"  not recognised: {name}: matches no source's files", file=sys.stderr)
    for blocked in summary.blocked:
        print(f"  blocked: {blocked}", file=sys.stderr)
    for failure in summary.failed:
        print(f"  failed: {failure}", file=sys.stderr)
    return backfill_exit_code(summary, allow_held_back=args.allow_held_back)


def backfill_exit_code(summary: BackfillSummary, *, allow_held_back: bool) -> int:
    if summary.failed and not summary.failed_only_on_blocked_data:
        return EXIT_FAILED
    if summary.blocked or (summary.held_back and not allow_held_back):
        return EXIT_PARTIAL
    return EXIT_OK


def _sources_check(args: argparse.Namespace) -> int:
    from sales_pipeline.settings import SalesSettings
    from sales_pipeline.sources.check import run_check

    settings = SalesSettings.from_env()
    return run_check(
        settings, args.source or (), echo=print, error=lambda line: print(line, file=sys.stderr)
    )


def _sql(args: argparse.Namespace) -> int:
    from sales_pipeline.analyst import run_sql
    from sales_pipeline.settings import SalesSettings

    return run_sql(SalesSettings.from_env().published_warehouse, args.query, as_csv=args.csv,
                   out=sys.stdout, error=lambda line: print(line, file=sys.stderr))


def _shell(args: argparse.Namespace) -> int:
    from sales_pipeline.analyst import run_shell
    from sales_pipeline.settings import SalesSettings

    return run_shell(SalesSettings.from_env().published_warehouse)


# What each command reads from the environment, beyond its options: listed in its --help.
SAMPLE_VARIABLES = ("SALES_LANDING_DIR",)
ANALYST_VARIABLES = ("SALES_PUBLISHED_WAREHOUSE", "SALES_WAREHOUSE")
SOURCES_CHECK_VARIABLES = ("SALES_LANDING_DIR", "SALES_SOURCES_CONFIG", "SALES_DUCKDB_MEMORY_LIMIT")


def _dagster_variables() -> dict[str, Variable]:
    return {"DAGSTER_HOME": Variable(
        str(LOCAL_DAGSTER_HOME),
        "the Dagster instance the runs are recorded in; a dagster.yaml there that puts it on "
        "PostgreSQL reads DAGSTER_PG_HOST, _PORT, _USER, _PASSWORD and _DB (docs/deployment.md)",
    )}


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's own, but for the list of environment variables, which is laid out already."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith(ENVIRONMENT_HEADING):
            return text
        return super()._fill_text(text, width, indent)


def build_parser() -> argparse.ArgumentParser:
    def command(parent: Any, name: str, epilog: str, **kwargs: Any) -> argparse.ArgumentParser:
        return parent.add_parser(name, epilog=epilog, description=kwargs.get("help"),
                                 formatter_class=_HelpFormatter, **kwargs)

    parser = argparse.ArgumentParser(
        prog="sales-pipeline", description=__doc__,
        epilog=variables_help(more=_dagster_variables()), formatter_class=_HelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    sample = command(commands, "sample", variables_help(SAMPLE_VARIABLES),
                     help="write a deterministic sample landing area")
    sample.add_argument("--reps", type=int, default=40, help="number of sales reps (default 40)")
    sample.add_argument("--days", type=int, default=731, help="days of history (default 731)")
    sample.add_argument("--start", type=date.fromisoformat, default=date(2024, 1, 1),
                        help="first day, YYYY-MM-DD (default 2024-01-01)")
    sample.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    sample.add_argument("--out", help="landing directory (default: SALES_LANDING_DIR)")
    sample.set_defaults(run=_sample)

    backfill = command(
        commands, "backfill", variables_help(more=_dagster_variables()),
        help="ingest the landing area and build every period, through Dagster",
    )
    backfill.add_argument("--start", type=date.fromisoformat,
                          help="first day to build facts for, YYYY-MM-DD: from the period "
                          "containing it on (default: the first day with data)")
    backfill.add_argument("--end", type=date.fromisoformat,
                          help="last day to build facts for, YYYY-MM-DD (default: the last day "
                          "with data)")
    backfill.add_argument(
        "--reports", choices=("latest", "running", "all", "none"), default="latest",
        help="which periods of each grain get HTML reports: the latest complete one (default), "
        "that and the running one, every one built, or none; any period can be rendered later "
        "with the grain's report job",
    )
    backfill.add_argument(
        "--allow-held-back", action="store_true",
        help=f"exit {EXIT_OK}, not {EXIT_PARTIAL}, when the only problem is files held back "
        "(they are still listed)",
    )
    backfill.set_defaults(run=_backfill)

    sources = command(
        commands, "sources", variables_help(SOURCES_CHECK_VARIABLES),
        help="the source configuration (SALES_SOURCES_CONFIG, docs/sources.md)",
    )
    sources_commands = sources.add_subparsers(dest="sources_command", required=True)
    check = command(
        sources_commands, "check", variables_help(SOURCES_CHECK_VARIABLES),
        help="read the configured files in memory, without writing the warehouse: files found, "
        "rows read, a sample of mapped rows, rejects by reason, identities that map to nobody; "
        "exit 1 when files are held back, 2 on a configuration error",
    )
    check.add_argument(
        "--source", action="append", metavar="NAME",
        help="check only this source (and what it is resolved against); repeatable",
    )
    check.set_defaults(run=_sources_check)

    sql = command(
        commands, "sql", variables_help(ANALYST_VARIABLES),
        help="run one query on the published copy of the marts (read-only) and print "
        "the result as a table; exit 1 with DuckDB's message when it fails",
    )
    sql.add_argument("query", help='e.g. "SELECT * FROM marts.team_activity_monthly"')
    sql.add_argument("--csv", action="store_true", help="print every row as CSV instead")
    sql.set_defaults(run=_sql)
    shell = command(
        commands, "shell", variables_help(ANALYST_VARIABLES),
        help="an interactive read-only SQL prompt on the published copy of the marts",
    )
    shell.set_defaults(run=_shell)
    return parser


def main(argv: list[str] | None = None) -> int:
    from sales_pipeline.analyst import NotPublished
    from sales_pipeline.settings import SettingsError

    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (SettingsError, NotPublished) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader stopped reading (`sales-pipeline sql ... | head`): not an error. Python
        # would complain again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

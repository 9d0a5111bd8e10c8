"""The `SALES_*` environment variables of the contract, read in one place.

Everything that depends on where files live, which time zone the sales organisation works in or
which currency volumes are reported in comes from here, so a test or a deployment can point the
whole pipeline elsewhere by setting environment variables only.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sales_pipeline.history import default_history_start


@dataclass(frozen=True)
class Variable:
    """One setting: its default, and what it means and how it is written, for `--help`."""

    default: str
    meaning: str
    # What an empty value (the default, where it is empty) stands for.
    when_empty: str = ""


VARIABLES: dict[str, Variable] = {
    "SALES_LANDING_DIR": Variable("data/landing", "root of the landing area: telephony/, erp/, crm/ (README)"),
    "SALES_WAREHOUSE": Variable("data/warehouse.duckdb", "the DuckDB file holding every table"),
    "SALES_TIMEZONE": Variable(
        "UTC", "IANA time zone of the sales organisation (e.g. Europe/Athens): decides which day, "
        "week, month an event belongs to"),
    "SALES_REPORTING_CURRENCY": Variable(
        "EUR", "ISO 4217 code of the currency sales_volume is reported in"),
    "SALES_REPORTS_DIR": Variable("data/reports", "where the HTML reports are written"),
    # The language of the HTML reports: their words (gettext catalogs) and how numbers, money and
    # dates read (Babel). One of the shipped languages (docs/reports.md, "Languages").
    "SALES_REPORT_LOCALE": Variable("en", "language of the HTML reports: en or el (Greek)"),
    # Project extensions (not in the contract): first period the partitions know about, the
    # share of rejected rows per source above which the facts are not built, the read-only
    # copy of the marts analysts query (empty: `published/` beside the warehouse), and the
    # memory DuckDB may hold before it spills to disk (its own default, 80% of RAM, lets one
    # big read take most of the machine; see docs/scaling.md).
    "SALES_HISTORY_START": Variable(
        "", "first day of the history, YYYY-MM-DD: older events are quarantined and the "
        "partitions begin with the period containing it",
        when_empty="the one the warehouse was staged with, else the month a month before the "
        "earliest day the landing files are named after (history.py)"),
    "SALES_MAX_REJECTED_SHARE": Variable(
        "0.05", "share of a delivery's rows (0 to 1) rejected above which staging blocks the "
        "facts"),
    "SALES_PUBLISHED_WAREHOUSE": Variable(
        "", "the read-only copy of the marts analysts query",
        when_empty="published/<warehouse file name> beside the warehouse"),
    "SALES_DUCKDB_MEMORY_LIMIT": Variable(
        # With DuckDB at 1536MB the 1000-rep backfill peaked at 2.07 GiB (docs/scaling.md).
        "1280MB", "memory DuckDB holds before spilling to <warehouse>.tmp/ (e.g. 1280MB, 2GiB)"),
    # Where each source's files are and how they map onto the contract (docs/sources.md);
    # empty: the shipped sales_pipeline/sources/default.yaml, the contract's own layout.
    "SALES_SOURCES_CONFIG": Variable(
        "", "YAML source configuration: where each source's files are and how a vendor's export "
        "maps onto the contract (docs/sources.md)", when_empty="the contract's own layout"),
    # Which CRM users are not sellers (managers, assistants, admins): a regular expression (RE2,
    # DuckDB's dialect), matched case-insensitively anywhere in the user's Title. They are not
    # ranked, not counted as reps and get no action plan; their activity still counts for their
    # team (docs/analysis.md, "Only sellers are ranked"). "Account Manager" is a seller's title.
    "SALES_NON_SELLER_TITLES": Variable(
        r"\b(sales manager|sales director|director|head of|team lead|assistant|administrator"
        r"|admin|coordinator|operations|chief|vice president|vp)\b",
        "regular expression (RE2, case-insensitive) on the CRM user's Title: users it matches "
        "are not sellers, so not ranked and given no action plan"),
    # The last day the landing data is complete through (ISO date). Empty: the last day with a
    # counted event. A period that ends after it is "to date": compared like for like, its
    # target pro-rated, no status drawn (docs/analysis.md, "Complete periods").
    "SALES_AS_OF": Variable(
        "", "last day the landing data is complete through, YYYY-MM-DD: a period ending after it "
        "is to date (target pro-rated, no status or plan)", when_empty="the last event's day"),
}
DEFAULTS: dict[str, str] = {name: variable.default for name, variable in VARIABLES.items()}


ENVIRONMENT_HEADING = "environment variables:"


def variables_help(
    names: Iterable[str] | None = None, more: Mapping[str, Variable] | None = None
) -> str:
    """An --help epilog: the variables `names` (all when None), then `more`, each with its
    default and meaning."""
    chosen = {name: VARIABLES[name] for name in (VARIABLES if names is None else names)}
    lines = [ENVIRONMENT_HEADING]
    for name, variable in {**chosen, **(more or {})}.items():
        default = variable.default or f"empty: {variable.when_empty}"
        lines.append(f"  {name} [default: {default}]")
        lines += textwrap.wrap(variable.meaning, width=96, initial_indent=" " * 6,
                               subsequent_indent=" " * 6)
    return "\n".join(lines)


class SettingsError(ValueError):
    """A `SALES_*` variable whose value cannot work: the message names it, its value and why."""


T = TypeVar("T")


def _timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError("not an IANA time zone (for example UTC or Europe/Athens)") from error
    return text


def _currency(text: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", text.upper()):
        raise ValueError("not an ISO 4217 currency code (three letters, for example EUR)")
    return text.upper()


def _report_locale(text: str) -> str:
    from sales_pipeline.reports.i18n import LOCALES

    code = text.strip().lower()
    if code not in LOCALES:
        raise ValueError(f"not a shipped report language (one of: {', '.join(LOCALES)})")
    return code


def _history_start(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValueError("not a date (YYYY-MM-DD)") from error


def _share(text: str) -> float:
    try:
        share = float(text)
    except ValueError as error:
        raise ValueError("not a number") from error
    if not 0 <= share <= 1:
        raise ValueError("not a share between 0 and 1 (for example 0.05)")
    return share


def _title_pattern(text: str) -> str:
    # The analysis SQL applies it with DuckDB's regexp_matches (RE2): DuckDB decides.
    import duckdb

    try:
        with duckdb.connect() as conn:
            conn.execute("SELECT regexp_matches('', ?, 'i')", [text])
    except duckdb.Error as error:
        raise ValueError(f"not a regular expression DuckDB can use ({error})") from None
    return text


def _optional_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO date (YYYY-MM-DD)") from None


def _memory_limit(text: str) -> str:
    # DuckDB is the authority on what it accepts (1536MB, 2 GiB, 80%, ...).
    import duckdb

    try:
        duckdb.connect(config={"memory_limit": text}).close()
    except duckdb.Error as error:
        raise ValueError(f"not a memory size DuckDB accepts ({error})") from None
    return text


@dataclass(frozen=True)
class SalesSettings:
    landing_dir: Path
    warehouse: Path
    timezone: str
    reporting_currency: str
    reports_dir: Path
    history_start: date
    max_rejected_share: float
    published_warehouse: Path
    duckdb_memory_limit: str = DEFAULTS["SALES_DUCKDB_MEMORY_LIMIT"]
    sources_config: Path | None = None
    non_seller_titles: str = DEFAULTS["SALES_NON_SELLER_TITLES"]
    as_of: date | None = None
    report_locale: str = DEFAULTS["SALES_REPORT_LOCALE"]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SalesSettings:
        env = os.environ if environ is None else environ

        def value(name: str) -> str:
            return env.get(name) or DEFAULTS[name]

        def parsed(name: str, parse: Callable[[str], T]) -> T:
            try:
                return parse(value(name))
            except ValueError as error:
                raise SettingsError(f"{name}={value(name)!r} is {error}") from None

        warehouse = Path(value("SALES_WAREHOUSE"))
        landing_dir = Path(value("SALES_LANDING_DIR"))
        sources_config = Path(value("SALES_SOURCES_CONFIG")) if value("SALES_SOURCES_CONFIG") else None
        if value("SALES_HISTORY_START"):
            history_start = parsed("SALES_HISTORY_START", _history_start)
        else:
            try:
                history_start = default_history_start(landing_dir, warehouse, sources_config)
            except ValueError as error:
                raise SettingsError(f"SALES_HISTORY_START is not set and {error}") from None
        return cls(
            landing_dir=landing_dir,
            warehouse=warehouse,
            timezone=parsed("SALES_TIMEZONE", _timezone),
            reporting_currency=parsed("SALES_REPORTING_CURRENCY", _currency),
            reports_dir=Path(value("SALES_REPORTS_DIR")),
            history_start=history_start,
            max_rejected_share=parsed("SALES_MAX_REJECTED_SHARE", _share),
            published_warehouse=Path(
                value("SALES_PUBLISHED_WAREHOUSE") or warehouse.parent / "published" / warehouse.name
            ),
            duckdb_memory_limit=parsed("SALES_DUCKDB_MEMORY_LIMIT", _memory_limit),
            sources_config=sources_config,
            non_seller_titles=parsed("SALES_NON_SELLER_TITLES", _title_pattern),
            as_of=parsed("SALES_AS_OF", _optional_date),
            report_locale=parsed("SALES_REPORT_LOCALE", _report_locale),
        )

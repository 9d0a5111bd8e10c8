"""The `SALES_*` environment variables of the contract, read in one place.

Everything that depends on where files live, which time zone the sales organisation works in or
which currency volumes are reported in comes from here, so a test or a deployment can point the
whole pipeline elsewhere by setting environment variables only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEFAULTS: dict[str, str] = {
    "SALES_LANDING_DIR": "data/landing",
    "SALES_WAREHOUSE": "data/warehouse.duckdb",
    "SALES_TIMEZONE": "UTC",
    "SALES_REPORTING_CURRENCY": "EUR",
    "SALES_REPORTS_DIR": "data/reports",
    # Project extensions (not in the contract): first period the partitions know about, the
    # share of rejected rows per source above which the facts are not built, the read-only
    # copy of the marts analysts query (empty: `published/` beside the warehouse), and the
    # memory DuckDB may hold before it spills to disk (its own default, 80% of RAM, lets one
    # big read take most of the machine; see docs/scaling.md).
    "SALES_HISTORY_START": "2020-01-01",
    "SALES_MAX_REJECTED_SHARE": "0.05",
    "SALES_PUBLISHED_WAREHOUSE": "",
    "SALES_DUCKDB_MEMORY_LIMIT": "1536MB",
    # Where each source's files are and how they map onto the contract (docs/sources.md);
    # empty: the shipped sales_pipeline/sources/default.yaml, the contract's own layout.
    "SALES_SOURCES_CONFIG": "",
}


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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SalesSettings:
        env = os.environ if environ is None else environ

        def value(name: str) -> str:
            return env.get(name) or DEFAULTS[name]

        warehouse = Path(value("SALES_WAREHOUSE"))
        return cls(
            landing_dir=Path(value("SALES_LANDING_DIR")),
            warehouse=warehouse,
            timezone=value("SALES_TIMEZONE"),
            reporting_currency=value("SALES_REPORTING_CURRENCY").upper(),
            reports_dir=Path(value("SALES_REPORTS_DIR")),
            history_start=date.fromisoformat(value("SALES_HISTORY_START")),
            max_rejected_share=float(value("SALES_MAX_REJECTED_SHARE")),
            published_warehouse=Path(
                value("SALES_PUBLISHED_WAREHOUSE") or warehouse.parent / "published" / warehouse.name
            ),
            duckdb_memory_limit=value("SALES_DUCKDB_MEMORY_LIMIT"),
            sources_config=Path(value("SALES_SOURCES_CONFIG")) if value("SALES_SOURCES_CONFIG") else None,
        )

"""The CRM side shared by the phone-preset tests, and running the pipeline on a configuration.

Two reps, written in the contract's own CRM layout (the CRM is not what these tests are about):

- 005A "Maria Papadopoulou"  E1  +30 210 555 0101  maria@example.com  Athens North / Greece
- 005B "Ben Carter"          E2  +1 212 555 0102   ben@example.com    no team: Unassigned

Contacts: 003C1 (decision maker, +30 210 555 0201), 003C2 (not one, +30 210 555 0202).

Every call of the fixtures happens in the ISO week of Monday 2026-03-02, so each rep has one row
per grain: week 2026-03-02, month 2026-03-01, quarter and year 2026-01-01. Each team has one rep,
so a rep's metrics are also its team's and department's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb

from sales_pipeline.runner import run_backfill
from sales_pipeline_tests.conftest import facts_definitions, settings_for

MARIA_PHONE = "+30 210 555 0101"
BEN_PHONE = "+1 212 555 0102"
DM_PHONE = "+30 210 555 0201"
OTHER_PHONE = "+30 210 555 0202"
UNKNOWN_PHONE = "+30 210 555 0299"

GRAIN_PERIODS = {
    "weekly": dt.date(2026, 3, 2),
    "monthly": dt.date(2026, 3, 1),
    "quarterly": dt.date(2026, 1, 1),
    "yearly": dt.date(2026, 1, 1),
}
TEAMS = {
    "005A": ("Maria Papadopoulou", "Athens North", "Greece"),
    "005B": ("Ben Carter", "Unassigned", "Unassigned"),
}


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def write_crm(landing: Path) -> None:
    write(
        landing / "crm/User.csv",
        "Id,Name,Email,EmployeeNumber,Phone,Title,IsActive\n"
        f"005A,Maria Papadopoulou,maria@example.com,E1,{MARIA_PHONE},AE,true\n"
        f"005B,Ben Carter,Ben@Example.com,E2,{BEN_PHONE},AE,true\n",
    )
    write(
        landing / "crm/Contact.csv",
        "Id,AccountId,Name,Title,Phone,MobilePhone,Decision_Maker__c\n"
        f"003C1,001A,Eleni DM,CEO,{DM_PHONE},,true\n"
        f"003C2,001A,Nikos,Clerk,{OTHER_PHONE},,false\n",
    )
    write(
        landing / "crm/Team_Membership__c.csv",
        "Id,User__c,Team__c,Department__c,Start_Date__c,End_Date__c\n"
        "TM1,005A,Athens North,Greece,2026-01-01,\n",
    )
    write(
        landing / "crm/Sales_Target__c.csv",
        "Id,User__c,Metric__c,Period_Type__c,Period_Start__c,Target__c\n",
    )
    write(landing / "erp/fx_rates.csv", "date,currency,rate\n")


@dataclass(frozen=True)
class Calls:
    """Expected call metrics of one rep (no events or documents in these fixtures)."""

    made: int
    connected: int
    talk: int
    dm: int
    dms: int

    def metrics(self) -> tuple[object, ...]:
        avg = self.talk / self.connected if self.connected else None
        return (
            self.made,
            self.connected,
            self.talk,
            avg,
            self.dm,
            self.dms,
            0,
            0,
            0,
            Decimal("0.00"),
        )


def expected_marts(per_rep: Mapping[str, Calls]) -> dict[str, list[tuple[object, ...]]]:
    """All twelve fact tables, from each rep's metrics (one team and department per rep)."""
    tables: dict[str, list[tuple[object, ...]]] = {}
    for grain, period in GRAIN_PERIODS.items():
        tables[f"rep_activity_{grain}"] = sorted(
            (period, rep_id, TEAMS[rep_id][0], TEAMS[rep_id][1], TEAMS[rep_id][2], *calls.metrics())
            for rep_id, calls in per_rep.items()
        )
        tables[f"team_activity_{grain}"] = sorted(
            (period, TEAMS[rep_id][1], TEAMS[rep_id][2], *calls.metrics())
            for rep_id, calls in per_rep.items()
        )
        tables[f"department_activity_{grain}"] = sorted(
            (period, TEAMS[rep_id][2], *calls.metrics()) for rep_id, calls in per_rep.items()
        )
    return tables


METRICS = (
    "calls_made, calls_connected, talk_seconds, avg_call_seconds, dm_conversations, "
    "distinct_dms_reached, visits, meetings, orders, sales_volume"
)
KEYS = {
    "rep": "period_start, rep_id, rep_name, team, department",
    "team": "period_start, team, department",
    "department": "period_start, department",
}


def actual_marts(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    tables = {}
    for grain in GRAIN_PERIODS:
        for level, keys in KEYS.items():
            rows = conn.execute(
                f"SELECT {keys}, {METRICS} FROM marts.{level}_activity_{grain} ORDER BY ALL"
            ).fetchall()
            tables[f"{level}_activity_{grain}"] = [
                tuple(float(v) if isinstance(v, float) else v for v in row) for row in rows
            ]
    return tables


def reconciliation(conn: duckdb.DuckDBPyConnection, source: str) -> list[tuple[object, ...]]:
    """Per landing file of `source`: (file, read, accepted, superseded, quarantined)."""
    return conn.execute(
        "SELECT f.file, f.rows_read, "
        f" (SELECT count(*) FROM staging.{source} s WHERE s._file = f.file), "
        f" (SELECT count(*) FROM staging.{source}_superseded s WHERE s._file = f.file), "
        f" (SELECT count(*) FROM quarantine.{source} q WHERE q.file = f.file) "
        "FROM raw.landed_files f WHERE source = ? ORDER BY file",
        [source],
    ).fetchall()


@dataclass
class Run:
    conn: duckdb.DuckDBPyConnection
    # Metadata of the latest materialization of quarantine.calls in the run's instance.
    quarantine_metadata: dict[str, object]


def run_configured(landing: Path, workdir: Path, config: Path, *, timezone: str = "UTC") -> Run:
    """Backfill through real Dagster runs with SALES_SOURCES_CONFIG=config; read-only result.

    The code location without analysis and reports: these tests are about the facts."""
    workdir.mkdir(parents=True, exist_ok=True)
    settings = settings_for(
        landing,
        workdir,
        timezone=timezone,
        SALES_HISTORY_START="2025-01-01",
        SALES_MAX_REJECTED_SHARE="1",
        SALES_SOURCES_CONFIG=str(config),
    )
    with dg.instance_for_test() as instance:
        summary = run_backfill(
            facts_definitions(settings),
            settings,
            instance,
            progress=lambda _: None,
            reports="none",
        )
        assert summary.success, summary.failed
        event = instance.get_latest_materialization_event(dg.AssetKey(["quarantine", "calls"]))
        assert event is not None and event.asset_materialization is not None
        metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    assert summary.success, summary.failed
    return Run(duckdb.connect(str(settings.warehouse), read_only=True), metadata)

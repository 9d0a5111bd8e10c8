"""HubSpot as the whole CRM: owners as users, their primary teams, contacts, meetings as events,
closed-won deals as sales documents, and calls, in one configuration and one real Dagster
backfill (fixture: hubspot_fixtures.py, which tells each record's story)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from sales_pipeline.cli import main
from sales_pipeline_tests.sources import hubspot_fixtures as hubspot
from sales_pipeline_tests.sources.crm import GRAIN_PERIODS, actual_marts, run_configured, write

MEETINGS_1 = "hubspot/meetings_2026-03-06.json"
MEETINGS_2 = "hubspot/meetings_2026-03-09.json"
DEALS_1 = "hubspot/deals_2026-03-06.json"
DEALS_2 = "hubspot/deals_2026-03-09.json"
OWNERS = "hubspot/owners.json"
OWNERS_ARCHIVED = "hubspot/owners_archived.json"
CONTACTS = "hubspot/contacts.json"
CALLS = "hubspot/calls_2026-03-06.json"
NOT_ISO = "is not an ISO 8601 timestamp with a UTC offset"

# Per rep, by hand from the fixture's tables (one week, so every grain has the same rows):
# calls_made, calls_connected, talk_seconds, avg_call_seconds, dm_conversations,
# distinct_dms_reached, visits, meetings, orders, sales_volume.
MARIA = (1, 1, 120, 120.0, 2, 1, 1, 1, 1, Decimal("1200.50"))  # call 501 + visit 301 with Eleni
BEN = (1, 0, 0, None, 1, 1, 0, 1, 1, Decimal("900.00"))  # meeting 303 with Eleni; 402 in USD
CHLOE = (0, 0, 0, None, 0, 0, 1, 0, 1, Decimal("300.00"))  # visit 305's first contact is John
# Maria and Ben both reached Eleni: 3 conversations, 1 decision maker.
ATHENS_NORTH = (2, 1, 120, 120.0, 3, 1, 1, 2, 2, Decimal("2100.50"))


def expected_marts() -> dict[str, list[tuple[object, ...]]]:
    tables: dict[str, list[tuple[object, ...]]] = {}
    for grain, period in GRAIN_PERIODS.items():
        tables[f"rep_activity_{grain}"] = [
            (period, "101", "Maria Papadopoulou", "Athens North", "Greece", *MARIA),
            (period, "102", "Ben Carter", "Athens North", "Greece", *BEN),
            (period, "103", "Chloe Dubois", "Unassigned", "Unassigned", *CHLOE),
        ]
        tables[f"team_activity_{grain}"] = [
            (period, "Athens North", "Greece", *ATHENS_NORTH),
            (period, "Unassigned", "Unassigned", *CHLOE),
        ]
        tables[f"department_activity_{grain}"] = [
            (period, "Greece", *ATHENS_NORTH),
            (period, "Unassigned", *CHLOE),
        ]
    return tables


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hubspot")
    for name, content in hubspot.FILES.items():
        write(root / "landing" / name, content)
    write(root / "sources.yaml", hubspot.CONFIG)
    return root


@pytest.fixture(scope="module")
def warehouse(landing: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    run = run_configured(landing / "landing", landing / "work", landing / "sources.yaml")
    yield run.conn
    run.conn.close()


def test_marts_cell_by_cell(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert actual_marts(warehouse) == expected_marts()


def test_quarantine_names_file_line_and_reason(warehouse: duckdb.DuckDBPyConnection) -> None:
    def rows(source: str) -> list[tuple[object, ...]]:
        return warehouse.execute(
            f"SELECT file, line, reason FROM quarantine.{source} ORDER BY file, line"
        ).fetchall()

    assert rows("users") == []
    assert rows("contacts") == [(CONTACTS, 4, "Id is empty")]
    assert rows("team_memberships") == [(OWNERS, 3, "Team__c is empty")]
    assert rows("events") == [
        (MEETINGS_1, 7, "unknown rep: OwnerId '999' is no CRM user"),
        (MEETINGS_1, 8, "OwnerId is empty"),
        (
            MEETINGS_2,
            2,
            f"StartDateTime '1772704800000' {NOT_ISO}; EndDateTime '1772706600000' {NOT_ISO}",
        ),
    ]
    assert rows("sales_documents") == [
        (DEALS_1, 8, "unknown rep: no person has crm_user_id '999' in the identity map"),
        (DEALS_1, 9, "net_amount is empty"),
        (DEALS_1, 10, "currency is empty"),
    ]
    assert rows("calls") == []


def test_every_file_reconciles(warehouse: duckdb.DuckDBPyConnection) -> None:
    # (source, file, read, accepted, superseded, quarantined); rows the filter leaves out (deals
    # never won, owners in no team) are not read: sources check counts them, below.
    counts = []
    for source, file, read in warehouse.execute(
        "SELECT source, file, rows_read FROM raw.landed_files WHERE file LIKE 'hubspot/%' "
        "ORDER BY ALL"
    ).fetchall():
        tables = (f"staging.{source}", f"staging.{source}_superseded")
        kept = [
            warehouse.execute(f"SELECT count(*) FROM {t} WHERE _file = ?", [file]).fetchone()
            for t in tables
        ]
        rejected = warehouse.execute(
            f"SELECT count(*) FROM quarantine.{source} WHERE file = ?", [file]
        ).fetchone()
        counts.append((source, file, read, *(row[0] for row in (*kept, rejected) if row)))
    assert counts == [
        ("calls", CALLS, 2, 2, 0, 0),
        ("contacts", CONTACTS, 4, 3, 0, 1),
        ("events", MEETINGS_1, 8, 5, 1, 2),  # 306 replaced by its deletion
        ("events", MEETINGS_2, 2, 1, 0, 1),
        ("sales_documents", DEALS_1, 8, 3, 2, 3),  # 403 and 405 withdrawn later
        ("sales_documents", DEALS_2, 2, 2, 0, 0),
        ("team_memberships", OWNERS, 3, 2, 0, 1),
        ("team_memberships", OWNERS_ARCHIVED, 0, 0, 0, 0),
        ("users", OWNERS, 3, 3, 0, 0),
        ("users", OWNERS_ARCHIVED, 1, 1, 0, 0),
    ]


def test_staged_records_as_mapped(warehouse: duckdb.DuckDBPyConnection) -> None:
    def rows(sql: str) -> list[tuple[object, ...]]:
        return warehouse.execute(sql + " ORDER BY ALL").fetchall()

    # An archived owner is an inactive user, still the rep of deal 407 and visit 305.
    assert rows("SELECT user_id, rep_name, email, employee_number, is_active FROM staging.users") == [
        ("101", "Maria Papadopoulou", "maria@example.com", None, True),
        ("102", "Ben Carter", "ben@example.com", None, True),
        ("103", "Chloe Dubois", "chloe@example.com", None, False),
        ("104", "dimitris@example.com", "dimitris@example.com", None, True),
    ]
    # Ben's primary team is his second; Chloe has none, Dimitris's has no name.
    start = dt.date(2000, 1, 1)
    assert rows(
        "SELECT membership_id, user_id, team, department, start_date, end_date "
        "FROM staging.team_memberships"
    ) == [
        ("101", "101", "Athens North", "Greece", start, None),
        ("102", "102", "Athens North", "Greece", start, None),
    ]
    # The buying role decides, not the title (John is VP Sales without one).
    assert rows(
        "SELECT contact_id, account_id, contact_name, title, is_decision_maker "
        "FROM staging.contacts"
    ) == [
        ("201", "5001", "Eleni Georgiou", "CEO", True),
        ("202", "5001", "Nikos Pappas", "Procurement Manager", False),
        ("203", None, "John Smith", "VP Sales", False),
    ]
    assert rows(
        "SELECT event_id, rep_id, event_type, who_id, activity_date, is_deleted FROM staging.events"
    ) == [
        ("301", "101", "Visit", "201", dt.date(2026, 3, 2), False),
        ("302", "101", "Meeting", "202", dt.date(2026, 3, 3), False),
        ("303", "102", "Meeting", "201", dt.date(2026, 3, 4), False),
        ("304", "102", "Other", "201", dt.date(2026, 3, 5), False),
        ("305", "103", "Visit", "203", dt.date(2026, 3, 3), False),
        ("306", "101", "Meeting", "201", dt.date(2026, 3, 5), True),
    ]
    # The withdrawn deals are the later rows, CANCELLED; 405's cleared amount lands as 0.01.
    assert rows(
        "SELECT document_no, rep_id, status, activity_date, customer_no, currency, net_amount, "
        "_file FROM staging.sales_documents"
    ) == [
        ("401", "101", "OPEN", dt.date(2026, 3, 3), "5001", "EUR", Decimal("1200.50"), DEALS_1),
        ("402", "102", "OPEN", dt.date(2026, 3, 4), "5001", "USD", Decimal("1000"), DEALS_1),
        ("403", "101", "CANCELLED", dt.date(2026, 3, 5), "5001", "EUR", Decimal("500"), DEALS_2),
        ("405", "102", "CANCELLED", dt.date(2026, 3, 7), "5001", "EUR", Decimal("0.01"), DEALS_2),
        ("407", "103", "OPEN", dt.date(2026, 3, 2), "5001", "EUR", Decimal("300"), DEALS_1),
    ]


def test_sources_check_accepts_the_configuration(
    landing: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SALES_LANDING_DIR", str(landing / "landing"))
    monkeypatch.setenv("SALES_WAREHOUSE", str(landing / "check" / "warehouse.duckdb"))
    monkeypatch.setenv("SALES_SOURCES_CONFIG", str(landing / "sources.yaml"))
    monkeypatch.setenv("SALES_HISTORY_START", "2025-01-01")
    assert main(["sources", "check"]) == 0
    out = capsys.readouterr().out
    # Deals never won (404, 406, 411) and the owner in no team (Chloe) are left out, not read.
    assert "rows read: 10 (left out by the filter: 3); accepted 5, superseded 2, quarantined 3" in out
    assert "rows read: 3 (left out by the filter: 1); accepted 2, superseded 0, quarantined 1" in out
    assert "landing files no source reads: 0" in out


@pytest.mark.parametrize("rule", sorted(hubspot.DECISION_MAKER_RULES))
def test_decision_maker_rule_is_configurable(
    rule: str,
    landing: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    override, expected = hubspot.DECISION_MAKER_RULES[rule]
    write(
        tmp_path / "sources.yaml",
        "extends: default\nsources:\n  contacts:\n    files: hubspot/contacts.json\n"
        f"    preset: hubspot_contacts_json\n    fields:\n{override}",
    )
    monkeypatch.setenv("SALES_LANDING_DIR", str(landing / "landing"))
    monkeypatch.setenv("SALES_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SALES_SOURCES_CONFIG", str(tmp_path / "sources.yaml"))
    assert main(["sources", "check", "--source", "contacts"]) == 0
    found = re.findall(
        r"hubspot/contacts\.json:(\d)  .*Decision_Maker__c=(\w+)", capsys.readouterr().out
    )
    assert found == [(str(line), value) for line, value in enumerate(expected, 1)]

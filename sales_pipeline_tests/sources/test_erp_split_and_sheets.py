"""Presets that read more than one record per row, or more than one file per record, on real
Dagster backfills (fixtures: erp_split_fixtures.py; every activity in the week of 2026-03-02):

- ERPNext Sales Invoices split across a sales team, with Salesforce's role hierarchy as teams and
  a monthly target sheet (CSV with a byte order mark) keyed by e-mail;
- SAP SD orders with their partner (VBPA) and status (VBUK) tables, Fivetran's Salesforce users
  and roles, and a quarterly target sheet (.xlsx) keyed by employee number;
- the shortest configuration: a CSV of closed deals and a sales-team sheet (rep, manager,
  regional office), as docs/sources.md shows it.

Expected values are worked out by hand in the comments; the facts and the targets marts are
compared cell by cell.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sales_pipeline.cli import main
from sales_pipeline.definitions import build_definitions
from sales_pipeline.runner import run_backfill
from sales_pipeline_tests.conftest import facts_definitions, settings_for
from sales_pipeline_tests.sources import erp_fixtures
from sales_pipeline_tests.sources import erp_split_fixtures as fx
from sales_pipeline_tests.sources.crm import reconciliation, write
from sales_pipeline_tests.sources.test_mapping import xlsx

WEEK, MONTH, YEAR = dt.date(2026, 3, 2), dt.date(2026, 3, 1), dt.date(2026, 1, 1)
PERIODS = {"weekly": WEEK, "monthly": MONTH, "quarterly": YEAR, "yearly": YEAR}
# The metrics after the keys: calls_made ... meetings are zero (no calls or events here).
NO_CALLS = (0, 0, 0, None, 0, 0, 0, 0)


def write_landing(root: Path, files: dict[str, str | bytes], config: str) -> Path:
    landing = root / "landing"
    write(landing / "crm/User.csv", fx.USERS)
    write(landing / "crm/Contact.csv", "Id,AccountId,Name,Title,Phone,MobilePhone,Decision_Maker__c\n")
    write(landing / "erp/fx_rates.csv", "date,currency,rate\n")
    for name, content in files.items():
        write(landing / name, content)
    write(root / "sources.yaml", config)
    return landing


def backfill(
    root: Path, files: dict[str, str | bytes], config: str, *, analysis: bool, **settings: str
) -> duckdb.DuckDBPyConnection:
    landing = write_landing(root, files, config)
    sales_settings = settings_for(
        landing,
        root / "work",
        SALES_HISTORY_START="2025-01-01",
        SALES_MAX_REJECTED_SHARE="1",
        SALES_SOURCES_CONFIG=str(root / "sources.yaml"),
        **settings,
    )
    (root / "work").mkdir()
    definitions = (
        build_definitions(sales_settings) if analysis else facts_definitions(sales_settings)
    )
    with dg.instance_for_test() as instance:
        summary = run_backfill(
            definitions, sales_settings, instance, progress=lambda _: None, reports="none"
        )
        # No check fails (a split document is one activity per member of its sales team).
        failed = [
            (evaluation.asset_key.to_user_string(), evaluation.check_name)
            for run_id in summary.runs
            for record in instance.get_records_for_run(
                run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            ).records
            if not (evaluation := record.event_log_entry.dagster_event.event_specific_data).passed
            and evaluation.severity == dg.AssetCheckSeverity.ERROR
        ]
    assert summary.success, summary.failed
    assert failed == []
    return duckdb.connect(str(sales_settings.warehouse), read_only=True)


def facts(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    metrics = (
        "calls_made, calls_connected, talk_seconds, avg_call_seconds, dm_conversations, "
        "distinct_dms_reached, visits, meetings, orders, sales_volume"
    )
    keys = {
        "rep": "period_start, rep_id, rep_name, team, department",
        "team": "period_start, team, department",
        "department": "period_start, department",
    }
    return {
        f"{level}_{grain}": conn.execute(
            f"SELECT {columns}, {metrics} FROM marts.{level}_activity_{grain} ORDER BY ALL"
        ).fetchall()
        for grain in PERIODS
        for level, columns in keys.items()
    }


def expected_facts(
    reps: list[tuple[str, str, str, str, int, str]],
) -> dict[str, list[tuple[object, ...]]]:
    """(rep_id, name, team, department, orders, volume) per rep; one rep per team here."""
    tables: dict[str, list[tuple[object, ...]]] = {}
    for grain, period in PERIODS.items():
        rows = [(rep, name, team, dept, *NO_CALLS, n, Decimal(v)) for rep, name, team, dept, n, v in reps]
        tables[f"rep_{grain}"] = sorted((period, *row) for row in rows)
        tables[f"team_{grain}"] = sorted((period, *row[2:]) for row in rows)
        tables[f"department_{grain}"] = sorted((period, *row[3:]) for row in rows)
    return tables


def quarantine(conn: duckdb.DuckDBPyConnection, source: str) -> list[tuple[object, ...]]:
    return conn.execute(
        f"SELECT file, line, reason FROM quarantine.{source} ORDER BY file, line, reason"
    ).fetchall()


def targets(conn: duckdb.DuckDBPyConnection, grain: str) -> list[tuple[object, ...]]:
    return conn.execute(
        "SELECT period_start, rep_id, team, department, metric, target, origin "
        f"FROM marts.targets_{grain} ORDER BY ALL"
    ).fetchall()


# ------------------------------------------------------------------ ERPNext, roles, month sheet

ERPNEXT_CONFIG = """\
extends: default
identity_map: {file: people/identity_map.csv}
sources:
  team_memberships: {files: salesforce/User.csv, file_date: none, preset: salesforce_role_teams}
  sales_documents:
    files: "erpnext/sales_invoices_*.json"
    file_date: name
    preset: erpnext_sales_invoices_json
    timezone: Europe/Athens
    fields: {currency: {constant: EUR}}
  sales_targets: {files: targets/monthly_targets.csv, file_date: none, preset: target_sheet_months}
"""


ERPNEXT_LANDING: dict[str, str | bytes] = {
    **fx.ERPNEXT_FILES,
    "people/identity_map.csv": fx.IDENTITY_MAP,
    "salesforce/User.csv": fx.SALESFORCE_USERS,
    "salesforce/UserRole.csv": fx.SALESFORCE_ROLES,
    "targets/monthly_targets.csv": fx.MONTHLY_TARGETS.encode("utf-8"),
}


@pytest.fixture(scope="module")
def erpnext(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    conn = backfill(
        tmp_path_factory.mktemp("erpnext"), ERPNEXT_LANDING, ERPNEXT_CONFIG, analysis=True
    )
    yield conn
    conn.close()


def test_erpnext_split_documents_credit_volume_by_share_and_the_order_once(
    erpnext: duckdb.DuckDBPyConnection,
) -> None:
    # Maria: invoice 1 re-allocated to 75 % of 1000 (750, the largest share: her order),
    #   half of credit note 4 (-100), half of invoice 8 (150; the tie goes to Ben, listed first).
    # Ben: 25 % of invoice 1 (250), -100, 150 and invoice 8's order; invoice 2 was cancelled.
    # Teams from the role hierarchy: Athens North under Greece; New York is its own department.
    assert facts(erpnext) == expected_facts(
        [
            ("005A", "Maria Papadopoulou", "Athens North", "Greece", 1, "800.00"),
            ("005B", "Ben Carter", "New York", "New York", 1, "300.00"),
        ]
    )


def test_erpnext_quarantine_and_reconciliation(erpnext: duckdb.DuckDBPyConnection) -> None:
    day_1, day_2 = fx.ERPNEXT_DAY_1, fx.ERPNEXT_DAY_2
    assert quarantine(erpnext, "sales_documents") == [
        (day_1, 5, "unknown rep in the sales team: no person has erp_code 'Nikos' in the identity map"),
        (day_1, 6, "sales team allocations add up to 90 %, not 100 %"),
        (day_1, 7, "no rep: the document has no sales team"),
    ]
    # Day 1: 7 documents, the draft left out by the filter; invoices 1 and 2 superseded by day 2.
    assert reconciliation(erpnext, "sales_documents") == [(day_1, 6, 1, 2, 3), (day_2, 3, 3, 0, 0)]


def test_role_hierarchy_teams(erpnext: duckdb.DuckDBPyConnection) -> None:
    assert erpnext.execute(
        "SELECT user_id, team, department, start_date, end_date FROM staging.team_memberships "
        "ORDER BY user_id"
    ).fetchall() == [
        ("005A", "Athens North", "Greece", dt.date(2000, 1, 1), None),
        ("005B", "New York", "New York", dt.date(2000, 1, 1), None),
    ]
    assert quarantine(erpnext, "team_memberships") == [
        ("salesforce/User.csv", 5, "unknown rep: User__c '005Z' is no CRM user")
    ]


def test_monthly_target_sheet_gives_a_target_per_month_cell(
    erpnext: duckdb.DuckDBPyConnection,
) -> None:
    # Every month cell with a number is a target; blanks and NULL are none.
    assert erpnext.execute(
        "SELECT user_id, metric, period_type, period_start, target FROM staging.sales_targets "
        "ORDER BY ALL"
    ).fetchall() == [
        ("005A", "orders", "Month", dt.date(2026, month, 1), Decimal(n))
        for month, n in ((1, 2), (2, 2), (3, 3))
    ] + [
        ("005B", "sales_volume", "Month", dt.date(2026, month, 1), Decimal(n))
        for month, n in ((1, 1000), (2, 1000), (3, 1200))
    ]
    # The marts hold the periods analysed: March (the data's month), and its quarter.
    maria = ("005A", "Athens North", "Greece", "orders")
    ben = ("005B", "New York", "New York", "sales_volume")
    assert targets(erpnext, "monthly") == [
        (MONTH, *maria, 3.0, "set"),
        (MONTH, *ben, 1200.0, "set"),
    ]
    # All three months set: the quarter is their sum; no year (three quarters have none).
    assert targets(erpnext, "quarterly") == [
        (YEAR, *maria, 7.0, "rolled_up"),
        (YEAR, *ben, 3200.0, "rolled_up"),
    ]
    assert targets(erpnext, "yearly") == []
    file = "targets/monthly_targets.csv"
    rows = quarantine(erpnext, "sales_targets")
    assert [row[:2] for row in rows] == [(file, 4), (file, 5)]
    assert rows[0][2] == (
        "unknown rep: no person has email 'nobody@example.com' in the identity map"
    )
    assert rows[1][2].startswith("Metric__c 'Lunches' is not one of calls_made, ")


def test_erpnext_sales_orders(tmp_path: Path) -> None:
    config = (
        "extends: default\nidentity_map: {file: people/identity_map.csv}\nsources:\n"
        "  sales_documents:\n"
        '    files: "erpnext/sales_orders_*.json"\n'
        "    preset: erpnext_sales_orders_json\n"
        "    timezone: Europe/Athens\n"
        "    fields: {currency: {constant: EUR}}\n"
    )
    files = {**fx.ERPNEXT_ORDER_FILES, "people/identity_map.csv": fx.IDENTITY_MAP}
    with backfill(tmp_path, files, config, analysis=False) as conn:
        # No team memberships: both reps are Unassigned, where the order counts once.
        tables = facts(conn)
        for grain, period in PERIODS.items():
            assert tables[f"rep_{grain}"] == [
                (period, "005A", "Maria Papadopoulou", "Unassigned", "Unassigned", *NO_CALLS,
                 1, Decimal("1000.00")),
                (period, "005B", "Ben Carter", "Unassigned", "Unassigned", *NO_CALLS,
                 0, Decimal("1000.00")),
            ]
            assert tables[f"team_{grain}"] == [
                (period, "Unassigned", "Unassigned", *NO_CALLS, 1, Decimal("2000.00"))
            ]
            assert tables[f"department_{grain}"] == [
                (period, "Unassigned", *NO_CALLS, 1, Decimal("2000.00"))
            ]
        assert conn.execute(
            "SELECT document_no, document_type, status FROM staging.sales_documents ORDER BY 1"
        ).fetchall() == [
            ("SAL-ORD-2026-00001", "ORDER", "OPEN"),
            ("SAL-ORD-2026-00002", "ORDER", "CANCELLED"),
        ]


# ------------------------------------------------------------------ SAP, Fivetran roles, xlsx

SAP_CONFIG = """\
extends: default
sources:
  team_memberships:
    files: fivetran/salesforce_user.csv
    file_date: none
    preset: salesforce_role_teams_fivetran
  sales_documents: {files: sap/vbak.csv, file_date: none, preset: sap_sales_orders_fivetran}
  sales_targets:
    files: targets/quarterly_targets.xlsx
    file_date: none
    preset: target_sheet_quarters
    format: xlsx
    rep_identity: {system: employee_number, value: Rep}
"""


SAP_LANDING: dict[str, str | bytes] = {
    "fivetran/salesforce_user.csv": fx.FIVETRAN_USERS,
    "fivetran/salesforce_user_role.csv": fx.FIVETRAN_ROLES,
    "sap/vbak.csv": fx.SAP_VBAK,
    "sap/vbpa.csv": fx.SAP_VBPA,
    "sap/vbuk.csv": fx.SAP_VBUK,
    "targets/quarterly_targets.xlsx": xlsx("Targets 2026", fx.QUARTERLY_TARGET_ROWS),
}


@pytest.fixture(scope="module")
def sap(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    conn = backfill(tmp_path_factory.mktemp("sap"), SAP_LANDING, SAP_CONFIG, analysis=True)
    yield conn
    conn.close()


def test_sap_orders_with_sales_employee_and_status_from_their_tables(
    sap: duckdb.DuckDBPyConnection,
) -> None:
    # Maria: order 12345 (1500). Ben: order 12351 (1000) and return 12347 (-200); his order
    # 12346 was rejected in full (cancelled). The quotation and the deleted order are no sales.
    assert facts(sap) == expected_facts(
        [
            ("005A", "Maria Papadopoulou", "Athens North", "Greece", 1, "1500.00"),
            ("005B", "Ben Carter", "New York", "New York", 1, "800.00"),
        ]
    )
    assert sap.execute(
        "SELECT document_no, document_type, status, rep_id FROM staging.sales_documents "
        "ORDER BY document_no"
    ).fetchall() == [
        ("0000012345", "ORDER", "OPEN", "005A"),
        ("0000012346", "ORDER", "CANCELLED", "005B"),
        ("0000012347", "RETURN", "OPEN", "005B"),
        ("0000012351", "ORDER", "INVOICED", "005B"),
    ]
    assert quarantine(sap, "sales_documents") == [
        ("sap/vbak.csv", 6, "sales_rep_no is empty"),
        ("sap/vbak.csv", 7, "unknown rep: no person has employee_number '9999' in the identity map"),
    ]
    # 8 rows: the quotation and the deleted order left out by the filter.
    assert reconciliation(sap, "sales_documents") == [("sap/vbak.csv", 6, 4, 0, 2)]


def test_fivetran_roles_and_the_quarterly_workbook(sap: duckdb.DuckDBPyConnection) -> None:
    assert sap.execute(
        "SELECT user_id, team, department FROM staging.team_memberships ORDER BY user_id"
    ).fetchall() == [("005A", "Athens North", "Greece"), ("005B", "New York", "New York")]
    maria = ("005A", "Athens North", "Greece", "orders")
    ben = ("005B", "New York", "New York", "sales_volume")
    assert sap.execute(
        "SELECT user_id, metric, period_type, period_start, target FROM staging.sales_targets "
        "ORDER BY ALL"
    ).fetchall() == [
        ("005A", "orders", "Quarter", YEAR, Decimal(6)),
        ("005A", "orders", "Quarter", dt.date(2026, 4, 1), Decimal(9)),
        ("005B", "sales_volume", "Quarter", YEAR, Decimal("2500.5")),
    ]
    assert targets(sap, "quarterly") == [(YEAR, *maria, 6.0, "set"), (YEAR, *ben, 2500.5, "set")]
    assert targets(sap, "monthly") == []
    assert quarantine(sap, "sales_targets") == [
        (
            "targets/quarterly_targets.xlsx",
            4,
            "unknown rep: no person has employee_number '1009' in the identity map",
        )
    ]


# ------------------------------------------------------------------ Odoo orders and teams

ODOO_CONFIG = """\
extends: default
identity_map: {file: people/identity_map.csv}
sources:
  team_memberships:
    files: odoo/res.users.csv
    file_date: none
    preset: odoo_sales_teams_csv
    fields:
      Department__c: {lookup: teams, key: sale_team_id/id, value: name, map: {Europe: EMEA, America: Americas}}
  sales_documents: {files: "odoo/sale_order_*.csv", file_date: name, preset: odoo_sale_orders_csv}
  sales_targets: {files: targets/targets_2026.csv, file_date: none, preset: target_sheet_years}
"""


ODOO_LANDING: dict[str, str | bytes] = {
    "people/identity_map.csv": fx.IDENTITY_MAP,
    "erp/fx_rates.csv": erp_fixtures.FX_RATES,
    "odoo/sale_order_2026-03-08.csv": erp_fixtures.ODOO_ORDERS,
    "odoo/res.users.csv": fx.ODOO_USERS,
    "odoo/crm.team.csv": fx.ODOO_TEAMS,
    "targets/targets_2026.csv": fx.YEARLY_TARGETS,
}


def test_odoo_orders_teams_and_a_yearly_target_sheet(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    conn = backfill(tmp_path_factory.mktemp("odoo"), ODOO_LANDING, ODOO_CONFIG, analysis=True)
    with conn:
        # The orders as erp_fixtures.py works them out; the teams from res.users and crm.team.
        assert facts(conn) == expected_facts(
            [
                ("005A", "Maria Papadopoulou", "Europe", "EMEA", 2, "2750.50"),
                ("005B", "Ben Carter", "America", "Americas", 2, "480.00"),
            ]
        )
        assert quarantine(conn, "team_memberships") == [
            (
                "odoo/res.users.csv",
                4,
                "unknown rep: no person has erp_code 'Mitchell Admin' in the identity map",
            )
        ]
        assert targets(conn, "yearly") == [
            (YEAR, "005A", "Europe", "EMEA", "sales_volume", 120000.0, "set"),
            (YEAR, "005B", "America", "Americas", "orders", 40.0, "set"),
        ]
        assert quarantine(conn, "sales_targets") == []


# ------------------------------------------------------------------ closed deals + team sheet

# The shortest configuration (docs/sources.md, "Closed deals and a team sheet"), verbatim.
DEALS_CONFIG = """\
extends: default
sources:
  users:
    files: crm/sales_teams.csv
    file_date: none
    fields:
      Id: sales_agent
      Name: sales_agent
      EmployeeNumber: sales_agent
      Email: {constant: ""}
      Phone: {constant: ""}
      Title: {constant: ""}
      IsActive: {constant: "true"}
  team_memberships:
    files: crm/sales_teams.csv
    file_date: none
    fields:
      Id: sales_agent
      User__c: sales_agent
      Team__c: manager
      Department__c: regional_office
      Start_Date__c: {constant: "2000-01-01"}
      End_Date__c: {constant: ""}
  sales_documents:
    files: crm/sales_pipeline.csv
    file_date: none
    filter: {column: deal_stage, equals: Won}
    fields:
      document_no: opportunity_id
      document_type: {constant: ORDER}
      document_date: close_date
      customer_no: account
      sales_rep_no: sales_agent
      currency: {constant: USD}
      net_amount: close_value
      status: {constant: INVOICED}
      changed_at: {concat: [close_date, {constant: "T00:00:00Z"}]}
"""
SALES_TEAMS = (
    "sales_agent,manager,regional_office\n"
    "Anna Snelling,Dustin Brinkmann,Central\n"
    "Cecily Lampkin,Dustin Brinkmann,Central\n"
    "Darcel Schlecht,Melvin Marxen,West\n"
)
SALES_PIPELINE = (
    "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
    "1C1I7A6R,Anna Snelling,GTX Plus Basic,Cancity,Won,2026-02-20,2026-03-02,1054\n"
    "Z063OYW0,Cecily Lampkin,GTXPro,Isdom,Won,2026-02-25,2026-03-03,4514\n"
    "EC4QE1BX,Cecily Lampkin,MG Special,Cancity,Won,2026-02-28,2026-03-04,50\n"
    "MV1LWRNH,Darcel Schlecht,GTX Basic,Codehow,Won,2026-02-18,2026-03-05,588\n"
    "PE84CX4O,Darcel Schlecht,GTX Basic,Zencorporation,Lost,2026-02-20,2026-03-05,0\n"
    "ZNBS69V1,Anna Snelling,MG Special,Ron-tech,Engaging,2026-02-26,,\n"
    "1ZAQ0S2N,Moses Frase,GTX Plus Basic,Rangreen,Won,2026-02-19,2026-03-06,1085\n"
)


def test_closed_deals_and_a_team_sheet_give_rep_team_and_office_marts(
    tmp_path: Path,
) -> None:
    conn = backfill(
        tmp_path,
        {"crm/sales_teams.csv": SALES_TEAMS, "crm/sales_pipeline.csv": SALES_PIPELINE},
        DEALS_CONFIG,
        analysis=False,
        SALES_REPORTING_CURRENCY="USD",
    )
    with conn:
        tables = facts(conn)
        # Won deals only; Moses Frase is on no team sheet: quarantined as an unknown rep.
        anna = ("Anna Snelling", "Anna Snelling", "Dustin Brinkmann", "Central", 1, "1054.00")
        cecily = ("Cecily Lampkin", "Cecily Lampkin", "Dustin Brinkmann", "Central", 2, "4564.00")
        darcel = ("Darcel Schlecht", "Darcel Schlecht", "Melvin Marxen", "West", 1, "588.00")
        for grain, period in PERIODS.items():
            assert tables[f"rep_{grain}"] == [
                (period, *rep[:4], *NO_CALLS, rep[4], Decimal(rep[5]))
                for rep in (anna, cecily, darcel)
            ]
            assert tables[f"team_{grain}"] == [
                (period, "Dustin Brinkmann", "Central", *NO_CALLS, 3, Decimal("5618.00")),
                (period, "Melvin Marxen", "West", *NO_CALLS, 1, Decimal("588.00")),
            ]
            assert tables[f"department_{grain}"] == [
                (period, "Central", *NO_CALLS, 3, Decimal("5618.00")),
                (period, "West", *NO_CALLS, 1, Decimal("588.00")),
            ]
        assert quarantine(conn, "sales_documents") == [
            (
                "crm/sales_pipeline.csv",
                8,
                "unknown rep: no CRM user has EmployeeNumber 'Moses Frase'",
            )
        ]


@pytest.mark.parametrize(
    ("landing_files", "config", "expected"),
    [
        (ERPNEXT_LANDING, ERPNEXT_CONFIG, "sales team allocations add up to 90 %, not 100 %"),
        (SAP_LANDING, SAP_CONFIG, "rows read: 6 (left out by the filter: 2); accepted 4"),
        (ODOO_LANDING, ODOO_CONFIG, "erp_code 'Mitchell Admin'"),
    ],
    ids=["erpnext", "sap", "odoo"],
)
def test_sources_check_reads_every_preset_of_the_configuration(
    landing_files: dict[str, str | bytes],
    config: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    landing = write_landing(tmp_path, landing_files, config)
    monkeypatch.setenv("SALES_LANDING_DIR", str(landing))
    monkeypatch.setenv("SALES_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SALES_SOURCES_CONFIG", str(tmp_path / "sources.yaml"))
    assert main(["sources", "check"]) == 0
    assert expected in capsys.readouterr().out
    assert not (tmp_path / "warehouse.duckdb").exists()

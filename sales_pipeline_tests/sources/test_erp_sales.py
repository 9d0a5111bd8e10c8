"""ERP sales documents: Odoo sale orders, NetSuite transactions (Fivetran) and Business Central
sales orders with credit memos, each through one real Dagster backfill (fixtures and hand-derived
expectations in erp_fixtures.py), checked on all twelve fact marts, the quarantine and the
reconciliation; `sources check` reads the same configuration."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from sales_pipeline.cli import main
from sales_pipeline.sources.check import check_sources
from sales_pipeline_tests.conftest import settings_for
from sales_pipeline_tests.sources import erp_fixtures as fx
from sales_pipeline_tests.sources.crm import (
    GRAIN_PERIODS,
    TEAMS,
    actual_marts,
    reconciliation,
    run_configured,
    write,
    write_crm,
)


@dataclass(frozen=True)
class Sales:
    """Expected document metrics of one rep (no calls or events in these fixtures)."""

    orders: int
    volume: str

    def metrics(self) -> tuple[object, ...]:
        return (0, 0, 0, None, 0, 0, 0, 0, self.orders, Decimal(self.volume))


@dataclass(frozen=True)
class Case:
    preset: str
    files: dict[str, str]
    identity_map: str
    glob: str
    file_date: str
    config_extra: str
    expected: dict[str, Sales]
    quarantine: list[tuple[str, int, str]]
    # Per file: (file, read, accepted, superseded, quarantined).
    reconciliation: list[tuple[str, int, int, int, int]]
    rows_filtered: int


ODOO = "odoo/sale_order_2026-03-08.csv"
NETSUITE = "fivetran/netsuite2_transaction.csv"
BC_ORDERS = "bc/sales/salesOrders_2026-03-06.json"
BC_MEMOS = "bc/sales/salesCreditMemos_2026-03-06.json"
AMOUNT_FORM = (
    "a plain positive decimal ('.' as decimal point, no thousands separator, at most 12 decimals)"
)

CASES = {
    "odoo_sale_orders_csv": Case(
        "odoo_sale_orders_csv",
        {ODOO: fx.ODOO_ORDERS},
        fx.ODOO_IDENTITY_MAP,
        "odoo/sale_order_*.csv",
        "name",
        "",
        {"005A": Sales(2, "2750.50"), "005B": Sales(2, "480.00")},
        [
            (ODOO, 8, "unknown rep: no person has erp_code 'Mitchell Admin' in the identity map"),
            (ODOO, 10, "net_amount '#VALUE!' is not a number"),
        ],
        [(ODOO, 8, 6, 0, 2)],
        rows_filtered=2,
    ),
    "netsuite_transactions_fivetran": Case(
        "netsuite_transactions_fivetran",
        {NETSUITE: fx.NETSUITE_TRANSACTIONS},
        fx.NETSUITE_IDENTITY_MAP,
        NETSUITE,
        "none",
        "",
        {"005A": Sales(1, "810.00"), "005B": Sales(2, "650.00")},
        [
            (NETSUITE, 9, "unknown rep: no person has erp_code '409409' in the identity map"),
            (NETSUITE, 10, f"net_amount 'n/a' is not {AMOUNT_FORM}"),
            (NETSUITE, 12, "currency '5' is not an ISO 4217 code"),
        ],
        [(NETSUITE, 9, 6, 0, 3)],
        rows_filtered=3,
    ),
    "business_central_sales_orders_json": Case(
        "business_central_sales_orders_json",
        {BC_ORDERS: fx.BC_SALES_ORDERS, BC_MEMOS: fx.BC_SALES_CREDIT_MEMOS},
        fx.BC_IDENTITY_MAP,
        "bc/sales/*.json",
        "name",
        fx.BC_LOCAL_CURRENCY_OVERRIDE,
        {"005A": Sales(2, "1300.50"), "005B": Sales(1, "450.00")},
        [
            (BC_ORDERS, 3, "unknown rep: no person has erp_code 'BC' in the identity map"),
            (BC_ORDERS, 5, "net_amount is zero, not a positive decimal"),
        ],
        [(BC_MEMOS, 2, 2, 0, 0), (BC_ORDERS, 5, 3, 0, 2)],
        rows_filtered=0,
    ),
}


def expected_marts(per_rep: dict[str, Sales]) -> dict[str, list[tuple[object, ...]]]:
    """All twelve fact tables; each rep is alone in its team and department."""
    tables: dict[str, list[tuple[object, ...]]] = {}
    for grain, period in GRAIN_PERIODS.items():
        rows = [(period, rep, *TEAMS[rep], sales.metrics()) for rep, sales in per_rep.items()]
        tables[f"rep_activity_{grain}"] = sorted(
            (p, rep, name, team, dept, *m) for p, rep, name, team, dept, m in rows
        )
        tables[f"team_activity_{grain}"] = sorted(
            (p, team, dept, *m) for p, _, _, team, dept, m in rows
        )
        tables[f"department_activity_{grain}"] = sorted(
            (p, dept, *m) for p, _, _, _, dept, m in rows
        )
    return tables


def write_landing(case: Case, root: Path) -> Path:
    landing = root / "landing"
    write_crm(landing)
    write(landing / "erp/fx_rates.csv", fx.FX_RATES)
    write(landing / "people/identity_map.csv", case.identity_map)
    for name, content in case.files.items():
        write(landing / name, content)
    write(
        root / "sources.yaml",
        "extends: default\n"
        "identity_map: {file: people/identity_map.csv}\n"
        "sources:\n"
        "  sales_documents:\n"
        f'    files: "{case.glob}"\n'
        f"    file_date: {case.file_date}\n"
        f"    preset: {case.preset}\n{case.config_extra}",
    )
    return landing


@pytest.mark.parametrize("preset", sorted(CASES))
def test_erp_sales_documents_marts_quarantine_and_reconciliation(
    preset: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    case = CASES[preset]
    root = tmp_path_factory.mktemp(preset)
    landing = write_landing(case, root)

    # `sources check` on the same configuration (in memory): rows left out by the filter.
    checked = check_sources(
        settings_for(landing, root / "check", SALES_SOURCES_CONFIG=str(root / "sources.yaml")),
        ["sales_documents"],
    )
    (documents,) = [c for c in checked if c.name == "sales_documents"]
    assert documents.report is not None
    assert documents.report.rows_filtered == case.rows_filtered
    assert documents.report.held_back == []

    run = run_configured(landing, root / "work", root / "sources.yaml")
    conn = run.conn
    try:
        marts = actual_marts(conn)
        quarantine = conn.execute(
            "SELECT file, line, reason FROM quarantine.sales_documents ORDER BY file, line"
        ).fetchall()
        per_file = reconciliation(conn, "sales_documents")
    finally:
        conn.close()
    assert marts == expected_marts(case.expected)
    assert quarantine == case.quarantine
    assert per_file == case.reconciliation


def test_sources_check_exits_0_on_the_odoo_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    landing = write_landing(CASES["odoo_sale_orders_csv"], tmp_path)
    monkeypatch.setenv("SALES_LANDING_DIR", str(landing))
    monkeypatch.setenv("SALES_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SALES_SOURCES_CONFIG", str(tmp_path / "sources.yaml"))
    assert main(["sources", "check", "--source", "sales_documents"]) == 0
    out = capsys.readouterr().out
    assert (
        "rows read: 8 (left out by the filter: 2); accepted 6, superseded 0, quarantined 2" in out
    )
    assert not (tmp_path / "warehouse.duckdb").exists()

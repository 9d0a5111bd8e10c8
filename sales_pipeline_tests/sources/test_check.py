"""`sales-pipeline sources check`: what it shows, its exit codes, and that it writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sales_pipeline.cli import main
from sales_pipeline_tests.sources.crm import write, write_crm
from sales_pipeline_tests.sources.test_asterisk import CONFIG, IDENTITY_MAP, MASTER_LINES


@pytest.fixture
def asterisk_landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    landing = tmp_path / "landing"
    write_crm(landing)
    write(landing / "pbx/identity_map.csv", IDENTITY_MAP)
    write(landing / "pbx/Master.csv", b"\n".join(MASTER_LINES) + b"\n")
    write(tmp_path / "sources.yaml", CONFIG)
    monkeypatch.setenv("SALES_LANDING_DIR", str(landing))
    monkeypatch.setenv("SALES_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SALES_SOURCES_CONFIG", str(tmp_path / "sources.yaml"))
    return landing


def test_check_shows_rows_rejects_identities_and_a_sample(
    asterisk_landing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(asterisk_landing / "pbx/Master.csv.1.bz2", b"BZh9")
    assert main(["sources", "check", "--source", "calls"]) == 0
    out = capsys.readouterr().out
    assert "calls: asterisk_cdr (csv), files pbx/Master.csv" in out
    assert "files found: 1, read: 1, held back: 0" in out
    assert (
        "rows read: 10 (left out by the filter: 0); accepted 8, superseded 0, quarantined 2" in out
    )
    assert "1  no person has phone_extension '299' in the identity map" in out
    assert "pbx/Master.csv:1  sid=1772442000.1, parent_call_sid=, direction=outbound-dial" in out
    # Only calls (and what it is resolved against) are listed; nothing was written.
    assert "\nsales_documents:" not in out
    # A rotated file in a compression no source reads: listed, the identity map is not.
    assert out.endswith(
        "landing files no source reads: 1\n    NOT RECOGNISED pbx/Master.csv.1.bz2\n"
    )
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_check_exits_1_when_a_file_is_held_back(
    asterisk_landing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(asterisk_landing / "crm/Contact.csv", "Id,Name\n1,x\n")
    assert main(["sources", "check", "--source", "calls"]) == 1
    assert "HELD BACK crm/Contact.csv: missing required column(s)" in capsys.readouterr().out


def test_check_exits_2_on_a_configuration_error(
    asterisk_landing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "sources.yaml", CONFIG.replace("preset: asterisk_cdr", "preset: asterisk"))
    assert main(["sources", "check"]) == 2
    assert "line 7: sources.calls.preset: unknown preset 'asterisk'" in capsys.readouterr().err


ERP_CONFIG = """\
extends: default
identity_map: {file: people/identity_map.csv}
sources:
  sales_documents:
    files: "erp/orders_*.csv"
    fields:
      document_no: DocNo
      document_type: {constant: ORDER}
      document_date: Date
      customer_no: Customer
      sales_rep_no: {constant: ""}
      currency: {constant: EUR}
      net_amount: Amount
      status: {constant: OPEN}
      changed_at: Changed
    rep_identity: {system: erp_code, value: Salesperson}
"""


def test_erp_salesperson_codes_resolve_through_the_identity_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ERP that names reps by its own salesperson code: SP-7 is Maria (row found by e-mail),
    SP-8 is Ben (by employee number), SP-9 is nobody and is quarantined as such."""
    landing = tmp_path / "landing"
    write_crm(landing)
    write(landing / "people/identity_map.csv",
          "email,employee_number,erp_code\nmaria@example.com,,SP-7\n,E2,SP-8\n")
    write(landing / "erp/orders_2026-03-02.csv",
          "DocNo,Date,Customer,Salesperson,Amount,Changed\n"
          "D1,2026-03-02,K1,SP-7,100.00,2026-03-02T10:00:00Z\n"
          "D2,2026-03-02,K1,SP-8,50.00,2026-03-02T10:00:00Z\n"
          "D3,2026-03-02,K1,SP-9,20.00,2026-03-02T10:00:00Z\n")
    write(tmp_path / "sources.yaml", ERP_CONFIG)
    monkeypatch.setenv("SALES_LANDING_DIR", str(landing))
    monkeypatch.setenv("SALES_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SALES_SOURCES_CONFIG", str(tmp_path / "sources.yaml"))
    from sales_pipeline.settings import SalesSettings
    from sales_pipeline.sources.check import check_sources

    (documents,) = [c for c in check_sources(SalesSettings.from_env(), ["sales_documents"])
                    if c.name == "sales_documents"]
    assert documents.counts == {"accepted": 2, "superseded": 0, "quarantined": 1}
    assert documents.unknown_identities == [
        ("unknown rep: no person has erp_code 'SP-9' in the identity map", 1)
    ]

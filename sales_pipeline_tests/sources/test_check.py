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

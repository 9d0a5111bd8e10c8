"""Running one phone preset's fixture through real Dagster runs, shared by the vendor tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from sales_pipeline_tests.sources.crm import (
    Calls,
    actual_marts,
    expected_marts,
    reconciliation,
    run_configured,
    write,
    write_crm,
)

STATUSES = "completed, busy, no-answer, failed, canceled"


@dataclass(frozen=True)
class Case:
    preset: str
    files: dict[str, str]
    config_extra: str
    expected: dict[str, Calls]
    quarantine: list[tuple[str, int, str]]
    # (file, read, accepted, superseded, quarantined, left out by the filter)
    reconciliation: tuple[str, int, int, int, int]


def run_case(case: Case, root: Path) -> dict[str, object]:
    landing = root / "landing"
    write_crm(landing)
    for name, content in case.files.items():
        write(landing / name, content)
    identity = (
        "identity_map: {file: people/identity_map.csv}\n"
        if any(name == "people/identity_map.csv" for name in case.files)
        else ""
    )
    glob = next(name for name in case.files if name != "people/identity_map.csv")
    glob = glob.rsplit("_", 1)[0] + "_*." + glob.rsplit(".", 1)[1]
    write(
        root / "sources.yaml",
        f'extends: default\n{identity}sources:\n  calls:\n    files: "{glob}"\n'
        f"    preset: {case.preset}\n{case.config_extra}",
    )
    run = run_configured(landing, root / "work", root / "sources.yaml")
    conn = run.conn
    result = {
        "marts": actual_marts(conn),
        "quarantine": conn.execute(
            "SELECT file, line, reason FROM quarantine.calls ORDER BY file, line"
        ).fetchall(),
        "reconciliation": reconciliation(conn, "calls"),
    }
    conn.close()
    return result


def check_case(case: Case, result: dict[str, object]) -> None:
    expected = {
        name: [tuple(pytest.approx(v) if isinstance(v, float) else v for v in row) for row in rows]
        for name, rows in expected_marts(case.expected).items()
    }
    assert result["marts"] == expected
    assert result["quarantine"] == case.quarantine
    assert result["reconciliation"] == [case.reconciliation]

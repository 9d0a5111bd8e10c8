"""Staging checks: too many rejected rows block the facts; every file reconciles."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sales_pipeline.definitions import build_definitions
from sales_pipeline.staging.merge import FileReconciliation
from sales_pipeline_tests.conftest import settings_for

USERS = "Id,Name,Email,EmployeeNumber,Phone,Title,IsActive\n005A,Ann,a@x.com,E1,+30 210 5550101,Rep,true\n"
CALLS_HEADER = "sid,parent_call_sid,direction,from,to,status,start_time,end_time,duration,answered_by\n"
GOOD_CALL = "CA{n},,outbound-dial,+30 210 5550101,+1 212 5550101,completed,2026-03-02T08:00:00Z,,30,human\n"
BAD_CALL = "CB{n},,outbound-dial,+30 210 5550101,+1 212 5550101,completed,2026-03-02T08:00:00,,30,human\n"


def _landing(root: Path, good: int, bad: int) -> Path:
    (root / "crm").mkdir(parents=True)
    (root / "telephony").mkdir()
    (root / "crm" / "User.csv").write_text(USERS)
    rows = [GOOD_CALL.format(n=n) for n in range(good)] + [BAD_CALL.format(n=n) for n in range(bad)]
    (root / "telephony" / "calls_2026-03-02.csv").write_text(CALLS_HEADER + "".join(rows))
    return root


def _ingest(landing: Path, workdir: Path, instance: dg.DagsterInstance, share: str):
    settings = settings_for(landing, workdir, SALES_MAX_REJECTED_SHARE=share)
    job = build_definitions(settings).resolve_job_def("ingest_landing")
    return job.execute_in_process(instance=instance, raise_on_error=False), settings


def test_rejected_share_above_threshold_blocks_what_depends_on_it(tmp_path, instance) -> None:
    landing = _landing(tmp_path / "landing", good=90, bad=10)  # 10% rejected
    result, settings = _ingest(landing, tmp_path, instance, share="0.05")

    assert not result.success
    share_check = next(
        e for e in result.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(["staging", "calls"])
        and e.check_name == "rejected_share_within_threshold"
    )
    assert not share_check.passed
    assert share_check.metadata["share"].value == 0.1
    materialized = {m.asset_key for m in result.get_asset_materialization_events()}
    # The rejected rows are still kept in quarantine, but nothing downstream is built from them.
    assert dg.AssetKey(["quarantine", "calls"]) in {
        e.event_specific_data.materialization.asset_key
        for e in result.all_events if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    }
    assert dg.AssetKey(["staging", "activities"]) not in materialized
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        reasons = conn.execute("SELECT line, reason FROM quarantine.calls ORDER BY line").fetchall()
    assert reasons == [
        (line, "start_time '2026-03-02T08:00:00' is not an ISO 8601 timestamp with a UTC offset")
        for line in range(92, 102)
    ]


def test_rejected_share_within_threshold_lets_the_facts_build(tmp_path, instance) -> None:
    # 10% rejected is above the 5% threshold, but two rows are too few to block a delivery.
    landing = _landing(tmp_path / "landing", good=18, bad=2)
    result, _ = _ingest(landing, tmp_path, instance, share="0.05")
    assert result.success
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    reconciled = checks[("staging/calls", "reconciles_per_file")]
    assert reconciled.passed
    staged = next(
        m for m in result.get_asset_materialization_events()
        if m.asset_key == dg.AssetKey(["staging", "calls"])
    ).materialization.metadata
    assert (staged["rows_read"].value, staged["accepted"].value, staged["quarantined"].value) == (20, 18, 2)
    # GE sees the same two rows as the SQL rules.
    conform = checks[("raw/calls", "rows_conform_to_contract")]
    assert not conform.passed and conform.severity == dg.AssetCheckSeverity.WARN
    [failed] = conform.metadata["unexpected"].value
    assert failed["unexpected_count"] == 2 and "start_time" in failed["expectation"]


@pytest.mark.parametrize(
    ("accepted", "superseded", "quarantined", "balances"),
    [
        pytest.param(6, 2, 2, True, id="every-row-accounted-for"),
        pytest.param(10, 0, 0, True, id="all-accepted"),
        pytest.param(6, 2, 1, False, id="a-row-lost"),
        pytest.param(6, 3, 2, False, id="a-row-counted-twice"),
        pytest.param(0, 0, 0, False, id="nothing-accounted-for"),
    ],
)
def test_a_file_balances_only_when_every_row_read_is_accounted_for(
    accepted: int, superseded: int, quarantined: int, balances: bool
) -> None:
    # The end-to-end runs only ever see balanced files: this is what makes the check able to fail.
    reconciliation = FileReconciliation("calls_2026-03-02.csv", 10, accepted, superseded, quarantined)
    assert reconciliation.balances is balances

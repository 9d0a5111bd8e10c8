"""Reliability cases: what bad input was tried, what was expected and what held.

Each case test hands a `CaseRecord` to the `reliability_case` fixture; whether it held is decided by
the test's own outcome (passed = held, xfail = a known bug, failed = not held), so the report can
never claim more than the assertions checked. The report, docs/reliability.md, is rendered and
compared with the committed one by the plugin in report.py; `make reliability-doc` regenerates it.

The same module holds what the cases share: a small, valid CRM/ERP world to drop bad files into and
a runner that executes real Dagster runs and keeps a copy of the warehouse after each one.
"""

from __future__ import annotations

import csv
import gc
import io
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from sales_pipeline.definitions import build_definitions
from sales_pipeline.ingestion.assets import raw_assets
from sales_pipeline.jobs import INGEST_JOB
from sales_pipeline.resources import build_resources
from sales_pipeline.runner import BackfillSummary, ReportScope, run_backfill
from sales_pipeline.settings import SalesSettings
from sales_pipeline_tests.conftest import settings_for
from sales_pipeline_tests.reliability.report import PENDING_RECORDS, CaseRecord, count_dagster_run

RUN_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


@pytest.fixture
def reliability_case(request: pytest.FixtureRequest) -> Callable[..., CaseRecord]:
    """Record a case: `reliability_case(case=..., given=..., expected=..., observed=..., runs=...)`.

    Record before asserting, with `observed` taken from what the run actually did, so that a case
    that does not hold is reported with what was seen instead.
    """
    pending = request.node.stash.setdefault(PENDING_RECORDS, [])
    # Temporary paths and run ids differ from run to run; the report must not.
    basetemp = str(request.getfixturevalue("tmp_path_factory").getbasetemp())

    def steady(text: str) -> str:
        return RUN_ID.sub("<run id>", text.replace(basetemp, "<tmp>"))

    def record(**fields: Any) -> CaseRecord:
        entry = CaseRecord(**{
            name: steady(value) if isinstance(value, str) else value
            for name, value in fields.items()
        })
        pending.append(entry)
        return entry

    return record


# ----------------------------------------------------------------------------- landing files

USERS_HEADER = ("Id", "Name", "Email", "EmployeeNumber", "Phone", "Title", "IsActive")
CONTACTS_HEADER = ("Id", "AccountId", "Name", "Title", "Phone", "MobilePhone", "Decision_Maker__c")
TEAMS_HEADER = ("Id", "User__c", "Team__c", "Department__c", "Start_Date__c", "End_Date__c")
TARGETS_HEADER = ("Id", "User__c", "Metric__c", "Period_Type__c", "Period_Start__c", "Target__c")
FX_HEADER = ("date", "currency", "rate")
CALLS_HEADER = ("sid", "parent_call_sid", "direction", "from", "to", "status", "start_time",
                "end_time", "duration", "answered_by")
EVENTS_HEADER = ("Id", "OwnerId", "WhoId", "AccountId", "Type", "Subject", "StartDateTime",
                 "EndDateTime", "IsDeleted", "LastModifiedDate")
DOCUMENTS_HEADER = ("document_no", "document_type", "document_date", "customer_no",
                    "sales_rep_no", "currency", "net_amount", "status", "changed_at")

ANN_PHONE = "+30 210 5550101"
BOB_PHONE = "+30 210 5550102"
DM_PHONE = "+1 212 5550101"
CLERK_PHONE = "+1 212 5550102"


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]], newline: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def call_row(sid: str, **values: str) -> list[str]:
    """A valid outbound call by Ann to the decision maker unless `values` say otherwise."""
    row = {
        "sid": sid, "parent_call_sid": "", "direction": "outbound-dial", "from": ANN_PHONE,
        "to": DM_PHONE, "status": "completed", "start_time": "2026-03-02T08:00:00Z",
        "end_time": "", "duration": "30", "answered_by": "human",
    }
    row.update({key.rstrip("_"): value for key, value in values.items()})
    return [row[column] for column in CALLS_HEADER]


def event_row(event_id: str, **values: str) -> list[str]:
    """A valid visit by Ann with the decision maker unless `values` say otherwise."""
    row = {
        "Id": event_id, "OwnerId": "005A", "WhoId": "003A", "AccountId": "001A", "Type": "Visit",
        "Subject": "Quarterly review", "StartDateTime": "2026-03-02T09:00:00Z",
        "EndDateTime": "2026-03-02T10:00:00Z", "IsDeleted": "false",
        "LastModifiedDate": "2026-03-02T10:00:00Z",
    }
    row.update(values)
    return [row[column] for column in EVENTS_HEADER]


def document_row(document_no: str, **values: str) -> list[str]:
    """A valid open EUR order by Ann (E1) unless `values` say otherwise."""
    row = {
        "document_no": document_no, "document_type": "ORDER", "document_date": "2026-03-02",
        "customer_no": "C1", "sales_rep_no": "E1", "currency": "EUR", "net_amount": "100.50",
        "status": "OPEN", "changed_at": "2026-03-02T12:00:00Z",
    }
    row.update(values)
    return [row[column] for column in DOCUMENTS_HEADER]


def write(path: Path, content: str | bytes) -> Path:
    """Write a landing file; a rewrite always gets a new fingerprint, as a real re-delivery would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    if existed:
        # Same size within the clock's resolution would look unchanged: move mtime on explicitly.
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    return path


def write_crm_world(landing: Path) -> None:
    """Two reps (Ann E1, Bob E2), a decision maker and a clerk, teams, a target and USD rates."""
    write(landing / "crm/User.csv", csv_text(USERS_HEADER, [
        ["005A", "Ann Rep", "ann@example.com", "E1", ANN_PHONE, "Inside Sales Rep", "true"],
        ["005B", "Bob Rep", "bob@example.com", "E2", BOB_PHONE, "Field Sales Rep", "true"],
    ]))
    write(landing / "crm/Contact.csv", csv_text(CONTACTS_HEADER, [
        ["003A", "001A", "Cleo Buyer", "CEO", DM_PHONE, "", "true"],
        ["003B", "001B", "Dan Clerk", "Clerk", CLERK_PHONE, "", "false"],
    ]))
    write(landing / "crm/Team_Membership__c.csv", csv_text(TEAMS_HEADER, [
        ["a01A", "005A", "North", "Inside Sales", "2026-01-01", ""],
        ["a01B", "005B", "South", "Field Sales", "2026-01-01", ""],
    ]))
    write(landing / "crm/Sales_Target__c.csv", csv_text(TARGETS_HEADER, [
        ["a02A", "005A", "calls_made", "Month", "2026-03-01", "100"],
    ]))
    write(landing / "erp/fx_rates.csv", csv_text(FX_HEADER, [["2026-03-01", "USD", "0.92"]]))


# ----------------------------------------------------------------------------- Dagster runs


@dataclass(frozen=True)
class LogLine:
    step: str | None
    level: str
    message: str


@dataclass
class RunOutcome:
    """One Dagster run and the warehouse as that run left it (a copy, so later runs don't move it)."""

    run_id: str
    success: bool
    warehouse: Path
    checks: dict[tuple[str, str], dg.AssetCheckEvaluation]
    logs: list[LogLine]
    step_failures: list[tuple[str, str, str]]
    materialized: set[str]

    def query(self, sql: str, params: Sequence[object] | Mapping[str, object] = ()) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            return conn.execute(sql, params).fetchall()

    def check(self, asset: str, name: str) -> dg.AssetCheckEvaluation:
        return self.checks[(asset, name)]

    def held_back(self, asset: str) -> dict[str, str]:
        """The files the raw asset's files_readable check names, with their reasons."""
        evaluation = self.checks[(asset, "files_readable")]
        return {e["file"]: e["reason"] for e in evaluation.metadata["held_back_files"].value}

    def log_has(self, *fragments: str, level: str | None = None) -> bool:
        return any(
            all(fragment in line.message for fragment in fragments)
            and (level is None or line.level == level)
            for line in self.logs
        )

    @property
    def crashes(self) -> list[tuple[str, str, str]]:
        """Step failures other than a blocking asset check doing its job."""
        return [f for f in self.step_failures if f[1] != "DagsterAssetCheckFailedError"]


def _outcome(
    instance: dg.DagsterInstance, run_id: str, success: bool, warehouse: Path, copy_to: Path
) -> RunOutcome:
    """Read a finished run back from the instance's event log, as the Dagster UI shows it."""
    checks: dict[tuple[str, str], dg.AssetCheckEvaluation] = {}
    logs: list[LogLine] = []
    failures: list[tuple[str, str, str]] = []
    materialized: set[str] = set()
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            logs.append(LogLine(entry.step_key, _level_name(entry.level), entry.user_message))
            continue
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            checks[(evaluation.asset_key.to_user_string(), evaluation.check_name)] = evaluation
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialized.add(event.asset_key.to_user_string())
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            # Dagster wraps what the step raised: report the innermost error, the real one.
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            failures.append((event.step_key or "", error.cls_name or "", error.message))
    if warehouse.exists() and not copy_to.exists():
        # A step that raised leaves its DuckDB connection to the garbage collector (dagster-duckdb
        # closes it only on success), and with it the last writes in the WAL: collect it so the
        # file is checkpointed, and copy any WAL that is left all the same.
        gc.collect()
        shutil.copyfile(warehouse, copy_to)
        wal = warehouse.with_name(warehouse.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, copy_to.with_name(copy_to.name + ".wal"))
    return RunOutcome(run_id, success, copy_to, checks, logs, failures, materialized)


def _level_name(level: int | str) -> str:
    return logging.getLevelName(level) if isinstance(level, int) else str(level)


class Pipeline:
    """Real Dagster runs on one warehouse, counted per test module for the report."""

    def __init__(
        self, instance: dg.DagsterInstance, landing: Path, workdir: Path, module: str, **env: str
    ) -> None:
        self.instance = instance
        self.landing = landing
        self.workdir = workdir
        self.module = module
        self.env = env
        self.runs = 0

    def settings(self, **env: str) -> SalesSettings:
        return settings_for(self.landing, self.workdir, **{**self.env, **env})

    def _count(self) -> Path:
        self.runs += 1
        count_dagster_run(self.module)
        return self.workdir / f"after_run{self.runs}.duckdb"

    def ingest(self, **env: str) -> RunOutcome:
        settings = self.settings(**env)
        job = build_definitions(settings).resolve_job_def(INGEST_JOB)
        result = job.execute_in_process(instance=self.instance, raise_on_error=False)
        return _outcome(self.instance, result.run_id, result.success, settings.warehouse,
                        self._count())

    def materialize_raw(self, **env: str) -> RunOutcome:
        """Only the raw assets: the layer that reads the files."""
        settings = self.settings(**env)
        result = dg.materialize(raw_assets, resources=build_resources(settings),
                                instance=self.instance, raise_on_error=False)
        return _outcome(self.instance, result.run_id, result.success, settings.warehouse,
                        self._count())

    def backfill(
        self, reports: ReportScope = "latest", **env: str
    ) -> tuple[BackfillSummary, list[RunOutcome]]:
        """`run_backfill` as the CLI runs it: ingestion, then every grain's periods."""
        settings = self.settings(**env)
        summary = run_backfill(build_definitions(settings), settings, self.instance,
                               progress=lambda _: None, reports=reports)
        # The runs follow each other: one copy of the warehouse, as the last of them left it.
        copy = self.workdir / f"after_backfill{self.runs + 1}.duckdb"
        outcomes = []
        for run_id in summary.runs:
            run = self.instance.get_run_by_id(run_id)
            self._count()
            outcomes.append(_outcome(self.instance, run_id, bool(run and run.is_success),
                                     settings.warehouse, copy))
        return summary, outcomes


@pytest.fixture(scope="module")
def module_instance() -> Iterator[dg.DagsterInstance]:
    """One Dagster instance per module: cases share runs, so they share the instance too."""
    with dg.instance_for_test() as instance:
        yield instance

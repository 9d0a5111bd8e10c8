"""Running the pipeline end to end through Dagster: ingestion, every grain's tables, reports.

Used by `sales-pipeline backfill` and by the tests; every run goes through a real Dagster instance
and shows up in the UI afterwards.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import dagster as dg

from sales_pipeline.analysis.action_plans import analysis_table
from sales_pipeline.analysis.variance import stored_periods
from sales_pipeline.backfill_state import Unchanged, built_through, check_and_forget, remember
from sales_pipeline.changes import INPUTS_TAG, NOTHING_CHANGED, inputs_version
from sales_pipeline.dagster_internals import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    ensure_pool_limit,
    pool_watchdog,
)
from sales_pipeline.ingestion.assets import EVERY_FILE_RECOGNISED, FILES_READABLE
from sales_pipeline.jobs import INGEST_JOB, PUBLISH_JOB, period_job_name, report_job_name
from sales_pipeline.partitions import GRAINS, KEY_FORMAT, Grain
from sales_pipeline.resources import PERIODS_DONE, WAREHOUSE_POOL, build_resources, open_warehouse
from sales_pipeline.settings import SalesSettings
from sales_pipeline.staging.assets import REJECTED_SHARE

Progress = Callable[[str], None]
# Which periods of each grain get their HTML reports rendered: the latest complete one, that and
# the running one after it (docs/analysis.md, "Complete periods"), every one built, or none.
ReportScope = Literal["latest", "running", "all", "none"]


@dataclass(frozen=True)
class HeldBackFile:
    source: str
    file: str
    reason: str


@dataclass
class BackfillSummary:
    seconds: float = 0.0
    raw_rows: int = 0
    staged_rows: int = 0
    quarantined_rows: int = 0
    counted_events: int = 0
    first_day: date | None = None
    last_day: date | None = None
    periods: dict[str, int] = field(default_factory=dict)
    reported_periods: dict[str, int] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # Files waiting in the landing area to be replaced (every one, not only this run's).
    held_back: list[HeldBackFile] = field(default_factory=list)
    # Files in the landing area no source reads: listed, not failed (they may be anything).
    not_recognised: list[str] = field(default_factory=list)
    # Sources whose latest delivery rejected more rows than SALES_MAX_REJECTED_SHARE allows;
    # their blocking check stopped the ingestion before anything downstream was built.
    blocked: list[str] = field(default_factory=list)
    # True when every failed step failed on such a check, not on an error.
    failed_only_on_blocked_data: bool = False
    # A new published copy replaced the old one: readers holding a connection still see the old.
    published: bool = False
    # Nothing changed since the last complete backfill (backfill_state.py): no run was launched.
    nothing_changed: bool = False
    # Otherwise, what changed (the first thing found), or why no state was there to compare.
    changed: str = ""
    # When the backfill that left the warehouse as it is completed.
    unchanged_since: str = ""

    @property
    def success(self) -> bool:
        return not self.failed


# The terminal gets this module's progress lines; each step's full log stays in the run's event log.
_QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
# Which process runs a run in-process: lets the next backfill recognise a run whose process died.
PROCESS_TAG = "sales_pipeline/process"


def _process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _run(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    tags: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> dg.ExecuteInProcessResult:
    run_id = str(uuid.uuid4())
    with pool_watchdog(instance, WAREHOUSE_POOL), _periods_done(instance, run_id, progress):
        return job.execute_in_process(
            run_config=_QUIET_CONSOLE,
            instance=instance,
            tags={**(tags or {}), PROCESS_TAG: _process_id()},
            raise_on_error=False,
            run_id=run_id,
        )


# How often the terminal hears how far a long run's steps are (their `<table>: 12/96 periods`).
PROGRESS_EVERY = 5.0


@contextmanager
def _periods_done(
    instance: dg.DagsterInstance, run_id: str, progress: Progress | None,
    every: float = PROGRESS_EVERY,
) -> Iterator[None]:
    """While the run runs, pass its latest periods-done line to `progress`, at most every
    `every` seconds and only when it moved on; the last one once more when the run ends."""
    if progress is None:
        yield
        return
    stop = threading.Event()
    state: dict[str, str | None] = {"cursor": None, "latest": None, "shown": None}

    def show_latest() -> None:
        try:
            records = instance.get_records_for_run(run_id, cursor=state["cursor"])
        except Exception:  # a busy storage is read again at the next tick
            return
        state["cursor"] = records.cursor
        for record in records.records:
            entry = record.event_log_entry
            if entry.dagster_event is None and PERIODS_DONE.match(entry.user_message):
                state["latest"] = entry.user_message
        if state["latest"] != state["shown"]:
            progress(f"  {state['latest']}")
            state["shown"] = state["latest"]

    def follow() -> None:
        while not stop.wait(every):
            show_latest()

    follower = threading.Thread(target=follow, name=f"progress-{run_id}", daemon=True)
    follower.start()
    try:
        yield
    finally:
        stop.set()
        follower.join()
        show_latest()


def _process_alive(process: str) -> bool:
    host, _, pid = process.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's run: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


def recover_interrupted_runs(instance: dg.DagsterInstance, progress: Progress = print) -> list[str]:
    """Mark runs whose backfill process was killed as failed and free their pool slots.

    That includes a run killed before its first step, which would otherwise stay NOT_STARTED
    (queued, in the UI) for ever. A killed process cannot release the warehouse pool's slot it held, and every later step in
    the pool would wait for it forever. The warehouse itself needs no repair: each step writes
    in one DuckDB transaction, so a killed step left nothing behind.
    """
    recovered = []
    in_flight = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[
                dg.DagsterRunStatus.NOT_STARTED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED,
            ]
        )
    )
    for run in in_flight:
        process = run.tags.get(PROCESS_TAG)
        if process is None or _process_alive(process):
            continue
        instance.report_run_failed(run, f"process {process} ended without finishing the run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        recovered.append(run.run_id)
        progress(f"Run {run.run_id} ({run.job_name}) was interrupted: marked failed.")
    return recovered


def _ingestion_figures(result: dg.ExecuteInProcessResult, summary: BackfillSummary) -> None:
    """Fill the summary from the run's own materializations.

    The backfill never opens the warehouse itself: another run may be writing it, and DuckDB
    keeps other processes out meanwhile (the steps queue on the warehouse pool instead).
    """
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        schema, table = materialization.asset_key.path
        metadata = materialization.metadata
        rows = metadata["dagster/row_count"].value if "dagster/row_count" in metadata else 0
        if schema == "raw":
            summary.raw_rows += rows
        elif schema == "quarantine":
            summary.quarantined_rows += rows
        elif (schema, table) == ("staging", "activities"):
            summary.counted_events = rows
            first, last = metadata["first_day"].value, metadata["last_day"].value
            summary.first_day = date.fromisoformat(first) if first else None
            summary.last_day = date.fromisoformat(last) if last else None
        elif schema == "staging" and not table.endswith("_superseded"):
            summary.staged_rows += rows


def _data_problems(result: dg.ExecuteInProcessResult, summary: BackfillSummary) -> None:
    """Held-back files, blocked deliveries and files no source reads, from the ingestion run's
    own checks."""
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        source = evaluation.asset_key.path[-1]
        if evaluation.check_name == FILES_READABLE:
            summary.held_back += [
                HeldBackFile(source, held["file"], held["reason"])
                for held in evaluation.metadata["held_back_files"].value
            ]
        elif evaluation.check_name == REJECTED_SHARE:
            summary.blocked.append(f"{source}: {evaluation.description}")
        elif evaluation.check_name == EVERY_FILE_RECOGNISED:
            summary.not_recognised += evaluation.metadata["not_recognised_files"].value


def period_keys(grain: Grain, first: date, last: date) -> tuple[str, str, int]:
    """First and last partition key covering [first, last], and how many periods that is."""
    start, end = grain.period_start(first), grain.period_start(last)
    if grain.months:
        count = (end.year - start.year) * 12 + end.month - start.month
        count = count // grain.months + 1
    else:
        count = (end - start).days // 7 + 1
    return start.strftime(KEY_FORMAT), end.strftime(KEY_FORMAT), count


def run_backfill(
    definitions: dg.Definitions | Callable[[], dg.Definitions],
    settings: SalesSettings,
    instance: dg.DagsterInstance,
    *,
    start: date | None = None,
    end: date | None = None,
    progress: Progress = print,
    reports: ReportScope = "latest",
) -> BackfillSummary:
    """Ingest everything in the landing area, build every grain's tables for the periods covered,
    then render the reports of `reports` periods of each grain.

    `definitions` may be a function that builds them: a backfill with nothing to do needs none.
    `start`/`end` narrow the periods built (the ingestion always takes every new file). History
    gets its tables in full but, by default, only its latest period's reports: nobody reads two
    years of weekly reports at once, and rendering them would take longer than the warehouse
    itself. Any period's reports can be rendered later from the grain's report job.
    """
    summary = BackfillSummary()
    began = time.monotonic()
    recover_interrupted_runs(instance, progress)
    ensure_pool_limit(instance, WAREHOUSE_POOL)

    resources = build_resources(settings)
    inputs = inputs_version(resources["sales_config"], resources["analysis_config"])
    request = f"start={start} end={end} reports={reports}"
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    found = check_and_forget(settings, inputs, request, end, today)
    if isinstance(found, Unchanged):
        _nothing_changed(summary, found)
        progress(f"{NOTHING_CHANGED.capitalize()} since the backfill of {found.completed_at}: "
                 "no landing file, setting or code; no run launched.")
        summary.seconds = time.monotonic() - began
        return summary
    summary.changed = found
    tags = {INPUTS_TAG: inputs}
    defs = definitions() if callable(definitions) else definitions

    progress(f"Ingesting {settings.landing_dir} into {settings.warehouse} ({found}) ...")
    result = _run(defs.resolve_job_def(INGEST_JOB), instance, tags)
    summary.runs.append(result.run_id)
    _data_problems(result, summary)
    _ingestion_figures(result, summary)
    if not result.success:
        summary.failed.append(f"{INGEST_JOB} (run {result.run_id})")
        summary.failed_only_on_blocked_data = bool(summary.blocked) and all(
            event.event_specific_data.error.cls_name == "DagsterAssetCheckFailedError"
            for event in result.get_step_failure_events()
            if event.event_specific_data and event.event_specific_data.error
        )
        summary.seconds = time.monotonic() - began
        return summary
    progress(
        f"  {summary.raw_rows} rows read, {summary.staged_rows} staged, "
        f"{summary.quarantined_rows} quarantined, {summary.counted_events} counted events "
        f"({time.monotonic() - began:.1f}s)"
    )

    first, last = summary.first_day, summary.last_day
    data_last_day = last
    # No day before SALES_HISTORY_START is ever staged (staging quarantines it), so only
    # `--start` can move the first day.
    first = max(d for d in (first, start) if d is not None) if first else None
    # Never past today in the organisation's zone: the partitions end there.
    last = min(d for d in (last, end, today) if d is not None) if last else None
    if first is None or last is None or first > last:
        progress("No counted events in the selected range: no facts to build.")
        remember(settings, inputs, request, data_last_day, built_through(data_last_day, end, today))
        summary.seconds = time.monotonic() - began
        return summary
    summary.first_day, summary.last_day = first, last

    for grain in GRAINS:
        grain_first = first
        _, earliest_running = _stored_periods(settings, grain)
        if start is None and earliest_running is not None and earliest_running < first:
            # A period an earlier build left running is rebuilt until it is complete, even
            # when no new event falls in it (data through Friday completes the week).
            grain_first = earliest_running
        first_key, last_key, count = period_keys(grain, grain_first, last)
        built = _run_periods(
            defs, instance, period_job_name(grain), first_key, last_key, summary, progress,
            f"Building {grain.name} facts for {count} period(s)", tags,
        )
        if not built:
            continue
        summary.periods[grain.name] = count
        job_name = report_job_name(grain)
        if reports == "none" or not defs.get_repository_def().has_job(job_name):
            continue
        if reports in ("latest", "running"):
            latest_complete, _ = _stored_periods(settings, grain)
            if latest_complete is None and reports == "latest":
                progress(f"No complete {grain.name} period yet: no {grain.name} reports "
                         "(--reports running renders the running one).")
                continue
            first_day = latest_complete or grain_first
            last_day = latest_complete if reports == "latest" else last
            first_key, last_key, count = period_keys(grain, first_day, last_day)
        if _run_periods(defs, instance, job_name, first_key, last_key, summary, progress,
                        f"Rendering {grain.name} reports for {count} period(s)", tags):
            summary.reported_periods[grain.name] = count

    if summary.success:
        progress("Publishing the marts for analysts ...")
        result = _run(defs.resolve_job_def(PUBLISH_JOB), instance, tags)
        summary.runs.append(result.run_id)
        if result.success:
            summary.published = True
        else:
            summary.failed.append(f"{PUBLISH_JOB} (run {result.run_id})")
    if summary.success:
        remember(settings, inputs, request, data_last_day, last)
    summary.seconds = time.monotonic() - began
    return summary


def _nothing_changed(summary: BackfillSummary, unchanged: Unchanged) -> None:
    summary.nothing_changed = True
    summary.unchanged_since = unchanged.completed_at
    summary.held_back = [HeldBackFile(*held) for held in unchanged.held_back]
    summary.not_recognised = unchanged.not_recognised


def _stored_periods(settings: SalesSettings, grain: Grain) -> tuple[date | None, date | None]:
    """The latest complete and the earliest running period the warehouse holds for `grain`."""
    if not settings.warehouse.exists():
        return None, None
    with open_warehouse(str(settings.warehouse)) as conn:
        return stored_periods(conn, analysis_table("variance", grain))


def _run_periods(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    job_name: str,
    first_key: str,
    last_key: str,
    summary: BackfillSummary,
    progress: Progress,
    what: str,
    tags: dict[str, str],
) -> bool:
    """One run of `job_name` over the partitions [first_key, last_key]; True when it succeeded."""
    began = time.monotonic()
    progress(f"{what}, {first_key} .. {last_key} ...")
    result = _run(
        defs.resolve_job_def(job_name),
        instance,
        tags={
            **tags,
            ASSET_PARTITION_RANGE_START_TAG: first_key,
            ASSET_PARTITION_RANGE_END_TAG: last_key,
        },
        progress=progress,
    )
    summary.runs.append(result.run_id)
    if not result.success:
        summary.failed.append(f"{job_name} (run {result.run_id})")
        progress(f"  failed: see run {result.run_id}")
        return False
    progress(f"  done ({time.monotonic() - began:.1f}s)")
    return True

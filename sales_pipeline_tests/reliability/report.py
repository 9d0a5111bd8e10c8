"""The reliability report, docs/reliability.md: the cases recorded by the tests, and what held.

A pytest plugin (registered by the root conftest.py, so that xdist's controller loads it too: it
collects nothing itself, so it never loads the conftest files below the root). Each test's records
travel with its teardown report, from whichever process ran it to the one that reports; when a
session ran every reliability test, that process renders the report and compares it with the
committed file: a difference fails the session and names the command that regenerates it,
`make reliability-doc` (WRITE_RELIABILITY_DOC=1), the only way the file is written. A partial run
(`-k`, one file, `-x` stopping early) neither writes nor compares.
"""

from __future__ import annotations

import difflib
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPORT = HERE.parents[1] / "docs" / "reliability.md"
# Set to write REPORT instead of comparing it; `make reliability-doc` does.
WRITE_ENV = "WRITE_RELIABILITY_DOC"
REGENERATE = "make reliability-doc"
# The report's one line that differs between two runs of the same code: left out of the comparison.
LAST_RUN_PREFIX = "Last regenerated on "

# Module name -> (category, section title, what the "runs" column counts).
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "test_bad_files": ("files", "Bad files", "Dagster runs"),
    "test_bad_rows": ("rows", "Bad rows", "Dagster runs"),
    "test_properties": ("properties", "Parsing properties (Hypothesis)", "examples"),
    "test_fuzz": ("fuzz", "Fuzzed landing areas", "Dagster runs"),
    "test_operations": ("operations", "Operations and environment", "Dagster runs"),
}


# Issue 11's items ("a hostile week of real exports and real operations") and the cases above
# that answer them, by case name (`*` ends a prefix). Items 8 and 9 need whole concurrent
# backfills or a PostgreSQL server: their tests live outside this folder and run with `make test`.
ISSUE_11_ITEMS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("1. One absurd date cannot stop the pipeline",
     ("absurd dates and values", "run left NOT_STARTED by a dead process"), ""),
    ("2. An unreadable file is held back alone", ("unreadable file (chmod 000)",), ""),
    ("3. Fail fast and clearly on the environment",
     ("read-only warehouse folder", "corrupt warehouse file", "warehouse locked by another process",
      "unknown time zone", "invalid SALES_*"), ""),
    ("4. No file is ignored without a trace",
     ("compressed deliveries and files no source reads",), ""),
    ("5. Implausible values are quarantined", ("absurd dates and values",), ""),
    ("6. The exit code tells", ("exit code of a partial run", "exit code of a blocked delivery"), ""),
    ("7. A correction is never missed", ("correction with preserved size and times",), ""),
    ("8. Concurrent starts", ("step that missed its wake-up (Dagster pool defect)",),
     "`test_crash_and_concurrency.py::test_two_backfills_at_once_both_finish_and_readers_are_"
     "never_blocked`"),
    ("9. The deployment engineers run (PostgreSQL)", (),
     "`test_postgres_instance.py`: two users' first backfills at once on a fresh database; a "
     "killed backfill failed, its slot freed, the rerun equal to a clean run; one free pool slot "
     "raced for by six assigned steps, 25 times, goes to exactly one (a Dagster defect on "
     "PostgreSQL, worked around in `dagster_internals.py`)"),
    ("10. Readers see new data", ("reader connected across a publish",), ""),
)


def _answers(record: CaseRecord, names: tuple[str, ...]) -> bool:
    return any(
        record.case.startswith(name[:-1]) if name.endswith("*") else record.case == name
        for name in names
    )


# ----------------------------------------------------------------------------- recorder


@dataclass
class CaseRecord:
    case: str
    given: str
    expected: str
    observed: str
    runs: int
    # Volume a fuzz round pushed through: landing files mutated, raw rows read.
    files: int = 0
    rows: int = 0
    category: str = ""
    nodeid: str = ""
    held: bool | None = None
    note: str = ""


@dataclass
class _Session:
    """What the reporting process (the only one, or xdist's controller) gathers."""

    rootpath: Path = HERE
    collected: list[str] = field(default_factory=list)
    finished: set[str] = field(default_factory=set)
    deselected: bool = False
    records: list[CaseRecord] = field(default_factory=list)
    dagster_runs: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    stale_diff: list[str] = field(default_factory=list)
    wrote: bool = False


_SESSION = _Session()
PENDING_RECORDS = pytest.StashKey[list[CaseRecord]]()
_CALL_REPORT = pytest.StashKey[pytest.TestReport]()
# Dagster runs per test module in this process, and how many of them the reports carried so far.
_DAGSTER_RUNS: Counter[str] = Counter()
_SHIPPED_RUNS: Counter[str] = Counter()
# The keys of a teardown report's user_properties that carry a test's records and runs.
_CASES = "reliability_cases"
_RUNS = "reliability_dagster_runs"


def count_dagster_run(module: str) -> None:
    """One more Dagster run by the tests of `module` (the report counts them per category)."""
    _DAGSTER_RUNS[module] += 1


def _is_reliability(item: pytest.Item) -> bool:
    return Path(str(item.path)).resolve().parent == HERE


def _is_reliability_id(nodeid: str) -> bool:
    return (_SESSION.rootpath / nodeid.split("::")[0]).resolve().parent == HERE


def _category(item: pytest.Item) -> str:
    return CATEGORIES.get(Path(str(item.path)).stem, ("other", "", ""))[0]


def pytest_configure(config: pytest.Config) -> None:
    _SESSION.rootpath = config.rootpath
    # Under xdist the workers deselect, not the controller: a selecting option is enough to know.
    if config.option.keyword or config.option.markexpr or config.getoption("deselect", None) \
            or config.getoption("lf", False):
        _SESSION.deselected = True


def pytest_collection_finish(session: pytest.Session) -> None:
    _SESSION.collected = [item.nodeid for item in session.items if _is_reliability(item)]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: Sequence[str]) -> None:
    """xdist's controller collects nothing itself: every worker reports the same ids."""
    if not _SESSION.collected:
        _SESSION.collected = [nodeid for nodeid in ids if _is_reliability_id(nodeid)]


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    if any(_is_reliability(item) for item in items):
        _SESSION.deselected = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report: pytest.TestReport = yield
    if not _is_reliability(item):
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        item.stash[_CALL_REPORT] = report
    if report.when == "teardown":
        records = _outcome_records(item, item.stash.get(_CALL_REPORT, report))
        runs = {module: count - _SHIPPED_RUNS[module] for module, count in _DAGSTER_RUNS.items()
                if count != _SHIPPED_RUNS[module]}
        _SHIPPED_RUNS.update(runs)
        report.user_properties.append((_CASES, [asdict(entry) for entry in records]))
        report.user_properties.append((_RUNS, runs))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Gather the records in the reporting process (called there for a worker's reports too)."""
    if report.when != "teardown":
        return
    carried = dict(report.user_properties)
    if _CASES not in carried:
        return
    _SESSION.records += [CaseRecord(**fields) for fields in carried[_CASES]]
    _SESSION.dagster_runs.update(carried[_RUNS])
    _SESSION.finished.add(report.nodeid)


def _outcome_records(item: pytest.Item, report: pytest.TestReport) -> list[CaseRecord]:
    xfail_reason = getattr(report, "wasxfail", None)
    pending = item.stash.get(PENDING_RECORDS, [])
    if not pending:
        # A test that failed before recording still shows up, so the report never hides it.
        first_line = str(report.longrepr).strip().splitlines()[-1:] if report.longrepr else []
        pending = [
            CaseRecord(
                case=item.name, given="", expected="", observed=" ".join(first_line)[:200], runs=0
            )
        ]
    for entry in pending:
        entry.category = _category(item)
        entry.nodeid = item.nodeid
        entry.held = report.passed
        if xfail_reason is not None:
            entry.note = f"known bug: {xfail_reason}"
        elif report.skipped:
            entry.note = "skipped"
        elif not report.passed:
            entry.note = "FAILED"
    return pending


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput") or not _SESSION.collected or _SESSION.deselected:
        return  # an xdist worker, or not every reliability test was selected
    modules = {path.stem for path in HERE.glob("test_*.py")}
    collected_modules = {Path(nodeid.split("::")[0]).stem for nodeid in _SESSION.collected}
    if modules != collected_modules or _SESSION.finished != set(_SESSION.collected):
        return
    # Workers finish tests in any order: the report follows the order of collection.
    order = {nodeid: index for index, nodeid in enumerate(_SESSION.collected)}
    _SESSION.records.sort(key=lambda entry: order[entry.nodeid])
    rendered = render_report(_SESSION)
    if os.environ.get(WRITE_ENV):
        REPORT.write_text(rendered, encoding="utf-8")
        _SESSION.wrote = True
        return
    if exitstatus != pytest.ExitCode.OK:
        return  # the failing tests say more than a report that differs because of them
    committed = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
    diff = list(difflib.unified_diff(
        _comparable(committed), _comparable(rendered), "docs/reliability.md (committed)",
        "docs/reliability.md (this run)", lineterm="", n=0,
    ))
    if diff:
        _SESSION.stale_diff = diff
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _SESSION.wrote:
        terminalreporter.write_line(f"wrote {REPORT}")
    if _SESSION.stale_diff:
        terminalreporter.write_sep("=", "docs/reliability.md is out of date", red=True)
        for line in _SESSION.stale_diff[:60]:
            terminalreporter.write_line(line[:300])
        terminalreporter.write_line(
            f"The reliability cases no longer read as the committed report: regenerate it with "
            f"`{REGENERATE}` and commit it.", red=True)


def _comparable(report: str) -> list[str]:
    return [line for line in report.splitlines() if not line.startswith(LAST_RUN_PREFIX)]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_report(session: _Session) -> str:
    records = session.records
    held = sum(1 for r in records if r.held)
    known = [r for r in records if r.note.startswith("known bug")]
    failed = [r for r in records if not r.held and not r.note.startswith("known bug")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Reliability: bad input tried, and what held",
        "",
        f"Generated by `{REGENERATE}` (`{WRITE_ENV}=1 pytest sales_pipeline_tests/reliability`); "
        "every run of all these tests, `make test` too, renders it again and fails when it differs "
        "from this file. Do not edit by hand. A case *held* when its test passed; a known bug is a "
        "strict `xfail` test that reproduces it.",
        "",
        f"{len(records)} cases: {held} held, {len(known)} known bug(s), {len(failed)} failed. "
        f"{sum(session.dagster_runs.values())} Dagster runs.",
        "",
        f"{LAST_RUN_PREFIX}{date.today().isoformat()}: the pytest session took "
        f"{time.monotonic() - session.started:.0f} s (wall clock) on {os.cpu_count()} core(s), "
        f"load average {load:.1f} at its end.",
        "",
        "| category | cases | held | known bugs | failed | Dagster runs | examples / files |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for module, (category, title, unit) in CATEGORIES.items():
        mine = [r for r in records if r.category == category]
        extra = ""
        if unit == "examples":
            extra = f"{sum(r.runs for r in mine)} examples"
        elif any(r.files or r.rows for r in mine):
            extra = f"{sum(r.files for r in mine)} files mutated, {sum(r.rows for r in mine)} rows read"
        lines.append(
            f"| {title} | {len(mine)} | {sum(1 for r in mine if r.held)} | "
            f"{sum(1 for r in mine if r.note.startswith('known bug'))} | "
            f"{sum(1 for r in mine if not r.held and not r.note.startswith('known bug'))} | "
            f"{session.dagster_runs.get(module, 0)} | {_cell(extra)} |"
        )
    for category, title, unit in CATEGORIES.values():
        mine = [r for r in records if r.category == category]
        if not mine:
            continue
        lines += [
            "",
            f"## {title}",
            "",
            f"| case | input | expected | observed | {unit} | held |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for r in mine:
            verdict = "yes" if r.held else ("no: known bug" if r.note.startswith("known")
                                             else f"NO ({r.note})")
            lines.append(
                f"| {_cell(r.case)} | {_cell(r.given)} | {_cell(r.expected)} | "
                f"{_cell(r.observed)} | {r.runs} | {verdict} |"
            )
    lines += [
        "",
        "## Issue 11, item by item",
        "",
        "| item | cases above | held | also tested by (`make test`) |",
        "| --- | --- | --- | --- |",
    ]
    for item, names, elsewhere in ISSUE_11_ITEMS:
        mine = [r for r in records if _answers(r, names)]
        lines.append(
            f"| {item} | {_cell(', '.join(dict.fromkeys(r.case for r in mine)))} | "
            f"{sum(1 for r in mine if r.held)} of {len(mine)} | {_cell(elsewhere)} |"
        )
    if known or failed:
        lines += ["", "## Not held", ""]
        lines += [f"- `{r.nodeid}` ({r.case}): {_cell(r.note)}" for r in [*known, *failed]]
    return "\n".join(lines) + "\n"

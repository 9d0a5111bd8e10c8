"""Rendering the HTML reports of a range of periods: one per team and department, plus indexes.

Layout under SALES_REPORTS_DIR:

    index.html                                    every grain and period, newest first
    <grain>/<period_start>/index.html             the period's teams and departments
    <grain>/<period_start>/team-<slug>.html
    <grain>/<period_start>/department-<slug>.html

Every file is self-contained (inline CSS, charts as data URIs) and written to a temporary file
that is then renamed over the old one, so a reader sees the old report or the new, never half of
one. Re-rendering a period rewrites its files and removes reports of teams no longer in it.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sales_pipeline.partitions import GRAINS, KEY_FORMAT
from sales_pipeline.reports import formatting as fmt
from sales_pipeline.reports.charts import ChartBook
from sales_pipeline.reports.data import ACTIVITY_METRICS, ReportData
from sales_pipeline.reports.i18n import SOURCE_LOCALE, language
from sales_pipeline.reports.pages import PeriodRenderer, environment

PERIOD_FILE = re.compile(r"(team|department)-.+\.html")


@dataclass
class RenderResult:
    files: list[Path] = field(default_factory=list)
    period_indexes: list[Path] = field(default_factory=list)
    reports: int = 0
    charts: int = 0
    seconds: float = 0.0
    removed: int = 0
    workers: int = 1
    # The latest period's team overview, leaderboard and chart, for the asset's metadata.
    latest_period: date | None = None
    latest_teams: list[dict[str, str]] = field(default_factory=list)
    latest_leaderboard: list[dict[str, str]] = field(default_factory=list)
    latest_chart: str | None = None
    example_report: Path | None = None


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        # mkstemp makes the file private; a report is meant to be read by others.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# Below this many reports a range renders in this process: starting workers (each imports
# matplotlib and the pipeline once) costs more than it saves.
PARALLEL_MIN_REPORTS = 150
MAX_WORKERS = 4


@dataclass
class _Part:
    """What one worker rendered: a contiguous run of periods."""

    files: list[Path] = field(default_factory=list)
    period_indexes: list[Path] = field(default_factory=list)
    reports: int = 0
    charts: int = 0
    removed: int = 0


def _render_periods(
    data: ReportData, periods: Sequence[date], reports_dir: Path, currency: str, locale: str
) -> _Part:
    part = _Part()
    charts = ChartBook(data.grain.chart_periods, locale)
    try:
        for period in periods:
            renderer = PeriodRenderer(data, period, charts, currency, locale)
            folder = reports_dir / data.grain.name / period.strftime(KEY_FORMAT)
            written: set[str] = set()
            for team, department in renderer.teams:
                name = renderer.team_file(team, department)
                write_atomically(folder / name, renderer.team_page(team, department))
                written.add(name)
            for department in renderer.departments:
                name = renderer.department_file(department)
                write_atomically(folder / name, renderer.department_page(department))
                written.add(name)
            write_atomically(folder / "index.html", renderer.index_page())
            part.removed += _remove_stale(folder, written)
            part.files.extend(folder / name for name in sorted(written))
            part.files.append(folder / "index.html")
            part.period_indexes.append(folder / "index.html")
            part.reports += len(written)
        part.charts = charts.charts_drawn
    finally:
        charts.close()
    return part


def _chunks(periods: Sequence[date], weights: dict[date, int], count: int) -> list[list[date]]:
    """`count` runs of consecutive periods with about the same number of reports each:
    consecutive, so that each worker needs only its periods and their trend history."""
    total = sum(weights.values())
    chunks: list[list[date]] = [[]]
    done = 0
    for period in periods:
        if chunks[-1] and done >= total * len(chunks) / count:
            chunks.append([])
        chunks[-1].append(period)
        done += weights[period]
    return chunks


def _pool_context() -> multiprocessing.context.BaseContext:
    # A fresh interpreter per worker, never a fork of this one: the Dagster process has threads
    # (event log, compute logs) whose locks a fork would copy mid-use. The fork server imports
    # the reports once and forks each worker from that clean process.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__, "matplotlib.figure",
                                        "matplotlib.backends.backend_svg"])
        return context
    return multiprocessing.get_context("spawn")


def render_reports(
    data: ReportData, reports_dir: Path, currency: str, *, workers: int | None = None,
    locale: str = SOURCE_LOCALE,
) -> RenderResult:
    """Write every report of every period in `data`, the period indexes and the root index,
    in the language `locale` (SALES_REPORT_LOCALE).

    A large range is split over `workers` processes (default: the CPUs, at most MAX_WORKERS,
    and one below PARALLEL_MIN_REPORTS reports)."""
    began = time.perf_counter()
    periods = data.periods
    weights = {p: len(data.teams(p)) + len(data.departments(p)) for p in periods}
    if workers is None:
        enough = sum(weights.values()) >= PARALLEL_MIN_REPORTS
        workers = min(MAX_WORKERS, os.cpu_count() or 1) if enough else 1
    chunks = _chunks(periods, weights, max(1, min(workers, len(periods))))
    parts: list[_Part] = []
    if len(chunks) > 1:
        try:
            with ProcessPoolExecutor(len(chunks), mp_context=_pool_context()) as pool:
                parts = list(pool.map(
                    _render_periods, [data.subset(chunk) for chunk in chunks], chunks,
                    [reports_dir] * len(chunks), [currency] * len(chunks),
                    [locale] * len(chunks)))
        except (BrokenProcessPool, RuntimeError):
            # A worker could not start (a caller's script without a __main__ guard raises
            # RuntimeError in the parent; a killed worker breaks the pool): rendering is
            # idempotent, so the whole range is rendered here instead.
            chunks = [periods]
    if not parts:
        parts = [_render_periods(data, periods, reports_dir, currency, locale)]

    result = RenderResult(workers=len(chunks))
    result.removed += _remove_periods_without_activity(data, reports_dir)
    for part in parts:
        result.files.extend(part.files)
        result.period_indexes.extend(part.period_indexes)
        result.reports += part.reports
        result.charts += part.charts
        result.removed += part.removed
    if periods:
        charts = ChartBook(data.grain.chart_periods, locale)
        try:
            folder = reports_dir / data.grain.name / periods[-1].strftime(KEY_FORMAT)
            _summarise_latest(result, PeriodRenderer(data, periods[-1], charts, currency, locale),
                              folder)
        finally:
            charts.close()
    write_root_index(reports_dir, locale)
    result.files.append(reports_dir / "index.html")
    result.seconds = time.perf_counter() - began
    return result


def _remove_periods_without_activity(data: ReportData, reports_dir: Path) -> int:
    """A period of the range that no longer has any activity (its data was withdrawn) loses its
    old reports, so that the indexes do not keep pointing at them."""
    active = set(data.periods)
    removed = 0
    period = data.grain.period_start(data.start)
    while period < data.end:
        folder = reports_dir / data.grain.name / period.strftime(KEY_FORMAT)
        if period not in active and folder.is_dir():
            for path in folder.iterdir():
                if PERIOD_FILE.fullmatch(path.name) or path.name == "index.html":
                    path.unlink()
                    removed += 1
            if not any(folder.iterdir()):
                folder.rmdir()
        period = fmt.add_periods(data.grain, period, 1)
    return removed


def _remove_stale(folder: Path, written: Iterable[str]) -> int:
    keep = set(written)
    removed = 0
    for path in folder.iterdir():
        stale_report = PERIOD_FILE.fullmatch(path.name) and path.name not in keep
        # A temporary file left by a crashed render; ours were all renamed by now.
        leftover = path.name.startswith(".") and path.name.endswith(".tmp")
        if stale_report or leftover:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _summarise_latest(result: RenderResult, renderer: PeriodRenderer, folder: Path) -> None:
    result.latest_period = renderer.period
    teams = renderer.team_overview(None)
    result.latest_teams = [
        {key: str(row[key]) for key in
         ("team", "department", "sales_volume", "target", "attainment", "status_label", "reps")}
        for row in teams
    ]
    # Across teams the activity metric differs, so the overall leaderboard shows orders only.
    result.latest_leaderboard = [
        {key: str(row[key]) for key in
         ("position", "rep", "team", "sales_volume", "target", "attainment", "status_label",
          "orders", "cause")}
        for row in renderer.leaderboard(renderer.reps, ACTIVITY_METRICS[0],
                                        renderer.comparison(renderer.reps))
    ]
    result.latest_chart = renderer.team_attainment_chart(teams)
    if renderer.teams:
        team, department = renderer.teams[0]
        result.example_report = folder / renderer.team_file(team, department)


def write_root_index(reports_dir: Path, locale: str = SOURCE_LOCALE) -> None:
    """The list of every rendered period, rebuilt from the folders so that each grain's run
    keeps the other grains' entries."""
    lang = language(locale)
    grains = []
    for grain in GRAINS:
        periods = []
        for folder in sorted((reports_dir / grain.name).glob("*/index.html"), reverse=True):
            try:
                start = date.fromisoformat(folder.parent.name)
            except ValueError:
                continue
            periods.append({"href": f"{grain.name}/{folder.parent.name}/index.html",
                            "label": fmt.period_label(grain, start, locale)})
        if periods:
            grains.append({"name": lang.gettext(grain.label),
                           "periods": periods})
    write_atomically(reports_dir / "index.html",
                     environment(locale).get_template("index.html").render(grains=grains))

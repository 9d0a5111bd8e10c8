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
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from sales_pipeline.facts.metrics import METRICS
from sales_pipeline.partitions import GRAINS, KEY_FORMAT, Grain
from sales_pipeline.reports import formatting as fmt
from sales_pipeline.reports.charts import COLORS, DRIVER_SERIES, ChartBook
from sales_pipeline.reports.data import (
    ACTIVITY_METRICS,
    TREND_PERIODS,
    Entity,
    ReportData,
    Row,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"

STATUS_LABELS = {
    "ahead": "Ahead", "on_track": "On track", "at_risk": "At risk", "behind": "Behind",
    "no_target": "No target",
}
DIRECTION_LABELS = {
    "up": "▲ up", "down": "▼ down", "flat": "► flat", "insufficient_history": "short history",
}
CAUSE_LABELS = {
    "effort": "Effort", "skill": "Skill", "value": "Order value", "mixed": "Mixed",
    "on_track": "On track", "no_base": "No comparison",
}
# The order a report looks for a comparison the drivers were measured against.
COMPARISONS = ("target", "prior_period", "last_year")
KPI_METRICS = ("sales_volume", "orders", "dm_conversations")
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


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["colors"] = COLORS
    env.globals["driver_series"] = DRIVER_SERIES
    return env


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


def _unique_slugs(names: Sequence[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """A file name part per entity; a team name found in two departments gets both in its slug."""
    plain = Counter(fmt.slug(name[0]) for name in names)
    slugs: dict[tuple[str, ...], str] = {}
    taken: set[str] = set()
    for name in names:
        candidate = fmt.slug(name[0])
        if plain[candidate] > 1:
            candidate = "--".join(fmt.slug(part) for part in name)
        unique, counter = candidate, 2
        while unique in taken:
            unique, counter = f"{candidate}-{counter}", counter + 1
        taken.add(unique)
        slugs[name] = unique
    return slugs


class PeriodRenderer:
    """The reports of one period: contexts from `ReportData`, charts from a shared `ChartBook`."""

    def __init__(self, data: ReportData, period: date, charts: ChartBook, currency: str) -> None:
        self.data = data
        self.grain: Grain = data.grain
        self.period = period
        self.charts = charts
        self.currency = currency
        self.teams = data.teams(period)
        self.departments = data.departments(period)
        self.team_slugs = _unique_slugs(self.teams)
        self.department_slugs = _unique_slugs([(d,) for d in self.departments])
        self.reps = data.rep_facts.get(period, [])

    # -- small lookups ---------------------------------------------------------------------

    def team_file(self, team: str, department: str) -> str:
        return f"team-{self.team_slugs[(team, department)]}.html"

    def department_file(self, department: str) -> str:
        return f"department-{self.department_slugs[(department,)]}.html"

    def variance(self, entity: Entity, period: date | None = None) -> dict[str, Row]:
        return self.data.variance.get((period or self.period, entity), {})

    def direction(self, entity: Entity, metric: str) -> str:
        trend = self.data.trends.get((self.period, entity), {}).get(metric)
        return DIRECTION_LABELS.get(trend["direction"], trend["direction"]) if trend else fmt.MISSING

    def value(self, metric: str, value: float | None) -> str:
        return fmt.metric_value(metric, value, self.currency)

    def reps_of(self, team: str | None, department: str) -> list[Row]:
        return [rep for rep in self.reps if rep["department"] == department
                and (team is None or rep["team"] == team)]

    def rep_key(self, rep: Row) -> tuple[date, str, str, str]:
        return (self.period, rep["rep_id"], rep["team"], rep["department"])

    def activity_metric(self, reps: Sequence[Row], entity: Entity, facts: Row) -> str:
        """Visits for field teams, connected calls for inside teams: what their drivers use."""
        seen = Counter(
            row["activity_metric"]
            for rep in reps
            for row in self.data.drivers.get(self.rep_key(rep), {}).values()
        )
        if seen:
            return max(sorted(seen), key=seen.__getitem__)
        targeted = [m for m in ACTIVITY_METRICS
                    if (self.variance(entity).get(m) or {}).get("target") is not None]
        if len(targeted) == 1:
            return targeted[0]
        return max(ACTIVITY_METRICS, key=lambda m: facts.get(m) or 0)

    def comparison(self, reps: Sequence[Row]) -> str | None:
        """The comparison the report's driver section uses: the first (target, prior period,
        last year) that at least half of the reps have a base for, else the best covered."""
        covered = Counter(
            comparison
            for rep in reps
            for comparison, row in self.data.drivers.get(self.rep_key(rep), {}).items()
            if row["cause"] != "no_base"
        )
        if not covered:
            return None
        for comparison in COMPARISONS:
            if covered[comparison] * 2 >= len(reps):
                return comparison
        return max(COMPARISONS, key=lambda c: (covered[c], -COMPARISONS.index(c)))

    def comparison_label(self, comparison: str) -> str:
        unit = self.grain.unit
        return {"target": "target", "prior_period": f"the previous {unit}",
                "last_year": f"the same {unit} last year"}[comparison]

    # -- sections --------------------------------------------------------------------------

    def kpis(self, entity: Entity, facts: Row, activity_metric: str) -> list[dict[str, Any]]:
        variance = self.variance(entity)
        cards = []
        for metric in (KPI_METRICS[0], KPI_METRICS[1], activity_metric, *KPI_METRICS[2:]):
            row = variance.get(metric) or {}
            status = row.get("status") or "no_target"
            actual = row.get("actual", facts.get(metric))
            cards.append({
                "label": fmt.metric_label(metric),
                "actual": self.value(metric, actual),
                "target": self.value(metric, row.get("target")),
                "attainment": fmt.percent(row.get("attainment")),
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "vs_prior": fmt.signed_percent(_change(actual, row.get("prior_actual"))),
                "vs_last_year": fmt.signed_percent(_change(actual, row.get("last_year_actual"))),
                "trend": self.direction(entity, metric),
            })
        return cards

    def metric_table(self, entity: Entity, facts: Row) -> list[dict[str, Any]]:
        variance = self.variance(entity)
        rows = []
        for metric in METRICS:
            row = variance.get(metric.name) or {}
            actual = row.get("actual", facts.get(metric.name))
            status = row.get("status") or "no_target"
            rows.append({
                "label": fmt.metric_label(metric.name),
                "description": metric.description,
                "actual": self.value(metric.name, actual),
                "target": self.value(metric.name, row.get("target")),
                "attainment": fmt.percent(row.get("attainment")),
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "prior": self.value(metric.name, row.get("prior_actual")),
                "vs_prior": fmt.signed_percent(_change(actual, row.get("prior_actual"))),
                "last_year": self.value(metric.name, row.get("last_year_actual")),
                "vs_last_year": fmt.signed_percent(_change(actual, row.get("last_year_actual"))),
                "trend": self.direction(entity, metric.name),
            })
        return rows

    def leaderboard(self, reps: Sequence[Row], activity_metric: str,
                    comparison: str | None) -> list[dict[str, Any]]:
        rows = []
        for position, rep in enumerate(reps, start=1):
            entity: Entity = ("rep", rep["rep_id"], rep["team"], rep["department"])
            sales = self.variance(entity).get("sales_volume") or {}
            status = sales.get("status") or "no_target"
            driver = self.data.drivers.get(self.rep_key(rep), {}).get(comparison or "")
            rows.append({
                "position": position,
                "rep": rep["rep_name"],
                "rep_id": rep["rep_id"],
                "team": rep["team"],
                "anchor": f"rep-{fmt.slug(rep['rep_id'])}-{fmt.slug(rep['team'])}",
                "sales_volume": self.value("sales_volume", rep["sales_volume"]),
                "target": self.value("sales_volume", sales.get("target")),
                "attainment": fmt.percent(sales.get("attainment")),
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "orders": fmt.number(rep["orders"]),
                "activity": fmt.number(rep.get(activity_metric)),
                "dm_conversations": fmt.number(rep["dm_conversations"]),
                "trend": self.direction(entity, "sales_volume"),
                "cause": CAUSE_LABELS.get(driver["cause"], driver["cause"]) if driver else fmt.MISSING,
            })
        return rows

    def trend_chart(self, entity_facts: dict[date, Row], targets: dict[date, float | None],
                    activity_metric: str, name: str) -> str:
        periods = [fmt.add_periods(self.grain, self.period, offset)
                   for offset in range(1 - TREND_PERIODS[self.grain.name], 1)]
        periods = [p for p in periods if p >= self.data.history_start]
        first_seen = min((p for p in periods if p in entity_facts), default=self.period)
        shown = [p for p in periods if p >= first_seen]

        def series(metric: str) -> list[float | None]:
            # A period without a fact row had no counted event: zero, not unknown.
            return [float(entity_facts[p][metric] or 0) if p in entity_facts else 0.0
                    for p in shown]

        shown_targets = [targets.get(p) for p in shown]
        ticked = ", target ticked" if any(t is not None for t in shown_targets) else ""
        return self.charts.trend(
            [fmt.short_period_label(self.grain, p) for p in shown],
            series("sales_volume"),
            shown_targets,
            series(activity_metric),
            sales_title=f"{name}: sales volume ({self.currency}){ticked}",
            activity_title=f"{fmt.metric_label(activity_metric)} per {self.grain.unit}",
        )

    def driver_rows(self, reps: Sequence[Row], comparison: str | None) -> list[dict[str, Any]]:
        if comparison is None:
            return []
        rows = []
        for rep in reps:
            driver = self.data.drivers.get(self.rep_key(rep), {}).get(comparison)
            if driver is None or driver["cause"] == "no_base":
                continue
            rows.append({
                "name": rep["rep_name"],
                "team": rep["team"],
                "sales_volume": driver["sales_volume"],
                "base_sales_volume": driver["base_sales_volume"],
                "total_change": driver["total_change"],
                "effects": (driver["activity_effect"], driver["conversion_effect"],
                            driver["value_effect"]),
                "cause": driver["cause"],
            })
        return rows

    def format_driver_rows(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        money = self.currency
        return [{
            "name": row["name"],
            "team": row["team"],
            "sales_volume": fmt.money(row["sales_volume"], money),
            "base_sales_volume": fmt.money(row["base_sales_volume"], money),
            "total_change": fmt.signed_money(row["total_change"], money),
            "activity": fmt.signed_money(row["effects"][0], money),
            "conversion": fmt.signed_money(row["effects"][1], money),
            "value": fmt.signed_money(row["effects"][2], money),
            "cause": CAUSE_LABELS.get(row["cause"], row["cause"] or fmt.MISSING),
        } for row in rows]

    def driver_chart(self, labels: Sequence[str], rows: Sequence[dict[str, Any]],
                     comparison: str) -> str:
        effects = [[row["effects"][i] for row in rows] for i in range(3)]
        return self.charts.drivers(
            labels, effects,
            title=f"Change in sales volume vs {self.comparison_label(comparison)}, by factor "
                  f"({self.currency})")

    def plans(self, reps: Sequence[Row]) -> list[dict[str, Any]]:
        plans = []
        for rep in reps:
            items = self.data.plans.get(self.rep_key(rep), [])
            plans.append({
                "rep": rep["rep_name"],
                "team": rep["team"],
                "anchor": f"rep-{fmt.slug(rep['rep_id'])}-{fmt.slug(rep['team'])}",
                "strengths": [i for i in items if i["item"] == "strength"],
                "developments": [i for i in items if i["item"] == "development"],
                "commitments": [i for i in items if i["item"] == "commitment"],
            })
        return plans

    # -- pages -----------------------------------------------------------------------------

    def common(self) -> dict[str, Any]:
        grain = self.grain
        return {
            "grain": grain.name,
            "unit": grain.unit,
            "currency": self.currency,
            "period_start": self.period.strftime(KEY_FORMAT),
            "period_label": fmt.period_label(grain, self.period),
            "next_period_label": fmt.period_label(grain, fmt.add_periods(grain, self.period, 1)),
            "cause_labels": CAUSE_LABELS,
        }

    def team_page(self, team: str, department: str) -> str:
        entity: Entity = ("team", team, team, department)
        facts = self.data.team_facts[(self.period, team, department)]
        reps = self.reps_of(team, department)
        activity_metric = self.activity_metric(reps, entity, facts)
        comparison = self.comparison(reps)
        history = {p: row for (p, t, d), row in self.data.team_facts.items()
                   if t == team and d == department}
        targets = {p: (self.variance(entity, p).get("sales_volume") or {}).get("target")
                   for p in history}
        drivers = self.driver_rows(reps, comparison)
        return _environment().get_template("report.html").render(
            **self.common(),
            kind="team",
            name=team,
            team=team,
            department=department,
            department_file=self.department_file(department)
            if department in self.departments else None,
            activity_label=fmt.metric_label(activity_metric),
            kpis=self.kpis(entity, facts, activity_metric),
            leaderboard=self.leaderboard(reps, activity_metric, comparison),
            metric_table=self.metric_table(entity, facts),
            trend_chart=self.trend_chart(history, targets, activity_metric, team),
            comparison_label=self.comparison_label(comparison) if comparison else None,
            drivers=self.format_driver_rows(drivers),
            driver_chart=self.driver_chart([row["name"] for row in drivers], drivers, comparison)
            if drivers else None,
            plans=self.plans(reps),
            teams=[],
            team_chart=None,
            commitments=[],
            causes=[],
        )

    def team_overview(self, department: str | None) -> list[dict[str, Any]]:
        rows = []
        for team, dep in self.teams:
            if department is not None and dep != department:
                continue
            sales = self.variance(("team", team, team, dep)).get("sales_volume") or {}
            facts = self.data.team_facts[(self.period, team, dep)]
            status = sales.get("status") or "no_target"
            rows.append({
                "team": team,
                "department": dep,
                "file": self.team_file(team, dep),
                "sales_volume": self.value("sales_volume", facts["sales_volume"]),
                "target": self.value("sales_volume", sales.get("target")),
                "attainment_ratio": sales.get("attainment"),
                "attainment": fmt.percent(sales.get("attainment")),
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "reps": len(self.reps_of(team, dep)),
                "orders": fmt.number(facts["orders"]),
            })
        return rows

    def team_attainment_chart(self, teams: Sequence[dict[str, Any]], title: str) -> str | None:
        if not any(row["attainment_ratio"] is not None for row in teams):
            return None
        return self.charts.attainment(
            [row["team"] for row in teams], [row["attainment_ratio"] for row in teams],
            [row["status"] for row in teams], title=title)

    def department_page(self, department: str) -> str:
        entity: Entity = ("department", department, None, department)
        facts = self.data.department_facts[(self.period, department)]
        reps = self.reps_of(None, department)
        activity_metric = self.activity_metric(reps, entity, facts)
        comparison = self.comparison(reps)
        history = {p: row for (p, d), row in self.data.department_facts.items() if d == department}
        targets = {p: (self.variance(entity, p).get("sales_volume") or {}).get("target")
                   for p in history}
        teams = self.team_overview(department)
        # Driver effects add up in sales volume, so a team's effects are its reps' summed.
        per_rep = self.driver_rows(reps, comparison)
        by_team: dict[str, dict[str, Any]] = {}
        for row in per_rep:
            total = by_team.setdefault(row["team"], {
                "name": row["team"], "team": row["team"], "sales_volume": 0.0,
                "base_sales_volume": 0.0, "total_change": 0.0, "effects": [0.0, 0.0, 0.0],
                "causes": Counter()})
            for key in ("sales_volume", "base_sales_volume", "total_change"):
                total[key] += row[key] or 0.0
            for index, effect in enumerate(row["effects"]):
                total["effects"][index] += effect or 0.0
            total["causes"][row["cause"]] += 1
        team_drivers = [
            {**row, "cause": ", ".join(f"{CAUSE_LABELS.get(c, c)} {n}"
                                       for c, n in sorted(row.pop("causes").items()))}
            for _, row in sorted(by_team.items())
        ]
        plans = self.plans(reps)
        commitments = [
            {"rep": plan["rep"], "team": plan["team"], "statement": item["statement"],
             "cause": CAUSE_LABELS.get(item["cause"], item["cause"] or fmt.MISSING),
             "file": self.team_file(plan["team"], department), "anchor": plan["anchor"]}
            for plan in plans for item in plan["commitments"]
        ]
        developments = Counter()
        costs: Counter[str] = Counter()
        for plan in plans:
            for item in plan["developments"]:
                developments[item["cause"]] += 1
                costs[item["cause"]] += -(item["cost_in_sales_volume"] or 0.0)
        causes = [{"cause": CAUSE_LABELS.get(c, c), "developments": n,
                   "cost": fmt.money(costs[c], self.currency)}
                  for c, n in sorted(developments.items(), key=lambda kv: -costs[kv[0]])]
        return _environment().get_template("report.html").render(
            **self.common(),
            kind="department",
            name=department,
            team=None,
            department=department,
            department_file=None,
            activity_label=fmt.metric_label(activity_metric),
            kpis=self.kpis(entity, facts, activity_metric),
            leaderboard=self.leaderboard(reps, activity_metric, comparison),
            metric_table=self.metric_table(entity, facts),
            trend_chart=self.trend_chart(history, targets, activity_metric, department),
            comparison_label=self.comparison_label(comparison) if comparison else None,
            drivers=self.format_driver_rows(team_drivers),
            driver_chart=self.driver_chart([row["name"] for row in team_drivers], team_drivers,
                                           comparison) if team_drivers else None,
            plans=[],
            teams=teams,
            team_chart=self.team_attainment_chart(
                teams, f"Sales volume attainment by team, {fmt.period_label(self.grain, self.period)}"),
            commitments=commitments,
            causes=causes,
        )

    def index_page(self) -> str:
        departments = []
        for department in self.departments:
            sales = self.variance(("department", department, None, department)).get(
                "sales_volume") or {}
            facts = self.data.department_facts[(self.period, department)]
            status = sales.get("status") or "no_target"
            departments.append({
                "department": department,
                "file": self.department_file(department),
                "sales_volume": self.value("sales_volume", facts["sales_volume"]),
                "target": self.value("sales_volume", sales.get("target")),
                "attainment": fmt.percent(sales.get("attainment")),
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "teams": self.team_overview(department),
            })
        # Teams whose department has no row of its own still get listed.
        listed = {row["department"] for row in departments}
        orphans = [row for row in self.team_overview(None) if row["department"] not in listed]
        return _environment().get_template("period_index.html").render(
            **self.common(), departments=departments, orphans=orphans)


def _change(actual: float | None, base: float | None) -> float | None:
    if actual is None or base is None or base == 0:
        return None
    return (actual - base) / abs(base)


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
    data: ReportData, periods: Sequence[date], reports_dir: Path, currency: str
) -> _Part:
    part = _Part()
    charts = ChartBook(TREND_PERIODS[data.grain.name])
    try:
        for period in periods:
            renderer = PeriodRenderer(data, period, charts, currency)
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
    data: ReportData, reports_dir: Path, currency: str, *, workers: int | None = None
) -> RenderResult:
    """Write every report of every period in `data`, the period indexes and the root index.

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
                    [reports_dir] * len(chunks), [currency] * len(chunks)))
        except (BrokenProcessPool, RuntimeError):
            # A worker could not start (a caller's script without a __main__ guard raises
            # RuntimeError in the parent; a killed worker breaks the pool): rendering is
            # idempotent, so the whole range is rendered here instead.
            chunks = [periods]
    if not parts:
        parts = [_render_periods(data, periods, reports_dir, currency)]

    result = RenderResult(workers=len(chunks))
    result.removed += _remove_periods_without_activity(data, reports_dir)
    for part in parts:
        result.files.extend(part.files)
        result.period_indexes.extend(part.period_indexes)
        result.reports += part.reports
        result.charts += part.charts
        result.removed += part.removed
    if periods:
        charts = ChartBook(TREND_PERIODS[data.grain.name])
        try:
            folder = reports_dir / data.grain.name / periods[-1].strftime(KEY_FORMAT)
            _summarise_latest(result, PeriodRenderer(data, periods[-1], charts, currency), folder)
        finally:
            charts.close()
    write_root_index(reports_dir)
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
    result.latest_chart = renderer.team_attainment_chart(
        teams, f"Sales volume attainment by team, "
               f"{fmt.period_label(renderer.grain, renderer.period)}")
    if renderer.teams:
        team, department = renderer.teams[0]
        result.example_report = folder / renderer.team_file(team, department)


def write_root_index(reports_dir: Path) -> None:
    """The list of every rendered period, rebuilt from the folders so that each grain's run
    keeps the other grains' entries."""
    grains = []
    for grain in GRAINS:
        periods = []
        for folder in sorted((reports_dir / grain.name).glob("*/index.html"), reverse=True):
            try:
                start = date.fromisoformat(folder.parent.name)
            except ValueError:
                continue
            periods.append({"href": f"{grain.name}/{folder.parent.name}/index.html",
                            "label": fmt.period_label(grain, start)})
        if periods:
            grains.append({"name": grain.name, "periods": periods})
    write_atomically(reports_dir / "index.html",
                     _environment().get_template("index.html").render(grains=grains))

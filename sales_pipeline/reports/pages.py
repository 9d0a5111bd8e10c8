"""The pages of one period: team, department and period index, built from `ReportData`.

`PeriodRenderer` turns the marts' rows into template contexts (KPIs, metric tables,
leaderboards, drivers, action plans, charts) and renders them with the Jinja templates of
`templates/`; `render.py` decides which periods are rendered, where, and by how many workers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from sales_pipeline.facts.metrics import METRICS
from sales_pipeline.partitions import Grain
from sales_pipeline.reports import formatting as fmt
from sales_pipeline.reports.charts import COLORS, DRIVER_SERIES, ChartBook
from sales_pipeline.reports.data import (
    ACTIVITY_METRICS,
    Entity,
    ReportData,
    Row,
)
from sales_pipeline.reports.i18n import N_, SOURCE_LOCALE, language, translations
from sales_pipeline.reports.periods import holiday_note, is_running, running_note, to_date_label
from sales_pipeline.reports.statements import Sentences, phrases

TEMPLATES_DIR = Path(__file__).parent / "templates"

# The labels are English msgids: a page shows them through its language's gettext.
STATUS_LABELS = {
    "ahead": N_("Ahead"), "on_track": N_("On track"), "at_risk": N_("At risk"),
    "behind": N_("Behind"), "no_target": N_("No target"), "in_progress": N_("In progress"),
}
DIRECTION_LABELS = {
    "up": N_("▲ up"), "down": N_("▼ down"), "flat": N_("► flat"),
    "insufficient_history": N_("short history"), "in_progress": N_("period running"),
}
CAUSE_LABELS = {
    "effort": N_("Effort"), "skill": N_("Skill"), "value": N_("Order value"),
    "mixed": N_("Mixed"), "no_shortfall": N_("No shortfall"), "no_base": N_("No comparison"),
}
# Why a rep's activity had no team (data.py's reasons), for the period index.
UNASSIGNED_REASONS = (
    N_("no team membership in the CRM"),
    N_("before the first team membership"),
    N_("between or after team memberships"),
)
# The order a report looks for a comparison the drivers were measured against.
COMPARISONS = ("target", "prior_period", "last_year")
KPI_METRICS = ("sales_volume", "orders", "dm_conversations")


@cache
def environment(locale: str = SOURCE_LOCALE) -> jinja2.Environment:
    """The templates in one language: `{% trans %}` and `_()` read its catalog."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["colors"] = COLORS
    env.globals["driver_series"] = DRIVER_SERIES
    env.globals["locale"] = locale
    return env


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

    def __init__(self, data: ReportData, period: date, charts: ChartBook, currency: str,
                 locale: str = SOURCE_LOCALE) -> None:
        self.locale = locale
        self.lang = language(locale)
        self._ = self.lang.gettext
        self.phrases = phrases(data.grain.name, self.lang)
        self.sentences = Sentences(data.grain.name, currency, self.lang)
        self.data = data
        self.grain: Grain = data.grain
        self.period = period
        self.charts = charts
        self.currency = currency
        self.thresholds = data.status_thresholds
        self.teams = data.teams(period)
        self.departments = data.departments(period)
        self.team_slugs = _unique_slugs(self.teams)
        self.department_slugs = _unique_slugs([(d,) for d in self.departments])
        self.reps = data.rep_facts.get(period, [])
        self.calendar = data.calendar.get(period)
        self.running = is_running(self.calendar)

    # -- small lookups ---------------------------------------------------------------------

    def team_file(self, team: str, department: str) -> str:
        return f"team-{self.team_slugs[(team, department)]}.html"

    def department_file(self, department: str) -> str:
        return f"department-{self.department_slugs[(department,)]}.html"

    def variance(self, entity: Entity, period: date | None = None) -> dict[str, Row]:
        return self.data.variance.get((period or self.period, entity), {})

    def direction(self, entity: Entity, metric: str) -> str:
        trend = self.data.trends.get((self.period, entity), {}).get(metric)
        return self.label(DIRECTION_LABELS, trend["direction"]) if trend else fmt.MISSING

    def label(self, labels: dict[str, str], code: str | None) -> str:
        """A status, direction or cause in the page's language; an unknown code as it is."""
        if code is None:
            return fmt.MISSING
        return self._(labels[code]) if code in labels else code

    def value(self, metric: str, value: float | None) -> str:
        return fmt.metric_value(metric, value, self.currency, self.locale)

    def number(self, value: float | None) -> str:
        return fmt.number(value, self.locale)

    def money(self, value: float | None) -> str:
        return fmt.money(value, self.currency, self.locale)

    def signed_percent(self, ratio: float | None) -> str:
        return fmt.signed_percent(ratio, self.locale)

    def metric_label(self, metric: str) -> str:
        return fmt.metric_label(metric, self.locale)

    def attainment(self, ratio: float | None) -> str:
        return fmt.attainment(ratio, self.thresholds, self.locale)

    def judged(self, row: Row) -> tuple[float | None, float | None]:
        """The target and attainment a table shows: of the whole period, or of the days elapsed
        while it is running (docs/analysis.md, "Complete periods")."""
        if self.running:
            return row.get("target_to_date"), row.get("attainment_to_date")
        return row.get("target"), row.get("attainment")

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
        # Translators: what a change is measured against, after "vs" or "against".
        return {"target": self._("target"), "prior_period": self.phrases["the_previous"],
                "last_year": self.phrases["the_same_last_year"]}[comparison]

    # -- sections --------------------------------------------------------------------------

    def kpis(self, entity: Entity, facts: Row, activity_metric: str) -> list[dict[str, Any]]:
        variance = self.variance(entity)
        cards = []
        for metric in (KPI_METRICS[0], KPI_METRICS[1], activity_metric, *KPI_METRICS[2:]):
            row = variance.get(metric) or {}
            status = row.get("status") or "no_target"
            actual = row.get("actual", facts.get(metric))
            to_date = None
            if self.running and row.get("target") is not None:
                to_date = {"target": self.value(metric, row.get("target_to_date")),
                           "attainment": self.attainment(row.get("attainment_to_date")),
                           "pace": self.value(metric, row.get("pace_needed"))
                           if row.get("pace_needed") is not None else None}
            cards.append({
                "label": self.metric_label(metric),
                "actual": self.value(metric, actual),
                "target": self.value(metric, row.get("target")),
                "attainment": self.attainment(row.get("attainment")),
                "has_target": row.get("target") is not None,
                "to_date": to_date,
                "status": status,
                "status_label": self.label(STATUS_LABELS, status),
                "vs_prior": self.signed_percent(_change(actual, row.get("prior_actual"))),
                "vs_last_year": self.signed_percent(_change(actual, row.get("last_year_actual"))),
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
            target, attainment = self.judged(row)
            rows.append({
                "label": self.metric_label(metric.name),
                "description": self._(metric.description),
                "actual": self.value(metric.name, actual),
                "target": self.value(metric.name, target),
                "attainment": self.attainment(attainment),
                "status": status,
                "status_label": self.label(STATUS_LABELS, status),
                "prior": self.value(metric.name, row.get("prior_actual")),
                "vs_prior": self.signed_percent(_change(actual, row.get("prior_actual"))),
                "last_year": self.value(metric.name, row.get("last_year_actual")),
                "vs_last_year": self.signed_percent(_change(actual, row.get("last_year_actual"))),
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
            target, attainment = self.judged(sales)
            rows.append({
                "position": position,
                "rep": rep["rep_name"],
                "rep_id": rep["rep_id"],
                "team": rep["team"],
                "anchor": f"rep-{fmt.slug(rep['rep_id'])}-{fmt.slug(rep['team'])}",
                "sales_volume": self.value("sales_volume", rep["sales_volume"]),
                "target": self.value("sales_volume", target),
                "attainment": self.attainment(attainment),
                "status": status,
                "status_label": self.label(STATUS_LABELS, status),
                "orders": self.number(rep["orders"]),
                "activity": self.number(rep.get(activity_metric)),
                "dm_conversations": self.number(rep["dm_conversations"]),
                "trend": self.direction(entity, "sales_volume"),
                # The change on the period before, beside the trend over the window: a month
                # 31 % down on the last is visible even when the trend is flat.
                "vs_prior": self.signed_percent(
                    _change(rep["sales_volume"], sales.get("prior_actual"))),
                "cause": self.label(CAUSE_LABELS, driver["cause"]) if driver else fmt.MISSING,
            })
        return rows

    def trend_chart(self, entity_facts: dict[date, Row], targets: dict[date, float | None],
                    activity_metric: str, name: str) -> str:
        periods = [fmt.add_periods(self.grain, self.period, offset)
                   for offset in range(1 - self.grain.chart_periods, 1)]
        periods = [p for p in periods if p >= self.data.history_start]
        first_seen = min((p for p in periods if p in entity_facts), default=self.period)
        shown = [p for p in periods if p >= first_seen]

        def series(metric: str) -> list[float | None]:
            # A period without a fact row had no counted event: zero, not unknown.
            return [float(entity_facts[p][metric] or 0) if p in entity_facts else 0.0
                    for p in shown]

        shown_targets = [targets.get(p) for p in shown]
        _ = self._
        if any(t is not None for t in shown_targets):
            sales_title = _("{name}: sales volume ({currency}), target ticked")
        else:
            sales_title = _("{name}: sales volume ({currency})")
        return self.charts.trend(
            [fmt.short_period_label(self.grain, p, self.locale) for p in shown],
            series("sales_volume"),
            shown_targets,
            series(activity_metric),
            sales_title=sales_title.format(name=name, currency=self.currency),
            activity_title=self.phrases["per"].format(label=self.metric_label(activity_metric)),
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
        money, locale = self.currency, self.locale
        return [{
            "name": row["name"],
            "team": row["team"],
            "sales_volume": fmt.money(row["sales_volume"], money, locale),
            "base_sales_volume": fmt.money(row["base_sales_volume"], money, locale),
            "total_change": fmt.signed_money(row["total_change"], money, locale),
            "activity": fmt.signed_money(row["effects"][0], money, locale),
            "conversion": fmt.signed_money(row["effects"][1], money, locale),
            "value": fmt.signed_money(row["effects"][2], money, locale),
            # A department's row has its teams' causes counted already (department_page).
            "cause": row["cause"] if row.get("causes_counted")
            else self.label(CAUSE_LABELS, row["cause"] or None),
        } for row in rows]

    def driver_chart(self, labels: Sequence[str], rows: Sequence[dict[str, Any]],
                     comparison: str) -> str:
        effects = [[row["effects"][i] for row in rows] for i in range(3)]
        return self.charts.drivers(
            labels, effects,
            title=self._("Change in sales volume vs {comparison}, by factor ({currency})").format(
                comparison=self.comparison_label(comparison), currency=self.currency))

    def plans(self, reps: Sequence[Row]) -> list[dict[str, Any]]:
        plans = []
        for rep in reps:
            # Each statement composed in the page's language from the row's parts.
            items = [{**item, "statement": self.sentences.statement(item)}
                     for item in self.data.plans.get(self.rep_key(rep), [])]
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
            "grain": self.phrases["grain_name"],
            "phrases": self.phrases,
            "currency": self.currency,
            # The first day as the locale writes it (the folder name keeps the ISO key).
            "period_start": fmt.day(self.period, self.locale),
            "period_label": fmt.period_label(grain, self.period, self.locale),
            "next_period_label": fmt.period_label(grain, fmt.add_periods(grain, self.period, 1),
                                                  self.locale),
            "running": self.running,
            "to_date": to_date_label(self.calendar, self.lang) if self.running else None,
            "running_note": running_note(self.calendar, self.lang) if self.running else None,
            "holiday_note": holiday_note(self.calendar, self.lang),
            "trend_heading": self.phrases["trend_over"].format(
                n=fmt.number(self.data.trend_window, self.locale)),
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
        return environment(self.locale).get_template("report.html").render(
            **self.common(),
            kind="team",
            name=team,
            team=team,
            department=department,
            department_file=self.department_file(department)
            if department in self.departments else None,
            activity_label=self.metric_label(activity_metric),
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
            target, attainment = self.judged(sales)
            rows.append({
                "team": team,
                "department": dep,
                "file": self.team_file(team, dep),
                "sales_volume": self.value("sales_volume", facts["sales_volume"]),
                "target": self.value("sales_volume", target),
                "attainment_ratio": attainment,
                "attainment": self.attainment(attainment),
                "status": status,
                "status_label": self.label(STATUS_LABELS, status),
                "reps": len(self.reps_of(team, dep)),
                "orders": self.number(facts["orders"]),
            })
        return rows

    def team_attainment_chart(self, teams: Sequence[dict[str, Any]]) -> str | None:
        if not any(row["attainment_ratio"] is not None for row in teams):
            return None
        title = (self._("Sales volume attainment to date by team, {period}") if self.running
                 else self._("Sales volume attainment by team, {period}")).format(
            period=fmt.period_label(self.grain, self.period, self.locale))
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
            {**row, "causes_counted": True,
             "cause": ", ".join(f"{self.label(CAUSE_LABELS, c)} {n}"
                                for c, n in sorted(row.pop("causes").items()))}
            for _, row in sorted(by_team.items())
        ]
        plans = self.plans(reps)
        commitments = [
            {"rep": plan["rep"], "team": plan["team"], "statement": item["statement"],
             "cause": self.label(CAUSE_LABELS, item["cause"]),
             "file": self.team_file(plan["team"], department), "anchor": plan["anchor"]}
            for plan in plans for item in plan["commitments"]
        ]
        developments = Counter()
        costs: Counter[str] = Counter()
        for plan in plans:
            for item in plan["developments"]:
                developments[item["cause"]] += 1
                costs[item["cause"]] += -(item["cost_in_sales_volume"] or 0.0)
        causes = [{"cause": self.label(CAUSE_LABELS, c), "developments": n,
                   "cost": self.money(costs[c])}
                  for c, n in sorted(developments.items(), key=lambda kv: -costs[kv[0]])]
        return environment(self.locale).get_template("report.html").render(
            **self.common(),
            kind="department",
            name=department,
            team=None,
            department=department,
            department_file=None,
            activity_label=self.metric_label(activity_metric),
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
            team_chart=self.team_attainment_chart(teams),
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
            target, attainment = self.judged(sales)
            departments.append({
                "department": department,
                "file": self.department_file(department),
                "sales_volume": self.value("sales_volume", facts["sales_volume"]),
                "target": self.value("sales_volume", target),
                "attainment": self.attainment(attainment),
                "has_target": sales.get("target") is not None,
                "status": status,
                "status_label": self.label(STATUS_LABELS, status),
                "teams": self.team_overview(department),
            })
        # Teams whose department has no row of its own still get listed.
        listed = {row["department"] for row in departments}
        orphans = [row for row in self.team_overview(None) if row["department"] not in listed]
        return environment(self.locale).get_template("period_index.html").render(
            **self.common(), departments=departments, orphans=orphans,
            unassigned=self.unassigned_activity())

    def unassigned_activity(self) -> list[dict[str, Any]]:
        """Reps with activity on days no team membership covered (the contract's 'Unassigned'):
        a data-quality finding for whoever keeps the CRM's team history, not a team."""
        return [{
            "rep": row["rep_name"] or row["rep_id"],
            "rep_id": row["rep_id"],
            "days": ", ".join(fmt.day(day, self.locale, weekday=True) for day in row["days"]),
            "activities": self.number(row["activities"]),
            "reason": self._(row["reason"]),
        } for row in self.data.unassigned.get(self.period, [])]


def _change(actual: float | None, base: float | None) -> float | None:
    if actual is None or base is None or base == 0:
        return None
    return (actual - base) / abs(base)

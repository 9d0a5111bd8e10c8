"""Everything the reports of a range of periods show, read from the warehouse in a few queries.

Reports loop over periods and teams in Python; the data behind them is read once per table for
the whole range (plus the history the trend charts look back over), then indexed by key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

from sales_pipeline.analysis.action_plans import action_plan_table, analysis_table
from sales_pipeline.facts.levels import DEPARTMENT, REP_TOTAL, TEAM, fact_table
from sales_pipeline.facts.metrics import METRICS
from sales_pipeline.partitions import Grain
from sales_pipeline.reports.formatting import STATUS_THRESHOLDS, add_periods
from sales_pipeline.resources import AnalysisConfig

Row = dict[str, Any]
# (level, entity_id, team, department): team is None at department level.
Entity = tuple[str, str, str | None, str]

TREND_WINDOW = AnalysisConfig().trend_window
# The two activity metrics a rep's sales are driven by (field: visits; inside: connected calls).
ACTIVITY_METRICS = ("visits", "calls_connected")
# The contract's team and department of activity on days no team membership covers. It is a
# data-quality finding, not a team: no page of its own, a data-quality section instead.
UNASSIGNED = "Unassigned"
# Rep-level variance the leaderboards need; team and department levels are read in full.
REP_VARIANCE_METRICS = ("sales_volume", "orders", *ACTIVITY_METRICS, "dm_conversations")


@dataclass
class ReportData:
    grain: Grain
    start: date
    end: date
    history_start: date
    # The status thresholds the variance mart was built with: attainment is printed precisely
    # enough to agree with its badge (formatting.attainment).
    status_thresholds: tuple[float, ...] = STATUS_THRESHOLDS
    # How many periods the trend direction was fitted over (AnalysisConfig.trend_window).
    trend_window: int = TREND_WINDOW
    # period -> its calendar: days elapsed, working days, holidays, whether it is complete
    # (docs/analysis.md, "Complete periods").
    calendar: dict[date, Row] = field(default_factory=dict)
    # (period, team, department) -> fact row; (period, department) -> fact row.
    team_facts: dict[tuple[date, str, str], Row] = field(default_factory=dict)
    department_facts: dict[tuple[date, str], Row] = field(default_factory=dict)
    # period -> rep fact rows of that period.
    rep_facts: dict[date, list[Row]] = field(default_factory=lambda: defaultdict(list))
    # (period, entity) -> metric -> variance row.
    variance: dict[tuple[date, Entity], dict[str, Row]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    # (period, entity) -> metric -> trend row.
    trends: dict[tuple[date, Entity], dict[str, Row]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    # (period, rep_id, team, department) -> comparison -> driver row.
    drivers: dict[tuple[date, str, str, str], dict[str, Row]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    # (period, rep_id, team, department) -> plan rows in item and rank order.
    plans: dict[tuple[date, str, str, str], list[Row]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # period -> reps with activity on days no team membership covered: days, count and why.
    unassigned: dict[date, list[Row]] = field(default_factory=lambda: defaultdict(list))

    @property
    def periods(self) -> list[date]:
        """Periods of the range with activity: the ones that get reports."""
        return sorted({p for p, _, _ in self.team_facts if self.start <= p < self.end}
                      | {p for p in self.unassigned if self.start <= p < self.end})

    def subset(self, periods: Sequence[date]) -> ReportData:
        """The data the reports of `periods` (consecutive) need: theirs and their trend history,
        so that a worker process is sent only its share."""
        start, end = min(periods), add_periods(self.grain, max(periods), 1)
        history_start = max(self.history_start,
                            add_periods(self.grain, start, 1 - self.grain.chart_periods))
        part = ReportData(grain=self.grain, start=start, end=end, history_start=history_start,
                          status_thresholds=self.status_thresholds,
                          trend_window=self.trend_window)

        def in_history(period: date) -> bool:
            return history_start <= period < end

        def in_window(period: date) -> bool:
            return start <= period < end

        part.team_facts = {k: v for k, v in self.team_facts.items() if in_history(k[0])}
        part.department_facts = {k: v for k, v in self.department_facts.items()
                                 if in_history(k[0])}
        part.variance.update((k, v) for k, v in self.variance.items() if in_history(k[0]))
        part.rep_facts.update((k, v) for k, v in self.rep_facts.items() if in_window(k))
        part.unassigned.update((k, v) for k, v in self.unassigned.items() if in_window(k))
        part.calendar.update((k, v) for k, v in self.calendar.items() if in_window(k))
        for mine, theirs in ((part.trends, self.trends), (part.drivers, self.drivers),
                             (part.plans, self.plans)):
            mine.update((k, v) for k, v in theirs.items() if in_window(k[0]))
        return part

    def teams(self, period: date) -> list[tuple[str, str]]:
        return sorted((team, dep) for p, team, dep in self.team_facts if p == period)

    def departments(self, period: date) -> list[str]:
        return sorted(dep for p, dep in self.department_facts if p == period)


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object]) -> list[Row]:
    cursor = conn.execute(sql, list(params))
    names = [column[0] for column in cursor.description]
    # Money columns are DECIMAL in the marts; the reports add, chart and format them as floats.
    return [
        {name: float(value) if isinstance(value, Decimal) else value
         for name, value in zip(names, values, strict=True)}
        for values in cursor.fetchall()
    ]


# Per period and rep: the days of activity no team membership covered, and why none did.
_UNASSIGNED_SQL = """
    WITH days AS (
        SELECT date_trunc('{unit}', activity_date)::DATE AS period_start, rep_id,
               any_value(rep_name) AS rep_name, activity_date, count(*) AS activities
        FROM staging.activities
        WHERE activity_date >= ? AND activity_date < ? AND department = ?
        GROUP BY ALL
    )
    SELECT
        d.period_start, d.rep_id, d.rep_name,
        list(d.activity_date ORDER BY d.activity_date) AS days,
        sum(d.activities)::BIGINT AS activities,
        CASE
            WHEN NOT EXISTS (SELECT 1 FROM staging.team_memberships AS m WHERE m.user_id = d.rep_id)
                THEN 'no team membership in the CRM'
            WHEN max(d.activity_date) < (SELECT min(start_date) FROM staging.team_memberships AS m
                                         WHERE m.user_id = d.rep_id)
                THEN 'before the first team membership'
            ELSE 'between or after team memberships'
        END AS reason
    FROM days AS d
    GROUP BY d.period_start, d.rep_id, d.rep_name
    ORDER BY d.period_start, d.rep_name, d.rep_id
"""


# Per period: its days, working days, holidays and whether it is complete (the same on every
# variance row of the period).
_CALENDAR_SQL = """
    SELECT DISTINCT period_start, period_end, days_in_period, days_elapsed, working_days,
           working_days_elapsed, holidays, is_complete
    FROM {variance}
    WHERE period_start >= ? AND period_start < ?
"""


def _entity(row: Row) -> Entity:
    if row["level"] == "department":
        return ("department", row["entity_id"], None, row["department"])
    return (row["level"], row["entity_id"], row["team"], row["department"])


def load_report_data(
    conn: duckdb.DuckDBPyConnection, grain: Grain, start: date, end: date,
    status_thresholds: tuple[float, ...] = STATUS_THRESHOLDS,
    trend_window: int = TREND_WINDOW,
) -> ReportData:
    history_start = add_periods(grain, start, 1 - grain.chart_periods)
    data = ReportData(grain=grain, start=start, end=end, history_start=history_start,
                      status_thresholds=status_thresholds, trend_window=trend_window)
    window = (start, end)
    history = (history_start, end)

    for row in _rows(conn, f"SELECT * FROM marts.{fact_table(TEAM, grain)} "
                     "WHERE period_start >= ? AND period_start < ? AND department <> ?",
                     (*history, UNASSIGNED)):
        data.team_facts[(row["period_start"], row["team"], row["department"])] = row
    for row in _rows(conn, f"SELECT * FROM marts.{fact_table(DEPARTMENT, grain)} "
                     "WHERE period_start >= ? AND period_start < ? AND department <> ?",
                     (*history, UNASSIGNED)):
        data.department_facts[(row["period_start"], row["department"])] = row
    for row in _rows(conn, _CALENDAR_SQL.format(variance=analysis_table("variance", grain)),
                     window):
        data.calendar[row["period_start"]] = row
    for row in _rows(conn, _UNASSIGNED_SQL.format(unit=grain.unit), (*window, UNASSIGNED)):
        data.unassigned[row["period_start"]].append(row)
    # A rep is one row per period, all teams together, under the team the variance mart shows
    # them in (docs/analysis.md, "A rep is judged as a person").
    for row in _rows(
        conn,
        f"""
        SELECT facts.*, home.team, home.department
        FROM marts.{fact_table(REP_TOTAL, grain)} AS facts
        JOIN (SELECT DISTINCT period_start, entity_id AS rep_id, team, department
              FROM {analysis_table("variance", grain)} WHERE level = 'rep') AS home
            USING (period_start, rep_id)
        WHERE period_start >= ? AND period_start < ?
        ORDER BY period_start, sales_volume DESC, rep_name, rep_id
        """,
        window,
    ):
        data.rep_facts[row["period_start"]].append(row)

    # The range in full for teams and departments, the leaderboard metrics for reps, and the
    # sales targets of the history for the trend charts.
    for row in _rows(
        conn,
        f"""
        SELECT * FROM {analysis_table("variance", grain)}
        WHERE (period_start >= ? AND period_start < ?
               AND (level <> 'rep' OR list_contains(?::VARCHAR[], metric)))
           OR (period_start >= ? AND period_start < ? AND level <> 'rep'
               AND metric = 'sales_volume')
        """,
        (*window, list(REP_VARIANCE_METRICS), *history),
    ):
        data.variance[(row["period_start"], _entity(row))][row["metric"]] = row
    for row in _rows(
        conn,
        f"""
        SELECT period_start, level, entity_id, team, department, metric, direction, slope,
               own_anomaly, peer_anomaly
        FROM {analysis_table("trends", grain)}
        WHERE period_start >= ? AND period_start < ?
          AND (level <> 'rep' OR metric = 'sales_volume')
        """,
        window,
    ):
        data.trends[(row["period_start"], _entity(row))][row["metric"]] = row
    for row in _rows(conn, f"SELECT * FROM {analysis_table('drivers', grain)} "
                     "WHERE period_start >= ? AND period_start < ?", window):
        key = (row["period_start"], row["rep_id"], row["team"], row["department"])
        data.drivers[key][row["comparison"]] = row
    for row in _rows(
        conn,
        f"""
        SELECT * FROM {action_plan_table(grain)}
        WHERE period_start >= ? AND period_start < ?
        ORDER BY period_start, rep_id, team, department,
                 CASE item WHEN 'strength' THEN 1 WHEN 'development' THEN 2 ELSE 3 END, rank
        """,
        window,
    ):
        data.plans[(row["period_start"], row["rep_id"], row["team"], row["department"])].append(row)
    _add_reps_without_activity(data)
    _add_groups_without_activity(data)
    return data


def _add_reps_without_activity(data: ReportData) -> None:
    """Reps with a target but not one counted event have no fact row; the variance mart carries
    them (with zeros), and a leaderboard that left them out would hide the emptiest records."""
    present = {(period, rep["rep_id"], rep["team"], rep["department"])
               for period, reps in data.rep_facts.items() for rep in reps}
    touched: set[date] = set()
    for (period, (level, rep_id, team, department)), metrics in data.variance.items():
        if level != "rep" or (period, rep_id, team, department) in present:
            continue
        name = next(iter(metrics.values()))["entity_name"]
        data.rep_facts[period].append({
            "period_start": period, "rep_id": rep_id, "rep_name": name, "team": team,
            "department": department,
            **{m: (metrics.get(m) or {}).get("actual") or 0 for m in REP_VARIANCE_METRICS},
        })
        touched.add(period)
    for period in touched:
        data.rep_facts[period].sort(
            key=lambda rep: (-(rep["sales_volume"] or 0), rep["rep_name"], rep["rep_id"]))


def _zero_facts(period: date, **keys: str) -> Row:
    return {"period_start": period, **keys,
            # Ratios are null over no activity, as in the fact tables; counts and sums are 0.
            **{m.name: None if m.sql_type == "DOUBLE" else 0 for m in METRICS}}


def _add_groups_without_activity(data: ReportData) -> None:
    """A team (or department) whose reps all have targets but no activity has no fact row, yet
    its reps are on the leaderboard: give it a row of zeros so that it gets its page. Periods
    without any activity still get no reports."""
    active = {period for period, _, _ in data.team_facts}
    for period, reps in data.rep_facts.items():
        if period not in active:
            continue
        for rep in reps:
            team, department = rep["team"], rep["department"]
            if department == UNASSIGNED:
                continue
            if (period, team, department) not in data.team_facts:
                data.team_facts[(period, team, department)] = _zero_facts(
                    period, team=team, department=department)
            if (period, department) not in data.department_facts:
                data.department_facts[(period, department)] = _zero_facts(
                    period, department=department)

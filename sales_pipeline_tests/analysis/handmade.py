"""A warehouse written by hand: the staging tables and fact marts the analysis reads, and nothing
else, so that every expected number in the tests can be worked out on paper."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb

from sales_pipeline.analysis.assets import ANALYSES, rebuild, sql_params, table_name
from sales_pipeline.facts.levels import LEVELS, fact_table
from sales_pipeline.facts.metrics import METRICS
from sales_pipeline.partitions import Grain
from sales_pipeline.resources import AnalysisConfig
from sales_pipeline.sql import render

COUNT_METRICS = tuple(m.name for m in METRICS if m.name not in ("avg_call_seconds",
                                                                "sales_volume"))


@dataclass(frozen=True)
class Rep:
    rep_id: str
    name: str
    team: str
    department: str
    title: str = "Account Executive"


@dataclass
class Activity:
    """One rep fact row; metrics not given are 0 (avg_call_seconds follows from the calls)."""

    period_start: date
    rep: Rep
    metrics: Mapping[str, float] = field(default_factory=dict)
    team: str | None = None  # when the rep worked in another team that period

    def value(self, name: str) -> float | None:
        if name == "avg_call_seconds":
            connected = self.metrics.get("calls_connected", 0)
            return self.metrics.get("talk_seconds", 0) / connected if connected else None
        return self.metrics.get(name, 0)


# Hand-made facts are whole periods with no events behind them in staging, so the analysis is
# told the data is complete through a day after all of them (docs/analysis.md, "Complete periods").
DATA_THROUGH = "2099-12-31"


def analysis_config(**overrides: object) -> AnalysisConfig:
    """The default analysis configuration, for data complete through DATA_THROUGH."""
    return AnalysisConfig(**{"as_of": DATA_THROUGH, **overrides})


def create_staging(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        """
        CREATE SCHEMA IF NOT EXISTS staging;
        -- The events the period calendar counts active reps from; hand-made facts have none.
        CREATE TABLE staging.activities (
            activity_id VARCHAR, activity VARCHAR, activity_date DATE, rep_id VARCHAR,
            rep_name VARCHAR, team VARCHAR, department VARCHAR, call_status VARCHAR,
            call_duration BIGINT, call_answered_by VARCHAR, contact_id VARCHAR,
            contact_is_decision_maker BOOLEAN, signed_amount DECIMAL(38, 16));
        CREATE TABLE staging.users (user_id VARCHAR, rep_name VARCHAR, title VARCHAR);
        CREATE TABLE staging.team_memberships (
            membership_id VARCHAR, user_id VARCHAR, team VARCHAR, department VARCHAR,
            start_date DATE, end_date DATE);
        CREATE TABLE staging.sales_targets (
            target_id VARCHAR, user_id VARCHAR, metric VARCHAR, period_type VARCHAR,
            period_start DATE, target DECIMAL(20, 6), _file VARCHAR, _line BIGINT);
        """
    )


def add_reps(conn: duckdb.DuckDBPyConnection, reps: Iterable[Rep],
             since: date = date(2020, 1, 1)) -> None:
    for index, rep in enumerate(reps):
        conn.execute("INSERT INTO staging.users VALUES (?, ?, ?)", [rep.rep_id, rep.name, rep.title])
        conn.execute(
            "INSERT INTO staging.team_memberships VALUES (?, ?, ?, ?, ?, NULL)",
            [f"m{index:03d}", rep.rep_id, rep.team, rep.department, since],
        )


def add_membership(conn: duckdb.DuckDBPyConnection, membership_id: str, rep_id: str, team: str,
                   department: str, start: date, end: date | None) -> None:
    conn.execute("INSERT INTO staging.team_memberships VALUES (?, ?, ?, ?, ?, ?)",
                 [membership_id, rep_id, team, department, start, end])


def add_targets(conn: duckdb.DuckDBPyConnection,
                targets: Sequence[tuple[str, str, str, date, float]]) -> None:
    """(rep_id, metric, period type, period start, target), one CRM line each, in order."""
    (line,) = conn.execute("SELECT count(*) FROM staging.sales_targets").fetchone()
    for offset, (rep_id, metric, period_type, start, target) in enumerate(targets, start=1):
        conn.execute(
            "INSERT INTO staging.sales_targets VALUES (?, ?, ?, ?, ?, ?, 'crm/Sales_Target__c.csv', ?)",
            [f"t{line + offset:04d}", rep_id, metric, period_type, start, target, line + offset + 1],
        )


def add_facts(conn: duckdb.DuckDBPyConnection, grain: Grain, activity: Iterable[Activity]) -> None:
    """Rep fact rows as given; rep totals, team and department rows as their sums (averages
    recomputed; distinct decision makers summed, as if no one was reached from two teams)."""
    for level in LEVELS:
        conn.execute(render("facts/create_table.sql", table=f"marts.{fact_table(level, grain)}",
                            keys=level.keys, metrics=METRICS))
    rep_table = f"marts.rep_activity_{grain.name}"
    for row in activity:
        conn.execute(
            f"INSERT INTO {rep_table} VALUES (?, ?, ?, ?, ?, {', '.join('?' for _ in METRICS)})",
            [row.period_start, row.rep.rep_id, row.rep.name, row.team or row.rep.team,
             row.rep.department, *(row.value(m.name) for m in METRICS)],
        )
    for level in (level for level in LEVELS if level.name != "rep"):
        keys = ", ".join(level.keys)
        sums = ", ".join(
            "sum(talk_seconds) / nullif(sum(calls_connected), 0)" if m.name == "avg_call_seconds"
            else f"sum({m.name})"
            for m in METRICS
        )
        conn.execute(
            f"INSERT INTO marts.{fact_table(level, grain)} "
            f"SELECT period_start, {keys}, {sums} FROM {rep_table} GROUP BY period_start, {keys}"
        )


def build(conn: duckdb.DuckDBPyConnection, grain: Grain, start: date, end: date,
          config: AnalysisConfig | None = None,
          analyses: Sequence[str] = ("targets", "variance", "trends", "drivers")) -> None:
    """The analysis tables of [start, end), in dependency order, as the assets build them."""
    for analysis in analyses:
        rebuild(conn, analysis, grain, start, end, config or analysis_config())


def rows(conn: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()
         ) -> list[dict[str, object]]:
    result = conn.execute(sql, list(params))
    header = [column[0] for column in result.description]
    return [dict(zip(header, row, strict=True)) for row in result.fetchall()]


def check_outcomes(conn: duckdb.DuckDBPyConnection, analysis: str, grain: Grain, start: date,
                   end: date, config: AnalysisConfig | None = None
                   ) -> dict[str, tuple[bool, dict[str, object]]]:
    """The asset checks of one analysis table over [start, end), as the asset evaluates them."""
    module = next(m for m in ANALYSES if analysis == m.NAME)
    params = sql_params(grain, start, end, config or analysis_config())
    result = conn.execute(render(module.CHECKS_SQL, table=table_name(analysis, grain), **params))
    header = [column[0] for column in result.description]
    return module.evaluate_checks(dict(zip(header, result.fetchone(), strict=True)))

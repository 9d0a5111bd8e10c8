"""The floor: benchmarks/floor.sql, plain DuckDB building the twelve fact marts, and the comparison
of two warehouses' marts (the floor's against the pipeline's)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

FLOOR_SQL = Path(__file__).resolve().parent / "floor.sql"
GRAIN_UNITS = {"weekly": "week", "monthly": "month", "quarterly": "quarter", "yearly": "year"}
LEVEL_KEYS = {
    "rep": ("period_start", "rep_id", "rep_name", "team", "department"),
    "team": ("period_start", "team", "department"),
    "department": ("period_start", "department"),
}
MART_TABLES = tuple(f"{level}_activity_{grain}" for level in LEVEL_KEYS for grain in GRAIN_UNITS)
AVG_TOLERANCE = 1e-9


# -------------------------------------------------------------------------------- floor


def split_statements(sql: str) -> list[str]:
    """The statements of a script: split on ';' outside quotes and comments."""
    statements, current, quote, i = [], [], "", 0
    while i < len(sql):
        char = sql[i]
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            current.append(char)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif char == ";":
            if "".join(current).strip():
                statements.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    if "".join(current).strip():
        statements.append("".join(current).strip())
    return statements


def execute_floor(landing: Path, database: Path, timezone: str, currency: str = "EUR",
                  history_start: str = "2020-01-01") -> list[tuple[str, float]]:
    """Run floor.sql against `database`, statement by statement; returns (statement, seconds)."""
    import duckdb

    timings = []
    with duckdb.connect(str(database)) as conn:
        for name, value in (("landing", str(landing)), ("timezone", timezone),
                            ("reporting_currency", currency), ("history_start", history_start)):
            conn.execute(f"SET VARIABLE {name} = ?", [value])
        for statement in split_statements(FLOOR_SQL.read_text()):
            began = time.monotonic()
            conn.execute(statement)
            first_line = statement.splitlines()[0]
            timings.append((first_line[:80], round(time.monotonic() - began, 3)))
    return timings


# ----------------------------------------------------------------------------- comparing


def _mart_columns(conn: Any, catalog: str, table: str) -> list[tuple[str, str, str]]:
    return conn.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = 'marts' AND table_name = ? "
        "ORDER BY ordinal_position",
        [catalog, table],
    ).fetchall()


def compare_marts(
    floor_db: Path, pipeline_db: Path, *, only_periods: dict[str, date] | None = None,
    limit: int = 20,
) -> list[str]:
    """Differences between the twelve marts of two warehouses; empty when the facts are identical.

    Rows are compared sorted by their keys: every column exactly (sales_volume as a decimal),
    avg_call_seconds within 1e-9. `only_periods` restricts each grain to the one period whose
    start it gives (grain name -> period_start).
    """
    import duckdb

    differences: list[str] = []
    with duckdb.connect() as conn:
        conn.execute(f"ATTACH '{floor_db}' AS floor (READ_ONLY)")
        conn.execute(f"ATTACH '{pipeline_db}' AS pipeline (READ_ONLY)")
        for table in MART_TABLES:
            level, grain = table.split("_activity_")
            columns = _mart_columns(conn, "pipeline", table)
            if not columns:
                differences.append(f"{table}: missing from the pipeline's warehouse")
                continue
            if columns != _mart_columns(conn, "floor", table):
                differences.append(f"{table}: columns differ: pipeline {columns}, "
                                   f"floor {_mart_columns(conn, 'floor', table)}")
                continue
            keys = LEVEL_KEYS[level]
            where, params = "", []
            if only_periods is not None:
                where, params = "WHERE period_start = ?", [only_periods[grain]]
            names = [name for name, _, _ in columns]
            query = (f"SELECT {', '.join(names)} FROM {{}}.marts.{table} {where} "
                     f"ORDER BY {', '.join(keys)}")
            rows = {side: conn.execute(query.format(side), params).fetchall()
                    for side in ("floor", "pipeline")}
            differences += _diff_rows(table, names, len(keys), rows["floor"], rows["pipeline"])
            if len(differences) >= limit:
                break
    return differences[:limit]


def _diff_rows(table: str, names: list[str], n_keys: int, floor: list[tuple],
               pipeline: list[tuple]) -> list[str]:
    floor_by_key = {row[:n_keys]: row for row in floor}
    pipeline_by_key = {row[:n_keys]: row for row in pipeline}
    found = []
    for key in sorted(floor_by_key.keys() | pipeline_by_key.keys(), key=str):
        a, b = floor_by_key.get(key), pipeline_by_key.get(key)
        if a is None or b is None:
            found.append(f"{table} {key}: only in {'pipeline' if a is None else 'floor'}: "
                         f"{b if a is None else a}")
            continue
        for name, x, y in zip(names[n_keys:], a[n_keys:], b[n_keys:], strict=True):
            if not _same(name, x, y):
                found.append(f"{table} {key}: {name} floor={x!r} pipeline={y!r}")
    if len(floor_by_key) != len(floor) or len(pipeline_by_key) != len(pipeline):
        found.append(f"{table}: duplicate keys (floor {len(floor) - len(floor_by_key)}, "
                     f"pipeline {len(pipeline) - len(pipeline_by_key)})")
    return found


def _same(name: str, x: Any, y: Any) -> bool:
    if x is None or y is None:
        return x is None and y is None
    if name == "avg_call_seconds":
        return abs(float(x) - float(y)) <= AVG_TOLERANCE
    if name == "sales_volume":
        return Decimal(str(x)) == Decimal(str(y))
    return x == y


def stale_rows_elsewhere(floor_db: Path, pipeline_db: Path, day: date) -> int:
    """Mart rows outside the periods containing `day` that differ from the floor's."""
    import duckdb

    with duckdb.connect() as conn:
        conn.execute(f"ATTACH '{floor_db}' AS floor (READ_ONLY)")
        conn.execute(f"ATTACH '{pipeline_db}' AS pipeline (READ_ONLY)")
        total = 0
        for table in MART_TABLES:
            unit = GRAIN_UNITS[table.split("_activity_")[1]]
            for a, b in (("floor", "pipeline"), ("pipeline", "floor")):
                total += conn.execute(
                    f"SELECT count(*) FROM (SELECT * EXCLUDE (avg_call_seconds) FROM {a}.marts.{table} "
                    f"WHERE period_start <> date_trunc('{unit}', ?::DATE) EXCEPT ALL "
                    f"SELECT * EXCLUDE (avg_call_seconds) FROM {b}.marts.{table} "
                    f"WHERE period_start <> date_trunc('{unit}', ?::DATE))",
                    [day, day],
                ).fetchone()[0]
        return total


def periods_of(day: date) -> dict[str, date]:
    return {
        "weekly": day - timedelta(days=day.weekday()),
        "monthly": day.replace(day=1),
        "quarterly": date(day.year, 1 + (day.month - 1) // 3 * 3, 1),
        "yearly": date(day.year, 1, 1),
    }

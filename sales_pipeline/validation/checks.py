"""Great Expectations suites wired into Dagster asset checks.

Rows are validated in batches of whole files straight out of DuckDB, so memory holds one batch at
a time whatever the history's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import dagster as dg
import duckdb

from sales_pipeline.contract import Source
from sales_pipeline.ingestion.loader import IngestionReport
from sales_pipeline.sql import sql_identifier, sql_literal
from sales_pipeline.validation.suites import STAGING_SPECS

if TYPE_CHECKING:
    import pandas as pd

    from sales_pipeline.validation.great_expectations import ValidationSummary

ROWS_CONFORM = "rows_conform_to_contract"
STAGED_ROWS_CONFORM = "staged_rows_conform"

# Rows per Great Expectations batch: several small daily files are validated together.
MAX_BATCH_ROWS = 250_000
# Rows one check validates at most. A day's delivery is far below it and is validated in full;
# a backfill of years of history is validated on a uniform, repeatable sample of its rows (every
# row is still checked by the staging rules, which quarantine it). GE costs about 8 µs a row, so
# this bounds a check to about two seconds.
MAX_CHECKED_ROWS = 200_000


def _file_batches(files: Sequence[tuple[str, int]]) -> Iterator[list[str]]:
    batch: list[str] = []
    rows = 0
    for name, count in files:
        if batch and rows + count > MAX_BATCH_ROWS:
            yield batch
            batch, rows = [], 0
        batch.append(name)
        rows += count
    if batch:
        yield batch


def summary_check_result(
    check_name: str, summary: ValidationSummary, sampling_step: int = 1
) -> dg.AssetCheckResult:
    failed = summary.failed()
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=summary.success,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{len(failed)} expectation(s) failed over {summary.rows} row(s); failing rows are "
            "quarantined with file, line and reason"
            if failed
            else f"all expectations met over {summary.rows} row(s)"
        ),
        metadata={
            "rows_validated": dg.MetadataValue.int(summary.rows),
            "sampling": dg.MetadataValue.text(
                "every row" if sampling_step == 1 else f"one row in {sampling_step}"
            ),
            "batch": dg.MetadataValue.text(summary.batch),
            "expectations": dg.MetadataValue.md(summary.as_markdown()),
            "unexpected": dg.MetadataValue.json(
                [
                    {
                        "expectation": outcome.expectation,
                        "unexpected_count": outcome.unexpected_count,
                        "unexpected_percent": round(outcome.unexpected_percent, 4),
                        "sample": outcome.sample_unexpected,
                    }
                    for outcome in failed
                ]
            ),
        },
    )


def _validate_by_file(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    files: Sequence[str],
    validate: Callable[[pd.DataFrame, str], ValidationSummary],
    where: str = "TRUE",
) -> tuple[list[ValidationSummary], int]:
    """Validate the rows of `files` in `table`, several whole files to a batch.

    Returns the summaries and the sampling step (1 = every row, n = one row in n).
    """
    selected = ", ".join(sql_identifier(column) for column in columns)
    counts = conn.execute(
        f"SELECT _file, count(*) FROM {table} "
        f"WHERE _file IN (SELECT unnest(?::VARCHAR[])) AND {where} GROUP BY _file ORDER BY _file",
        [list(files)],
    ).fetchall()
    total = sum(count for _, count in counts)
    step = max(1, -(-total // MAX_CHECKED_ROWS))
    if step > 1:
        where = f"({where}) AND hash(_file, _line) % {step} = 0"
        counts = [(name, count // step + 1) for name, count in counts]
    summaries = []
    for batch in _file_batches(counts):
        frame = conn.execute(
            f"SELECT {selected} FROM {table} "
            f"WHERE _file IN (SELECT unnest(?::VARCHAR[])) AND {where}",
            [batch],
        ).df()
        label = ", ".join(batch[:3]) + (f" and {len(batch) - 3} more" if len(batch) > 3 else "")
        summaries.append(validate(frame, label))
    return summaries, step


def raw_rows_check(
    conn: duckdb.DuckDBPyConnection, source: Source, report: IngestionReport
) -> dg.AssetCheckResult:
    """The source's raw suite over the well-formed rows this ingestion loaded."""
    from sales_pipeline.validation.great_expectations import merge_summaries, validate_raw_batch

    summaries, step = _validate_by_file(
        conn,
        source.raw_table,
        source.columns,
        [f.name for f in report.loaded],
        lambda frame, label: validate_raw_batch(source.name, frame, batch=label),
        # The ingestion id is a constant DuckDB checks against each row group's min and max, so
        # the rows of earlier ingestions are skipped, not scanned.
        where=f"_error IS NULL AND _ingestion_id = {sql_literal(report.ingestion_id)}",
    )
    label = f"{len(report.loaded)} file(s) ingested by this run" + _sampled(step)
    return summary_check_result(
        ROWS_CONFORM, merge_summaries(summaries, suite=source.name, batch=label), step
    )


def staging_rows_check(
    conn: duckdb.DuckDBPyConnection, table: str, files: Sequence[str]
) -> dg.AssetCheckResult:
    """The staging suite of `table` over its rows that came from `files` (the latest delivery)."""
    from sales_pipeline.validation.great_expectations import (
        merge_summaries,
        validate_staging_batch,
    )

    columns = sorted({column for _, column, _ in STAGING_SPECS[table]})
    summaries, step = _validate_by_file(
        conn, table, columns, files,
        lambda frame, label: validate_staging_batch(table, frame, batch=label),
    )
    label = f"rows of {len(files)} file(s) of the latest delivery" + _sampled(step)
    return summary_check_result(
        STAGED_ROWS_CONFORM, merge_summaries(summaries, suite=table, batch=label), step
    )


def _sampled(step: int) -> str:
    return f", sampled one row in {step}" if step > 1 else ""

"""Great Expectations suites wired into Dagster asset checks.

Rows are validated in batches of whole files straight out of DuckDB, so memory holds one batch at
a time whatever the history's size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import dagster as dg
import duckdb

from sales_pipeline.contract import Source
from sales_pipeline.ingestion.loader import IngestionReport
from sales_pipeline.sql import sql_identifier

# Rows per Great Expectations batch: several small daily files are validated together.
MAX_BATCH_ROWS = 250_000


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


def summary_check_result(check_name: str, summary) -> dg.AssetCheckResult:
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


def raw_rows_check(
    conn: duckdb.DuckDBPyConnection, source: Source, report: IngestionReport
) -> dg.AssetCheckResult:
    """The source's raw suite over the well-formed rows this ingestion loaded, file by file."""
    from sales_pipeline.validation.great_expectations import merge_summaries, validate_raw_batch

    columns = ", ".join(sql_identifier(column) for column in source.columns)
    files = [(f.name, f.rows_read) for f in report.loaded]
    summaries = []
    for batch in _file_batches(files):
        frame = conn.execute(
            f"SELECT {columns} FROM {source.raw_table} "
            "WHERE _file IN (SELECT unnest(?::VARCHAR[])) AND _error IS NULL",
            [batch],
        ).df()
        summaries.append(validate_raw_batch(source.name, frame, batch=", ".join(batch[:3])))
    label = f"{len(files)} file(s) ingested by this run"
    return summary_check_result(
        "rows_conform_to_contract", merge_summaries(summaries, suite=source.name, batch=label)
    )

"""Run a Great Expectations suite on a pandas batch and boil the result down to counts and samples.

GE is imported on first use only: importing it takes seconds and the Dagster code location must
load fast. One ephemeral context, pandas data source and batch definition serve every validation
of the process, because validation runs once per landing file and a backfill has thousands.
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sales_pipeline.contract import SOURCES
from sales_pipeline.validation.suites import raw_suite, staging_suite

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations import ExpectationSuite
    from great_expectations.core.batch_definition import BatchDefinition

SAMPLE_SIZE = 5
# GE collects this many failing values per expectation (in row order); the distinct sample is
# taken from them, so a value repeated on many rows does not crowd out the others.
_COLLECTED_UNEXPECTED = 200
# BASIC gives counts plus the first failing values; SUMMARY and COMPLETE also compute the row index
# of every failure, which is wasted work here (about +40% time on a 15,000-row dirty batch).
_RESULT_FORMAT: dict[str, Any] = {
    "result_format": "BASIC",
    "partial_unexpected_count": _COLLECTED_UNEXPECTED,
}
_NULL = "<null>"
_MATCH_GROUPS_WARNING = "This pattern is interpreted as a regular expression, and has match groups"
_MAX_VALUE_CHARS = 60

# The cached batch definition has one fixed batch id, so two threads validating at once would
# overwrite each other's frame in GE's batch cache.
_LOCK = threading.Lock()


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # e.g. "expect_column_values_to_match_regex(start_time)"
    column: str | None
    success: bool
    unexpected_count: int
    # Share of the evaluated values that failed, in percent (GE's "nonmissing" percent).
    unexpected_percent: float
    sample_unexpected: list[str]  # up to SAMPLE_SIZE distinct failing values, as strings
    # Values the expectation looked at (rows minus the nulls it skips); kept so that merged
    # percentages are exact rather than averages of percentages.
    evaluated_count: int = 0


@dataclass(frozen=True)
class ValidationSummary:
    suite: str
    batch: str  # e.g. the file name
    rows: int
    success: bool
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    def failed(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]

    def as_markdown(self) -> str:
        """A compact table for Dagster metadata: failures first, then the expectations that held."""
        failed = self.failed()
        lines = [
            f"**{self.suite}** on `{self.batch}`: {self.rows} rows, "
            f"{len(failed)} of {len(self.outcomes)} expectations failed",
            "",
            "| expectation | ok | unexpected | % | sample |",
            "| --- | --- | ---: | ---: | --- |",
        ]
        ordered = failed + [outcome for outcome in self.outcomes if outcome.success]
        for outcome in ordered:
            sample = ", ".join(f"`{_markdown_cell(value)}`" for value in outcome.sample_unexpected)
            lines.append(
                f"| {outcome.expectation} | {'yes' if outcome.success else '**no**'} "
                f"| {outcome.unexpected_count} | {outcome.unexpected_percent:.2f} | {sample} |"
            )
        return "\n".join(lines)


def import_gx() -> ModuleType:
    """Import GE with its usage analytics off: a pipeline run must not phone home."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx


@cache
def _batch_definition() -> BatchDefinition:
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # GE draws a tqdm bar per validation on stderr; in a backfill that buries the run logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas("sales_pipeline_frames").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def validate_raw_batch(source_name: str, frame: pd.DataFrame, batch: str) -> ValidationSummary:
    """Validate landing rows as delivered (strings or None) against the raw suite of the source."""
    source = SOURCES[source_name]
    missing = [column for column in source.columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{batch}: frame lacks the {source_name} columns {missing}")
    return _validate(raw_suite(source_name), _trimmed(frame, source.columns), batch)


def validate_staging_batch(table: str, frame: pd.DataFrame, batch: str) -> ValidationSummary:
    """Validate typed staging rows against the suite of the staging table."""
    suite = staging_suite(table)
    needed = {str(expectation.column) for expectation in suite.expectations}  # type: ignore[attr-defined]
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise ValueError(f"{batch}: frame lacks the {table} columns {missing}")
    return _validate(suite, frame, batch)


def merge_summaries(
    summaries: list[ValidationSummary], suite: str, batch: str
) -> ValidationSummary:
    """Add up the outcomes of several batches of one suite (e.g. the files of one run).

    Counts are summed, so a `unique` expectation only reports duplicates found within a batch;
    values repeated across batches are not detected by merging.
    """
    merged: dict[str, dict[str, Any]] = {}
    for summary in summaries:
        for outcome in summary.outcomes:
            entry = merged.setdefault(
                outcome.expectation,
                {
                    "column": outcome.column,
                    "success": True,
                    "unexpected": 0,
                    "evaluated": 0,
                    "sample": [],
                },
            )
            entry["success"] = entry["success"] and outcome.success
            entry["unexpected"] += outcome.unexpected_count
            entry["evaluated"] += outcome.evaluated_count
            _extend_sample(entry["sample"], outcome.sample_unexpected)
    outcomes = [
        ExpectationOutcome(
            expectation=name,
            column=entry["column"],
            success=entry["success"],
            unexpected_count=entry["unexpected"],
            unexpected_percent=_percent(entry["unexpected"], entry["evaluated"]),
            sample_unexpected=entry["sample"],
            evaluated_count=entry["evaluated"],
        )
        for name, entry in merged.items()
    ]
    return ValidationSummary(
        suite=suite,
        batch=batch,
        rows=sum(summary.rows for summary in summaries),
        success=all(outcome.success for outcome in outcomes),
        outcomes=outcomes,
    )


def _validate(suite: ExpectationSuite, frame: pd.DataFrame, batch: str) -> ValidationSummary:
    with _LOCK, warnings.catch_warnings():
        # GE runs regexes through pandas `str.contains`, which warns for every pattern with a
        # capture group (the contract's timestamp and decimal patterns) although only the match
        # matters here.
        warnings.filterwarnings("ignore", message=_MATCH_GROUPS_WARNING, category=UserWarning)
        gx_batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        result = gx_batch.validate(suite, result_format=_RESULT_FORMAT)
    # GE returns results grouped by column; the suite's own order reads better and is stable.
    position = {
        _label(expectation.expectation_type, expectation.column): index  # type: ignore[attr-defined]
        for index, expectation in enumerate(suite.expectations)
    }
    outcomes = sorted(
        (_outcome(expectation_result) for expectation_result in result.results),
        key=lambda outcome: position.get(outcome.expectation, len(position)),
    )
    return ValidationSummary(
        suite=suite.name,
        batch=batch,
        rows=len(frame),
        success=all(outcome.success for outcome in outcomes),
        outcomes=outcomes,
    )


def _outcome(expectation_result: Any) -> ExpectationOutcome:
    config = expectation_result.expectation_config
    column = config.kwargs.get("column")
    label = _label(config.type, column)
    error = _raised(expectation_result.exception_info)
    if error is not None:
        # A rule that could not be evaluated is no verdict on the data: fail loudly instead of
        # reporting a pass or an invented count.
        raise RuntimeError(f"{label} could not be evaluated: {error}")
    details = expectation_result.result or {}
    unexpected = int(details.get("unexpected_count") or 0)
    element_count = int(details.get("element_count") or 0)
    evaluated = element_count - int(details.get("missing_count") or 0)
    sample: list[str] = []
    _extend_sample(
        sample, [_as_text(value) for value in details.get("partial_unexpected_list", [])]
    )
    return ExpectationOutcome(
        expectation=label,
        column=column,
        success=bool(expectation_result.success),
        unexpected_count=unexpected,
        unexpected_percent=_percent(unexpected, evaluated),
        sample_unexpected=sample,
        evaluated_count=evaluated,
    )


def _label(expectation_type: str, column: str | None) -> str:
    return f"{expectation_type}({column})" if column is not None else expectation_type


def _raised(exception_info: Any) -> str | None:
    """The error message of an expectation that raised, whichever shape GE reports it in."""
    if not exception_info:
        return None
    infos = [exception_info] if "raised_exception" in exception_info else exception_info.values()
    for info in infos:
        if info.get("raised_exception"):
            return str(info.get("exception_message") or info.get("exception_traceback"))
    return None


def _trimmed(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """A copy of the contract columns with values trimmed and blanks as None, as ingestion reads them.

    The result is object dtype holding str or None whatever came in (pandas 3 `str` columns hold
    NaN for missing values), so the regex rules see exactly the text the pipeline parses.
    """
    import pandas as pd

    data = {column: [_clean(value) for value in frame[column].tolist()] for column in columns}
    return pd.DataFrame(data, columns=list(columns), dtype=object)


def _clean(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = value.strip() if isinstance(value, str) else str(value).strip()
    return text or None


def _as_text(value: Any) -> str:
    import pandas as pd

    # Staging frames are typed: a missing value may be None, NaN, NaT or pd.NA.
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return _NULL
    text = str(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def _extend_sample(sample: list[str], values: list[str]) -> None:
    for value in values:
        if len(sample) >= SAMPLE_SIZE:
            return
        if value not in sample:
            sample.append(value)


def _percent(unexpected: int, evaluated: int) -> float:
    return 100.0 * unexpected / evaluated if evaluated else 0.0


def _markdown_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("`", "'").replace("\n", " ")

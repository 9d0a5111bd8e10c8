"""The Great Expectations layer, run for real on small pandas frames.

Counts are asserted exactly: a rule that stopped firing, or fired on a valid value, fails a test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sales_pipeline.contract import (
    ANSWERED_BY,
    CALL_DIRECTIONS,
    CALL_STATUSES,
    DOCUMENT_STATUSES,
    SOURCES,
)
from sales_pipeline.validation.great_expectations import (
    SAMPLE_SIZE,
    ExpectationOutcome,
    ValidationSummary,
    merge_summaries,
    validate_raw_batch,
    validate_staging_batch,
)
from sales_pipeline.validation.suites import (
    EXPECTATION_KINDS,
    RAW_SPECS,
    STAGING_SPECS,
    raw_suite,
    staging_suite,
)

NOT_NULL = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
REGEX = "expect_column_values_to_match_regex"
UNIQUE = "expect_column_values_to_be_unique"
BETWEEN = "expect_column_values_to_be_between"

# One valid landing row per source, as delivered: strings only, optional columns empty.
VALID_ROWS: dict[str, dict[str, str | None]] = {
    "calls": {
        "sid": "CA001",
        "parent_call_sid": None,
        "direction": "outbound-dial",
        "from": "+30 210-555 0101",
        "to": "(+1) 212.555.0101",
        "status": "completed",
        "start_time": "2026-03-02T08:15:03+02:00",
        "end_time": "2026-03-02T06:20:03.000Z",
        "duration": "300",
        "answered_by": "human",
    },
    "sales_documents": {
        "document_no": "SO-1",
        "document_type": "ORDER",
        "document_date": "2026-03-02",
        "customer_no": "C1",
        "sales_rep_no": "E100",
        "currency": "USD",
        "net_amount": "1234.50",
        "status": "OPEN",
        "changed_at": "2026-03-02T10:00:00Z",
    },
    "fx_rates": {"date": "2026-03-01", "currency": "USD", "rate": "0.92"},
    "users": {
        "Id": "005A",
        "Name": "Ann Rep",
        "Email": "ann@example.com",
        "EmployeeNumber": "E100",
        "Phone": "+30 210-555 0101",
        "Title": "AE",
        "IsActive": "true",
    },
    "contacts": {
        "Id": "003A",
        "AccountId": "001A",
        "Name": "Bo Buyer",
        "Title": "CFO",
        "Phone": "+1 212 555 0101",
        "MobilePhone": None,
        "Decision_Maker__c": "TRUE",
    },
    "team_memberships": {
        "Id": "a01",
        "User__c": "005A",
        "Team__c": "North",
        "Department__c": "Field",
        "Start_Date__c": "2026-01-01",
        "End_Date__c": None,
    },
    "sales_targets": {
        "Id": "a02",
        "User__c": "005A",
        "Metric__c": "calls_made",
        "Period_Type__c": "Month",
        "Period_Start__c": "2026-03-01",
        "Target__c": "400",
    },
    "events": {
        "Id": "00U1",
        "OwnerId": "005A",
        "WhoId": "003A",
        "AccountId": "001A",
        "Type": "Visit",
        "Subject": "Visit",
        "StartDateTime": "2026-03-02T09:00:00.000+0000",
        "EndDateTime": None,
        "IsDeleted": "False",
        "LastModifiedDate": "2026-03-02T09:30:00Z",
    },
}


def raw_frame(source: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Valid rows of `source` with the given columns overridden, shaped as ingestion hands them."""
    records = [{**VALID_ROWS[source], **overrides} for overrides in rows]
    return pd.DataFrame(records, columns=list(SOURCES[source].columns), dtype=object)


def outcome(summary: ValidationSummary, expectation: str, column: str) -> ExpectationOutcome:
    label = f"{expectation}({column})"
    matches = [o for o in summary.outcomes if o.expectation == label]
    assert len(matches) == 1, f"{label} not in {[o.expectation for o in summary.outcomes]}"
    return matches[0]


def failures(summary: ValidationSummary) -> dict[str, int]:
    return {o.expectation: o.unexpected_count for o in summary.failed()}


# --- the specs, without GE ---------------------------------------------------------------------


def test_every_source_has_a_raw_suite_over_its_own_columns() -> None:
    assert set(RAW_SPECS) == set(SOURCES)
    for name, specs in RAW_SPECS.items():
        for kind, column, _ in specs:
            assert kind in EXPECTATION_KINDS
            assert column in SOURCES[name].columns, f"{name}: {column} is no contract column"


@pytest.mark.parametrize("specs", [*RAW_SPECS.values(), *STAGING_SPECS.values()])
def test_no_rule_is_listed_twice(specs: list[tuple[str, str, dict[str, Any]]]) -> None:
    # Outcomes are keyed by (kind, column); GE would also drop an exact duplicate silently.
    keys = [(kind, column) for kind, column, _ in specs]
    assert len(keys) == len(set(keys))


def test_importing_the_layer_does_not_import_great_expectations() -> None:
    code = (
        "import sys, sales_pipeline.validation.great_expectations, sales_pipeline.validation.suites;"
        "sys.exit('great_expectations' in sys.modules)"
    )
    repo_root = Path(__file__).resolve().parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=repo_root, check=False).returncode == 0


# --- raw suites ----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_clean_batch_passes(source: str) -> None:
    summary = validate_raw_batch(source, raw_frame(source, [{}, {}, {}]), f"{source}.csv")
    assert summary.success, summary.as_markdown()
    assert summary.rows == 3
    assert summary.suite == SOURCES[source].raw_table
    assert len(summary.outcomes) == len(RAW_SPECS[source])
    assert all(o.unexpected_count == 0 and o.sample_unexpected == [] for o in summary.outcomes)


def test_every_value_of_the_contract_sets_is_accepted() -> None:
    rows = [
        {"direction": d, "status": s, "answered_by": a}
        for d, s, a in zip(
            CALL_DIRECTIONS * 3, CALL_STATUSES * 2, (*ANSWERED_BY, None), strict=False
        )
    ]
    assert validate_raw_batch("calls", raw_frame("calls", rows), "sets").success


def test_bad_calls_are_counted_per_rule_with_their_values() -> None:
    frame = raw_frame(
        "calls",
        [
            {},
            {"direction": "Inbound"},  # case matters
            {"direction": "outbound"},
            {"status": "done", "answered_by": "robot"},
            {"start_time": "2026-03-02T08:15:03"},  # no offset
            {"start_time": "02/03/2026 08:15", "end_time": "2026-03-02 08:15:03Z"},
            {"duration": "-5"},
            {"duration": "12.5"},
            {"sid": None, "from": None},
            {"parent_call_sid": "CA001", "answered_by": None, "end_time": None, "duration": None},
        ],
    )
    summary = validate_raw_batch("calls", frame, "calls_2026-03-02.csv")
    assert not summary.success
    assert failures(summary) == {
        f"{NOT_NULL}(sid)": 1,
        f"{NOT_NULL}(from)": 1,
        f"{IN_SET}(direction)": 2,
        f"{IN_SET}(status)": 1,
        f"{IN_SET}(answered_by)": 1,
        f"{REGEX}(start_time)": 2,
        f"{REGEX}(duration)": 2,
    }
    assert outcome(summary, IN_SET, "direction").sample_unexpected == ["Inbound", "outbound"]
    assert outcome(summary, REGEX, "start_time").sample_unexpected == [
        "2026-03-02T08:15:03",
        "02/03/2026 08:15",
    ]
    assert outcome(summary, REGEX, "duration").sample_unexpected == ["-5", "12.5"]
    assert outcome(summary, NOT_NULL, "sid").sample_unexpected == ["<null>"]
    # A space instead of 'T' is ISO 8601 too, and an empty optional column is no failure.
    assert outcome(summary, REGEX, "end_time").success
    # Nulls are not evaluated by in-set and regex rules: 9 of 10 durations were looked at.
    duration = outcome(summary, REGEX, "duration")
    assert duration.evaluated_count == 9
    # A share of the values looked at, computed as 100 x unexpected / evaluated: exactly 200/9.
    assert duration.unexpected_percent == 100 * 2 / 9
    assert outcome(summary, NOT_NULL, "sid").unexpected_percent == 10.0  # 1 of 10


def test_bad_sales_documents() -> None:
    frame = raw_frame(
        "sales_documents",
        [
            {},
            {"net_amount": "1,234.50"},  # thousands separator: rejected, not guessed at
            {"net_amount": "-10.00"},
            {"net_amount": None},
            {"currency": "eur"},
            {"document_type": "INVOICE", "status": "Open"},
            {"document_date": "2026-03-02T00:00:00Z"},
            {"changed_at": "yesterday"},
        ],
    )
    summary = validate_raw_batch("sales_documents", frame, "sales_documents_2026-03-02.csv")
    assert failures(summary) == {
        f"{NOT_NULL}(net_amount)": 1,
        f"{REGEX}(net_amount)": 2,
        f"{REGEX}(currency)": 1,
        f"{IN_SET}(document_type)": 1,
        f"{IN_SET}(status)": 1,
        f"{REGEX}(document_date)": 1,
        f"{REGEX}(changed_at)": 1,
    }
    assert outcome(summary, REGEX, "net_amount").sample_unexpected == ["1,234.50", "-10.00"]
    assert outcome(summary, IN_SET, "status").sample_unexpected == ["Open"]


def test_booleans_match_in_any_case_and_nothing_else() -> None:
    frame = raw_frame(
        "events",
        [
            {"IsDeleted": "TRUE"},
            {"IsDeleted": "false"},
            {"IsDeleted": "FaLsE"},
            {"IsDeleted": None},
            {"IsDeleted": "yes"},
            {"IsDeleted": "0"},
            {"Type": "visit"},  # enumerated values match exactly
            {"StartDateTime": "2026-03-02T09:00:00+02"},
        ],
    )
    summary = validate_raw_batch("events", frame, "Event_2026-03-02.csv")
    assert failures(summary) == {f"{REGEX}(IsDeleted)": 2, f"{IN_SET}(Type)": 1}
    assert outcome(summary, REGEX, "IsDeleted").sample_unexpected == ["yes", "0"]

    users = raw_frame("users", [{"IsActive": "True"}, {"IsActive": "Y"}, {"Id": None}])
    assert failures(validate_raw_batch("users", users, "User.csv")) == {
        f"{NOT_NULL}(Id)": 1,
        f"{REGEX}(IsActive)": 1,
    }
    contacts = raw_frame("contacts", [{"Decision_Maker__c": "1"}, {"Decision_Maker__c": None}])
    assert failures(validate_raw_batch("contacts", contacts, "Contact.csv")) == {
        f"{REGEX}(Decision_Maker__c)": 1
    }


def test_snapshot_sources() -> None:
    fx = raw_frame(
        "fx_rates", [{"rate": "1e-3"}, {"rate": ".5"}, {"currency": "US"}, {"date": None}]
    )
    assert failures(validate_raw_batch("fx_rates", fx, "fx_rates.csv")) == {
        f"{REGEX}(rate)": 2,
        f"{REGEX}(currency)": 1,
        f"{NOT_NULL}(date)": 1,
    }
    targets = raw_frame(
        "sales_targets",
        [{"Period_Type__c": "Weekly"}, {"Period_Type__c": "month"}, {"Target__c": "1 000"}],
    )
    summary = validate_raw_batch("sales_targets", targets, "Sales_Target__c.csv")
    assert failures(summary) == {f"{IN_SET}(Period_Type__c)": 2, f"{REGEX}(Target__c)": 1}
    assert outcome(summary, IN_SET, "Period_Type__c").sample_unexpected == ["Weekly", "month"]
    memberships = raw_frame("team_memberships", [{"End_Date__c": "2026/12/31"}])
    assert failures(validate_raw_batch("team_memberships", memberships, "tm.csv")) == {
        f"{REGEX}(End_Date__c)": 1
    }


def test_values_are_trimmed_and_blank_is_null() -> None:
    frame = raw_frame(
        "calls",
        [
            {"status": " completed ", "duration": "\t42 ", "sid": "  CA9"},
            {"direction": "   "},  # blank: null, so the required column fails
            {"answered_by": "  "},  # blank in an optional column: fine
        ],
    )
    summary = validate_raw_batch("calls", frame, "padded.csv")
    assert failures(summary) == {f"{NOT_NULL}(direction)": 1}
    # The caller's frame is left as it was.
    assert frame.loc[0, "status"] == " completed "


def test_pandas_string_dtype_frames_validate_like_object_frames() -> None:
    # pandas 3 reads text into the `str` dtype, which holds NaN, not None, for missing values.
    rows = [{}, {"status": "done"}, {"sid": None}, {"duration": "x"}]
    as_object = validate_raw_batch("calls", raw_frame("calls", rows), "object")
    as_str = validate_raw_batch("calls", raw_frame("calls", rows).astype("str"), "str")
    assert raw_frame("calls", rows).astype("str")["sid"].dtype == "str"
    assert (
        failures(as_str)
        == failures(as_object)
        == {
            f"{NOT_NULL}(sid)": 1,
            f"{IN_SET}(status)": 1,
            f"{REGEX}(duration)": 1,
        }
    )


def test_an_empty_batch_passes() -> None:
    summary = validate_raw_batch("calls", raw_frame("calls", []), "calls_2026-03-03.csv")
    assert summary.success
    assert summary.rows == 0
    assert len(summary.outcomes) == len(RAW_SPECS["calls"])


def test_the_sample_holds_distinct_values_up_to_its_size() -> None:
    statuses = ["done", "done", "ok", "ok", "ok", "x1", "x2", "x3", "x4", "x5"]
    summary = validate_raw_batch(
        "calls", raw_frame("calls", [{"status": s} for s in statuses]), "many"
    )
    status = outcome(summary, IN_SET, "status")
    assert status.unexpected_count == 10
    assert status.sample_unexpected == ["done", "ok", "x1", "x2", "x3"]
    assert len(status.sample_unexpected) == SAMPLE_SIZE


def test_a_frame_missing_a_contract_column_is_refused() -> None:
    frame = raw_frame("calls", [{}]).drop(columns=["status"])
    with pytest.raises(ValueError, match="status"):
        validate_raw_batch("calls", frame, "calls.csv")


def test_suites_are_built_once() -> None:
    assert raw_suite("calls") is raw_suite("calls")
    assert staging_suite("staging.calls") is staging_suite("staging.calls")


# --- staging suites ------------------------------------------------------------------------------


def staging_calls(**overrides: list[Any]) -> pd.DataFrame:
    columns: dict[str, list[Any]] = {
        "sid": ["CA1", "CA2", "CA3"],
        "activity_date": pd.to_datetime(["2026-03-02", "2026-03-02", "2026-03-03"]).date.tolist(),
        "duration": [0, 35, None],
        "direction": ["outbound-dial", "inbound", "outbound-api"],
        "status": ["completed", "busy", "no-answer"],
    }
    columns.update(overrides)
    frame = pd.DataFrame(columns)
    frame["duration"] = frame["duration"].astype("Int64")
    return frame


def test_clean_staging_tables_pass() -> None:
    assert validate_staging_batch("staging.calls", staging_calls(), "staging.calls").success
    documents = pd.DataFrame(
        {
            "document_no": ["SO-1", "SO-2"],
            "net_amount": [10.5, 0.01],
            "fx_rate": [1.0, 0.92],
            "document_type": ["ORDER", "RETURN"],
            "status": list(DOCUMENT_STATUSES[:2]),
        }
    )
    assert validate_staging_batch("staging.sales_documents", documents, "docs").success
    events = pd.DataFrame({"event_id": ["E1", "E2"], "event_type": ["Visit", "Meeting"]})
    assert validate_staging_batch("staging.events", events, "events").success


def test_staging_calls_failures() -> None:
    frame = staging_calls(
        sid=["CA1", "CA1", "CA3"],
        activity_date=[None, pd.Timestamp("2026-03-02").date(), None],
        duration=[-1, 35, None],
        status=["completed", "ringing", "busy"],
    )
    summary = validate_staging_batch("staging.calls", frame, "staging.calls")
    # Both rows of a duplicated key are unexpected.
    assert failures(summary) == {
        f"{UNIQUE}(sid)": 2,
        f"{NOT_NULL}(activity_date)": 2,
        f"{BETWEEN}(duration)": 1,
        f"{IN_SET}(status)": 1,
    }
    assert outcome(summary, UNIQUE, "sid").sample_unexpected == ["CA1"]
    assert outcome(summary, BETWEEN, "duration").sample_unexpected == ["-1"]


def test_staging_amounts_and_rates_must_be_positive() -> None:
    documents = pd.DataFrame(
        {
            "document_no": ["SO-1", "SO-2", "SO-3"],
            "net_amount": [0.0, 5.0, -2.5],
            "fx_rate": [1.0, 0.0, None],
            "document_type": ["ORDER"] * 3,
            "status": ["OPEN"] * 3,
        }
    )
    summary = validate_staging_batch("staging.sales_documents", documents, "docs")
    assert failures(summary) == {f"{BETWEEN}(net_amount)": 2, f"{BETWEEN}(fx_rate)": 1}
    assert outcome(summary, BETWEEN, "net_amount").sample_unexpected == ["0.0", "-2.5"]


def test_staging_activities_need_rep_day_team_and_department() -> None:
    activities = pd.DataFrame(
        {
            "rep_id": ["005A", None],
            "activity_date": pd.to_datetime(["2026-03-02", None]),
            "team": ["North", "Unassigned"],
            "department": ["Field", "Unassigned"],
        }
    )
    summary = validate_staging_batch("staging.activities", activities, "activities")
    assert failures(summary) == {f"{NOT_NULL}(rep_id)": 1, f"{NOT_NULL}(activity_date)": 1}


def test_a_rule_that_cannot_be_evaluated_raises() -> None:
    # Text amounts cannot be compared with 0: that is a wiring bug, not a data verdict.
    documents = pd.DataFrame(
        {
            "document_no": ["SO-1"],
            "net_amount": ["12.50"],
            "fx_rate": [1.0],
            "document_type": ["ORDER"],
            "status": ["OPEN"],
        }
    )
    with pytest.raises(RuntimeError, match="net_amount"):
        validate_staging_batch("staging.sales_documents", documents, "docs")


def test_unknown_staging_table_and_missing_column() -> None:
    with pytest.raises(KeyError):
        validate_staging_batch("staging.nope", pd.DataFrame(), "x")
    with pytest.raises(ValueError, match="activity_date"):
        validate_staging_batch("staging.calls", staging_calls().drop(columns="activity_date"), "x")


# --- merging and rendering -----------------------------------------------------------------------


def test_merge_adds_counts_and_keeps_a_capped_distinct_sample() -> None:
    first = validate_raw_batch(
        "calls",
        raw_frame("calls", [{"status": "a"}, {"status": "b"}, {"status": "c"}, {"duration": None}]),
        "calls_2026-03-01.csv",
    )
    second = validate_raw_batch(
        "calls",
        raw_frame("calls", [{"status": "c"}, {"status": "d"}, {"status": "e"}, {"status": "f"}]),
        "calls_2026-03-02.csv",
    )
    clean = validate_raw_batch("calls", raw_frame("calls", [{}, {}]), "calls_2026-03-03.csv")
    merged = merge_summaries([first, second, clean], suite="raw.calls", batch="3 files")
    assert (merged.suite, merged.batch, merged.rows, merged.success) == (
        "raw.calls",
        "3 files",
        10,
        False,
    )
    status = outcome(merged, IN_SET, "status")
    assert status.unexpected_count == 7
    assert status.evaluated_count == 10
    assert status.unexpected_percent == 70.0  # 7 of 10
    assert status.sample_unexpected == ["a", "b", "c", "d", "e"]
    assert outcome(merged, REGEX, "duration").evaluated_count == 9
    assert [o.expectation for o in merged.outcomes] == [o.expectation for o in first.outcomes]
    assert failures(merged) == {f"{IN_SET}(status)": 7}

    empty = merge_summaries([], suite="raw.calls", batch="no files")
    assert empty.success and empty.rows == 0 and empty.outcomes == []


def test_markdown_lists_failures_first_and_escapes_cells() -> None:
    summary = validate_raw_batch(
        "calls", raw_frame("calls", [{}, {"status": "a|b"}]), "calls_2026-03-02.csv"
    )
    text = summary.as_markdown()
    lines = text.splitlines()
    assert lines[0] == (
        f"**raw.calls** on `calls_2026-03-02.csv`: 2 rows, 1 of {len(RAW_SPECS['calls'])} "
        "expectations failed"
    )
    assert lines[4] == f"| {IN_SET}(status) | **no** | 1 | 50.00 | `a\\|b` |"
    assert len(lines) == 4 + len(RAW_SPECS["calls"])

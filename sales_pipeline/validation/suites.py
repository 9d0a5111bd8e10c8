"""Great Expectations suites: one per landing source (raw) and one per staging table.

Every rule is written as a plain `(kind, column, kwargs)` spec first and turned into a GE suite
only when a suite is first asked for: the specs are cheap to import, readable in one place and
testable without GE, while GE itself costs seconds to import and must stay out of the Dagster code
location's load path. The raw specs are derived from `contract.py`, so a value set or pattern that
changes there changes here too.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from sales_pipeline.contract import (
    ANSWERED_BY,
    BOOLEAN_PATTERN,
    CALL_DIRECTIONS,
    CALL_STATUSES,
    CURRENCY_PATTERN,
    DATE_PATTERN,
    DECIMAL_PATTERN,
    DOCUMENT_STATUSES,
    DOCUMENT_TYPES,
    EVENT_TYPES,
    NON_NEGATIVE_INTEGER_PATTERN,
    PERIOD_TYPES,
    SOURCES,
    TIMESTAMP_PATTERN,
)

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite

# (kind, column, kwargs); kind is a key of EXPECTATION_KINDS.
ExpectationSpec = tuple[str, str, dict[str, Any]]

# Short kinds keep the spec tables readable; the values are GE class names, resolved lazily.
EXPECTATION_KINDS: dict[str, str] = {
    "not_null": "ExpectColumnValuesToNotBeNull",
    "unique": "ExpectColumnValuesToBeUnique",
    "in_set": "ExpectColumnValuesToBeInSet",
    "regex": "ExpectColumnValuesToMatchRegex",
    "between": "ExpectColumnValuesToBeBetween",
}


def _not_null(*columns: str) -> list[ExpectationSpec]:
    return [("not_null", column, {}) for column in columns]


def _in_set(column: str, values: tuple[str, ...]) -> ExpectationSpec:
    return ("in_set", column, {"value_set": list(values)})


def _regex(pattern: str, *columns: str) -> list[ExpectationSpec]:
    return [("regex", column, {"regex": pattern}) for column in columns]


# What a landing row must satisfy as delivered: every value a string (trimmed) or None.
# In-set and regex expectations skip nulls, so an optional column only needs its format rule;
# a required column gets a not_null rule on top.
RAW_SPECS: dict[str, list[ExpectationSpec]] = {
    "calls": [
        *_not_null("sid", "direction", "from", "to", "status", "start_time"),
        _in_set("direction", CALL_DIRECTIONS),
        _in_set("status", CALL_STATUSES),
        _in_set("answered_by", ANSWERED_BY),
        *_regex(TIMESTAMP_PATTERN, "start_time", "end_time"),
        *_regex(NON_NEGATIVE_INTEGER_PATTERN, "duration"),
    ],
    "sales_documents": [
        *_not_null(
            "document_no",
            "document_type",
            "document_date",
            "sales_rep_no",
            "currency",
            "net_amount",
            "status",
            "changed_at",
        ),
        _in_set("document_type", DOCUMENT_TYPES),
        _in_set("status", DOCUMENT_STATUSES),
        *_regex(DATE_PATTERN, "document_date"),
        *_regex(TIMESTAMP_PATTERN, "changed_at"),
        *_regex(DECIMAL_PATTERN, "net_amount"),
        *_regex(CURRENCY_PATTERN, "currency"),
    ],
    "fx_rates": [
        *_not_null("date", "currency", "rate"),
        *_regex(DATE_PATTERN, "date"),
        *_regex(CURRENCY_PATTERN, "currency"),
        *_regex(DECIMAL_PATTERN, "rate"),
    ],
    "users": [
        *_not_null("Id"),
        *_regex(BOOLEAN_PATTERN, "IsActive"),
    ],
    "contacts": [
        *_not_null("Id"),
        *_regex(BOOLEAN_PATTERN, "Decision_Maker__c"),
    ],
    "team_memberships": [
        *_not_null("Id"),
        *_regex(DATE_PATTERN, "Start_Date__c", "End_Date__c"),
    ],
    "sales_targets": [
        *_not_null("Id"),
        _in_set("Period_Type__c", PERIOD_TYPES),
        *_regex(DATE_PATTERN, "Period_Start__c"),
        *_regex(DECIMAL_PATTERN, "Target__c"),
    ],
    "events": [
        *_not_null("Id", "OwnerId", "Type", "StartDateTime", "LastModifiedDate"),
        _in_set("Type", EVENT_TYPES),
        *_regex(TIMESTAMP_PATTERN, "StartDateTime", "EndDateTime", "LastModifiedDate"),
        *_regex(BOOLEAN_PATTERN, "IsDeleted"),
    ],
}

# What clean, typed rows must satisfy after staging. Column names follow sql/staging/*.sql as of
# writing (events.Id is event_id there, the document's rate is fx_rate); when the SQL renames a
# column, this table is the one place to follow.
STAGING_SPECS: dict[str, list[ExpectationSpec]] = {
    "staging.calls": [
        *_not_null("sid", "activity_date"),
        ("unique", "sid", {}),
        ("between", "duration", {"min_value": 0}),
        _in_set("direction", CALL_DIRECTIONS),
        _in_set("status", CALL_STATUSES),
    ],
    "staging.sales_documents": [
        *_not_null("document_no"),
        ("unique", "document_no", {}),
        ("between", "net_amount", {"min_value": 0, "strict_min": True}),
        ("between", "fx_rate", {"min_value": 0, "strict_min": True}),
        _in_set("document_type", DOCUMENT_TYPES),
        _in_set("status", DOCUMENT_STATUSES),
    ],
    "staging.events": [
        *_not_null("event_id"),
        ("unique", "event_id", {}),
        _in_set("event_type", EVENT_TYPES),
    ],
    "staging.activities": [
        *_not_null("rep_id", "activity_date", "team", "department"),
    ],
}


def raw_suite_name(source_name: str) -> str:
    return SOURCES[source_name].raw_table


def _build_suite(name: str, specs: list[ExpectationSpec]) -> ExpectationSuite:
    from sales_pipeline.validation.great_expectations import import_gx

    gx = import_gx()
    expectations = [
        getattr(gx.expectations, EXPECTATION_KINDS[kind])(column=column, **kwargs)
        for kind, column, kwargs in specs
    ]
    # Passed to the constructor rather than add_expectation(): that one looks the suite up in the
    # current context's store, which needs a context and buys nothing for an unsaved suite.
    suite = gx.ExpectationSuite(name=name, expectations=expectations)
    # GE logs and skips an expectation it cannot take, and the suite is a set that drops
    # duplicates; either would silently lose a rule.
    if len(suite.expectations) != len(specs):
        raise ValueError(
            f"suite {name}: {len(specs)} specs gave {len(suite.expectations)} expectations"
        )
    return suite


# Suites are built once per process: validation runs per file, thousands of times in a backfill,
# and building a suite means pydantic-validating every expectation again.
@cache
def raw_suite(source_name: str) -> ExpectationSuite:
    if source_name not in RAW_SPECS:
        raise KeyError(f"no raw suite for source {source_name!r}; known: {sorted(RAW_SPECS)}")
    return _build_suite(raw_suite_name(source_name), RAW_SPECS[source_name])


@cache
def staging_suite(table: str) -> ExpectationSuite:
    if table not in STAGING_SPECS:
        raise KeyError(f"no staging suite for table {table!r}; known: {sorted(STAGING_SPECS)}")
    return _build_suite(table, STAGING_SPECS[table])

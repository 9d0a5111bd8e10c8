"""A mapping compiled to SQL expressions over the rows of one batch of source files.

The expressions read `lines`, a batch of records as text (CSV columns `c0, c1, ...`, or one JSON
value `_record`), and give each contract field as text in the contract's own form (ISO 8601
timestamps with an offset, whole seconds, contract labels). Values a field cannot be turned into
give a reason instead (`mapping_errors`), so the row is quarantined naming the value and the
expected form; values the mapping passes on unchanged are judged by the staging rules as usual.

Nothing here interpolates user text into SQL except through `sql_literal` (quoted strings) and
`sql_identifier`; regular expressions and strptime patterns are passed as quoted strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sales_pipeline.sources.models import (
    AnyOf,
    Condition,
    FieldSpec,
    Mapping,
    NumberSpec,
    TimestampSpec,
)
from sales_pipeline.sql import sql_identifier, sql_literal

ColumnSql = Callable[[str], str]

# The contract's timestamp form: UTC with a Z, microseconds kept.
_ISO_UTC = "%Y-%m-%dT%H:%M:%S.%fZ"
_RFC2822 = ["%a, %d %b %Y %H:%M:%S %z", "%d %b %Y %H:%M:%S %z", "%a, %d %b %Y %H:%M %z"]
_JSON_KEY = re.compile(r"^([^\[\]]+)((?:\[\d+\])*)$")


def column_positions(names: list[str] | tuple[str, ...]) -> dict[str, int]:
    """Where each name is in a header: exactly as spelt, else in any case where that spelling is
    the header's only one (Data Loader writes `ID, OWNERID` for `Id, OwnerId`)."""
    positions: dict[str, int] = {}
    folded: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        positions.setdefault(name, index)
        folded.setdefault(name.lower(), []).append(index)
    for lower, indexes in folded.items():
        if len(indexes) == 1:
            positions.setdefault(lower, indexes[0])
    return positions


def missing_columns(wanted: set[str], header: list[str] | tuple[str, ...]) -> list[str]:
    positions = column_positions(header)
    return sorted(
        name for name in wanted if name not in positions and name.lower() not in positions
    )


def csv_column_sql(names: list[str]) -> ColumnSql:
    """Columns of a CSV batch, by the position of their name in the header or configuration."""
    positions = column_positions(names)

    def column(name: str) -> str:
        return f"lines.c{positions.get(name, positions.get(name.lower()))}"

    return column


def json_path(name: str) -> str:
    """`from.phoneNumber` or `legs[0].result` as a DuckDB JSON path."""
    parts = []
    for key in name.split("."):
        match = _JSON_KEY.match(key)
        if match is None:
            raise ValueError(f"{name!r} is not a key path (keys separated by '.', [n] for items)")
        parts.append("." + '"' + match.group(1).replace('"', '\\"') + '"' + match.group(2))
    return "$" + "".join(parts)


def json_column_sql(name: str) -> str:
    return f"json_extract_string(lines._record, {sql_literal(json_path(name))})"


def _text(expression: str) -> str:
    # Empty = null and surrounding blanks are no part of a value, as in the contract.
    return f"nullif(trim({expression}), '')"


def lookup_table(name: str) -> str:
    """The temp table a mapping's lookup is read into (ingestion/read_lookup.sql)."""
    return f"lookup_{name}"


@dataclass
class FieldCompiler:
    """Compiles the field specs of one mapping; collects the reasons a value cannot be mapped."""

    column_sql: ColumnSql
    # The mapping's zone for local timestamps whose spec names none.
    timezone: str | None = None
    # Nested lookups (a role's parent's name) need an alias each.
    _lookup_depth: int = 0

    def column(self, name: str) -> str:
        return _text(self.column_sql(name))

    def condition(self, condition: Condition) -> str:
        value = self.column(condition.column)

        def fold(sql: str) -> str:
            return f"lower({sql})" if condition.ignore_case else sql

        def text(literal: str) -> str:
            return fold(sql_literal(literal))

        if condition.equals is not None:
            return f"coalesce({fold(value)} = {text(condition.equals)}, FALSE)"
        if condition.not_equals is not None:
            return f"({fold(value)} IS DISTINCT FROM {text(condition.not_equals)})"
        if condition.in_ is not None:
            options = ", ".join(text(item) for item in condition.in_)
            return f"coalesce({fold(value)} IN ({options}), FALSE)"
        if condition.matches is not None:
            pattern = ("(?i)" if condition.ignore_case else "") + condition.matches
            return f"coalesce(regexp_matches({value}, {sql_literal(pattern)}), FALSE)"
        if condition.greater_than is not None:
            return f"coalesce(try_cast({value} AS DOUBLE) > {condition.greater_than!r}, FALSE)"
        return f"({value} IS {'' if condition.empty else 'NOT '}NULL)"

    def conditions(self, conditions: list[Condition | AnyOf]) -> str:
        if not conditions:
            return "TRUE"
        return " AND ".join(
            "(" + " OR ".join(self.condition(c) for c in condition.any) + ")"
            if isinstance(condition, AnyOf)
            else self.condition(condition)
            for condition in conditions
        )

    def value(self, spec: FieldSpec) -> str:
        """The field's value before `timestamp` / `number`: text or NULL."""
        if spec.column is not None:
            sql = self.column(spec.column)
        elif spec.columns is not None:
            sql = "coalesce(" + ", ".join(self.column(c) for c in spec.columns) + ")"
        elif spec.constant is not None:
            sql = "NULL::VARCHAR" if spec.constant == "" else sql_literal(spec.constant)
        elif spec.concat is not None:
            parts = ", ".join(self.field(part) for part in spec.concat)
            sql = f"nullif(concat_ws({sql_literal(spec.separator)}, {parts}), '')"
        elif spec.difference is not None:
            first, second = (f"try_cast({self.column(c)} AS DOUBLE)" for c in spec.difference)
            sql = f"CAST(round({second} - {first}) AS BIGINT)::VARCHAR"
        elif spec.lookup is not None:
            sql = self._lookup(spec)
        elif spec.first is not None:
            sql = "coalesce(" + ", ".join(self.field(part) for part in spec.first) + ")"
        else:
            assert spec.when is not None
            cases = " ".join(
                f"WHEN {self.conditions(case.if_)} THEN {self.field(case.then)}"
                for case in spec.when
            )
            otherwise = self.field(spec.else_) if spec.else_ is not None else "NULL"
            sql = f"CASE {cases} ELSE {otherwise} END"
        if spec.extract is not None:
            group = 1 if "(" in spec.extract.replace("\\(", "") else 0
            sql = f"nullif(regexp_extract({sql}, {sql_literal(spec.extract)}, {group}), '')"
        if spec.map is not None:
            sql = self._mapped(sql, spec)
        return sql

    def field(self, spec: FieldSpec) -> str:
        """The field's value in the contract's form (text), NULL when it cannot be mapped."""
        sql = self.value(spec)
        if spec.timestamp is not None:
            return self._timestamp_text(sql, spec.timestamp)
        if spec.date is not None:
            return f"strftime(try_strptime({sql}, {sql_literal(spec.date)}), '%Y-%m-%d')"
        if spec.number is not None:
            return self._number_text(sql, spec.number)
        return sql

    def error(self, name: str, spec: FieldSpec) -> str | None:
        """A reason when the field's value is present but cannot be turned into its form."""
        if spec.timestamp is not None and spec.timestamp.format != "iso":
            source = self.value(spec)
            parsed = self._timestamp_text(source, spec.timestamp)
            expected = _describe_timestamp(spec.timestamp, self.timezone)
            return (
                f"CASE WHEN {source} IS NOT NULL AND {parsed} IS NULL THEN "
                f"{sql_literal(name + ' ')} || sp_quote({source}) || "
                f"{sql_literal(' is not ' + expected)} END"
            )
        if spec.date is not None:
            source = self.value(spec)
            return (
                f"CASE WHEN {source} IS NOT NULL AND {self.field(spec)} IS NULL THEN "
                f"{sql_literal(name + ' ')} || sp_quote({source}) || "
                f"{sql_literal(' is not a date in the format ' + spec.date)} END"
            )
        if spec.number is not None:
            source = self.value(spec)
            parsed = self._number_text(source, spec.number)
            return (
                f"CASE WHEN {source} IS NOT NULL AND {parsed} IS NULL THEN "
                f"{sql_literal(name + ' ')} || sp_quote({source}) || ' is not a number' END"
            )
        return None

    def _lookup(self, spec: FieldSpec) -> str:
        assert spec.lookup is not None and spec.key is not None and spec.value is not None
        self._lookup_depth += 1
        alias = f"lookup{self._lookup_depth}"
        key = self.field(spec.key)
        self._lookup_depth -= 1
        # The lookup table holds one row per key (read_lookup.sql), so this is one value or NULL.
        return (
            f"(SELECT {_text(alias + '.' + sql_identifier(spec.value))} "
            f"FROM {lookup_table(spec.lookup)} AS {alias} WHERE {alias}._key = {key})"
        )

    def _mapped(self, sql: str, spec: FieldSpec) -> str:
        assert spec.map is not None
        cases = []
        for label, target in spec.map.items():
            result = "NULL" if target == "" else sql_literal(target)
            if "*" in label:
                pattern = label.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                cases.append(
                    f"WHEN {sql} ILIKE {sql_literal(pattern.replace('*', '%'))} ESCAPE '\\' "
                    f"THEN {result}"
                )
            else:
                cases.append(f"WHEN lower({sql}) = {sql_literal(label.lower())} THEN {result}")
        otherwise = {"keep": sql, "": "NULL"}.get(spec.unmapped, sql_literal(spec.unmapped))
        return f"CASE {' '.join(cases)} ELSE {otherwise} END"

    def _timestamp_text(self, sql: str, spec: TimestampSpec) -> str:
        if spec.format == "iso":
            return sql
        if spec.format == "rfc2822":
            # One try_strptime per pattern: DuckDB 1.x/2.0 given a list of patterns rolls an
            # impossible date over (30 Feb -> 2 Mar) instead of rejecting it.
            parsed = (
                "coalesce("
                + ", ".join(f"try_strptime({sql}, {sql_literal(pattern)})" for pattern in _RFC2822)
                + ")"
            )
        elif spec.format in ("epoch_seconds", "epoch_milliseconds"):
            divisor = 1000 if spec.format == "epoch_milliseconds" else 1
            number = f"try_cast({sql} AS DOUBLE)"
            parsed = (
                f"CASE WHEN {number} BETWEEN 0 AND 1e11 * {divisor} "
                f"THEN to_timestamp({number} / {divisor}) END"
            )
        else:
            parsed = f"try_strptime({sql}, {sql_literal(spec.format)})"
            if not spec.has_offset:
                zone = spec.timezone or self.timezone
                parsed = f"timezone({sql_literal(zone)}, {parsed})"
        return f"strftime(timezone('UTC', {parsed}), {sql_literal(_ISO_UTC)})"

    @staticmethod
    def _number_text(sql: str, spec: NumberSpec) -> str:
        if spec.unit == "clock":
            # [h:]mm:ss: the parts from the right are seconds, minutes, hours.
            parts = f"string_split(trim({sql}), ':')"
            return (
                f"CASE WHEN regexp_full_match(trim({sql}), '(\\d+:)?\\d{{1,2}}:\\d{{1,2}}') THEN "
                f"list_reduce(list_transform({parts}, lambda x: x::BIGINT), "
                "lambda a, b: a * 60 + b)::VARCHAR END"
            )
        text = sql
        if spec.strip_currency:
            # Symbols, ISO codes and spaces around the amount: 'EUR 1.234,50', '$ 12.00', '12 €'.
            text = f"regexp_replace({text}, '[^0-9.,+-]', '', 'g')"
        # The decimal separator becomes '.', the other one (thousands) and spaces go.
        if spec.decimal_comma:
            text = f"replace(regexp_replace({text}, '[.\\s]', '', 'g'), ',', '.')"
        else:
            text = f"regexp_replace({text}, '[,\\s]', '', 'g')"
        number = f"try_cast({text} AS DECIMAL(38, 12))"
        factor = {"milliseconds": " / 1000", "minutes": " * 60"}.get(spec.unit or "", "")
        if spec.unit is not None or spec.whole:
            return f"CAST(round({number}{factor}) AS BIGINT)::VARCHAR"
        return f"CASE WHEN {number} IS NOT NULL THEN {text} END"


def _describe_timestamp(spec: TimestampSpec, default_zone: str | None) -> str:
    named = {
        "rfc2822": "an RFC 2822 timestamp",
        "epoch_seconds": "a Unix time in seconds",
        "epoch_milliseconds": "a Unix time in milliseconds",
    }
    if spec.format in named:
        return named[spec.format]
    zone = f" in {spec.timezone or default_zone}" if not spec.has_offset else ""
    return f"a timestamp in the format {spec.format}{zone}"


@dataclass(frozen=True)
class CompiledMapping:
    """SQL pieces for sql/ingestion/append_mapped.sql."""

    fields: list[tuple[str, str]]  # (contract column, expression)
    errors: list[str]
    keep: str
    record: str
    legs: dict[str, str] | None
    rep_identity: str | None
    # A sales team's credits as JSON text ([{"rep": ..., "percentage": ...}]), or None.
    credit_split: str | None = None


def compile_mapping(mapping: Mapping, column_sql: ColumnSql, record_sql: str) -> CompiledMapping:
    compiler = FieldCompiler(column_sql, mapping.timezone)
    errors = [
        error
        for name, spec in mapping.fields.items()
        if (error := compiler.error(name, spec)) is not None
    ]
    legs = None
    if mapping.legs is not None:
        order = [
            f"try_cast({compiler.column(c)} AS DOUBLE) NULLS LAST, {compiler.column(c)} NULLS LAST"
            for c in mapping.legs.order_by
        ]
        legs = {
            "group": compiler.field(mapping.legs.group_by),
            "preferred": compiler.conditions(mapping.legs.prefer),
            "order": ", ".join([*order, "lines._line"]),
        }
    rep_identity = None
    if mapping.rep_identity is not None:
        rep_identity = compiler.field(mapping.rep_identity.value)
        error = compiler.error("rep_identity", mapping.rep_identity.value)
        if error is not None:
            errors.append(error)
    credit_split = None
    if mapping.split is not None:
        items = f"json_extract(lines._record, {sql_literal(json_path(mapping.split.items))})"
        rep, percentage = (
            f"json_extract_string(item, {sql_literal(json_path(key))})"
            for key in (mapping.split.rep, mapping.split.percentage)
        )
        # Nothing to split (no list, an empty one): the document's own rep, as without a split.
        credit_split = (
            f"CASE WHEN json_array_length({items}) > 0 THEN to_json(list_transform("
            f"json_extract({items}, '$[*]'), lambda item: struct_pack(rep := {rep}, "
            f"percentage := {percentage})))::VARCHAR END"
        )
    return CompiledMapping(
        fields=[(name, compiler.field(spec)) for name, spec in mapping.fields.items()],
        errors=errors,
        keep=compiler.conditions(mapping.filter),
        record=record_sql,
        legs=legs,
        rep_identity=rep_identity,
        credit_split=credit_split,
    )


def csv_record_sql(names: list[str]) -> str:
    """The vendor's record as JSON text, for the quarantine's display. A column without a name,
    or with a name seen before (a sheet's stray header cells), is named by its position."""
    keys: list[str] = []
    for index, name in enumerate(names):
        keys.append(name if name and name not in keys else f"column {index + 1}")
    pairs = ", ".join(f"{sql_identifier(key)} := lines.c{i}" for i, key in enumerate(keys))
    return f"to_json(struct_pack({pairs}))::VARCHAR"

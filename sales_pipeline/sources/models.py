"""The vocabulary of a source configuration, as pydantic models (docs/sources.md explains it).

Every model forbids unknown keys: a misspelt key is an error naming its place in the file, never a
silently ignored setting. Everything a mapping can say is compiled to SQL by `compile.py`; nothing
here is SQL written by the user.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

# Encodings DuckDB's read_csv decodes itself; the others are decoded by Python's codecs into a
# UTF-8 copy first (one pass over the bytes, no row loop).
DUCKDB_ENCODINGS = ("utf-8", "utf-16", "latin-1")
PYTHON_ENCODINGS = ("cp1252", "cp1251", "iso-8859-15")
ENCODINGS = (*DUCKDB_ENCODINGS, *PYTHON_ENCODINGS)

NAMED_TIMESTAMP_FORMATS = ("iso", "rfc2822", "epoch_seconds", "epoch_milliseconds")
IDENTITY_SYSTEMS = (
    "crm_user_id",
    "email",
    "employee_number",
    "phone_number",
    "phone_extension",
    "phone_user_id",
    "erp_code",
)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"invalid regular expression {pattern!r}: {error}") from error
    # DuckDB's engine (RE2) lacks some of Python's syntax (look-behind, back-references): a
    # pattern is checked by the engine that will run it, not at the first file.
    try:
        duckdb.execute("SELECT regexp_matches('', ?)", [pattern])
    except duckdb.Error as error:
        raise ValueError(
            f"regular expression {pattern!r} is not supported by DuckDB (RE2): "
            + str(error).splitlines()[0]
        ) from error
    return pattern


class Condition(StrictModel):
    """A test on one source column; exactly one of the tests is given."""

    column: str
    equals: str | None = None
    not_equals: str | None = None
    in_: list[str] | None = Field(default=None, alias="in")
    matches: Annotated[
        str | None, BeforeValidator(lambda v: v if v is None else _check_regex(v))
    ] = None
    greater_than: float | None = None
    empty: bool | None = None
    # Exports spell the same label `Call`, `CALL`, `call`: compared without case unless told.
    ignore_case: bool = True

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [
            name
            for name in ("equals", "not_equals", "in_", "matches", "greater_than", "empty")
            if getattr(self, name) is not None
        ]
        if len(tests) != 1:
            raise ValueError(
                "give exactly one of equals, not_equals, in, matches, greater_than, empty"
                + (f" (got {', '.join(t.rstrip('_') for t in tests)})" if tests else "")
            )
        return self


class AnyOf(StrictModel):
    """One of several conditions: `{any: [{column: TaskSubtype, equals: Call}, ...]}`."""

    any: list[Condition]


def _conditions(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


def _condition_or_any(value: Any) -> Any:
    return AnyOf.model_validate(value) if isinstance(value, dict) and "any" in value else value


Conditions = Annotated[
    list[Annotated[Condition | AnyOf, BeforeValidator(_condition_or_any)]],
    BeforeValidator(_conditions),
]


def condition_columns(conditions: list[Condition | AnyOf]) -> set[str]:
    found: set[str] = set()
    for condition in conditions:
        if isinstance(condition, AnyOf):
            found |= {c.column for c in condition.any}
        else:
            found.add(condition.column)
    return found


class TimestampSpec(StrictModel):
    """How a timestamp is written. `format` is a named format or a strptime pattern."""

    format: str
    # The zone of timestamps written without an offset; the mapping's `timezone` when not given.
    timezone: str | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in NAMED_TIMESTAMP_FORMATS and "%" not in value:
            raise ValueError(
                f"unknown timestamp format {value!r}: use one of "
                f"{', '.join(NAMED_TIMESTAMP_FORMATS)} or a strptime pattern such as "
                "'%m/%d/%Y %H:%M'"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as error:
                raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @property
    def has_offset(self) -> bool:
        return self.format in ("iso", "rfc2822", "epoch_seconds", "epoch_milliseconds") or any(
            directive in self.format for directive in ("%z", "%Z")
        )


class NumberSpec(StrictModel):
    """A number as the source writes it, turned into the contract's form."""

    decimal_comma: bool = False
    strip_currency: bool = False
    # Durations in another unit are converted to whole seconds; `clock` is [h:]mm:ss.
    unit: Literal["seconds", "milliseconds", "minutes", "clock"] | None = None
    whole: bool = False


def _field_shorthand(value: Any) -> Any:
    # `sid: uniqueid` is short for `sid: {column: uniqueid}`.
    return {"column": value} if isinstance(value, str) else value


class Case(StrictModel):
    if_: Conditions = Field(alias="if")
    then: Annotated[FieldSpec, BeforeValidator(_field_shorthand)]


class FieldSpec(StrictModel):
    """Where one contract field's value comes from, and how it is turned into the contract's form.

    Exactly one origin: `column`, `columns` (the first non-empty), `constant`, `concat`,
    `difference`, `when`, `lookup` or `first`;
    then, in this order: `extract`, `map`, `timestamp`, `date` or `number`.
    """

    column: str | None = None
    columns: list[str] | None = None
    constant: str | None = None
    concat: list[Annotated[FieldSpec, BeforeValidator(_field_shorthand)]] | None = None
    separator: str = ""
    # Second column minus first, as numbers: talk time from Unix `answered_at` and `ended_at`.
    difference: list[str] | None = Field(default=None, min_length=2, max_length=2)
    when: list[Case] | None = None
    else_: Annotated[FieldSpec | None, BeforeValidator(_field_shorthand)] = Field(
        default=None, alias="else"
    )
    # The first of several field specs that has a value: a role's parent, else the role itself.
    first: list[Annotated[FieldSpec, BeforeValidator(_field_shorthand)]] | None = None
    # A column of another file (the mapping's `lookups`), found by a key: the role's name from
    # the user's UserRoleId, the sales employee of an SAP order from its partner table.
    lookup: str | None = None
    key: Annotated[FieldSpec | None, BeforeValidator(_field_shorthand)] = None
    value: str | None = None
    extract: Annotated[
        str | None, BeforeValidator(lambda v: v if v is None else _check_regex(v))
    ] = None
    map: dict[str, str] | None = None
    # A value the map does not name: `keep` passes it on (staging then rejects it by name if it is
    # not a contract value), or a replacement value.
    unmapped: str = "keep"
    timestamp: TimestampSpec | None = None
    # A calendar date written another way, as a strptime pattern ('%d.%m.%Y', '%m/%d/%Y').
    date: str | None = None
    number: NumberSpec | None = None
    @field_validator("date")
    @classmethod
    def _date_pattern(cls, value: str | None) -> str | None:
        if value is not None and "%" not in value:
            raise ValueError(f"{value!r} is no strptime pattern such as '%d.%m.%Y'")
        return value

    @field_validator("map", mode="before")
    @classmethod
    def _map_values_as_text(cls, value: Any) -> Any:
        # YAML reads `ANSWERED: completed` fine, but `1: completed` or `true: ...` as non-text.
        if isinstance(value, dict):
            return {str(k): "" if v is None else str(v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _one_origin(self) -> FieldSpec:
        origins = [
            name
            for name in (
                "column", "columns", "constant", "concat", "difference", "when", "lookup", "first"
            )
            if getattr(self, name) is not None
        ]
        if len(origins) != 1:
            raise ValueError(
                "give exactly one of column, columns, constant, concat, difference, when, lookup, "
                "first"
                + (f" (got {', '.join(origins)})" if origins else "")
            )
        if self.else_ is not None and self.when is None:
            raise ValueError("`else` goes with `when`")
        if (self.lookup is None) != (self.key is None) or (self.lookup is None) != (
            self.value is None
        ):
            raise ValueError("`lookup` needs `key` (a field spec) and `value` (the lookup's column)")
        if sum(spec is not None for spec in (self.timestamp, self.date, self.number)) > 1:
            raise ValueError("a field is a timestamp, a date or a number, not several")
        return self

    def parts(self) -> list[FieldSpec]:
        """The field specs nested in this one."""
        nested = [
            *(self.concat or ()),
            *(self.first or ()),
            *(case.then for case in self.when or ()),
        ]
        return nested + [
            spec for spec in (self.else_, self.key) if spec is not None
        ]

    def timestamps(self) -> list[TimestampSpec]:
        found = [self.timestamp] if self.timestamp is not None else []
        for part in self.parts():
            found += part.timestamps()
        return found

    def lookups_used(self) -> set[str]:
        return {name for name, _ in self.lookup_values()}

    def lookup_values(self) -> set[tuple[str, str]]:
        """(lookup, column) of every lookup this field reads."""
        found = set()
        if self.lookup is not None and self.value is not None:
            found.add((self.lookup, self.value))
        for part in self.parts():
            found |= part.lookup_values()
        return found

    def source_columns(self) -> set[str]:
        """Every source column this field reads."""
        found = set(self.columns or ()) | set(self.difference or ())
        if self.column is not None:
            found.add(self.column)
        for case in self.when or ():
            found |= condition_columns(case.if_)
        # A lookup's `value` is a column of the lookup's file, not of the source's.
        for part in self.parts():
            found |= part.source_columns()
        return found


Case.model_rebuild()
FieldOrShorthand = Annotated[FieldSpec, BeforeValidator(_field_shorthand)]


class CsvOptions(StrictModel):
    header: bool = True
    delimiter: str = ","
    quote: str = '"'
    escape: str | None = None
    encoding: Literal[ENCODINGS] = "utf-8"  # type: ignore[valid-type]
    # Names of the columns by position: required without a header, and then the names the
    # fields use. Rows with fewer columns are padded with empty values (optional trailing
    # columns, as in Asterisk's Master.csv).
    columns: list[str] | None = None

    @model_validator(mode="after")
    def _names_without_header(self) -> CsvOptions:
        if not self.header and not self.columns:
            raise ValueError("a CSV without a header needs `columns` (names by position)")
        if self.header and self.columns:
            raise ValueError(
                "`columns` names the columns of a CSV without a header: set header: false"
            )
        if self.columns and len(set(self.columns)) != len(self.columns):
            raise ValueError("csv.columns names a column twice")
        if len(self.delimiter) != 1 or len(self.quote) > 1:
            raise ValueError("delimiter must be one character, quote one or none")
        return self


class JsonOptions(StrictModel):
    # Where the records are in each document: a key path such as `calls` (Twilio's pages
    # `{"calls": [...]}`) or `records`; empty: the document is an array of records, or (jsonl)
    # each line is a record.
    records: str | None = None


class XlsxOptions(StrictModel):
    sheet: str | None = None


class LegsSpec(StrictModel):
    """One call delivered as several rows (legs): which rows are one call, and which is the call.

    The chosen leg becomes the call, with `group_by` as its sid; the others become its child legs
    (`parent_call_sid` = that sid), which the contract never counts.
    """

    group_by: FieldOrShorthand
    # Legs meeting these conditions are chosen before the others (e.g. the answered one) ...
    prefer: Conditions = Field(default_factory=list)
    # ... then the first by these columns (compared as numbers when they all are), then the line.
    order_by: list[str] = Field(default_factory=list)


class LookupSpec(StrictModel):
    """Another file of the landing area whose rows fields can look up by a key (a CSV with a
    header): Salesforce's UserRole beside User, SAP's partner table VBPA beside the orders."""

    files: str  # a glob relative to SALES_LANDING_DIR; every matching file is read
    key: str  # the column the fields' `key` is compared with (trimmed, case kept)
    csv: CsvOptions = Field(default_factory=lambda: CsvOptions())
    # Only these rows of the file: VBPA's rows of partner function VE (sales employee).
    filter: Conditions = Field(default_factory=list)
    # Without the file, does the source wait (true) or read on with the lookup empty (false: a
    # Task export is still calls without the Contact export that finds their contacts)?
    required: bool = True

    @model_validator(mode="after")
    def _with_header(self) -> LookupSpec:
        if not self.csv.header:
            raise ValueError("a lookup file is a CSV with a header")
        return self


class UnpivotSpec(StrictModel):
    """A wide sheet read long: each of `columns` becomes a row of its own, with the column's
    name in `name_as` and its cell in `value_as` (the fields read those two like columns).
    A target sheet with a column per month becomes a target per month."""

    columns: list[str] = Field(min_length=1)
    name_as: str = "period"
    value_as: str = "value"

    @model_validator(mode="after")
    def _distinct(self) -> UnpivotSpec:
        if self.name_as == self.value_as or {self.name_as, self.value_as} & set(self.columns):
            raise ValueError("name_as and value_as must differ from each other and the columns")
        return self


class SplitSpec(StrictModel):
    """A sales document credited to several reps (ERPNext's `sales_team`): `items` is the key
    path of the list in each JSON record, `rep` and `percentage` the keys in each item. The
    volume splits by the percentages; the order counts once, for the largest share."""

    items: str
    rep: str
    percentage: str


class IdentitySpec(StrictModel):
    """The source's own identifier of the rep (extension, phone-system user, ERP salesperson
    code), resolved to a CRM user through the identity map."""

    system: Literal[IDENTITY_SYSTEMS]  # type: ignore[valid-type]
    value: FieldOrShorthand


class Mapping(StrictModel):
    """How one source's files are read and turned into the contract's fields."""

    description: str = ""
    format: Literal["csv", "json", "jsonl", "xlsx"] = "csv"
    # The zone the source writes local times in (timestamps without an offset). Required as
    # soon as one field has such a format: a preset never guesses the zone of your server.
    timezone: str | None = None
    csv: CsvOptions = Field(default_factory=CsvOptions)
    json_: JsonOptions = Field(default_factory=JsonOptions, alias="json")
    xlsx: XlsxOptions = Field(default_factory=XlsxOptions)
    # Rows meeting every condition belong to the source; the others are not its records (a
    # Salesforce Task export holds e-mails and to-dos beside calls) and are counted as filtered.
    filter: Conditions = Field(default_factory=list)
    legs: LegsSpec | None = None
    rep_identity: IdentitySpec | None = None
    lookups: dict[str, LookupSpec] = Field(default_factory=dict)
    unpivot: UnpivotSpec | None = None
    split: SplitSpec | None = None
    fields: dict[str, FieldOrShorthand]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return TimestampSpec._known_zone(value)

    @model_validator(mode="after")
    def _zones_given(self) -> Mapping:
        for name, spec in self.fields.items():
            for timestamp in spec.timestamps():
                if (
                    not timestamp.has_offset
                    and timestamp.timezone is None
                    and self.timezone is None
                ):
                    raise ValueError(
                        f"fields.{name}: format {timestamp.format!r} has no UTC offset: give "
                        "`timezone` (the zone the source writes its local times in)"
                    )
        return self

    @model_validator(mode="after")
    def _lookups_known(self) -> Mapping:
        for name in self.lookups:
            # A lookup is read into a table named after it.
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
                raise ValueError(f"lookup name {name!r}: letters, digits and _ only")
        specs = [*self.fields.values()]
        if self.rep_identity is not None:
            specs.append(self.rep_identity.value)
        for spec in specs:
            unknown = spec.lookups_used() - set(self.lookups)
            if unknown:
                known = ", ".join(sorted(self.lookups)) or "none"
                raise ValueError(
                    f"lookup {sorted(unknown)[0]!r} is not among the mapping's lookups ({known})"
                )
        if self.unpivot is not None and self.format not in ("csv", "xlsx"):
            raise ValueError("unpivot reads the columns of a sheet: format csv or xlsx")
        if self.split is not None and self.format not in ("json", "jsonl"):
            raise ValueError("split reads a list inside each record: format json or jsonl")
        if self.split is not None and self.rep_identity is None:
            raise ValueError(
                "split needs rep_identity: the system the items' reps are identified in"
            )
        return self

    def lookup_columns(self) -> dict[str, set[str]]:
        """The columns each lookup file must have: its key, its filter's and the values read."""
        needed = {
            name: {lookup.key} | condition_columns(lookup.filter)
            for name, lookup in self.lookups.items()
        }
        specs = [*self.fields.values()]
        if self.rep_identity is not None:
            specs.append(self.rep_identity.value)
        for spec in specs:
            for name, column in spec.lookup_values():
                needed[name].add(column)
        return needed

    def source_columns(self) -> set[str]:
        """The columns the source's files must have (unpivot's new columns are made, not read)."""
        found: set[str] = set()
        for spec in self.fields.values():
            found |= spec.source_columns()
        found |= condition_columns(self.filter)
        if self.legs is not None:
            found |= self.legs.group_by.source_columns()
            found |= condition_columns(self.legs.prefer)
            found |= set(self.legs.order_by)
        if self.rep_identity is not None:
            found |= self.rep_identity.value.source_columns()
        if self.unpivot is not None:
            found = (found - {self.unpivot.name_as, self.unpivot.value_as}) | set(
                self.unpivot.columns
            )
        return found


class SourceEntry(StrictModel):
    """One logical source of the contract: its files and how they are read."""

    files: str
    # `name`: each file is one day's delivery, dated by the YYYY-MM-DD (or YYYYMMDD) in its name;
    # `none`: a snapshot or one growing file, read again whole whenever it changes.
    file_date: Literal["name", "none"]
    # `contract` is the contract's own layout (docs/contract.md), read by the fast path.
    preset: str | None = None
    mapping: Mapping | None = None

    @property
    def is_contract_layout(self) -> bool:
        return self.mapping is None


class IdentityMap(StrictModel):
    # A CSV (header row) relative to SALES_LANDING_DIR: one row per person, any of the columns
    # `crm_user_id`, `email`, `employee_number`, `phone_number`, `phone_extension`,
    # `phone_user_id`, `erp_code`. The CRM user of a row is `crm_user_id`, else the CRM user with
    # the row's e-mail (any case) or employee number.
    file: str

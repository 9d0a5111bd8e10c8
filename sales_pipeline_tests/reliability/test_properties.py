"""Properties of the parsing rules (sql/macros.sql), checked by Hypothesis on a real DuckDB connection.

The macros are what staging applies to every value, so they are exercised exactly as staging gets
them: through `Warehouse.connect()`. Examples are derandomised so a run is reproducible and the
generated report stable; each property counts the examples it saw for docs/reliability.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sales_pipeline.resources import Warehouse

EXAMPLES = settings(max_examples=200, deadline=None, derandomize=True, database=None)


@pytest.fixture(scope="module")
def conn(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    warehouse = Warehouse(database=str(tmp_path_factory.mktemp("macros") / "macros.duckdb"))
    with warehouse.connect() as connection:
        yield connection


def _macro(conn: duckdb.DuckDBPyConnection, name: str) -> Callable[[str | None], object]:
    def apply(value: str | None) -> object:
        return conn.execute(f"SELECT {name}(?::VARCHAR)", [value]).fetchall()[0][0]

    return apply


class Examples:
    """Counts what Hypothesis ran, so the report says how much each property was tried."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def _run(
    reliability_case, prop: Callable[[], None], examples: Examples, *, observed: str, **case: str
) -> None:
    """Run the property and record it; a falsified property is recorded with its example."""
    try:
        prop()
    except BaseException as error:
        observed = "falsified: " + " ".join(str(error).split())[:200]
        raise
    finally:
        reliability_case(runs=examples.count, observed=observed, **case)


# ----------------------------------------------------------------------------- phones

SEPARATORS = st.sampled_from([" ", ".", "-", "", "  ", " - "])


@st.composite
def formatted_phone(draw: st.DrawFn) -> tuple[str, str]:
    """(expected digits, the same number written some way a CRM or phone system writes it)."""
    country = str(draw(st.integers(1, 999)))
    national = str(draw(st.integers(10**5, 10**12 - 1)))
    groups, rest = [], national
    while rest:
        size = draw(st.integers(1, 4))
        groups.append(rest[:size])
        rest = rest[size:]
    if draw(st.booleans()):
        groups[0] = f"({groups[0]})"
    prefix = draw(st.sampled_from(["+", "00", "+ ", "00 ", "(+", "(00"]))
    country_text = country + (")" if prefix.startswith("(") else "")
    separator = draw(SEPARATORS)
    text = prefix + country_text + draw(SEPARATORS) + separator.join(groups)
    padding = draw(st.sampled_from(["", " ", "  "]))
    return country + national, padding + text + padding


def test_phone_formats_normalise_to_the_same_digits(conn, reliability_case) -> None:
    phone = _macro(conn, "sp_phone")
    examples = Examples()

    @EXAMPLES
    @given(formatted_phone())
    def prop(case: tuple[str, str]) -> None:
        examples()
        digits, text = case
        normalised = phone(text)
        assert normalised == digits, (text, normalised)
        assert not str(normalised).startswith("00")

    _run(reliability_case, prop, examples, case="phones: formatting",
         given="country code + national number; spaces, dots, dashes, parentheses; + or 00",
         expected="the same digits, never a leading 00",
         observed="every example normalised to its digits")


def test_phone_normalisation_never_raises(conn, reliability_case) -> None:
    phone = _macro(conn, "sp_phone")
    examples = Examples()

    @EXAMPLES
    @given(st.one_of(st.none(), st.text(), st.text(alphabet="0123456789+()-. ")))
    def prop(text: str | None) -> None:
        examples()
        normalised = phone(text)
        assert normalised is None or re.fullmatch(r"[0-9]+", str(normalised))

    _run(reliability_case, prop, examples, case="phones: any text",
         given="arbitrary unicode, phone-like characters, NULL",
         expected="never raises; NULL or a digit string",
         observed="every example NULL or digits")


# ----------------------------------------------------------------------------- timestamps

OFFSETS = st.integers(-12 * 60, 14 * 60).map(lambda minutes: timedelta(minutes=minutes))
INSTANTS = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2099, 12, 30))


def _offset_text(offset: timedelta, style: str) -> str:
    minutes = int(offset.total_seconds()) // 60
    if style == "Z":
        return "Z"
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    if style == "HH":
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}{':' if style == 'HH:MM' else ''}{mins:02d}"


@st.composite
def aware_timestamp(draw: st.DrawFn) -> tuple[datetime, str]:
    """(the instant, an ISO 8601 text of it in one of the contract's forms)."""
    local = draw(INSTANTS)
    offset = draw(OFFSETS)
    styles = ["HH:MM", "HHMM"] + (["Z"] if offset == timedelta(0) else [])
    if offset.total_seconds() % 3600 == 0:
        styles.append("HH")
    style = draw(st.sampled_from(styles))
    precision = draw(st.sampled_from(["minutes", "seconds", "fraction"]))
    if precision == "minutes":
        local = local.replace(second=0, microsecond=0)
        clock = local.strftime("%H:%M")
    elif precision == "seconds":
        local = local.replace(microsecond=0)
        clock = local.strftime("%H:%M:%S")
    else:
        digits = draw(st.integers(1, 6))
        fraction = f"{local.microsecond:06d}"[:digits]
        local = local.replace(microsecond=int(fraction.ljust(6, "0")))
        clock = local.strftime("%H:%M:%S") + "." + fraction
    separator = draw(st.sampled_from(["T", " "]))
    text = local.strftime("%Y-%m-%d") + separator + clock + _offset_text(offset, style)
    instant = local.replace(tzinfo=timezone(offset)).astimezone(UTC)
    return instant, text


def test_aware_timestamps_parse_to_the_same_instant(conn, reliability_case) -> None:
    timestamp = _macro(conn, "sp_timestamp")
    examples = Examples()

    @EXAMPLES
    @given(aware_timestamp())
    def prop(case: tuple[datetime, str]) -> None:
        examples()
        instant, text = case
        parsed = timestamp(text)
        assert parsed == instant, (text, parsed)

    _run(reliability_case, prop, examples, case="timestamps: aware forms",
         given="1970-2099, offsets -12:00..+14:00 as Z / ±HH:MM / ±HHMM / ±HH; T or space; "
         "minutes, seconds or 1-6 fraction digits",
         expected="the same instant", observed="every example parsed to its instant")


@st.composite
def naive_timestamp(draw: st.DrawFn) -> str:
    local = draw(INSTANTS)
    form = draw(st.sampled_from(["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
                                 "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d"]))
    return local.strftime(form)


def test_naive_timestamps_are_rejected(conn, reliability_case) -> None:
    timestamp = _macro(conn, "sp_timestamp")
    examples = Examples()

    @EXAMPLES
    @given(naive_timestamp())
    def prop(text: str) -> None:
        examples()
        assert timestamp(text) is None, text

    _run(reliability_case, prop, examples, case="timestamps: offset-less forms",
         given="the same dates and times without an offset, or a date alone",
         expected="NULL (the row is rejected)", observed="every example NULL")


def test_timestamp_parsing_never_raises(conn, reliability_case) -> None:
    timestamp = _macro(conn, "sp_timestamp")
    examples = Examples()
    # Text shaped like the pattern but with any digits: impossible dates, hours, offsets.
    shaped = st.from_regex(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,12})?)?"
        r"(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)", fullmatch=True)

    @EXAMPLES
    @given(st.one_of(st.none(), st.text(), shaped))
    def prop(text: str | None) -> None:
        examples()
        parsed = timestamp(text)
        assert parsed is None or isinstance(parsed, datetime)

    _run(reliability_case, prop, examples, case="timestamps: garbage",
         given="arbitrary unicode, NULL, and pattern-shaped text with impossible fields",
         expected="never raises; NULL or an instant", observed="no example raised")


# ----------------------------------------------------------------------------- amounts

AMOUNTS = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("99999999999999.999999"),
                      places=6, allow_nan=False, allow_infinity=False)


def _plain(amount: Decimal, trailing_zeros: bool) -> str:
    text = f"{amount:f}"
    if not trailing_zeros and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def test_plain_amounts_parse_exactly(conn, reliability_case) -> None:
    decimal = _macro(conn, "sp_decimal")
    examples = Examples()

    @EXAMPLES
    @given(AMOUNTS, st.booleans(), st.sampled_from(["", " ", "  "]))
    def prop(amount: Decimal, trailing_zeros: bool, padding: str) -> None:
        examples()
        text = padding + _plain(amount, trailing_zeros) + padding
        assert decimal(text) == amount, text

    _run(reliability_case, prop, examples, case="amounts: plain decimals",
         given="0.000001 .. 99999999999999.999999, up to 6 decimals, with or without trailing "
         "zeros, blanks around", expected="exactly that Decimal",
         observed="every example parsed exactly")


@st.composite
def decorated_amount(draw: st.DrawFn) -> str:
    amount = draw(st.decimals(min_value=Decimal(1000), max_value=Decimal("99999999999"),
                              places=2, allow_nan=False, allow_infinity=False))
    style = draw(st.sampled_from(["thousands", "decimal_comma", "exponent", "sign", "currency"]))
    if style == "thousands":
        return f"{amount:,.2f}"
    if style == "decimal_comma":
        return f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    if style == "exponent":
        return draw(st.sampled_from([f"{amount:e}", f"{amount:E}", f"{float(amount):g}e0"]))
    if style == "sign":
        return draw(st.sampled_from(["+", "-"])) + f"{amount:f}"
    return draw(st.sampled_from(["€", "$", "EUR "])) + f"{amount:f}"


def test_decorated_amounts_are_rejected(conn, reliability_case) -> None:
    decimal = _macro(conn, "sp_decimal")
    examples = Examples()

    @EXAMPLES
    @given(decorated_amount())
    def prop(text: str) -> None:
        examples()
        assert decimal(text) is None, text

    _run(reliability_case, prop, examples, case="amounts: decorated",
         given="thousands separators, decimal comma, exponent, leading sign, currency symbol",
         expected="NULL (rejected)", observed="every example NULL")


# ----------------------------------------------------------------------------- durations, booleans


def test_durations(conn, reliability_case) -> None:
    count = _macro(conn, "sp_count")
    examples = Examples()
    bad = st.one_of(
        st.integers(-10**9, -1).map(str),
        st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False).map(
            lambda d: f"{d:f}").filter(lambda t: not t.endswith(".00")),
        st.integers(1, 10**6).map(lambda n: f"{n:,}").filter(lambda t: "," in t),
        st.integers(1, 10**6).map(lambda n: f"{n}e0"),
        st.integers(0, 10**6).map(lambda n: f"+{n}"),
    )

    @EXAMPLES
    @given(st.one_of(st.integers(0, 2**62).map(lambda n: (n, str(n))),
                     bad.map(lambda text: (None, text))))
    def prop(case: tuple[int | None, str]) -> None:
        examples()
        expected, text = case
        assert count(text) == expected, text

    _run(reliability_case, prop, examples, case="durations",
         given="whole seconds 0..2^62; negatives, fractions, thousands separators, exponents, +",
         expected="the whole number; NULL for every other form",
         observed="every example as expected")


def test_booleans(conn, reliability_case) -> None:
    boolean = _macro(conn, "sp_boolean")
    examples = Examples()

    def any_case(word: str) -> st.SearchStrategy[str]:
        return st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in word)).map("".join)

    words = st.one_of(any_case("true").map(lambda t: (True, t)),
                      any_case("false").map(lambda t: (False, t)))
    others = st.one_of(st.text(), st.sampled_from(["yes", "no", "1", "0", "t", "f", "TRUE.",
                                                   "tru e", "\tfalse"]))

    @EXAMPLES
    @given(st.one_of(
        st.tuples(words, st.sampled_from(["", " ", "  "])).map(
            lambda c: (c[0][0], c[1] + c[0][1] + c[1])),
        others.filter(lambda t: t.strip(" ").lower() not in ("true", "false")).map(
            lambda t: (None, t)),
    ))
    def prop(case: tuple[bool | None, str]) -> None:
        examples()
        expected, text = case
        assert boolean(text) is expected, text

    _run(reliability_case, prop, examples, case="booleans",
         given="true/false in any case with blanks around; any other text",
         expected="the boolean; NULL for anything else", observed="every example as expected")


def test_amounts_beyond_six_decimals_are_exact_or_rejected(conn, reliability_case) -> None:
    decimal = _macro(conn, "sp_decimal")
    examples = Examples()

    @EXAMPLES
    @given(st.decimals(min_value=Decimal("0.0000001"), max_value=Decimal(10**6), places=9,
                       allow_nan=False, allow_infinity=False).filter(
                           lambda d: d != d.quantize(Decimal("0.000001"))))
    def prop(amount: Decimal) -> None:
        examples()
        parsed = decimal(f"{amount:f}")
        assert parsed is None or parsed == amount, (f"{amount:f}", parsed)

    _run(reliability_case, prop, examples, case="amounts: more than 6 decimals",
         given="positive decimals with 7-9 decimals",
         expected="exactly that Decimal, or NULL (rejected)",
         observed="every example exact or NULL")

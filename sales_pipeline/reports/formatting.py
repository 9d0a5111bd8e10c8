"""Numbers, money, periods and names as the reports print them, in the report's language.

Every figure goes through Babel with the report's locale (separators, decimal comma, percent and
currency placement, month names); the words around them go through gettext (`i18n.py`). Each
function takes `locale` last, defaulting to English, the language the action-plan SQL writes in.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import (
    NumberPattern,
    format_compact_decimal,
    get_minus_sign_symbol,
    get_plus_sign_symbol,
    parse_pattern,
)

from sales_pipeline.facts.metrics import DEFINITIONS_BY_NAME, Display, display_of
from sales_pipeline.partitions import Grain
from sales_pipeline.reports.i18n import N_, SOURCE_LOCALE, language
from sales_pipeline.resources import AnalysisConfig

# The attainments at which a status changes, as the variance mart applied them unless a run
# configured others.
STATUS_THRESHOLDS = AnalysisConfig().status_thresholds

# Typographic signs, spelled as escapes so the source stays unambiguous: an empty cell, and a
# minus as wide as the plus it lines up with.
MISSING = "\u2013"
MINUS = "\u2212"
# How money reads is the translator's choice, as a CLDR pattern: whole units (sales leaders
# read thousands), then the ISO code (¤¤, "1,235 EUR") or the symbol (¤, "1.235 €"). Babel
# fills in the locale's separators and symbol.
MONEY_PATTERN = N_("#,##0 ¤¤")


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# Thousands of reports print hundreds of figures each: locales and parsed patterns are cached.
@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@cache
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


@cache
def _percent_pattern(code: str, decimals: int) -> NumberPattern:
    """The locale's percent pattern (where the sign goes, any space) with `decimals` decimals."""
    pattern = parse_pattern(_locale(code).percent_formats[None].pattern)
    pattern.frac_prec = (decimals, decimals)
    return pattern


def decimal(value: float, decimals: int, locale: str = SOURCE_LOCALE,
            grouping: bool = True) -> str:
    """`value` with exactly `decimals` decimals, in the locale's digits and separators."""
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    return _pattern(pattern).apply(value, _locale(locale))


def number(value: float | None, locale: str = SOURCE_LOCALE) -> str:
    if is_missing(value):
        return MISSING
    if float(value).is_integer() or abs(value) >= 100:
        return decimal(value, 0, locale)
    return decimal(value, 1, locale)


def money(value: float | None, currency: str, locale: str = SOURCE_LOCALE) -> str:
    if is_missing(value):
        return MISSING
    pattern = _pattern(language(locale).gettext(MONEY_PATTERN))
    return pattern.apply(whole(value), _locale(locale), currency=currency, currency_digits=False)


def whole(value: float) -> Decimal:
    """Money in whole units, halves away from zero as the action-plan SQL's round() does, so a
    sentence and the table beside it show the same amount (10,062.50 reads 10,063)."""
    # + 0: a negative amount under half a unit is 0, not "-0".
    return Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP) + 0


def percent(ratio: float, decimals: int = 0, locale: str = SOURCE_LOCALE) -> str:
    """A ratio as a percentage in the locale's pattern (where the sign goes, any space)."""
    return _percent_pattern(locale, decimals).apply(ratio, _locale(locale))


def attainment(ratio: float | None, thresholds: tuple[float, ...] = STATUS_THRESHOLDS,
               locale: str = SOURCE_LOCALE) -> str:
    """Attainment as a percentage with the fewest decimals (none to three) that keep the shown
    figure on the same side of every status threshold as the exact one: 109.95 % (on track, under
    the 110 % of ahead) reads "109.9%", never "110%"; 87.4 % reads "87%"."""
    if is_missing(ratio):
        return MISSING
    for decimals in range(4):
        shown = f"{100 * ratio:.{decimals}f}"
        if all((float(shown) >= round(100 * t, 6)) == (ratio >= t) for t in thresholds):
            break
    return percent(float(shown) / 100, decimals, locale)


def signed_percent(ratio: float | None, locale: str = SOURCE_LOCALE) -> str:
    """A change: '+5%', or '25%' after a typographic minus as wide as the plus."""
    if is_missing(ratio):
        return MISSING
    shown = percent(abs(ratio), 0, locale)
    negative = ratio < 0 and shown != percent(0, 0, locale)
    return (MINUS if negative else "+") + shown


def sentence_signed_percent(ratio: float, locale: str = SOURCE_LOCALE) -> str:
    """A change inside a sentence, with the locale's own plus and minus signs."""
    shown = percent(abs(ratio), 0, locale)
    negative = ratio < 0 and shown != percent(0, 0, locale)
    sign = get_minus_sign_symbol(locale) if negative else get_plus_sign_symbol(locale)
    return sign + shown


def signed_money(value: float | None, currency: str, locale: str = SOURCE_LOCALE) -> str:
    if is_missing(value):
        return MISSING
    sign = "+" if value >= 0 else MINUS
    return sign + money(abs(value), currency, locale)


def conversion(value: float, locale: str = SOURCE_LOCALE) -> str:
    """Orders per unit of activity: two decimals, as the action plans state it."""
    return decimal(value, 2, locale)


def metric_value(metric: str, value: float | None, currency: str,
                 locale: str = SOURCE_LOCALE) -> str:
    if is_missing(value):
        return MISSING
    _ = language(locale).gettext
    display = display_of(metric)
    if display is Display.MONEY:
        return money(value, currency, locale)
    if display is Display.HOURS:
        return hours(value, locale)
    if display is Display.SECONDS:
        return seconds(value, locale)
    if display is Display.RATIO:
        return _("{ratio} orders per unit of activity").format(ratio=conversion(value, locale))
    return number(value, locale)


def hours(seconds: float, locale: str = SOURCE_LOCALE) -> str:
    """A duration in hours with one decimal: '12.5 h'."""
    return language(locale).gettext("{hours} h").format(hours=decimal(seconds / 3600, 1, locale))


def seconds(value: float, locale: str = SOURCE_LOCALE) -> str:
    """Whole seconds without grouping: '95 s'."""
    return language(locale).gettext("{seconds} s").format(
        seconds=decimal(value, 0, locale, grouping=False))


def metric_label(metric: str, locale: str = SOURCE_LOCALE) -> str:
    definition = DEFINITIONS_BY_NAME.get(metric)
    if definition is None:
        return metric.replace("_", " ").capitalize()
    return language(locale).gettext(definition.label)


def compact(value: float, locale: str = SOURCE_LOCALE) -> str:
    """A chart axis number: 1.2M, 35K, 120 (1,2 εκ., 35 χιλ.)."""
    return format_compact_decimal(value, format_type="short", fraction_digits=1, locale=locale)


def add_periods(grain: Grain, start: date, count: int) -> date:
    """The first day of the period `count` periods after (or before, if negative) `start`."""
    if grain.months == 0:
        return start + timedelta(days=7 * count)
    month_index = start.year * 12 + start.month - 1 + count * grain.months
    return date(month_index // 12, month_index % 12 + 1, 1)


def day(value: date, locale: str = SOURCE_LOCALE, weekday: bool = False) -> str:
    """A day as a report prints it: '2 Mar 2026' ('Mon 2 Mar 2026'), month in the locale."""
    return format_date(value, "EEE d MMM y" if weekday else "d MMM y", locale=locale)


def period_label(grain: Grain, start: date, locale: str = SOURCE_LOCALE) -> str:
    if grain.name == "weekly":
        # ISO weeks (Monday first, week 1 holds the first Thursday): the partitions' weeks,
        # whatever the locale's own week rules.
        iso_year, week, _ = start.isocalendar()
        return language(locale).gettext("Week {week} of {year} (from {day})").format(
            week=week, year=iso_year, day=day(start, locale))
    if grain.name == "monthly":
        # The stand-alone month name (LLLL): Greek has a nominative for it, apart from the
        # genitive of a date.
        return format_date(start, "LLLL y", locale=locale)
    if grain.name == "quarterly":
        return format_date(start, "QQQ y", locale=locale)
    return str(start.year)


def short_period_label(grain: Grain, start: date, locale: str = SOURCE_LOCALE) -> str:
    """A chart tick: short enough for a dozen side by side."""
    if grain.name == "weekly":
        return language(locale).gettext("W{week}").format(week=start.isocalendar()[1])
    if grain.name == "monthly":
        return format_date(start, "LLL yy", locale=locale)
    if grain.name == "quarterly":
        return format_date(start, "QQQ yy", locale=locale)
    return str(start.year)


def slug(name: str) -> str:
    """A file-name part for a team or department: letters and digits of any script, runs of
    anything else as one '-'. A name with neither gets a short hash, stable across periods."""
    text = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFC", name).casefold()).strip("-")
    return text or "n" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]

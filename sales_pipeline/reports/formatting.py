"""Numbers, periods and names as the reports print them (the action-plan SQL formats alike)."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from datetime import date, timedelta

from sales_pipeline.analysis.action_plans import LABELS_BY_METRIC
from sales_pipeline.partitions import Grain
from sales_pipeline.resources import AnalysisConfig

# The attainments at which a status changes, as the variance mart applied them unless a run
# configured others.
STATUS_THRESHOLDS = AnalysisConfig().status_thresholds

MONEY_METRICS = frozenset({"sales_volume", "avg_order_value"})
# Typographic signs, spelled as escapes so the source stays unambiguous: an empty cell, and a
# minus as wide as the plus it lines up with.
MISSING = "\u2013"
MINUS = "\u2212"


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | None) -> str:
    if is_missing(value):
        return MISSING
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def money(value: float | None, currency: str) -> str:
    return MISSING if is_missing(value) else f"{number(round(value))} {currency}"


def attainment(ratio: float | None, thresholds: tuple[float, ...] = STATUS_THRESHOLDS) -> str:
    """Attainment as a percentage with the fewest decimals (none to three) that keep the shown
    figure on the same side of every status threshold as the exact one: 109.95 % (on track, under
    the 110 % of ahead) reads "109.9%", never "110%"; 87.4 % reads "87%"."""
    if is_missing(ratio):
        return MISSING
    for decimals in range(4):
        shown = f"{100 * ratio:.{decimals}f}"
        if all((float(shown) >= round(100 * t, 6)) == (ratio >= t) for t in thresholds):
            break
    return f"{shown}%"


def signed_percent(ratio: float | None) -> str:
    if is_missing(ratio):
        return MISSING
    return f"{100 * ratio:+.0f}%".replace("-", MINUS)


def signed_money(value: float | None, currency: str) -> str:
    if is_missing(value):
        return MISSING
    sign = "+" if value >= 0 else MINUS
    return f"{sign}{number(round(abs(value)))} {currency}"


def metric_value(metric: str, value: float | None, currency: str) -> str:
    if is_missing(value):
        return MISSING
    if metric in MONEY_METRICS:
        return money(value, currency)
    if metric == "talk_seconds":
        return f"{value / 3600:,.1f} h"
    if metric == "avg_call_seconds":
        return f"{value:.0f} s"
    if metric == "conversion":
        return f"{value:.2f} orders per unit of activity"
    return number(value)


def metric_label(metric: str) -> str:
    label = LABELS_BY_METRIC.get(metric)
    return label.label if label else metric.replace("_", " ").capitalize()


def add_periods(grain: Grain, start: date, count: int) -> date:
    """The first day of the period `count` periods after (or before, if negative) `start`."""
    if grain.months == 0:
        return start + timedelta(days=7 * count)
    month_index = start.year * 12 + start.month - 1 + count * grain.months
    return date(month_index // 12, month_index % 12 + 1, 1)


def period_label(grain: Grain, start: date) -> str:
    if grain.name == "weekly":
        iso_year, week, _ = start.isocalendar()
        return f"Week {week} of {iso_year} (from {start:%-d %b %Y})"
    if grain.name == "monthly":
        return f"{start:%B %Y}"
    if grain.name == "quarterly":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def short_period_label(grain: Grain, start: date) -> str:
    """A chart tick: short enough for a dozen side by side."""
    if grain.name == "weekly":
        return f"W{start.isocalendar()[1]}"
    if grain.name == "monthly":
        return f"{start:%b %y}"
    if grain.name == "quarterly":
        return f"Q{(start.month - 1) // 3 + 1} {start:%y}"
    return str(start.year)


def slug(name: str) -> str:
    """A file-name part for a team or department: letters and digits of any script, runs of
    anything else as one '-'. A name with neither gets a short hash, stable across periods."""
    text = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFC", name).casefold()).strip("-")
    return text or "n" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]

"""The report charts, drawn with matplotlib and embedded as base64 SVG data URIs.

A backfill renders thousands of reports, and building a matplotlib figure costs several times
more than redrawing one: each chart kind is therefore a painter that builds its figure once and
then only swaps the data, labels and limits for every report. matplotlib is imported on first
use, so loading the code location does not pay for it.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

from sales_pipeline.reports.i18n import N_

WIDTH_INCHES = 7.0
DPI = 96
FONT_SIZE = 7.5
# The fewest periods a trend chart spans, so that two or three bars do not fill its width.
MIN_TREND_SLOTS = 6

COLORS = {
    "bar": "#a9c1dc",
    "bar_current": "#2f5f98",
    "target": "#222222",
    "line": "#2f5f98",
    "activity": "#2f5f98",
    "conversion": "#e08a1e",
    "value": "#8c5aa8",
    "ahead": "#2e8b57",
    "on_track": "#5b9bd5",
    "at_risk": "#e0a21e",
    "behind": "#c8453c",
    "no_target": "#9a9a9a",
    "in_progress": "#7f9bb8",
    "grid": "#e4e4e4",
}


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _axis_formatter(locale: str, percent: bool = False) -> Any:
    """Axis numbers in the report's language: 1.2M, 35K, 120 or 80% (Babel's compact forms)."""
    from matplotlib.ticker import FuncFormatter

    from sales_pipeline.reports import formatting as fmt

    if percent:
        return FuncFormatter(lambda value, _: fmt.percent(value, 0, locale))
    return FuncFormatter(lambda value, _: fmt.compact(value, locale))


# SVG with text left as text: no glyphs to rasterise or PNG to compress (the two costliest steps
# of a small chart), sharp at any zoom, and smaller than the PNG. The salt makes the element ids,
# and so the bytes, the same for the same data; the font list keeps browsers on a sans-serif.
SVG_SETTINGS = {
    "svg.fonttype": "none",
    "svg.hashsalt": "sales_pipeline",
    "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial", "sans-serif"],
}


CHART_FORMAT = "svg"


def _image(figure: Any) -> str:
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG_SETTINGS):
        if CHART_FORMAT == "png":
            # The Agg raster, kept for comparison (docs/reports.md has the timings).
            figure.savefig(buffer, format="png", metadata={"Software": None},
                           pil_kwargs={"compress_level": 1})
            return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _limits(values: Iterable[float]) -> tuple[float, float]:
    """An axis range over the values and zero, with headroom so that the markers and bars at the
    extremes are not cut by the frame. Computed here rather than by relim(), which re-measures
    every bar and costs more than the data it looks at."""
    finite = [float(v) for v in values if v is not None and not math.isnan(v)]
    low, high = min([0.0, *finite]), max([0.0, *finite])
    if low == high:
        return (0.0, 1.0)
    span = high - low
    return (low - 0.06 * span if low < 0 else 0.0, high + 0.06 * span if high > 0 else 0.0)


def _style(axes: Any, locale: str) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.spines[["top", "right"]].set_visible(False)
    # Tick marks are a line artist each; the grid already marks the values, so only the period
    # ticks on the x axis keep theirs.
    axes.tick_params(labelsize=FONT_SIZE, length=2)
    axes.tick_params(axis="y", left=False)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
    axes.yaxis.set_major_formatter(_axis_formatter(locale))
    axes.grid(axis="y", color=COLORS["grid"], linewidth=0.6)
    axes.set_axisbelow(True)


def _title(axes: Any) -> Any:
    # A text artist, not set_title: title placement is re-solved on every draw and costs more
    # than the rest of the chart.
    return axes.text(0, 1.06, "", transform=axes.transAxes, fontsize=FONT_SIZE + 1,
                     fontweight="bold", va="bottom", ha="left")


class TrendChart:
    """Sales volume per period (bars, the reported period dark, target as a tick) next to the
    entity's activity metric (line), over a fixed number of periods ending with the reported one."""

    def __init__(self, slots: int, locale: str) -> None:
        from matplotlib.figure import Figure

        self.slots = slots
        self.figure = Figure(figsize=(WIDTH_INCHES, 2.1), dpi=DPI)
        self.sales_axes, self.activity_axes = self.figure.subplots(1, 2)
        positions = list(range(slots))
        colors = [COLORS["bar"]] * (slots - 1) + [COLORS["bar_current"]]
        self.bars = self.sales_axes.bar(positions, [0.0] * slots, color=colors, width=0.7)
        (self.targets,) = self.sales_axes.plot(
            positions, [math.nan] * slots, linestyle="none", marker="_", markersize=11,
            markeredgewidth=2, color=COLORS["target"], label="target")
        (self.activity,) = self.activity_axes.plot(
            positions, [math.nan] * slots, color=COLORS["line"], marker="o", markersize=3,
            linewidth=1.4)
        self.sales_title = _title(self.sales_axes)
        self.activity_title = _title(self.activity_axes)
        # Every other tick when crowded, always including the reported period.
        step = 1 if slots <= 8 else 2
        self.tick_positions = [i for i in positions if (slots - 1 - i) % step == 0]
        for axes in (self.sales_axes, self.activity_axes):
            _style(axes, locale)
            axes.set_xlim(-0.6, slots - 0.4)
            axes.set_xticks(self.tick_positions, [""] * len(self.tick_positions))
        self.figure.subplots_adjust(left=0.07, right=0.99, bottom=0.14, top=0.86, wspace=0.22)

    def render(
        self,
        period_labels: Sequence[str],
        sales: Sequence[float | None],
        targets: Sequence[float | None],
        activity: Sequence[float | None],
        *,
        sales_title: str,
        activity_title: str,
    ) -> str:
        # Series shorter than the chart (the first periods of the history) are right-aligned.
        pad = self.slots - len(period_labels)
        labels = [""] * pad + list(period_labels)
        for bar, value in zip(self.bars, [None] * pad + list(sales), strict=True):
            bar.set_height(0.0 if value is None else float(value))
        self.targets.set_ydata([math.nan] * pad + [_nan(v) for v in targets])
        self.activity.set_ydata([math.nan] * pad + [_nan(v) for v in activity])
        self.sales_title.set_text(sales_title)
        self.activity_title.set_text(activity_title)
        # A short history is drawn over fewer slots, not squeezed against the right edge.
        first_slot = min(pad, self.slots - MIN_TREND_SLOTS) if self.slots > MIN_TREND_SLOTS else 0
        sales_range = [*(bar.get_height() for bar in self.bars), *self.targets.get_ydata()]
        for axes, values in ((self.sales_axes, sales_range),
                             (self.activity_axes, self.activity.get_ydata())):
            axes.set_xlim(first_slot - 0.6, self.slots - 0.4)
            axes.set_xticklabels([labels[i] for i in self.tick_positions])
            axes.set_ylim(*_limits(values))
        return _image(self.figure)


class HorizontalBarChart:
    """One group of horizontal bars per row: the driver effects per rep or team (three bars a
    row), or the attainment per team (one bar a row). Built once per row count."""

    def __init__(self, rows: int, series: Sequence[tuple[str, str]], *, reference: float = 0.0,
                 percent: bool = False, locale: str = "en") -> None:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        self.rows = rows
        height = 0.75 + rows * (0.3 if len(series) > 1 else 0.22)
        self.figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
        self.axes = self.figure.subplots()
        self.series_bars = []
        band = 0.8 / len(series)
        positions = list(range(rows))
        for index, (label, color) in enumerate(series):
            offset = (index - (len(series) - 1) / 2) * band
            bars = self.axes.barh([p + offset for p in positions], [0.0] * rows, height=band,
                                  color=color, label=label)
            self.series_bars.append(bars)
        self.reference = reference
        self.axes.axvline(reference, color=COLORS["target"], linewidth=0.9)
        self.axes.set_yticks(positions, [""] * rows)
        self.axes.set_ylim(rows - 0.5, -0.5)  # first row on top
        self.axes.spines[["top", "right"]].set_visible(False)
        self.axes.tick_params(labelsize=FONT_SIZE, left=False, bottom=False)
        self.axes.xaxis.set_major_locator(MaxNLocator(nbins=5))
        self.axes.xaxis.set_major_formatter(_axis_formatter(locale, percent))
        self.axes.grid(axis="x", color=COLORS["grid"], linewidth=0.6)
        self.axes.set_axisbelow(True)
        self.title = _title(self.axes)
        self.title.set_y(1.0 + 0.3 / height)
        # No matplotlib legend: laying it out costs a fifth of the chart; the report prints the
        # colour key in HTML next to the image (DRIVER_SERIES).
        self.figure.subplots_adjust(left=0.2, right=0.98, bottom=0.3 / height,
                                    top=1 - 0.42 / height)

    def render(
        self,
        row_labels: Sequence[str],
        values: Sequence[Sequence[float | None]],
        *,
        title: str,
        colors: Sequence[str] | None = None,
    ) -> str:
        """`values[s][r]`: series s of row r; `colors` recolours the single series per row."""
        self.axes.set_yticklabels(list(row_labels))
        for bars, series_values in zip(self.series_bars, values, strict=True):
            for bar, value in zip(bars, series_values, strict=True):
                bar.set_width(0.0 if value is None else float(value))
        if colors is not None:
            for bar, color in zip(self.series_bars[0], colors, strict=True):
                bar.set_color(color)
        self.title.set_text(title)
        self.axes.set_xlim(*_limits([self.reference, *(bar.get_width() for bars in
                                                         self.series_bars for bar in bars)]))
        return _image(self.figure)


# The three driver effects; the report translates the names in its colour key.
DRIVER_SERIES = (
    (N_("activity"), COLORS["activity"]),
    (N_("conversion"), COLORS["conversion"]),
    (N_("order value"), COLORS["value"]),
)


class ChartBook:
    """The painters of one rendering job, built on first use and reused for every report."""

    def __init__(self, trend_slots: int, locale: str = "en") -> None:
        self.trend_slots = trend_slots
        self.locale = locale
        self._trend: TrendChart | None = None
        self._drivers: dict[int, HorizontalBarChart] = {}
        self._attainment: dict[int, HorizontalBarChart] = {}
        self.charts_drawn = 0

    def trend(self, *args: Any, **kwargs: Any) -> str:
        if self._trend is None:
            self._trend = TrendChart(self.trend_slots, self.locale)
        self.charts_drawn += 1
        return self._trend.render(*args, **kwargs)

    def drivers(self, row_labels: Sequence[str], effects: Sequence[Sequence[float | None]],
                *, title: str) -> str:
        painter = self._drivers.get(len(row_labels))
        if painter is None:
            painter = self._drivers[len(row_labels)] = HorizontalBarChart(
                len(row_labels), DRIVER_SERIES, locale=self.locale)
        self.charts_drawn += 1
        return painter.render(row_labels, effects, title=title)

    def attainment(self, row_labels: Sequence[str], attainment: Sequence[float | None],
                   statuses: Sequence[str], *, title: str) -> str:
        painter = self._attainment.get(len(row_labels))
        if painter is None:
            painter = self._attainment[len(row_labels)] = HorizontalBarChart(
                len(row_labels), (("attainment", COLORS["bar"]),), reference=1.0, percent=True,
                locale=self.locale)
        self.charts_drawn += 1
        return painter.render(
            row_labels, [attainment], title=title,
            colors=[COLORS.get(status, COLORS["no_target"]) for status in statuses])

    def close(self) -> None:
        """Figures are plain objects (no pyplot registry): dropping them frees them."""
        self._trend = None
        self._drivers.clear()
        self._attainment.clear()

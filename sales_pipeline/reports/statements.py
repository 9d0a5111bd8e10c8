"""Action-plan sentences in the report's language, composed from the mart's structured columns.

`marts.action_plan_<grain>.statement` is English, written by the SQL for analysts. A report
composes the same sentence per language here instead: one function per item kind, from the
columns the mart carries for that purpose (metric, factor, comparison, actual, target, peers,
sales volumes, the commitment's basis ...), the words through gettext and the figures through
Babel. In English the result is the SQL's statement (a test compares them on every row).

Words that depend on the grain come as whole phrases per grain ("the previous month"): Greek
inflects them by the gender of week, month, quarter and year, so "the previous {unit}" cannot be
one string.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sales_pipeline.facts.metrics import Display, display_of
from sales_pipeline.partitions import GRAINS_BY_NAME
from sales_pipeline.reports import formatting as fmt
from sales_pipeline.reports.i18n import N_, Language

# Per grain: the phrases the reports and sentences put a period in.
GRAIN_PHRASES: dict[str, dict[str, str]] = {
    "weekly": {
        "next": N_("Next week"),
        "this": N_("this week"),
        "the_previous": N_("the previous week"),
        "the_same_last_year": N_("the same week last year"),
        "in_the_previous": N_("in the previous week"),
        "in_the_same_last_year": N_("in the same week last year"),
        "level_previous": N_("the level in the previous week"),
        "level_last_year": N_("the level in the same week last year"),
        "vs_previous": N_("vs previous week"),
        "previous": N_("Previous week"),
        "per": N_("{label} per week"),
        "grain_name": N_("weekly"),  # inside a sentence: "(facts (weekly), ...)"
        # The trend direction's window (AnalysisConfig.trend_window, at least 2).
        "trend_over": N_("Trend over {n} weeks"),
    },
    "monthly": {
        "next": N_("Next month"),
        "this": N_("this month"),
        "the_previous": N_("the previous month"),
        "the_same_last_year": N_("the same month last year"),
        "in_the_previous": N_("in the previous month"),
        "in_the_same_last_year": N_("in the same month last year"),
        "level_previous": N_("the level in the previous month"),
        "level_last_year": N_("the level in the same month last year"),
        "vs_previous": N_("vs previous month"),
        "previous": N_("Previous month"),
        "per": N_("{label} per month"),
        "grain_name": N_("monthly"),  # inside a sentence: "(facts (monthly), ...)"
        # The trend direction's window (AnalysisConfig.trend_window, at least 2).
        "trend_over": N_("Trend over {n} months"),
    },
    "quarterly": {
        "next": N_("Next quarter"),
        "this": N_("this quarter"),
        "the_previous": N_("the previous quarter"),
        "the_same_last_year": N_("the same quarter last year"),
        "in_the_previous": N_("in the previous quarter"),
        "in_the_same_last_year": N_("in the same quarter last year"),
        "level_previous": N_("the level in the previous quarter"),
        "level_last_year": N_("the level in the same quarter last year"),
        "vs_previous": N_("vs previous quarter"),
        "previous": N_("Previous quarter"),
        "per": N_("{label} per quarter"),
        "grain_name": N_("quarterly"),  # inside a sentence: "(facts (quarterly), ...)"
        # The trend direction's window (AnalysisConfig.trend_window, at least 2).
        "trend_over": N_("Trend over {n} quarters"),
    },
    "yearly": {
        "next": N_("Next year"),
        "this": N_("this year"),
        "the_previous": N_("the previous year"),
        "the_same_last_year": N_("the same year last year"),
        "in_the_previous": N_("in the previous year"),
        "in_the_same_last_year": N_("in the same year last year"),
        "level_previous": N_("the level in the previous year"),
        "level_last_year": N_("the level in the same year last year"),
        "vs_previous": N_("vs previous year"),
        "previous": N_("Previous year"),
        "per": N_("{label} per year"),
        "grain_name": N_("yearly"),  # inside a sentence: "(facts (yearly), ...)"
        # The trend direction's window (AnalysisConfig.trend_window, at least 2).
        "trend_over": N_("Trend over {n} years"),
    },
}

CAUSE_TEXTS = {
    "effort": N_("effort (not enough activity)"),
    "skill": N_("skill (activity turns into fewer orders)"),
    "value": N_("value (smaller orders)"),
    "mixed": N_("mixed (several factors together)"),
    "no_shortfall": N_("none overall: other factors made up for it"),
}
# Conversion is orders per unit of the rep's activity metric.
ORDERS_PER = {
    "visits": N_("orders per visit"),
    "calls_connected": N_("orders per connected call"),
}
ORDERS_PER_ACTIVITY = N_("orders per unit of activity")


def phrases(grain: str, lang: Language) -> dict[str, str]:
    """The grain's phrases in `lang`, and its heading ("Weekly", "Weekly reports") as `grain`."""
    return {"grain": lang.gettext(GRAINS_BY_NAME[grain].label),
            **{key: lang.gettext(text) for key, text in GRAIN_PHRASES[grain].items()}}


def count_of(metric: str, value: float, lang: Language) -> str:
    """'45 visits', '1 connected call', '8 orders': a count with its noun, in the right plural."""
    shown = fmt.number(value, lang.code)
    if metric == "visits":
        text = lang.ngettext("{count} visit", "{count} visits", value)
    elif metric == "calls_connected":
        text = lang.ngettext("{count} connected call", "{count} connected calls", value)
    elif metric == "orders":
        text = lang.ngettext("{count} order", "{count} orders", value)
    else:
        return f"{shown} {fmt.metric_label(metric, lang.code).lower()}"
    return text.format(count=shown)


class Sentences:
    """The action-plan sentences of one grain, currency and language."""

    def __init__(self, grain: str, currency: str, lang: Language) -> None:
        self.lang = lang
        self.currency = currency
        self.grain = phrases(grain, lang)

    # -- figures as the sentences print them (as the SQL's ap_* macros do in English) --------

    def value(self, metric: str, value: float | None) -> str:
        _ = self.lang.gettext
        code = self.lang.code
        if fmt.is_missing(value):
            return _("n/a")
        display = display_of(metric)
        if display is Display.MONEY:
            return fmt.money(value, self.currency, code)
        if display is Display.HOURS:
            return fmt.hours(value, code)
        if display is Display.SECONDS:
            return fmt.seconds(value, code)
        if display is Display.RATIO:
            return fmt.decimal(value, 2, code, grouping=False)
        return fmt.number(value, code)

    def money(self, value: float | None) -> str:
        return self.value("sales_volume", value)

    def percent(self, ratio: float | None) -> str:
        if fmt.is_missing(ratio):
            return self.lang.gettext("n/a")
        return fmt.percent(ratio, 0, self.lang.code)

    def orders_per(self, activity_metric: str | None) -> str:
        return self.lang.gettext(ORDERS_PER.get(activity_metric or "", ORDERS_PER_ACTIVITY))

    def against(self, comparison: str) -> str:
        """What a comparison is, after "vs <value>"."""
        if comparison == "target":
            return self.lang.gettext("at target")
        if comparison == "peers":
            return self.lang.gettext("of the team's median seller")
        return self.grain["in_the_previous" if comparison == "prior_period"
                          else "in_the_same_last_year"]

    def level(self, comparison: str) -> str:
        if comparison == "target":
            return self.lang.gettext("the level at target")
        if comparison == "peers":
            return self.lang.gettext("the level of the team's median seller")
        return self.grain["level_previous" if comparison == "prior_period" else "level_last_year"]

    # -- one function per item kind ------------------------------------------------------------

    def statement(self, item: Mapping[str, Any]) -> str:
        kind = item["item"]
        if kind == "strength":
            return self.strength(item)
        if kind == "development":
            return self.development(item)
        return self.commitment(item)

    def strength(self, item: Mapping[str, Any]) -> str:
        _ = self.lang.gettext
        metric = item["metric"]
        text = _("{label} {value}").format(label=fmt.metric_label(metric, self.lang.code),
                                           value=self.value(metric, item["actual"]))
        above_target = item["reference_kind"] == "target"
        if above_target:
            text += _(" vs target {target} ({attainment})").format(
                target=self.value(metric, item["target"]),
                attainment=self.percent(item["attainment"]))
        if item["top_quartile"]:
            text += self.lang.ngettext(
                ", top quartile of {team} (peer median {median} over {count} rep)",
                ", top quartile of {team} (peer median {median} over {count} reps)",
                item["peer_count"],
            ).format(team=item["team"], median=self.value(metric, item["peer_median"]),
                     count=item["peer_count"])
        # Praise against peers does not hide a missed target: its attainment is stated.
        if not above_target and not fmt.is_missing(item["attainment"]):
            text += _("; {attainment} of target").format(
                attainment=self.percent(item["attainment"]))
        return text + "."

    def development(self, item: Mapping[str, Any]) -> str:
        _ = self.lang.gettext
        metric, comparison = item["metric"], item["reference_kind"]
        actual, base = item["actual"], item["reference_value"]
        value = self.value(metric, actual)
        if item["factor"] == "conversion":
            value = _("{ratio} {orders_per}").format(
                ratio=value, orders_per=self.orders_per(item["activity_metric"]))
        text = _("{label} {value} vs {base} {against}").format(
            label=fmt.metric_label(metric, self.lang.code), value=value,
            base=self.value(metric, base), against=self.against(comparison))
        if not fmt.is_missing(base) and base > 0 and not fmt.is_missing(actual):
            text += f" ({fmt.sentence_signed_percent(actual / base - 1, self.lang.code)})"
        cause = item["cause"]
        text += _(", costing {cost} in sales volume (sales volume {sales} vs {base_sales} "
                  "{against}). Cause: {cause}.").format(
            cost=self.money(-item["cost_in_sales_volume"]), sales=self.money(item["sales_volume"]),
            base_sales=self.money(item["base_sales_volume"]), against=self.against(comparison),
            cause=_(CAUSE_TEXTS[cause]) if cause in CAUSE_TEXTS else cause)
        return text

    def commitment(self, item: Mapping[str, Any]) -> str:
        _ = self.lang.gettext
        basis, factor, comparison = (item["commitment_basis"], item["factor"],
                                     item["reference_kind"])
        target, actual = item["commitment_target"], item["actual"]
        activity_metric = item["activity_metric"]
        this = self.grain["this"]
        if basis == "set_target":
            body = _("at least {activities}, the set target ({actual} {this_period}).").format(
                activities=count_of(activity_metric, target, self.lang),
                actual=fmt.number(actual, self.lang.code), this_period=this)
        elif basis == "sales_target":
            body = _("at least {activities} ({actual} {this_period}), enough for the sales volume "
                     "target of {sales_target} at the conversion ({conversion} {orders_per}) and "
                     "order value ({order_value}) {against}.").format(
                activities=count_of(activity_metric, target, self.lang),
                actual=fmt.number(actual, self.lang.code), this_period=this,
                sales_target=self.money(item["next_sales_target"]),
                conversion=self.value("conversion", item["base_conversion"]),
                orders_per=self.orders_per(activity_metric),
                order_value=self.money(item["base_avg_order_value"]),
                against=self.against(comparison))
        elif factor == "activity":
            body = _("at least {activities} ({actual} {this_period}), {level} that recovers the "
                     "{cost} the shortfall cost.").format(
                activities=count_of(activity_metric, target, self.lang),
                actual=fmt.number(actual, self.lang.code), this_period=this,
                level=self.level(comparison), cost=self.money(item["development_cost"]))
        elif factor == "conversion":
            body = _("at least {ratio} {orders_per} ({actual} {this_period}), {level}").format(
                ratio=self.value("conversion", target), orders_per=self.orders_per(activity_metric),
                actual=self.value("conversion", actual), this_period=this,
                level=self.level(comparison))
            activity = item["activity"]
            if not fmt.is_missing(activity) and activity > 0:
                body += _(", i.e. {orders} from {activities}").format(
                    orders=count_of("orders", math.ceil(target * activity), self.lang),
                    activities=count_of(activity_metric, activity, self.lang))
            body += "."
        else:
            body = _("an average order value of at least {target} ({actual} {this_period}), "
                     "{level}.").format(
                target=self.money(target), actual=self.money(actual), this_period=this,
                level=self.level(comparison))
        return _("{next_period}: {commitment}").format(next_period=self.grain["next"],
                                                      commitment=body)


"""The activity metrics of the contract (section 4), each defined once.

Every fact table, at every grain and level, is generated from this list: a metric is an aggregate
SQL expression over `staging.activities` (one row per counted event, see
`sql/staging/activities.sql`). Adding or changing a metric happens here and nowhere else: its SQL,
type and description, and how people read it (label, unit, display format, whether more of it is
praise). The two ratios the drivers and action plans split sales volume into are defined here too
(`RATIOS`). The reports, the action plans' SQL, the column comments of the marts and docs/marts.md
all read these definitions.

Labels and descriptions are English msgids (`N_`): the reports translate them through the gettext
catalogs (`reports/i18n.py`); the marts' comments and the action plans' SQL use the English.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sales_pipeline.reports.i18n import N_

# Which counted events a metric looks at; named so that the definitions below read like the contract.
CALL = "activity = 'call'"
CONNECTED_CALL = (
    f"{CALL} AND call_status = 'completed' AND call_duration > 0"
    " AND (call_answered_by IS NULL"
    " OR (NOT starts_with(call_answered_by, 'machine') AND call_answered_by <> 'fax'))"
)
DM_CONVERSATION = (
    f"(({CONNECTED_CALL}) OR activity IN ('visit', 'meeting')) AND contact_is_decision_maker"
)
# 'order_credit': a sales team member's share of an order credited to another rep's count.
SALES_DOCUMENT = "activity IN ('order', 'order_credit', 'return')"


class Unit(StrEnum):
    """What a metric's value measures."""

    COUNT = "count"
    MONEY = "money"      # the reporting currency (SALES_REPORTING_CURRENCY)
    SECONDS = "seconds"
    RATIO = "ratio"


class Display(StrEnum):
    """How a value is printed in a report and in an action-plan sentence."""

    NUMBER = "number"    # 1,234; one decimal under 100 when not whole
    MONEY = "money"      # whole units of the currency: 1,235 EUR
    HOURS = "hours"      # seconds as hours with one decimal: 12.5 h
    SECONDS = "seconds"  # whole seconds, no grouping: 95 s
    RATIO = "ratio"      # two decimals: 1.09 (orders per unit of activity)


@dataclass(frozen=True, kw_only=True)
class MetricDefinition:
    """What every metric, counted or derived, says about itself."""

    name: str
    description: str
    label: str           # starts a sentence: "Visits 42 vs target 36"
    unit: Unit
    display: Display
    # Whether the metric of a group is the sum of its members' (so targets can be summed too).
    additive: bool = True
    # Whether a leader would praise a rep for more of it: beating a target or the team is then a
    # strength. A longer average call is not in itself good, so avg_call_seconds is not.
    praisable: bool = True
    one: str = ""        # one unit, where a sentence needs it: "1.09 orders per visit"

    @property
    def noun(self) -> str:
        """The label inside a sentence: "at least 40 visits"."""
        return self.label.lower()


@dataclass(frozen=True, kw_only=True)
class Metric(MetricDefinition):
    """A metric of the fact tables: an aggregate over `staging.activities`."""

    sql: str
    sql_type: str
    # Whether it grows with the days of a period (counts and amounts; an average does not), so a
    # running period's target is pro-rated to the working days elapsed.
    accumulates: bool = True


@dataclass(frozen=True, kw_only=True)
class Ratio(MetricDefinition):
    """A ratio of two metrics, computed where it is used (drivers, action plans), not stored in
    the facts: sales_volume = activity x conversion x avg_order_value."""

    numerator: str
    denominator: str
    additive: bool = False
    praisable: bool = False


METRICS: tuple[Metric, ...] = (
    Metric(
        name="calls_made",
        sql=f"count(*) FILTER (WHERE {CALL})",
        sql_type="BIGINT",
        description=N_("Outbound calls placed by the rep (child legs of forwarded calls are not "
                       "calls)."),
        label=N_("Calls made"),
        unit=Unit.COUNT,
        display=Display.NUMBER,
    ),
    Metric(
        name="calls_connected",
        sql=f"count(*) FILTER (WHERE {CONNECTED_CALL})",
        sql_type="BIGINT",
        description=N_("Outbound calls completed with talk time, answered by a person (not a "
                       "machine or fax)."),
        label=N_("Connected calls"),
        unit=Unit.COUNT,
        display=Display.NUMBER,
        one="connected call",
    ),
    Metric(
        name="talk_seconds",
        sql=f"coalesce(sum(call_duration) FILTER (WHERE {CONNECTED_CALL}), 0)",
        sql_type="BIGINT",
        description=N_("Seconds from answer to hang-up over connected calls."),
        label=N_("Talk time"),
        unit=Unit.SECONDS,
        display=Display.HOURS,
    ),
    Metric(
        name="avg_call_seconds",
        sql=f"sum(call_duration) FILTER (WHERE {CONNECTED_CALL})"
        f" / nullif(count(*) FILTER (WHERE {CONNECTED_CALL}), 0)",
        sql_type="DOUBLE",
        description=N_("talk_seconds / calls_connected; null when no call connected."),
        label=N_("Average call length"),
        unit=Unit.SECONDS,
        display=Display.SECONDS,
        additive=False,
        accumulates=False,
        praisable=False,
    ),
    Metric(
        name="dm_conversations",
        sql=f"count(*) FILTER (WHERE {DM_CONVERSATION})",
        sql_type="BIGINT",
        description=N_("Connected calls with a decision maker, plus visits and meetings with "
                       "one."),
        label=N_("Decision-maker conversations"),
        unit=Unit.COUNT,
        display=Display.NUMBER,
    ),
    Metric(
        name="distinct_dms_reached",
        sql=f"count(DISTINCT contact_id) FILTER (WHERE {DM_CONVERSATION})",
        sql_type="BIGINT",
        description=N_("Distinct decision makers in those conversations (a month is not the sum "
                       "of its weeks)."),
        label=N_("Decision makers reached"),
        unit=Unit.COUNT,
        display=Display.NUMBER,
        additive=False,
    ),
    Metric(
        name="visits",
        sql="count(*) FILTER (WHERE activity = 'visit')",
        sql_type="BIGINT",
        description=N_("Face-to-face visits (CRM events of type Visit) that were not deleted."),
        label=N_("Visits"),
        unit=Unit.COUNT,
        display=Display.NUMBER,
        one="visit",
    ),
    Metric(
        name="meetings",
        sql="count(*) FILTER (WHERE activity = 'meeting')",
        sql_type="BIGINT",
        description=N_("CRM events of type Meeting that were not deleted."),
        label=N_("Meetings"),
        unit=Unit.COUNT,
        display=Display.NUMBER,
    ),
    Metric(
        name="orders",
        sql="count(*) FILTER (WHERE activity = 'order')",
        sql_type="BIGINT",
        description=N_("ORDER documents that are not cancelled."),
        label=N_("Orders"),
        unit=Unit.COUNT,
        display=Display.NUMBER,
    ),
    Metric(
        name="sales_volume",
        sql=f"round(coalesce(sum(signed_amount) FILTER (WHERE {SALES_DOCUMENT}), 0), 2)",
        sql_type="DECIMAL(18, 2)",
        description=N_("Net amount in the reporting currency of documents not cancelled, returns "
                       "negative."),
        label=N_("Sales volume"),
        unit=Unit.MONEY,
        display=Display.MONEY,
    ),
)

# The rep's activity metric is visits for a field rep and connected calls for an inside rep
# (docs/analysis.md, "Drivers").
RATIOS: tuple[Ratio, ...] = (
    Ratio(
        name="conversion",
        numerator="orders",
        denominator="activity",
        description=N_("Orders per unit of the rep's activity metric (visits for a field rep, "
                       "connected calls for an inside rep)."),
        label=N_("Conversion"),
        unit=Unit.RATIO,
        display=Display.RATIO,
    ),
    Ratio(
        name="avg_order_value",
        numerator="sales_volume",
        denominator="orders",
        description=N_("sales_volume / orders: the average net amount of an order."),
        label=N_("Average order value"),
        unit=Unit.MONEY,
        display=Display.MONEY,
    ),
)

METRICS_BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}
# Every metric a report, an action plan or a column comment can name.
DEFINITIONS: tuple[MetricDefinition, ...] = (*METRICS, *RATIOS)
DEFINITIONS_BY_NAME: dict[str, MetricDefinition] = {m.name: m for m in DEFINITIONS}


def display_of(metric: str) -> Display:
    definition = DEFINITIONS_BY_NAME.get(metric)
    return definition.display if definition is not None else Display.NUMBER

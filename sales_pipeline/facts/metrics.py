"""The activity metrics of the contract (section 4), each defined once.

Every fact table, at every grain and level, is generated from this list: a metric is an aggregate
SQL expression over `staging.activities` (one row per counted event, see
`sql/staging/activities.sql`). Adding or changing a metric happens here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Metric:
    name: str
    sql: str
    sql_type: str
    description: str
    # Whether the metric of a group is the sum of its members' (so targets can be summed too).
    additive: bool = True
    # Whether it grows with the days of a period (counts and amounts; an average does not), so a
    # running period's target is pro-rated to the working days elapsed.
    accumulates: bool = True


METRICS: tuple[Metric, ...] = (
    Metric(
        "calls_made",
        f"count(*) FILTER (WHERE {CALL})",
        "BIGINT",
        "Outbound calls placed by the rep (child legs of forwarded calls are not calls).",
    ),
    Metric(
        "calls_connected",
        f"count(*) FILTER (WHERE {CONNECTED_CALL})",
        "BIGINT",
        "Outbound calls completed with talk time, answered by a person (not a machine or fax).",
    ),
    Metric(
        "talk_seconds",
        f"coalesce(sum(call_duration) FILTER (WHERE {CONNECTED_CALL}), 0)",
        "BIGINT",
        "Seconds from answer to hang-up over connected calls.",
    ),
    Metric(
        "avg_call_seconds",
        f"sum(call_duration) FILTER (WHERE {CONNECTED_CALL})"
        f" / nullif(count(*) FILTER (WHERE {CONNECTED_CALL}), 0)",
        "DOUBLE",
        "talk_seconds / calls_connected; null when no call connected.",
        additive=False,
        accumulates=False,
    ),
    Metric(
        "dm_conversations",
        f"count(*) FILTER (WHERE {DM_CONVERSATION})",
        "BIGINT",
        "Connected calls with a decision maker, plus visits and meetings with one.",
    ),
    Metric(
        "distinct_dms_reached",
        f"count(DISTINCT contact_id) FILTER (WHERE {DM_CONVERSATION})",
        "BIGINT",
        "Distinct decision makers in those conversations (a month is not the sum of its weeks).",
        additive=False,
    ),
    Metric(
        "visits",
        "count(*) FILTER (WHERE activity = 'visit')",
        "BIGINT",
        "Face-to-face visits (CRM events of type Visit) that were not deleted.",
    ),
    Metric(
        "meetings",
        "count(*) FILTER (WHERE activity = 'meeting')",
        "BIGINT",
        "CRM events of type Meeting that were not deleted.",
    ),
    Metric(
        "orders",
        "count(*) FILTER (WHERE activity = 'order')",
        "BIGINT",
        "ORDER documents that are not cancelled.",
    ),
    Metric(
        "sales_volume",
        f"round(coalesce(sum(signed_amount) FILTER (WHERE {SALES_DOCUMENT}), 0), 2)",
        "DECIMAL(18, 2)",
        "Net amount in the reporting currency of documents not cancelled, returns negative.",
    ),
)

METRICS_BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}

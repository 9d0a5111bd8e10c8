{% import "analysis/_periods.sql" as p %}
{% set window_start, window_end = start | literal, end | literal %}
{#- Rebuild {{ table }} for the periods starting in [start, end): the change in sales_volume of
    each rep against target, the prior period and the same period last year, split exactly into
    activity, conversion (orders per activity) and average order value effects.
    sales_volume = activity x conversion x avg_order_value. The caller runs this in one
    transaction. -#}
{%- set rep_key = ("period_start", "rep_id", "team", "department") %}
DELETE FROM {{ table }} WHERE {{ p.in_window("period_start", window_start, window_end) }};

INSERT INTO {{ table }}
WITH rep_totals AS (
    -- The window and the year before it: comparison periods and the trailing year of rep_type.
    -- A rep is judged as a person: all teams together, shown under the team of the period's end.
    -- Only sellers are reps.
    SELECT period_start, rep_id, rep_name,
           calls_made, calls_connected, dm_conversations, visits, meetings, orders, sales_volume
    FROM {{ facts.rep_total }}
    WHERE {{ p.in_window("period_start", p.shift(grain, window_start, -per_year), window_end) }}
      AND {{ p.is_seller("rep_id", config) }}
),
homes AS (
    {{ p.rep_homes(grain, "rep_totals") }}
),
rep_facts AS (
    SELECT period_start, rep_id, rep_name, team, department,
           calls_made, calls_connected, dm_conversations, visits, meetings, orders, sales_volume
    FROM rep_totals JOIN homes USING (period_start, rep_id)
),
data_start AS (
    SELECT min(period_start) AS first_period FROM {{ facts.rep_total }}
),
rep_targets AS (
    SELECT
        period_start, rep_id, rep_name, team, department,
        max(target) FILTER (WHERE metric = 'visits') AS visits_target,
        max(target) FILTER (WHERE metric = 'calls_connected') AS calls_connected_target,
        max(target) FILTER (WHERE metric = 'orders') AS orders_target,
        max(target) FILTER (WHERE metric = 'sales_volume') AS sales_volume_target
    FROM {{ targets }}
    WHERE {{ p.in_window("period_start", window_start, window_end) }}
      AND {{ p.is_seller("rep_id", config) }}
    GROUP BY ALL
),
-- Causes are drawn from complete periods only: a running period's shortfall is not a cause yet.
complete_periods AS (
    SELECT period_start FROM ({{ p.period_calendar(grain, window_start, window_end, config) }})
    WHERE is_complete
),
-- The reps reported on: every rep with activity in the window, and reps with a target but no
-- activity (all counts 0), as in the variance table.
reps AS (
    SELECT * FROM (
        SELECT * EXCLUDE (meetings) FROM rep_facts
        WHERE {{ p.in_window("period_start", window_start, window_end) }}
        UNION ALL
        SELECT t.period_start, t.rep_id, t.rep_name, t.team, t.department, 0, 0, 0, 0, 0, 0.00
        FROM rep_targets AS t
        WHERE NOT EXISTS (
            SELECT 1 FROM rep_facts AS f
            WHERE f.period_start = t.period_start AND f.rep_id = t.rep_id
        )
    )
    WHERE period_start IN (SELECT period_start FROM complete_periods)
),
-- Field or inside rep, decided over the trailing year so that it does not flip with one quiet
-- week: field when visits and meetings are at least a tenth of connected calls. A rep with no
-- activity at all in that year is a field rep if given a visits target.
rep_activity AS (
    SELECT period_start, rep_id,
           sum(visits + meetings) AS face_to_face, sum(connected) AS connected
    FROM (
        SELECT period_start, rep_id, visits, meetings, calls_connected AS connected FROM rep_facts
        UNION ALL
        SELECT period_start, rep_id, 0, 0, 0 FROM reps
    )
    GROUP BY ALL
),
trailing_year AS (
    SELECT
        period_start, rep_id,
        sum(face_to_face) OVER year_frame AS face_to_face,
        sum(connected) OVER year_frame AS connected
    FROM rep_activity
    WINDOW year_frame AS (
        PARTITION BY rep_id ORDER BY period_start
        RANGE BETWEEN {{ p.span(grain, per_year - 1) }} PRECEDING AND CURRENT ROW
    )
),
rep_types AS (
    SELECT
        y.period_start, y.rep_id,
        CASE
            WHEN y.face_to_face = 0 AND y.connected = 0 THEN
                CASE WHEN t.has_visits_target THEN 'field' ELSE 'inside' END
            WHEN y.face_to_face * 10 >= y.connected THEN 'field'
            ELSE 'inside'
        END AS rep_type
    FROM trailing_year AS y
    LEFT JOIN (
        SELECT period_start, rep_id, bool_or(visits_target IS NOT NULL) AS has_visits_target
        FROM rep_targets GROUP BY ALL
    ) AS t USING (period_start, rep_id)
),
typed AS (
    SELECT
        reps.*,
        rep_types.rep_type,
        CASE rep_types.rep_type WHEN 'field' THEN 'visits' ELSE 'calls_connected' END AS activity_metric,
        CASE rep_types.rep_type WHEN 'field' THEN reps.visits ELSE reps.calls_connected END AS activity
    FROM reps JOIN rep_types USING (period_start, rep_id)
),
-- The typical rep of each rep's peers: the median activity, orders and sales volume of the
-- sellers of the same team and type in the period (the rep included). Fewer than
-- {{ peer_min_count }} are no comparison: the median of two is one of them.
peer_medians AS (
    SELECT
        period_start, team, department, rep_type, count(*) AS peer_count,
        median(activity)::DOUBLE AS activity, median(orders)::DOUBLE AS orders,
        round(median(sales_volume), 2)::DECIMAL(18, 2) AS sales_volume
    FROM typed
    GROUP BY ALL
),
-- The base of each comparison. Target rows exist only where activity, orders and sales_volume
-- targets all do; a comparison period before the data starts has no base (has_base false), one
-- inside the data where the rep had no row is a base of zeros. The peers' base is their median
-- rep (docs/analysis.md, "Drivers"): what a rep without a target is developed against.
bases AS (
    SELECT
        {{ rep_key | join(", ") }}, 'target' AS comparison, TRUE AS has_base,
        CASE typed.activity_metric WHEN 'visits' THEN t.visits_target ELSE t.calls_connected_target END AS base_activity,
        t.orders_target AS base_orders,
        round(t.sales_volume_target, 2)::DECIMAL(18, 2) AS base_sales_volume
    FROM typed JOIN rep_targets AS t USING ({{ rep_key | join(", ") }})
    WHERE CASE typed.activity_metric WHEN 'visits' THEN t.visits_target ELSE t.calls_connected_target END IS NOT NULL
      AND t.orders_target IS NOT NULL AND t.sales_volume_target IS NOT NULL
{%- for comparison, periods_back in (("prior_period", 1), ("last_year", per_year)) %}
    UNION ALL
    SELECT
        {% for key in rep_key %}typed.{{ key }}, {% endfor %}{{ comparison | literal }},
        {{ p.shift(grain, "typed.period_start", -periods_back) }} >= data_start.first_period,
        CASE WHEN {{ p.shift(grain, "typed.period_start", -periods_back) }} >= data_start.first_period THEN
            coalesce(CASE typed.activity_metric WHEN 'visits' THEN base.visits ELSE base.calls_connected END, 0)
        END,
        CASE WHEN {{ p.shift(grain, "typed.period_start", -periods_back) }} >= data_start.first_period THEN
            coalesce(base.orders, 0)
        END,
        CASE WHEN {{ p.shift(grain, "typed.period_start", -periods_back) }} >= data_start.first_period THEN
            coalesce(base.sales_volume, 0)
        END
    FROM typed
    CROSS JOIN data_start
    LEFT JOIN rep_facts AS base
        ON base.period_start = {{ p.shift(grain, "typed.period_start", -periods_back) }}
        AND base.rep_id = typed.rep_id
{%- endfor %}
    UNION ALL
    SELECT
        {% for key in rep_key %}typed.{{ key }}, {% endfor %}'peers', peers.peer_count >= {{ peer_min_count }},
        CASE WHEN peers.peer_count >= {{ peer_min_count }} THEN peers.activity END,
        CASE WHEN peers.peer_count >= {{ peer_min_count }} THEN peers.orders END,
        CASE WHEN peers.peer_count >= {{ peer_min_count }} THEN peers.sales_volume END
    FROM typed JOIN peer_medians AS peers USING (period_start, team, department, rep_type)
),
factors AS (
    SELECT
        typed.*,
        bases.comparison, bases.has_base, bases.base_activity, bases.base_orders, bases.base_sales_volume,
        typed.activity::DOUBLE AS a1, typed.orders::DOUBLE AS o1, typed.sales_volume::DOUBLE AS v1,
        bases.base_activity::DOUBLE AS a0, bases.base_orders::DOUBLE AS o0,
        bases.base_sales_volume::DOUBLE AS v0,
        typed.orders / nullif(typed.activity, 0) AS conversion,
        bases.base_orders / nullif(bases.base_activity, 0) AS base_conversion,
        typed.sales_volume::DOUBLE / nullif(typed.orders, 0) AS avg_order_value,
        bases.base_sales_volume::DOUBLE / nullif(bases.base_orders, 0) AS base_avg_order_value
    FROM typed JOIN bases USING ({{ rep_key | join(", ") }})
),
-- The factor values the split uses. A ratio that is undefined on one side (no activity, no
-- orders) takes the other side's value: it did not change, so it is no cause.
model AS (
    SELECT
        *,
        coalesce(conversion, base_conversion, 0) AS c1,
        coalesce(base_conversion, conversion, 0) AS c0,
        coalesce(avg_order_value, base_avg_order_value, 0) AS p1,
        coalesce(base_avg_order_value, avg_order_value, 0) AS p0,
        a1 > 0 AND o1 > 0 AND v1 > 0 AND a0 > 0 AND o0 > 0 AND v0 > 0 AS use_lmdi
    FROM factors
),
split AS (
    SELECT
        *,
        sales_volume - base_sales_volume AS total_change,
        -- Volume the factor model cannot express (orders with no activity, returns in a period
        -- with no order): its change is reported with the value effect.
        (v1 - a1 * c1 * p1) - (v0 - a0 * c0 * p0) AS off_model,
        -- LMDI-I: weights are the logarithmic mean of the volumes.
        CASE WHEN use_lmdi THEN
            CASE WHEN v1 = v0 THEN v1 ELSE (v1 - v0) / (ln(v1) - ln(v0)) END
        END AS log_mean
    FROM model
),
effects AS (
    SELECT
        *,
        CASE WHEN use_lmdi THEN log_mean * ln(a1 / a0)
             -- Shapley: each factor's change, weighted over the 6 orders of changing factors.
             ELSE (a1 - a0) * ((c0 * p0 + c1 * p1) / 3 + (c0 * p1 + c1 * p0) / 6)
        END AS activity_raw,
        CASE WHEN use_lmdi THEN log_mean * ln(c1 / c0)
             ELSE (c1 - c0) * ((a0 * p0 + a1 * p1) / 3 + (a0 * p1 + a1 * p0) / 6)
        END AS conversion_raw,
        CASE WHEN use_lmdi THEN log_mean * ln(p1 / p0)
             ELSE (p1 - p0) * ((a0 * c0 + a1 * c1) / 3 + (a0 * c1 + a1 * c0) / 6)
        END + CASE WHEN use_lmdi THEN 0 ELSE off_model END AS value_raw
    FROM split
    WHERE has_base
),
-- Effects in cents that add up to the total change exactly: each is rounded, and what rounding
-- leaves over (a cent or two) goes to the largest effect.
cents AS (
    SELECT
        *,
        round(activity_raw, 2)::DECIMAL(18, 2) AS activity_cents,
        round(conversion_raw, 2)::DECIMAL(18, 2) AS conversion_cents,
        round(value_raw, 2)::DECIMAL(18, 2) AS value_cents,
        CASE
            WHEN abs(activity_raw) >= abs(conversion_raw) AND abs(activity_raw) >= abs(value_raw) THEN 'activity'
            WHEN abs(conversion_raw) >= abs(value_raw) THEN 'conversion'
            ELSE 'value'
        END AS largest
    FROM effects
),
balanced AS (
    SELECT
        *,
        total_change - activity_cents - conversion_cents - value_cents AS residue
    FROM cents
),
decomposed AS (
    SELECT
        factors.*,
        balanced.total_change,
        (balanced.activity_cents + CASE WHEN largest = 'activity' THEN residue ELSE 0 END)::DECIMAL(18, 2) AS activity_effect,
        (balanced.conversion_cents + CASE WHEN largest = 'conversion' THEN residue ELSE 0 END)::DECIMAL(18, 2) AS conversion_effect,
        (balanced.value_cents + CASE WHEN largest = 'value' THEN residue ELSE 0 END)::DECIMAL(18, 2) AS value_effect,
        CASE WHEN balanced.use_lmdi THEN 'lmdi' WHEN balanced.has_base THEN 'shapley' END AS method,
        CASE WHEN balanced.use_lmdi THEN 0 ELSE round(balanced.off_model, 2) END::DECIMAL(18, 2) AS off_model_change,
        -- A factor is low when it fell below 1 - band of its base; a ratio against a base of zero
        -- or less says nothing.
        coalesce(CASE WHEN balanced.a0 > 0 THEN balanced.a1 / balanced.a0 < 1 - {{ config.driver_normal_band | literal }}::DOUBLE END, FALSE) AS low_activity,
        coalesce(CASE WHEN balanced.c0 > 0 THEN balanced.c1 / balanced.c0 < 1 - {{ config.driver_normal_band | literal }}::DOUBLE END, FALSE) AS low_conversion,
        coalesce(CASE WHEN balanced.p0 > 0 THEN balanced.p1 / balanced.p0 < 1 - {{ config.driver_normal_band | literal }}::DOUBLE END, FALSE) AS low_value
    FROM factors
    LEFT JOIN balanced USING ({{ rep_key | join(", ") }}, comparison)
)
SELECT
    period_start, rep_id, rep_name, team, department, rep_type, comparison, activity_metric,
    activity, base_activity, conversion, base_conversion, avg_order_value, base_avg_order_value,
    sales_volume, base_sales_volume, total_change,
    activity_effect, conversion_effect, value_effect, method,
    CASE
        WHEN NOT has_base THEN 'no_base'
        WHEN total_change >= 0 THEN 'no_shortfall'
        WHEN low_activity AND NOT low_conversion AND NOT low_value THEN 'effort'
        WHEN low_conversion AND NOT low_activity AND NOT low_value THEN 'skill'
        WHEN low_value AND NOT low_activity AND NOT low_conversion THEN 'value'
        ELSE 'mixed'
    END AS cause,
    calls_made, calls_connected, dm_conversations, orders,
    off_model_change
FROM decomposed
ORDER BY period_start, department, team, rep_id, comparison;

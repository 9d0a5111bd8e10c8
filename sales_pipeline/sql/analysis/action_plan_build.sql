{% include "analysis/action_plan_macros.sql" %}

-- Rebuild every period of {{ table }} that starts in [{{ start }}, {{ end }}) from the variance
-- and driver marts. The caller runs this in one transaction.
DELETE FROM {{ table }}
WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }};

INSERT INTO {{ table }} BY NAME
WITH labels(metric, label, noun, one) AS (
    VALUES
{%- for metric in definitions %}
        ({{ metric.name | literal }}, {{ metric.label | literal }}, {{ metric.noun | literal }}, {{ metric.one | literal }}){{ "," if not loop.last }}
{%- endfor %}
),

-- Developments: the largest negative driver effects against a real shortfall -------------------
-- Against the rep's target where there is one, else against the team's median seller (peers):
-- a fall on the period before by a rep at target is no development, and a rep without a target
-- is still measured (docs/reports.md, "Action plans").
drivers_in_range AS (
    SELECT
        d.*,
        CASE d.comparison WHEN 'target' THEN 1 WHEN 'peers' THEN 2 END AS preference,
        (d.period_start + {{ step }})::DATE AS next_start
    FROM {{ drivers }} AS d
    WHERE d.period_start >= {{ start | literal }} AND d.period_start < {{ end | literal }}
      AND d.cause <> 'no_base' AND d.comparison IN ('target', 'peers')
),
factor_effects AS (
    SELECT *, 'activity' AS factor, activity_metric AS factor_metric, activity_effect AS effect,
           activity::DOUBLE AS factor_value, base_activity::DOUBLE AS base_factor_value
    FROM drivers_in_range
    UNION ALL
    SELECT *, 'conversion', 'conversion', conversion_effect, conversion, base_conversion
    FROM drivers_in_range
    UNION ALL
    SELECT *, 'value', 'avg_order_value', value_effect, avg_order_value, base_avg_order_value
    FROM drivers_in_range
),
negative_effects AS (
    SELECT *
    FROM factor_effects
    -- A factor within the normal band of its comparison is noise, not a development area,
    -- and an effect under one unit of currency is not worth a sentence.
    WHERE effect <= -{{ min_cost }}
      AND (base_factor_value IS NULL OR base_factor_value <= 0 OR factor_value IS NULL
           OR factor_value / base_factor_value < 1 - {{ normal_band }})
),
chosen_comparison AS (
    SELECT period_start, rep_id, team, department, min(preference) AS preference
    FROM drivers_in_range
    GROUP BY ALL
),
developments AS (
    SELECT
        n.*,
        row_number() OVER (
            PARTITION BY n.period_start, n.rep_id, n.team, n.department ORDER BY n.effect, n.factor
        ) AS item_rank,
        CASE n.factor
            WHEN 'activity' THEN activity_label.label
            WHEN 'conversion' THEN 'Conversion'
            ELSE 'Average order value'
        END AS factor_label,
        -- Orders per unit of activity, not a percentage: a field rep can take more than one
        -- order per visit, and "106% of visits" reads as an error; "1.06 orders per visit" reads.
        CASE WHEN n.factor = 'conversion' THEN ' orders per ' || activity_label.one ELSE ''
        END AS factor_unit,
        activity_label.noun AS activity_noun,
        activity_label.one AS activity_one,
        CASE n.cause
            WHEN 'effort' THEN 'effort (not enough activity)'
            WHEN 'skill' THEN 'skill (activity turns into fewer orders)'
            WHEN 'value' THEN 'value (smaller orders)'
            WHEN 'mixed' THEN 'mixed (several factors together)'
            WHEN 'no_shortfall' THEN 'none overall: other factors made up for it'
            ELSE n.cause
        END AS cause_text,
        {{ drivers | literal }} || '/' || n.period_start || '/' || ap_key(n.rep_id) || '/'
            || ap_key(n.team) || '/' || ap_key(n.department) || '/' || n.comparison AS driver_key
    FROM negative_effects AS n
    JOIN chosen_comparison USING (period_start, rep_id, team, department, preference)
    JOIN labels AS activity_label ON activity_label.metric = n.activity_metric
    QUALIFY item_rank <= 2
),
-- Strengths: a metric at or above target, or in the top quartile of the rep's team ------------
rep_metrics AS (
    SELECT
        v.period_start, v.entity_id AS rep_id, v.entity_name AS rep_name, v.team, v.department,
        v.metric, v.actual, v.target, v.attainment,
        count(v.actual) OVER peers AS peer_count,
        quantile_cont(v.actual, 0.75) OVER peers AS peer_top_quartile,
        median(v.actual) OVER peers AS peer_median
    FROM {{ variance }} AS v
    -- No plan is drawn from a running period (docs/analysis.md, "Complete periods").
    WHERE v.level = 'rep' AND v.is_complete
      AND v.period_start >= {{ start | literal }} AND v.period_start < {{ end | literal }}
      AND v.metric IN {{ praisable | in_list }}
    WINDOW peers AS (PARTITION BY v.period_start, v.team, v.department, v.metric)
),
strength_candidates AS (
    SELECT
        *,
        coalesce(attainment >= 1, FALSE) AS above_target,
        -- Strictly above the median too: when most of the team ties, the quartile says nothing.
        coalesce(
            peer_count >= {{ min_peers }} AND actual >= peer_top_quartile AND actual > peer_median,
            FALSE
        ) AS top_quartile
    FROM rep_metrics
),
strengths AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY period_start, rep_id, team, department
            ORDER BY above_target DESC,
                     CASE WHEN above_target THEN attainment END DESC NULLS LAST,
                     actual / nullif(peer_median, 0) DESC NULLS LAST, metric
        ) AS item_rank
    FROM strength_candidates AS c
    WHERE (above_target OR top_quartile)
      -- A metric the rep is asked to develop is not also praised: "top quartile of the team"
      -- next to "below target" on the same number would read as a contradiction.
      AND NOT EXISTS (
          SELECT 1 FROM developments AS d
          WHERE d.period_start = c.period_start AND d.rep_id = c.rep_id AND d.team = c.team
            AND d.department = c.department AND d.factor_metric = c.metric
      )
    QUALIFY item_rank <= 2
),
strength_items AS (
    SELECT
        s.period_start, s.rep_id, s.rep_name, s.team, s.department,
        'strength' AS item,
        s.item_rank AS rank,
        s.metric,
        NULL::VARCHAR AS factor,
        l.label || ' ' || ap_metric_value(s.metric, s.actual)
            || CASE WHEN s.above_target
                THEN ' vs target ' || ap_metric_value(s.metric, s.target)
                     || ' (' || ap_percent(s.attainment) || ')'
                ELSE '' END
            || CASE WHEN s.top_quartile
                THEN ', top quartile of ' || s.team || ' (peer median '
                     || ap_metric_value(s.metric, s.peer_median) || ' over '
                     || s.peer_count || ' reps)'
                ELSE '' END
            -- Praise against peers does not hide a missed target: its attainment is stated.
            || CASE WHEN NOT s.above_target AND s.attainment IS NOT NULL
                THEN '; ' || ap_percent(s.attainment) || ' of target'
                ELSE '' END
            || '.' AS statement,
        s.actual::DOUBLE AS actual,
        (CASE WHEN s.above_target THEN s.target ELSE s.peer_top_quartile END)::DOUBLE
            AS reference_value,
        CASE WHEN s.above_target THEN 'target' ELSE 'peer_top_quartile' END AS reference_kind,
        NULL::DOUBLE AS cost_in_sales_volume,
        NULL::VARCHAR AS cause,
        NULL::DATE AS next_period_start,
        NULL::DOUBLE AS commitment_target,
        NULL::VARCHAR AS commitment_basis,
        s.target::DOUBLE AS target,
        s.attainment::DOUBLE AS attainment,
        s.top_quartile,
        s.peer_median::DOUBLE AS peer_median,
        s.peer_count::INTEGER AS peer_count,
        [{{ variance | literal }} || '/' || s.period_start || '/rep/' || ap_key(s.rep_id) || '/'
            || ap_key(s.team) || '/' || ap_key(s.department) || '/' || ap_key(s.metric)]
        || CASE WHEN s.top_quartile
            -- The peers the quartile was taken over: every rep row of the team for that metric.
            THEN [{{ variance | literal }} || '/' || s.period_start || '/rep/*/' || ap_key(s.team)
                  || '/' || ap_key(s.department) || '/' || ap_key(s.metric)]
            ELSE []::VARCHAR[] END AS source
    FROM strengths AS s
    JOIN labels AS l USING (metric)
),

development_items AS (
    SELECT
        period_start, rep_id, rep_name, team, department,
        'development' AS item,
        item_rank AS rank,
        factor_metric AS metric,
        factor,
        factor_label || ' ' || ap_metric_value(factor_metric, factor_value) || factor_unit
            || ' vs '
            || ap_metric_value(factor_metric, base_factor_value) || ' ' || ap_against(comparison)
            || CASE WHEN base_factor_value > 0 AND factor_value IS NOT NULL
                THEN ' (' || ap_signed_percent(factor_value / base_factor_value - 1) || ')'
                ELSE '' END
            || ', costing ' || ap_money(-effect) || ' in sales volume (sales volume '
            || ap_money(sales_volume) || ' vs ' || ap_money(base_sales_volume) || ' '
            || ap_against(comparison) || '). Cause: '
            || cause_text || '.' AS statement,
        factor_value AS actual,
        base_factor_value AS reference_value,
        comparison AS reference_kind,
        effect::DOUBLE AS cost_in_sales_volume,
        cause,
        NULL::DATE AS next_period_start,
        NULL::DOUBLE AS commitment_target,
        NULL::VARCHAR AS commitment_basis,
        activity_metric,
        sales_volume::DOUBLE AS sales_volume,
        base_sales_volume::DOUBLE AS base_sales_volume,
        [driver_key] AS source
    FROM developments
),

-- Commitments: one per rep and period with a development, on its largest driver ------------
next_targets AS (
    -- Set targets of the next periods, from the CRM directly: the next period's partition of the
    -- target mart is usually not built yet when the schedule reports on the period just ended.
    SELECT
        user_id AS rep_id, metric, period_start,
        arg_max(target, target_id)::DOUBLE AS target,
        max(target_id) AS target_id
    FROM staging.sales_targets
    WHERE period_type = {{ period_type | literal }}
      AND period_start >= ({{ start | literal }} + {{ step }})::DATE
      AND period_start < ({{ end | literal }} + {{ step }})::DATE
    GROUP BY ALL
),
commitment_basis AS (
    SELECT
        d.*,
        activity_target.target AS next_activity_target,
        activity_target.target_id AS next_activity_target_id,
        sales_target.target AS next_sales_target,
        sales_target.target_id AS next_sales_target_id,
        CASE WHEN sales_target.target > 0 AND d.base_conversion > 0 AND d.base_avg_order_value > 0
            THEN ceil(sales_target.target / (d.base_conversion * d.base_avg_order_value))
        END AS activity_for_sales_target
    FROM developments AS d
    LEFT JOIN next_targets AS activity_target
        ON activity_target.rep_id = d.rep_id AND activity_target.metric = d.activity_metric
       AND activity_target.period_start = d.next_start
    LEFT JOIN next_targets AS sales_target
        ON sales_target.rep_id = d.rep_id AND sales_target.metric = 'sales_volume'
       AND sales_target.period_start = d.next_start
    WHERE d.item_rank = 1
),
commitments AS (
    -- A next-period target only counts when it asks for more than this period's number: "at
    -- least 37 visits" after 41 would be no commitment. The comparison's level always does, as
    -- the factor fell short of it.
    SELECT
        *,
        CASE
            WHEN factor <> 'activity' THEN 'reference'
            WHEN ceil(next_activity_target) > factor_value THEN 'set_target'
            WHEN activity_for_sales_target > factor_value THEN 'sales_target'
            ELSE 'reference'
        END AS basis,
        CASE
            WHEN factor <> 'activity' THEN base_factor_value
            WHEN ceil(next_activity_target) > factor_value THEN ceil(next_activity_target)
            WHEN activity_for_sales_target > factor_value THEN activity_for_sales_target
            ELSE ceil(base_factor_value)
        END::DOUBLE AS target_value
    FROM commitment_basis
),
commitment_items AS (
    SELECT
        period_start, rep_id, rep_name, team, department,
        'commitment' AS item,
        1 AS rank,
        factor_metric AS metric,
        factor,
        'Next ' || {{ unit | literal }} || ': ' || CASE
            WHEN basis = 'set_target' THEN
                'at least ' || ap_number(target_value) || ' ' || activity_noun
                || ', the set target (' || ap_number(factor_value) || ' this '
                || {{ unit | literal }} || ').'
            WHEN basis = 'sales_target' THEN
                'at least ' || ap_number(target_value) || ' ' || activity_noun || ' ('
                || ap_number(factor_value) || ' this ' || {{ unit | literal }}
                || '), enough for the sales volume target of ' || ap_money(next_sales_target)
                || ' at the conversion (' || ap_metric_value('conversion', base_conversion)
                || ' orders per ' || activity_one || ') and order value ('
                || ap_money(base_avg_order_value) || ') '
                || ap_against(comparison) || '.'
            WHEN factor = 'activity' THEN
                'at least ' || ap_number(target_value) || ' ' || activity_noun || ' ('
                || ap_number(factor_value) || ' this ' || {{ unit | literal }}
                || '), the level ' || ap_against(comparison) || ' that recovers the '
                || ap_money(-effect) || ' the shortfall cost.'
            WHEN factor = 'conversion' THEN
                'at least ' || ap_metric_value('conversion', target_value) || ' orders per '
                || activity_one || ' (' || ap_metric_value('conversion', factor_value)
                || ' this ' || {{ unit | literal }} || '), the level ' || ap_against(comparison)
                || CASE WHEN activity > 0
                    THEN ', i.e. ' || ap_number(ceil(target_value * activity))
                         || CASE WHEN ceil(target_value * activity) = 1 THEN ' order from '
                                 ELSE ' orders from ' END
                         || ap_number(activity) || ' '
                         || CASE WHEN activity = 1 THEN activity_one ELSE activity_noun END
                    ELSE '' END
                || '.'
            ELSE
                'an average order value of at least ' || ap_money(target_value) || ' ('
                || ap_money(factor_value) || ' this ' || {{ unit | literal }} || '), the level '
                || ap_against(comparison) || '.'
        END AS statement,
        factor_value AS actual,
        base_factor_value AS reference_value,
        comparison AS reference_kind,
        NULL::DOUBLE AS cost_in_sales_volume,
        cause,
        next_start AS next_period_start,
        target_value AS commitment_target,
        basis AS commitment_basis,
        activity_metric,
        activity::DOUBLE AS activity,
        base_conversion::DOUBLE AS base_conversion,
        base_avg_order_value::DOUBLE AS base_avg_order_value,
        next_sales_target::DOUBLE AS next_sales_target,
        (-effect)::DOUBLE AS development_cost,
        [driver_key]
        || CASE basis
            WHEN 'set_target' THEN ['staging.sales_targets/' || ap_key(next_activity_target_id)]
            WHEN 'sales_target' THEN ['staging.sales_targets/' || ap_key(next_sales_target_id)]
            ELSE []::VARCHAR[] END AS source
    FROM commitments
)

SELECT * FROM strength_items
UNION ALL BY NAME
SELECT * FROM development_items
UNION ALL BY NAME
SELECT * FROM commitment_items
ORDER BY period_start, department, team, rep_id,
         CASE item WHEN 'strength' THEN 1 WHEN 'development' THEN 2 ELSE 3 END, rank;

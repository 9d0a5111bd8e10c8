{% import "analysis/_periods.sql" as p %}
{% set window_start, window_end = start | literal, end | literal %}
-- Checks of {{ table }} over [{{ start }}, {{ end }}), as one row of counts (0 = fine). The
-- rolled-up targets are recomputed here from staging along a different path than the build:
-- months summed straight into quarters and years, quarters set in the CRM taken as they are.
WITH built AS (
    SELECT * FROM {{ table }} WHERE {{ p.in_window("period_start", window_start, window_end) }}
),
set_targets AS (
    SELECT user_id AS rep_id, metric, period_type, period_start, target::DOUBLE AS target
    FROM staging.sales_targets
    WHERE {{ p.in_window("period_start", window_start, window_end) }}
    QUALIFY row_number() OVER (
        PARTITION BY user_id, metric, period_type, period_start ORDER BY _file DESC, _line DESC
    ) = 1
),
month_sums AS (
    SELECT rep_id, metric, date_trunc('quarter', period_start)::DATE AS quarter, sum(target) AS target, count(*) AS months
    FROM set_targets WHERE period_type = 'Month' GROUP BY ALL
),
quarter_values AS (
    -- Each quarter's target as the year sums it: set in the CRM, else its three months.
    SELECT coalesce(q.rep_id, m.rep_id) AS rep_id, coalesce(q.metric, m.metric) AS metric,
           coalesce(q.period_start, m.quarter) AS quarter,
           coalesce(q.target, CASE WHEN m.months = 3 THEN m.target END) AS target
    FROM (SELECT * FROM set_targets WHERE period_type = 'Quarter') AS q
    FULL JOIN month_sums AS m
        ON m.rep_id = q.rep_id AND m.metric = q.metric AND m.quarter = q.period_start
),
expected_rollups AS (
{%- if grain.unit == "quarter" %}
    SELECT rep_id, metric, quarter AS period_start, target FROM month_sums WHERE months = 3
{%- else %}
    SELECT rep_id, metric, date_trunc('year', quarter)::DATE AS period_start, sum(target) AS target
    FROM quarter_values GROUP BY ALL HAVING count(target) = 4
{%- endif %}
)
SELECT
    (SELECT count(*) - count(DISTINCT (period_start, rep_id, metric)) FROM built) AS duplicate_keys,
    (SELECT count(*) FILTER (WHERE rep_id IS NULL OR team IS NULL OR department IS NULL OR metric IS NULL) FROM built) AS null_keys,
    (SELECT count(*) FROM built WHERE origin = 'rolled_up') AS rolled_up_rows,
    (SELECT count(*) FROM built JOIN {{ p.metric_catalogue(metrics) }} USING (metric)
     WHERE origin = 'rolled_up' AND NOT additive) AS rolled_up_non_additive,
    (SELECT count(*) FROM set_targets AS s LEFT JOIN built AS b
        ON b.rep_id = s.rep_id AND b.metric = s.metric AND b.period_start = s.period_start
     WHERE s.period_type = {{ p.period_type(grain) }}
       AND (b.rep_id IS NULL OR b.origin <> 'set' OR b.target <> s.target)) AS set_targets_not_kept,
{%- if grain.unit in ("quarter", "year") %}
    (SELECT count(*) FROM built AS b LEFT JOIN expected_rollups AS e USING (rep_id, metric, period_start)
     WHERE b.origin = 'rolled_up' AND (e.target IS NULL OR abs(b.target - e.target) > 1e-6 * greatest(1, abs(e.target))))
{%- else %}
    (SELECT count(*) FROM built WHERE origin = 'rolled_up')
{%- endif %} AS rollups_not_matching

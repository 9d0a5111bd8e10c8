{% import "analysis/_periods.sql" as p %}
{% set window_start, window_end = start | literal, end | literal %}
-- Checks of {{ table }} over [{{ start }}, {{ end }}), as one row of counts (0 = fine).
WITH built AS (
    SELECT * FROM {{ table }} WHERE {{ p.in_window("period_start", window_start, window_end) }}
)
SELECT
    (SELECT count(*) - count(DISTINCT (period_start, rep_id, team, department, comparison)) FROM built) AS duplicate_keys,
    (SELECT count(*) FROM built
     WHERE cause <> 'no_base'
       AND (total_change IS NULL OR abs(activity_effect + conversion_effect + value_effect - total_change) > 0.005)
    ) AS effects_not_summing,
    (SELECT count(*) FROM built
     WHERE total_change IS DISTINCT FROM sales_volume - base_sales_volume) AS totals_not_matching,
    (SELECT max(abs(activity_effect + conversion_effect + value_effect - total_change)) FROM built)::DOUBLE AS largest_difference

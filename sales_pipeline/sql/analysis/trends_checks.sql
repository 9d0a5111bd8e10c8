{% import "analysis/_periods.sql" as p %}
{% set window_start, window_end = start | literal, end | literal %}
-- Checks of {{ table }} over [{{ start }}, {{ end }}), as one row of counts (0 = fine).
WITH built AS (
    SELECT * FROM {{ table }} WHERE {{ p.in_window("period_start", window_start, window_end) }}
),
source AS (
    SELECT * FROM {{ variance }} WHERE {{ p.in_window("period_start", window_start, window_end) }}
)
SELECT
    (SELECT count(*) - count(DISTINCT (period_start, level, entity_id, team, department, metric)) FROM built) AS duplicate_keys,
    (SELECT count(*) FROM source AS s ANTI JOIN built AS b
        ON b.period_start = s.period_start AND b.level = s.level AND b.entity_id = s.entity_id
        AND b.team IS NOT DISTINCT FROM s.team AND b.department = s.department AND b.metric = s.metric
    ) AS variance_rows_without_trend,
    (SELECT count(*) FROM built AS b ANTI JOIN source AS s
        ON b.period_start = s.period_start AND b.level = s.level AND b.entity_id = s.entity_id
        AND b.team IS NOT DISTINCT FROM s.team AND b.department = s.department AND b.metric = s.metric
    ) AS trend_rows_without_variance,
    (SELECT count(*) FROM built WHERE periods_used > {{ config.trend_window }}
        OR (direction <> 'in_progress'
            AND (direction = 'insufficient_history') <> (periods_used < {{ config.trend_min_periods }}))
    ) AS windows_out_of_bounds

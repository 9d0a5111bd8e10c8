{% import "analysis/_periods.sql" as p %}
{% set window_start, window_end = start | literal, end | literal %}
-- Checks of {{ table }} over [{{ start }}, {{ end }}), as one row of counts (0 = fine).
WITH built AS (
    SELECT * FROM {{ table }} WHERE {{ p.in_window("period_start", window_start, window_end) }}
),
rep_sums AS (
    SELECT period_start, 'team' AS level, team AS entity_id, team, department, metric, sum(target) AS target
    FROM built WHERE level = 'rep' GROUP BY ALL
    UNION ALL
    SELECT period_start, 'department', department, NULL, department, metric, sum(target)
    FROM built WHERE level = 'rep' GROUP BY ALL
),
group_rows AS (
    SELECT g.*, s.target AS rep_target_sum, mc.additive
    FROM built AS g
    JOIN {{ p.metric_catalogue(metrics, "mc") }} USING (metric)
    LEFT JOIN rep_sums AS s
        ON s.period_start = g.period_start AND s.level = g.level AND s.entity_id = g.entity_id
        AND s.team IS NOT DISTINCT FROM g.team AND s.department = g.department AND s.metric = g.metric
    WHERE g.level <> 'rep'
)
SELECT
    (SELECT count(*) - count(DISTINCT (period_start, level, entity_id, team, department, metric)) FROM built) AS duplicate_keys,
    (SELECT count(*) FROM built
     WHERE entity_id IS NULL OR department IS NULL OR metric IS NULL
        OR (team IS NULL) <> (level = 'department')) AS null_keys,
    (SELECT count(*) FROM (
        SELECT period_start, level, entity_id, team, department FROM built GROUP BY ALL
        HAVING count(*) <> {{ metrics | length }})) AS entities_missing_metrics,
    (SELECT count(*) FROM group_rows
     WHERE CASE WHEN additive
                THEN NOT coalesce(abs(target - rep_target_sum) <= 1e-6 * greatest(1, abs(rep_target_sum)),
                                  target IS NULL AND rep_target_sum IS NULL)
                ELSE target IS NOT NULL END) AS group_targets_not_summed

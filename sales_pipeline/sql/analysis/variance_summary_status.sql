-- Rep statuses per metric in the latest period of the window, for the metadata of {{ table }}.
WITH latest AS (
    SELECT max(period_start) AS period_start FROM {{ table }}
    WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
)
SELECT
    metric,
    count(*) FILTER (WHERE status = 'ahead') AS ahead,
    count(*) FILTER (WHERE status = 'on_track') AS on_track,
    count(*) FILTER (WHERE status = 'at_risk') AS at_risk,
    count(*) FILTER (WHERE status = 'behind') AS behind,
    count(*) FILTER (WHERE status = 'no_target') AS no_target
FROM {{ table }} JOIN latest USING (period_start)
WHERE level = 'rep'
GROUP BY metric
ORDER BY metric

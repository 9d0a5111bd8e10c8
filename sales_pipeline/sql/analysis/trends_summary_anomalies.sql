-- The strongest anomalies of the latest period of the window, any level and metric.
WITH latest AS (
    SELECT max(period_start) AS period_start FROM {{ table }}
    WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
)
SELECT
    period_start, level, entity_name, team, metric,
    round(actual, 2) AS actual, round(rolling_mean, 2) AS rolling_mean,
    round(own_z, 2) AS own_z, round(peer_median, 2) AS peer_median, round(peer_z, 2) AS peer_z,
    direction
FROM {{ table }} JOIN latest USING (period_start)
WHERE own_anomaly OR peer_anomaly
ORDER BY greatest(coalesce(abs(own_z), 0), coalesce(abs(peer_z), 0)) DESC, level, entity_name, metric
LIMIT 25

-- Rep trend directions and anomalies per metric in the latest period of the window.
WITH latest AS (
    SELECT max(period_start) AS period_start FROM {{ table }}
    WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
)
SELECT
    metric,
    count(*) FILTER (WHERE direction = 'up') AS up,
    count(*) FILTER (WHERE direction = 'flat') AS flat,
    count(*) FILTER (WHERE direction = 'down') AS down,
    count(*) FILTER (WHERE direction = 'insufficient_history') AS insufficient_history,
    count(*) FILTER (WHERE own_anomaly) AS own_anomalies,
    count(*) FILTER (WHERE peer_anomaly) AS peer_anomalies
FROM {{ table }} JOIN latest USING (period_start)
WHERE level = 'rep'
GROUP BY metric
ORDER BY metric

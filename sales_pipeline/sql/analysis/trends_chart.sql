-- Rep trend directions per metric in the latest period of the window (chart of {{ table }}).
WITH latest AS (
    SELECT max(period_start) AS period_start FROM {{ table }}
    WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
)
SELECT
    period_start,
    metric,
    count(*) FILTER (WHERE direction = 'up') AS up,
    count(*) FILTER (WHERE direction = 'flat') AS flat,
    count(*) FILTER (WHERE direction = 'down') AS down,
    count(*) FILTER (WHERE direction = 'insufficient_history') AS insufficient_history
FROM {{ table }} JOIN latest USING (period_start)
WHERE level = 'rep'
GROUP BY ALL
ORDER BY metric

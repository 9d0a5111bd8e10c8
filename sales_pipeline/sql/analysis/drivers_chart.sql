-- The ten largest shortfalls of the latest period with their three effects (chart of {{ table }}).
WITH latest AS (
    SELECT max(period_start) AS period_start FROM {{ table }}
    WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
),
shown AS (
    SELECT CASE WHEN count(*) FILTER (WHERE comparison = 'target') > 0 THEN 'target' ELSE 'prior_period' END AS comparison
    FROM {{ table }} JOIN latest USING (period_start)
)
SELECT
    period_start, comparison, rep_name,
    activity_effect::DOUBLE, conversion_effect::DOUBLE, value_effect::DOUBLE, total_change::DOUBLE
FROM {{ table }} JOIN latest USING (period_start) JOIN shown USING (comparison)
WHERE total_change < 0
ORDER BY total_change, rep_name
LIMIT 10

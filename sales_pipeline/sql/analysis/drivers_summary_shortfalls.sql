-- The largest shortfalls of the latest period of the window and their drivers, against target
-- where reps have targets, else against the prior period.
WITH latest AS (
    SELECT max(period_start) AS period_start FROM {{ table }}
    WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
),
shown AS (
    SELECT CASE WHEN count(*) FILTER (WHERE comparison = 'target') > 0 THEN 'target' ELSE 'prior_period' END AS comparison
    FROM {{ table }} JOIN latest USING (period_start)
)
SELECT
    period_start, comparison, rep_name, team, rep_type,
    sales_volume, base_sales_volume, total_change,
    activity_effect, conversion_effect, value_effect, method, cause
FROM {{ table }} JOIN latest USING (period_start) JOIN shown USING (comparison)
WHERE total_change < 0
ORDER BY total_change, rep_name
LIMIT 15

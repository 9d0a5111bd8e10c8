-- Sales volume of every team and department in the latest period of the window.
WITH latest AS (
    SELECT max(period_start) AS period_start FROM {{ table }}
    WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
)
SELECT
    period_start, level, entity_name, department,
    round(actual, 2) AS actual, round(target, 2) AS target,
    round(attainment, 3) AS attainment,
    round(pop_change_pct, 3) AS pop_change_pct,
    round(yoy_change_pct, 3) AS yoy_change_pct,
    status
FROM {{ table }} JOIN latest USING (period_start)
WHERE level <> 'rep' AND metric = 'sales_volume'
ORDER BY level DESC, department, entity_name

-- Rep attainment on sales_volume in the latest period of the window (chart of {{ table }}).
WITH latest AS (
    SELECT max(period_start) AS period_start FROM {{ table }}
    WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
)
SELECT period_start, attainment
FROM {{ table }} JOIN latest USING (period_start)
WHERE level = 'rep' AND metric = 'sales_volume' AND attainment IS NOT NULL
ORDER BY attainment

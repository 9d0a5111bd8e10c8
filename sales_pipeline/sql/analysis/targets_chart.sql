-- Targets per metric in the window, by origin, for the chart of {{ table }}.
SELECT metric,
       count(*) FILTER (WHERE origin = 'set') AS set_rows,
       count(*) FILTER (WHERE origin = 'rolled_up') AS rolled_up_rows
FROM {{ table }}
WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
GROUP BY metric
ORDER BY metric

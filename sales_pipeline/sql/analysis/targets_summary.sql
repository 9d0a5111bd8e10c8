-- Key table of {{ table }} over [{{ start }}, {{ end }}): per metric, how many reps have a target
-- set in the CRM or rolled up, and the total.
SELECT
    metric,
    count(DISTINCT rep_id) AS reps,
    count(*) FILTER (WHERE origin = 'set') AS set_rows,
    count(*) FILTER (WHERE origin = 'rolled_up') AS rolled_up_rows,
    round(sum(target), 2) AS total_target,
    count(DISTINCT period_start) AS periods
FROM {{ table }}
WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
GROUP BY metric
ORDER BY metric

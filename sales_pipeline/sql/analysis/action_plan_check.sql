{% include "analysis/action_plan_macros.sql" %}

-- Every trace of {{ table }} in [{{ start }}, {{ end }}) against the rows it names: a plain key
-- must match exactly one row, a peer key ('*' for the rep) at least {{ min_peers }}.
WITH traces AS (
    SELECT DISTINCT unnest(source) AS trace
    FROM {{ table }}
    WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
),
variance_keys AS (
    SELECT period_start, level, entity_id, team, department, metric
    FROM {{ variance }}
    WHERE level = 'rep'
      AND period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
),
known AS (
    SELECT {{ variance | literal }} || '/' || period_start || '/rep/' || ap_key(entity_id) || '/'
               || ap_key(team) || '/' || ap_key(department) || '/' || ap_key(metric) AS trace,
           count(*) AS matches, 1 AS needed
    FROM variance_keys GROUP BY ALL
    UNION ALL
    SELECT {{ variance | literal }} || '/' || period_start || '/rep/*/' || ap_key(team) || '/'
               || ap_key(department) || '/' || ap_key(metric),
           count(*), {{ min_peers }}
    FROM variance_keys GROUP BY ALL
    UNION ALL
    SELECT {{ drivers | literal }} || '/' || period_start || '/' || ap_key(rep_id) || '/'
               || ap_key(team) || '/' || ap_key(department) || '/' || comparison,
           count(*), 1
    FROM {{ drivers }}
    WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
    GROUP BY ALL
    UNION ALL
    SELECT 'staging.sales_targets/' || ap_key(target_id), count(*), 1
    FROM staging.sales_targets GROUP BY ALL
)
SELECT traces.trace, coalesce(known.matches, 0) AS matches
FROM traces
LEFT JOIN known USING (trace)
WHERE coalesce(known.matches, 0) < coalesce(known.needed, 1)
   OR (known.needed = 1 AND known.matches > 1)
ORDER BY traces.trace;

-- The latest complete period and the earliest running one in {{ table }} (see
-- sales_pipeline.analysis.variance.stored_periods).
SELECT
    max(period_start) FILTER (WHERE is_complete) AS latest_complete,
    min(period_start) FILTER (WHERE NOT is_complete) AS earliest_running
FROM {{ table }}

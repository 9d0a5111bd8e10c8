{% import "analysis/_periods.sql" as p %}
{% set window_start, window_end = start | literal, end | literal %}
{% set n = config.trend_window %}
{#- Rebuild {{ table }} for the periods starting in [start, end) from the variance table: rolling
    mean and least-squares slope over the last n periods, and anomalies against the entity's own
    previous n periods and against its peers in the same period. The caller runs this in one
    transaction. -#}
{#- A series is one entity's metric: a rep is one person whatever team their row is shown under
    (docs/analysis.md), a team or department is its keys. -#}
{%- set series_key = "level, entity_id, series_team, series_department, metric" %}
DELETE FROM {{ table }} WHERE {{ p.in_window("period_start", window_start, window_end) }};

INSERT INTO {{ table }}
WITH series AS (
    SELECT
        *,
        CASE WHEN level <> 'rep' THEN team END AS series_team,
        CASE WHEN level <> 'rep' THEN department END AS series_department
    FROM {{ variance }}
    WHERE period_start < {{ window_end }}
),
entities AS (
    -- The entities reported on, and the first period each has a row in. Before it the entity did
    -- not exist (a new rep, a team not yet formed): those periods are left out, not counted as 0.
    SELECT
        {{ series_key }},
        -- A number per series: the window functions sort and join far faster on it than on
        -- five strings.
        row_number() OVER () AS entity_number,
        arg_max(entity_name, period_start) AS entity_name,
        greatest(min(period_start), {{ p.shift(grain, window_start, -n) }}) AS first_period,
        max(period_start) AS last_period
    FROM series
    GROUP BY ALL
    HAVING max(period_start) >= {{ window_start }}
),
history AS (
    SELECT e.entity_number, v.period_start, v.actual, v.team, v.department, v.is_complete
    FROM series AS v
    JOIN entities AS e
        ON e.level = v.level AND e.entity_id = v.entity_id
        AND e.series_team IS NOT DISTINCT FROM v.series_team
        AND e.series_department IS NOT DISTINCT FROM v.series_department
        AND e.metric = v.metric
    WHERE {{ p.in_window("v.period_start", p.shift(grain, window_start, -n), window_end) }}
),
periods AS (
    SELECT CAST(unnest(generate_series(
        CAST({{ p.shift(grain, window_start, -n) }} AS TIMESTAMP),
        CAST({{ p.shift(grain, window_end, -1) }} AS TIMESTAMP),
        {{ p.span(grain, 1) }}
    )) AS DATE) AS period_start
),
-- One row per entity and period from its first period on: a period without a row is no activity
-- (0 for counts and amounts; NULL, i.e. left out, for averages).
panel AS (
    SELECT
        e.entity_number,
        periods.period_start,
        h.period_start IS NOT NULL AS observed,
        h.team,
        h.department,
        coalesce(h.is_complete, TRUE) AS is_complete,
        CASE WHEN h.period_start IS NOT NULL THEN h.actual ELSE mc.empty_actual END AS y,
        {{ p.index(grain, "periods.period_start") }}::DOUBLE AS x
    FROM entities AS e
    JOIN periods ON periods.period_start BETWEEN e.first_period AND e.last_period
    JOIN {{ p.metric_catalogue(metrics, "mc") }} USING (metric)
    LEFT JOIN history AS h
        ON h.entity_number = e.entity_number AND h.period_start = periods.period_start
),
windowed AS (
    SELECT
        *,
        regr_count(y, x) OVER trend_frame AS periods_used,
        avg(y) OVER trend_frame AS rolling_mean,
        regr_slope(y, x) OVER trend_frame AS fitted_slope,
        regr_sxx(y, x) OVER trend_frame AS sxx,
        regr_syy(y, x) OVER trend_frame AS syy,
        regr_sxy(y, x) OVER trend_frame AS sxy,
        avg(y) OVER own_history AS own_mean,
        stddev_samp(y) OVER own_history AS own_sd,
        count(y) OVER own_history AS own_n
    FROM panel
    WINDOW
        trend_frame AS (PARTITION BY entity_number ORDER BY period_start
                        ROWS BETWEEN {{ n - 1 }} PRECEDING AND CURRENT ROW),
        own_history AS (PARTITION BY entity_number ORDER BY period_start
                        ROWS BETWEEN {{ n }} PRECEDING AND 1 PRECEDING)
),
current AS (
    SELECT
        e.level, e.entity_id, e.metric, e.entity_name,
        w.*,
        CASE WHEN w.periods_used >= 2 AND w.sxx > 0 THEN w.fitted_slope END AS slope,
        -- Residual sum of squares of the fit; rounding can leave a tiny negative.
        greatest(w.syy - w.sxy * w.sxy / nullif(w.sxx, 0), 0) AS ssr
    FROM windowed AS w
    JOIN entities AS e USING (entity_number)
    WHERE w.observed AND {{ p.in_window("w.period_start", window_start, window_end) }}
),
tested AS (
    SELECT
        *,
        -- t = slope / standard error of the slope. An exact fit (no residual) is infinitely
        -- significant unless it is flat.
        CASE
            WHEN slope IS NULL OR periods_used < 3 THEN NULL
            WHEN ssr <= 1e-12 * syy OR syy = 0 THEN
                CASE WHEN slope = 0 THEN 0 ELSE sign(slope) * 'infinity'::DOUBLE END
            ELSE slope / sqrt(ssr / (periods_used - 2) / sxx)
        END AS slope_t,
        CASE WHEN own_n >= {{ config.trend_min_periods }} AND own_sd > 0
             THEN (y - own_mean) / own_sd END AS own_z,
        CASE WHEN level = 'rep' THEN team END AS peer_team,
        CASE WHEN level <> 'department' THEN department END AS peer_department
    FROM current
),
-- Peers: reps of the same team, teams of the same department, all departments; same period and
-- metric. Robust z: distance from the peers' median in MADs scaled to a standard deviation.
peer_groups AS (
    SELECT
        period_start, level, metric, peer_team, peer_department,
        median(y) AS peer_median,
        mad(y) AS peer_mad,
        count(y) AS peer_count
    FROM tested
    GROUP BY ALL
)
SELECT
    t.period_start, t.level, t.entity_id, t.entity_name, t.team, t.department, t.metric,
    t.y AS actual,
    t.periods_used,
    t.rolling_mean,
    CASE WHEN t.is_complete THEN t.slope END AS slope,
    CASE WHEN t.is_complete THEN t.slope_t END AS slope_t,
    CASE
        -- A running period is not over: no trend and no verdict against its own history (its
        -- peers ran the same days, so the peer comparison stands).
        WHEN NOT t.is_complete THEN 'in_progress'
        WHEN t.periods_used < {{ config.trend_min_periods }} THEN 'insufficient_history'
        WHEN t.slope > 0 AND t.slope_t >= {{ config.trend_min_t | literal }}::DOUBLE
             AND t.slope >= {{ config.trend_min_relative_slope | literal }}::DOUBLE * abs(t.rolling_mean) THEN 'up'
        WHEN t.slope < 0 AND t.slope_t <= -{{ config.trend_min_t | literal }}::DOUBLE
             AND -t.slope >= {{ config.trend_min_relative_slope | literal }}::DOUBLE * abs(t.rolling_mean) THEN 'down'
        ELSE 'flat'
    END AS direction,
    CASE WHEN t.is_complete THEN t.own_z END AS own_z,
    coalesce(t.is_complete AND abs(t.own_z) >= {{ config.anomaly_z | literal }}::DOUBLE, FALSE) AS own_anomaly,
    g.peer_median,
    CASE WHEN g.peer_count >= {{ peer_min_count }} AND g.peer_mad > 0
         THEN (t.y - g.peer_median) / (1.4826 * g.peer_mad) END AS peer_z,
    coalesce(abs(peer_z) >= {{ config.peer_anomaly_z | literal }}::DOUBLE, FALSE) AS peer_anomaly,
    g.peer_count
FROM tested AS t
JOIN peer_groups AS g
    ON g.period_start = t.period_start AND g.level = t.level AND g.metric = t.metric
    AND g.peer_team IS NOT DISTINCT FROM t.peer_team
    AND g.peer_department IS NOT DISTINCT FROM t.peer_department
-- Stored by period so that the DELETE and reads of a window touch only its row groups.
ORDER BY t.period_start;

-- The analysis tables of one grain. Column order is the contract with the action plan and the
-- reports built on top: columns may be added at the end, never renamed.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE IF NOT EXISTS marts.targets_{{ grain.name }} (
    period_start DATE NOT NULL,
    rep_id VARCHAR NOT NULL,
    rep_name VARCHAR NOT NULL,
    team VARCHAR NOT NULL,
    department VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    target DOUBLE NOT NULL,
    origin VARCHAR NOT NULL            -- 'set' in the CRM at this grain, or 'rolled_up'
);

CREATE TABLE IF NOT EXISTS marts.variance_{{ grain.name }} (
    period_start DATE NOT NULL,
    level VARCHAR NOT NULL,            -- rep, team, department
    entity_id VARCHAR NOT NULL,
    entity_name VARCHAR NOT NULL,
    team VARCHAR,                      -- NULL on department rows
    department VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    actual DOUBLE,
    target DOUBLE,
    gap DOUBLE,
    attainment DOUBLE,
    prior_actual DOUBLE,
    pop_change DOUBLE,
    pop_change_pct DOUBLE,
    last_year_actual DOUBLE,
    yoy_change DOUBLE,
    yoy_change_pct DOUBLE,
    status VARCHAR NOT NULL,           -- ahead, on_track, at_risk, behind, no_target, in_progress
    prior_period_start DATE NOT NULL,
    last_year_period_start DATE NOT NULL
);
-- Added with complete periods (docs/analysis.md); ADD COLUMN upgrades an older warehouse.
{% for column, type in [
    ("period_end", "DATE"), ("days_in_period", "INTEGER"), ("days_elapsed", "INTEGER"),
    ("working_days", "INTEGER"), ("working_days_elapsed", "INTEGER"), ("holidays", "DATE[]"),
    ("is_complete", "BOOLEAN"), ("target_to_date", "DOUBLE"), ("attainment_to_date", "DOUBLE"),
    ("pace_needed", "DOUBLE"),
] %}
ALTER TABLE marts.variance_{{ grain.name }} ADD COLUMN IF NOT EXISTS {{ column }} {{ type }};
{% endfor %}

CREATE TABLE IF NOT EXISTS marts.trends_{{ grain.name }} (
    period_start DATE NOT NULL,
    level VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    entity_name VARCHAR NOT NULL,
    team VARCHAR,
    department VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    actual DOUBLE,
    periods_used INTEGER NOT NULL,
    rolling_mean DOUBLE,
    slope DOUBLE,
    slope_t DOUBLE,
    direction VARCHAR NOT NULL,        -- up, flat, down, insufficient_history, in_progress
    own_z DOUBLE,
    own_anomaly BOOLEAN NOT NULL,
    peer_median DOUBLE,
    peer_z DOUBLE,
    peer_anomaly BOOLEAN NOT NULL,
    peer_count INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.drivers_{{ grain.name }} (
    period_start DATE NOT NULL,
    rep_id VARCHAR NOT NULL,
    rep_name VARCHAR NOT NULL,
    team VARCHAR NOT NULL,
    department VARCHAR NOT NULL,
    rep_type VARCHAR NOT NULL,         -- field, inside
    comparison VARCHAR NOT NULL,       -- target, prior_period, last_year, peers
    activity_metric VARCHAR NOT NULL,  -- visits, calls_connected
    activity DOUBLE NOT NULL,
    base_activity DOUBLE,
    conversion DOUBLE,
    base_conversion DOUBLE,
    avg_order_value DOUBLE,
    base_avg_order_value DOUBLE,
    sales_volume DECIMAL(18, 2) NOT NULL,
    base_sales_volume DECIMAL(18, 2),
    total_change DECIMAL(18, 2),
    activity_effect DECIMAL(18, 2),
    conversion_effect DECIMAL(18, 2),
    value_effect DECIMAL(18, 2),
    method VARCHAR,                    -- lmdi, shapley; NULL without a base
    cause VARCHAR NOT NULL,            -- effort, skill, value, mixed, on_track, no_base
    calls_made BIGINT NOT NULL,
    calls_connected BIGINT NOT NULL,
    dm_conversations BIGINT NOT NULL,
    orders BIGINT NOT NULL,
    off_model_change DECIMAL(18, 2)    -- part of value_effect the factor model cannot express
);

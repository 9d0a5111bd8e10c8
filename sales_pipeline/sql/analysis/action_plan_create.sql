CREATE SCHEMA IF NOT EXISTS marts;
CREATE TABLE IF NOT EXISTS {{ table }} (
    period_start DATE NOT NULL,
    rep_id VARCHAR NOT NULL,
    rep_name VARCHAR,
    team VARCHAR NOT NULL,
    department VARCHAR NOT NULL,
    item VARCHAR NOT NULL,            -- strength, development, commitment
    rank INTEGER NOT NULL,            -- 1..2 within (rep, period, item)
    metric VARCHAR NOT NULL,          -- a fact metric, 'conversion' or 'avg_order_value'
    factor VARCHAR,                   -- activity, conversion, value (developments, commitments)
    statement VARCHAR NOT NULL,
    actual DOUBLE,
    reference_value DOUBLE,
    reference_kind VARCHAR,           -- target, peer_top_quartile, prior_period, last_year
    cost_in_sales_volume DOUBLE,      -- developments: the negative driver effect (<= 0)
    cause VARCHAR,                    -- from the drivers: effort, skill, value, mixed, on_track
    next_period_start DATE,
    commitment_target DOUBLE,         -- commitments: the measurable target for next_period_start
    commitment_basis VARCHAR,         -- set_target, sales_target, reference: where that came from
    source VARCHAR[] NOT NULL         -- trace keys of the rows the statement was made from
);

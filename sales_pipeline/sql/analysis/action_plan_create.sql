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
-- The parts each statement is made of, beside the columns above, so that a report can compose
-- it in another language (reports/statements.py). Added to a table built before they existed.
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS target DOUBLE;          -- strengths: the metric's target
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS attainment DOUBLE;      -- strengths: actual / target
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS top_quartile BOOLEAN;   -- strengths: in the team's top quartile
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS peer_median DOUBLE;     -- strengths: the team's median
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS peer_count INTEGER;     -- strengths: reps it was taken over
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS activity_metric VARCHAR;  -- developments, commitments
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS activity DOUBLE;        -- commitments: this period's activity
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS sales_volume DOUBLE;    -- developments: the period's
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS base_sales_volume DOUBLE;  -- developments: the comparison's
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS base_conversion DOUBLE;    -- commitments: the comparison's
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS base_avg_order_value DOUBLE;  -- commitments: the comparison's
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS next_sales_target DOUBLE;  -- commitments: next period's set target
ALTER TABLE {{ table }} ADD COLUMN IF NOT EXISTS development_cost DOUBLE;   -- commitments: what the factor cost (>= 0)

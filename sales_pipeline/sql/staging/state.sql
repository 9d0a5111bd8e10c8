-- Bookkeeping of the incremental staging merge (not analytical data).
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS quarantine;
CREATE SCHEMA IF NOT EXISTS pipeline;
-- Which version of the rules and of the lookup tables each source was last merged with: when
-- either changes, the source is rebuilt from raw in full.
CREATE TABLE IF NOT EXISTS pipeline.merge_state (
    source VARCHAR NOT NULL, rules_hash VARCHAR NOT NULL, lookups_hash VARCHAR NOT NULL
);
-- The files (and their fingerprints) each source's staging already holds.
CREATE TABLE IF NOT EXISTS pipeline.merged_files (
    source VARCHAR NOT NULL, file VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL
);
-- Keys of counted-event sources changed since staging.activities was last built ('*' = all).
CREATE TABLE IF NOT EXISTS pipeline.activity_changes (source VARCHAR NOT NULL, key VARCHAR NOT NULL);
-- The periods each build of staging.activities changed, per grain: what must be rebuilt.
CREATE TABLE IF NOT EXISTS pipeline.touched_periods (
    run_id VARCHAR NOT NULL, grain VARCHAR NOT NULL, period_start DATE NOT NULL,
    touched_at TIMESTAMPTZ NOT NULL
);
-- A content hash of each day's and each period's counted events: a period whose hash changes
-- is out of date in the marts (and shown stale in Dagster) until its facts are rebuilt.
CREATE TABLE IF NOT EXISTS pipeline.day_versions (day DATE NOT NULL, version UBIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS pipeline.period_versions (
    grain VARCHAR NOT NULL, period_start DATE NOT NULL, version VARCHAR NOT NULL
);
{% for grain in grains %}
CREATE OR REPLACE VIEW pipeline.activity_versions_{{ grain.name }} AS
SELECT period_start, version FROM pipeline.period_versions WHERE grain = {{ grain.name | literal }};
{% endfor %}

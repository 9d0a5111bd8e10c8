-- One hash over the bookkeeping every ingestion and staging merge writes: which files were
-- loaded or held back (with their content fingerprints), which of them staging merged, with
-- which rules, and the content version of every period. Any run that changed data changes it;
-- the file's size and times (file_stat, refreshed when a file is only touched) do not count.
SELECT
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(source, file, fingerprint, status, reason)), 0)
     FROM raw.landed_files)
    || '/' ||
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(source, file, fingerprint)), 0)
     FROM pipeline.merged_files)
    || '/' ||
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(source, rules_hash, lookups_hash)), 0)
     FROM pipeline.merge_state)
    || '/' ||
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(grain, period_start, version)), 0)
     FROM pipeline.period_versions)
    || '/' ||
    (SELECT count(*) FROM pipeline.activity_changes)

{#- With `changed_only`, only the events listed in pipeline.activity_changes are rebuilt (the
    caller deletes their old rows first); otherwise the whole table is. -#}
{%- macro changed(source, key) -%}
{% if changed_only %}
    AND {{ key }} IN (SELECT key FROM pipeline.activity_changes WHERE source = '{{ source }}')
{%- endif %}
{%- endmacro -%}
-- One row per counted event: every outbound call (child legs are not calls), every CRM Visit and
-- Meeting that is not deleted, every sales document that is not cancelled. Each carries the rep,
-- the local day and the rep's team and department on that day, and the clean values the metrics
-- of sales_pipeline/facts/metrics.py aggregate.
{% if changed_only %}
INSERT INTO staging.activities
{% else %}
CREATE OR REPLACE TABLE staging.activities AS
{% endif %}
WITH counted AS (
    SELECT
        'call:' || sid AS activity_id,
        'call' AS activity,
        activity_date,
        rep_id,
        status AS call_status,
        duration AS call_duration,
        answered_by AS call_answered_by,
        contact_id,
        contact_is_decision_maker,
        NULL::DECIMAL(38, 16) AS signed_amount,
        _file,
        _line
    FROM staging.calls
    WHERE is_outbound AND NOT is_child_leg {{ changed("calls", "sid") }}
    UNION ALL
    SELECT
        'event:' || event_id,
        lower(event_type),
        activity_date,
        rep_id,
        NULL, NULL, NULL,
        contact_id,
        contact_is_decision_maker,
        NULL,
        _file,
        _line
    FROM staging.events
    WHERE NOT is_deleted AND event_type IN ('Visit', 'Meeting') {{ changed("events", "event_id") }}
    UNION ALL
    SELECT
        'document:' || document_no,
        lower(document_type),
        activity_date,
        rep_id,
        NULL, NULL, NULL,
        NULL,
        FALSE,
        signed_amount,
        _file,
        _line
    FROM staging.sales_documents
    WHERE status <> 'CANCELLED' AND credits IS NULL {{ changed("sales_documents", "document_no") }}
    UNION ALL
    -- A document split across a sales team: each member's share of the volume; the order is
    -- counted once, on the largest share ('order_credit' rows carry volume, not an order).
    SELECT
        'document:' || document_no,
        CASE WHEN document_type = 'ORDER' AND NOT credit.counts_order THEN 'order_credit'
             ELSE lower(document_type) END,
        activity_date,
        credit.rep_id,
        NULL, NULL, NULL,
        NULL,
        FALSE,
        CAST(signed_amount * credit.share / 100 AS DECIMAL(38, 16)),
        _file,
        _line
    FROM staging.sales_documents, unnest(credits) AS shares(credit)
    WHERE status <> 'CANCELLED' AND credits IS NOT NULL {{ changed("sales_documents", "document_no") }}
)
SELECT
    counted.activity_id,
    counted.activity,
    counted.activity_date,
    counted.rep_id,
    users.rep_name,
    coalesce(membership.team, 'Unassigned') AS team,
    coalesce(membership.department, 'Unassigned') AS department,
    counted.* EXCLUDE (activity_id, activity, activity_date, rep_id)
FROM counted
JOIN staging.users AS users ON users.user_id = counted.rep_id
-- The team whose membership covers the day; of several, the one that started last.
LEFT JOIN staging.team_memberships AS membership
    ON membership.user_id = counted.rep_id
    AND counted.activity_date >= membership.start_date
    AND (membership.end_date IS NULL OR counted.activity_date <= membership.end_date)
QUALIFY row_number() OVER (
    -- A split document is one activity per rep of its sales team.
    PARTITION BY counted.activity_id, counted.rep_id
    ORDER BY membership.start_date DESC NULLS LAST, membership.membership_id DESC NULLS LAST
) = 1
-- Day order lets DuckDB skip row groups when a period's facts are built.
ORDER BY counted.activity_date, counted.rep_id, counted.activity_id;

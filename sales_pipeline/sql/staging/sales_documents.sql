{% import "staging/_common.sql" as c %}
{% import "staging/_lookups.sql" as lookups -%}
-- ERP sales documents. A document_no delivered more than once: the latest changed_at (as an
-- instant) wins, then the later file, then the later line. Amounts are converted to the reporting
-- currency at the rate of the latest date on or before the document date.
CREATE OR REPLACE TEMP TABLE sales_documents_checked AS
WITH typed AS (
    SELECT
        _file, _line, _file_date, _error,
        sp_text(document_no) AS document_no,
        sp_text(document_type) AS document_type,
        sp_text(document_date) AS document_date_text,
        sp_date(document_date) AS activity_date,
        sp_text(customer_no) AS customer_no,
        sp_text(sales_rep_no) AS sales_rep_no,
        sp_text(currency) AS currency,
        sp_text(net_amount) AS net_amount_text,
        sp_decimal(net_amount) AS net_amount,
        sp_text(status) AS status,
        sp_text(changed_at) AS changed_text,
        sp_timestamp(changed_at) AS changed_at
{%- if rep_identity_system %},
        sp_text(rep_identity) AS rep_identity
{%- endif %}
{%- if credit_split %},
        sp_text(credit_split) AS credit_split
{%- endif %}
    FROM raw.sales_documents
    -- Only the files of this delivery; the merge step takes care of earlier ones.
    WHERE _file IN (SELECT file FROM delivery_files)
),
reps AS (
    SELECT employee_number, min(user_id) AS user_id, count(*) AS users_with_number
    FROM staging.users
    WHERE employee_number IS NOT NULL
    GROUP BY employee_number
),
{%- if credit_split %}
-- A document credited to a sales team (the mapping's `split`): one row per member, resolved
-- like the document's own rep. The largest share (ties: the first listed) takes the order.
credit_items AS (
    SELECT
        _file, _line,
        unnest(items) AS item,
        generate_subscripts(items, 1) AS position
    FROM (
        SELECT _file, _line, from_json(credit_split, '[{"rep": "VARCHAR", "percentage": "VARCHAR"}]') AS items
        FROM typed
        WHERE credit_split IS NOT NULL
    )
),
credits_resolved AS (
    SELECT
        items._file, items._line, items.position,
        sp_text(items.item.rep) AS identifier,
        sp_text(items.item.percentage) AS percentage_text,
        try_cast(sp_text(items.item.percentage) AS DECIMAL(9, 4)) AS percentage,
        identities.user_id,
        identities.users_on_identifier
    FROM credit_items AS items
    LEFT JOIN ({{ lookups.rep_identities(rep_identity_system) }}) AS identities
        ON identities.identifier = {{ lookups.identifier(rep_identity_system, "items.item.rep") }}
),
credits AS (
    SELECT
        _file, _line,
        list(struct_pack(rep_id := user_id, share := percentage, counts_order := is_primary) ORDER BY position) AS credits,
        first(user_id ORDER BY is_primary DESC) AS primary_rep_id,
        nullif(concat_ws('; ',
            string_agg(
                CASE
                    WHEN identifier IS NULL THEN 'sales team member ' || position || ' names no rep'
                    WHEN users_on_identifier > 1 THEN 'ambiguous rep in the sales team: several people have '
                        || {{ rep_identity_system | literal }} || ' ' || sp_quote(identifier)
                    WHEN user_id IS NULL THEN 'unknown rep in the sales team: no person has '
                        || {{ rep_identity_system | literal }} || ' ' || sp_quote(identifier) || ' in the identity map'
                    WHEN percentage IS NULL OR percentage <= 0 OR percentage > 100
                    THEN 'sales team allocation ' || coalesce(sp_quote(percentage_text), 'empty')
                        || ' of ' || sp_quote(identifier) || ' is not a percentage above 0'
                END, '; ' ORDER BY position),
            CASE WHEN count(percentage) = count(*) AND sum(percentage) <> 100
                 THEN 'sales team allocations add up to '
                     || rtrim(rtrim(sum(percentage)::VARCHAR, '0'), '.') || ' %, not 100 %' END
        ), '') AS credit_reason
    FROM (
        SELECT *, row_number() OVER (
            PARTITION BY _file, _line ORDER BY percentage DESC NULLS LAST, position
        ) = 1 AS is_primary
        FROM credits_resolved
    )
    GROUP BY _file, _line
),
{%- endif %}
converted AS (
    SELECT
        typed.*,
        CASE WHEN typed.currency = {{ reporting_currency | literal }} THEN 1 ELSE fx.rate END AS fx_rate
    FROM typed
    ASOF LEFT JOIN staging.fx_rates AS fx
        ON fx.currency = typed.currency AND typed.activity_date >= fx.rate_date
),
checked AS (
    SELECT
        converted.*,
{%- if credit_split %}
        credits.credits,
        coalesce(credits.primary_rep_id, identities.user_id, reps.user_id) AS rep_id,
{%- elif rep_identity_system %}
        NULL::STRUCT(rep_id VARCHAR, share DECIMAL(9, 4), counts_order BOOLEAN)[] AS credits,
        -- The ERP's own code of the salesperson first (identity map), else the employee number.
        coalesce(identities.user_id, reps.user_id) AS rep_id,
{%- else %}
        NULL::STRUCT(rep_id VARCHAR, share DECIMAL(9, 4), counts_order BOOLEAN)[] AS credits,
        reps.user_id AS rep_id,
{%- endif %}
        CAST(
            net_amount * fx_rate * CASE document_type WHEN 'RETURN' THEN -1 ELSE 1 END
            AS DECIMAL(38, 16)
        ) AS signed_amount,
        sp_reasons(_error, concat_ws('; ',
            {{ c.required("document_no", "document_no") }},
            {{ c.not_in_set("document_type", "document_type", contract.DOCUMENT_TYPES) }},
            {{ c.unparsable("document_date", "document_date_text", "activity_date", "a YYYY-MM-DD date") }},
            CASE
{%- if credit_split %}
                WHEN credits.credits IS NOT NULL THEN credits.credit_reason
                WHEN rep_identity IS NULL AND sales_rep_no IS NULL
                THEN 'no rep: the document has no sales team'
{%- endif %}
{%- if rep_identity_system %}
                WHEN identities.users_on_identifier > 1 THEN 'ambiguous rep: several people have '
                    || {{ rep_identity_system | literal }} || ' ' || sp_quote(rep_identity)
                WHEN identities.user_id IS NOT NULL THEN NULL
                WHEN rep_identity IS NOT NULL AND reps.user_id IS NULL
                THEN 'unknown rep: no person has ' || {{ rep_identity_system | literal }} || ' '
                    || sp_quote(rep_identity) || ' in the identity map'
{%- endif %}
                WHEN sales_rep_no IS NULL THEN 'sales_rep_no is empty'
                WHEN reps.user_id IS NULL THEN 'unknown rep: no CRM user has EmployeeNumber ' || sp_quote(sales_rep_no)
                WHEN reps.users_with_number > 1 THEN 'ambiguous rep: several CRM users have EmployeeNumber ' || sp_quote(sales_rep_no)
            END,
            CASE
                WHEN currency IS NULL THEN 'currency is empty'
                WHEN NOT regexp_full_match(currency, {{ contract.CURRENCY_PATTERN | literal }})
                THEN 'currency ' || sp_quote(currency) || ' is not an ISO 4217 code'
                WHEN activity_date IS NOT NULL AND fx_rate IS NULL
                THEN 'missing FX rate: no ' || currency || ' rate on or before ' || activity_date::VARCHAR
            END,
            {{ c.unparsable("net_amount", "net_amount_text", "net_amount", "a plain positive decimal ('.' as decimal point, no thousands separator, at most 12 decimals)") }},
            CASE
                WHEN net_amount = 0 THEN 'net_amount is zero, not a positive decimal'
                WHEN net_amount > {{ contract.MAX_NET_AMOUNT }}
                THEN 'net_amount ' || sp_quote(net_amount_text) || ' is implausible: more than {{ contract.MAX_NET_AMOUNT }}'
            END,
            {{ c.not_in_set("status", "status", contract.DOCUMENT_STATUSES) }},
            {{ c.unparsable("changed_at", "changed_text", "changed_at", c.TIMESTAMP) }},
            {{ c.outside_window("document_date", "activity_date", contract.MAX_DAYS_AHEAD.sales_documents, history_start, contract.HISTORY_REASON) }}
        )) AS _reason
    FROM converted
    LEFT JOIN reps ON reps.employee_number = converted.sales_rep_no
{%- if rep_identity_system %}
    LEFT JOIN ({{ lookups.rep_identities(rep_identity_system) }}) AS identities
        ON identities.identifier = {{ lookups.identifier(rep_identity_system, "converted.rep_identity") }}
{%- endif %}
{%- if credit_split %}
    LEFT JOIN credits ON credits._file = converted._file AND credits._line = converted._line
{%- endif %}
)
SELECT * EXCLUDE (_error, document_date_text, net_amount_text, changed_text
{%- if rep_identity_system %}, rep_identity{% endif %}
{%- if credit_split %}, credit_split{% endif %}) FROM checked;

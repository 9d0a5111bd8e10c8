{% import "staging/_common.sql" as c %}
{% import "staging/_lookups.sql" as lookups %}
-- Phone system call log. A sid delivered more than once: the file with the latest date in its name
-- wins, then the later line. Rejected rows take no part in that choice.
CREATE OR REPLACE TEMP TABLE calls_checked AS
WITH typed AS (
    SELECT
        _file, _line, _file_date, _error,
        sp_text(sid) AS sid,
        sp_text(parent_call_sid) AS parent_call_sid,
        sp_text(direction) AS direction,
        sp_text("from") AS from_number,
        sp_text("to") AS to_number,
        sp_text(status) AS status,
        sp_text(start_time) AS start_text,
        sp_timestamp(start_time) AS started_at,
        sp_text(end_time) AS end_text,
        sp_timestamp(end_time) AS ended_at,
        sp_text(duration) AS duration_text,
        sp_count(duration) AS duration,
        sp_text(answered_by) AS answered_by
{%- if rep_identity_system %},
        sp_text(rep_identity) AS rep_identity
{%- endif %}
    FROM raw.calls
    -- Only the files of this delivery; the merge step takes care of earlier ones.
    WHERE _file IN (SELECT file FROM delivery_files)
),
-- Phone numbers repeat across millions of calls: normalise each distinct text once.
numbers AS (
    SELECT number, sp_phone(number) AS digits
    FROM (SELECT from_number AS number FROM typed UNION SELECT to_number FROM typed)
    WHERE number IS NOT NULL
),
resolved AS (
    SELECT
        typed.*,
        parent_call_sid IS NOT NULL AS is_child_leg,
        direction IN {{ contract.OUTBOUND_DIRECTIONS | in_list }} AS is_outbound,
        to_numbers.digits AS to_digits,
        CASE
            WHEN direction IN {{ contract.OUTBOUND_DIRECTIONS | in_list }} THEN from_numbers.digits
            WHEN direction = 'inbound' THEN to_numbers.digits
        END AS rep_digits
    FROM typed
    LEFT JOIN numbers AS from_numbers ON from_numbers.number = typed.from_number
    LEFT JOIN numbers AS to_numbers ON to_numbers.number = typed.to_number
),
checked AS (
    SELECT
        resolved.*,
{%- if rep_identity_system %}
        -- The phone system's own identifier of the rep first (identity map), else the phone rule.
        coalesce(identities.user_id, reps.user_id) AS rep_id,
{%- else %}
        reps.user_id AS rep_id,
{%- endif %}
        contacts.contact_id,
        coalesce(contacts.is_decision_maker, FALSE) AS contact_is_decision_maker,
        (started_at AT TIME ZONE {{ timezone | literal }})::DATE AS activity_date,
        sp_reasons(_error, concat_ws('; ',
            {{ c.required("sid", "sid") }},
            {{ c.not_in_set("direction", "direction", contract.CALL_DIRECTIONS) }},
            {#- With the rep named by its identifier, the numbers are needed for the contact only
                (a call a CRM logged may carry none). #}
{%- if not rep_identity_system %}
            {{ c.required("from", "from_number") }},
            {{ c.required("to", "to_number") }},
{%- endif %}
            {{ c.not_in_set("status", "status", contract.CALL_STATUSES) }},
            {{ c.unparsable("start_time", "start_text", "started_at", c.TIMESTAMP) }},
            {{ c.unparsable("end_time", "end_text", "ended_at", c.TIMESTAMP, required=False) }},
            {{ c.unparsable("duration", "duration_text", "duration", "a non-negative whole number of seconds", required=False) }},
            {{ c.not_in_set("answered_by", "answered_by", contract.ANSWERED_BY, required=False) }},
            CASE
                WHEN duration > {{ contract.MAX_CALL_SECONDS }}
                THEN 'duration ' || duration || ' s is implausible: more than {{ contract.MAX_CALL_SECONDS }} s'
            END,
            -- Child legs are not calls: they need no rep.
            CASE
{%- if rep_identity_system %}
                WHEN is_child_leg THEN NULL
                WHEN identities.users_on_identifier > 1 THEN 'ambiguous rep: several people have '
                    || {{ rep_identity_system | literal }} || ' ' || sp_quote(rep_identity)
                WHEN identities.user_id IS NOT NULL THEN NULL
                WHEN rep_identity IS NULL AND rep_digits IS NULL AND direction IN {{ contract.CALL_DIRECTIONS | in_list }}
                THEN 'unknown rep: the call names no ' || {{ rep_identity_system | literal }} || ' and no rep phone number'
                WHEN rep_identity IS NOT NULL AND reps.user_id IS NULL
                THEN 'unknown rep: no person has ' || {{ rep_identity_system | literal }} || ' '
                    || sp_quote(rep_identity) || ' in the identity map'
{%- endif %}
                WHEN is_child_leg OR rep_digits IS NULL THEN NULL
                WHEN reps.user_id IS NULL THEN 'unknown rep: no CRM user has phone '
                    || sp_quote(CASE WHEN direction = 'inbound' THEN to_number ELSE from_number END)
                WHEN reps.users_on_number > 1 THEN 'ambiguous rep: several CRM users have phone '
                    || sp_quote(CASE WHEN direction = 'inbound' THEN to_number ELSE from_number END)
            END,
            {{ c.outside_window("start_time", "(started_at AT TIME ZONE " ~ (timezone | literal) ~ ")::DATE", contract.MAX_DAYS_AHEAD.calls, history_start, contract.HISTORY_REASON) }}
        )) AS _reason
    FROM resolved
    LEFT JOIN ({{ lookups.rep_phones() }}) AS reps ON reps.phone_digits = resolved.rep_digits
{%- if rep_identity_system %}
    LEFT JOIN ({{ lookups.rep_identities(rep_identity_system) }}) AS identities
        ON identities.identifier = {{ lookups.identifier(rep_identity_system, "resolved.rep_identity") }}
{%- endif %}
    LEFT JOIN ({{ lookups.contact_phones() }}) AS contacts
        ON resolved.direction IN {{ contract.OUTBOUND_DIRECTIONS | in_list }}
        AND contacts.digits = resolved.to_digits
)
SELECT * EXCLUDE (_error, start_text, end_text, duration_text, rep_digits, to_digits
{%- if rep_identity_system %}, rep_identity{% endif %}) FROM checked;

{% import "staging/_common.sql" as c %}
-- CRM events. An Id delivered more than once: the latest LastModifiedDate (as an instant) wins,
-- then the later file, then the later line. A winner with IsDeleted = true stays here flagged, so
-- the delivery is accounted for, and counts nowhere.
CREATE OR REPLACE TEMP TABLE events_checked AS
WITH typed AS (
    SELECT
        _file, _line, _file_date, _error,
        sp_text("Id") AS event_id,
        sp_text("OwnerId") AS owner_id,
        sp_text("WhoId") AS who_id,
        sp_text("AccountId") AS account_id,
        sp_text("Type") AS event_type,
        sp_text("Subject") AS subject,
        sp_text("StartDateTime") AS start_text,
        sp_timestamp("StartDateTime") AS started_at,
        sp_text("EndDateTime") AS end_text,
        sp_timestamp("EndDateTime") AS ended_at,
        sp_text("IsDeleted") AS deleted_text,
        coalesce(sp_boolean("IsDeleted"), FALSE) AS is_deleted,
        sp_text("LastModifiedDate") AS modified_text,
        sp_timestamp("LastModifiedDate") AS last_modified_at
    FROM raw.events
    -- Only the files of this delivery; the merge step takes care of earlier ones.
    WHERE _file IN (SELECT file FROM delivery_files)
),
checked AS (
    SELECT
        typed.*,
        users.user_id AS rep_id,
        contacts.contact_id,
        coalesce(contacts.is_decision_maker, FALSE) AS contact_is_decision_maker,
        (started_at AT TIME ZONE {{ timezone | literal }})::DATE AS activity_date,
        sp_reasons(_error, concat_ws('; ',
            {{ c.required("Id", "event_id") }},
            {{ c.known_user("OwnerId", "owner_id", "users.user_id") }},
            {{ c.not_in_set("Type", "event_type", contract.EVENT_TYPES) }},
            {{ c.unparsable("StartDateTime", "start_text", "started_at", c.TIMESTAMP) }},
            {{ c.unparsable("EndDateTime", "end_text", "ended_at", c.TIMESTAMP, required=False) }},
            {{ c.unparsable("IsDeleted", "deleted_text", "sp_boolean(deleted_text)", "true or false", required=False) }},
            {{ c.unparsable("LastModifiedDate", "modified_text", "last_modified_at", c.TIMESTAMP) }},
            {{ c.outside_window("StartDateTime", "(started_at AT TIME ZONE " ~ (timezone | literal) ~ ")::DATE", contract.MAX_DAYS_AHEAD.events, history_start, contract.HISTORY_REASON) }}
        )) AS _reason
    FROM typed
    LEFT JOIN staging.users AS users ON users.user_id = typed.owner_id
    -- A WhoId that is no known contact is simply not a decision maker.
    LEFT JOIN staging.contacts AS contacts ON contacts.contact_id = typed.who_id
)
SELECT * EXCLUDE (_error, start_text, end_text, deleted_text, modified_text, owner_id) FROM checked;

{#- Identity lookups shared by the activity sources. -#}

{#- Rep by phone digits. Two users on one number make the rep ambiguous: such calls are rejected. -#}
{% macro rep_phones() -%}
SELECT phone_digits, min(user_id) AS user_id, count(*) AS users_on_number
FROM staging.users
WHERE phone_digits IS NOT NULL
GROUP BY phone_digits
{%- endmacro %}

{#- Contact by phone digits (Phone or MobilePhone). Where several contacts share a number, a
    decision maker is preferred, then the lowest Id, so the choice is stable. -#}
{% macro contact_phones() -%}
SELECT
    digits,
    first(contact_id ORDER BY is_decision_maker DESC, contact_id) AS contact_id,
    bool_or(is_decision_maker) AS is_decision_maker
FROM (
    SELECT phone_digits AS digits, contact_id, is_decision_maker FROM staging.contacts
    UNION ALL
    SELECT mobile_digits, contact_id, is_decision_maker FROM staging.contacts
)
WHERE digits IS NOT NULL
GROUP BY digits
{%- endmacro %}

{#- How an identifier of `system` is compared: phone numbers by their digits, e-mails without case,
    everything else as trimmed text. -#}
{% macro identifier(system, expression) -%}
{%- if system == "phone_number" %}sp_phone({{ expression }})
{%- elif system == "email" %}lower(sp_text({{ expression }}))
{%- else %}sp_text({{ expression }}){% endif -%}
{%- endmacro %}

{#- The CRM user of each identifier of one system (rep_identities, built by identities.sql). -#}
{% macro rep_identities(system) -%}
SELECT identifier, min(user_id) AS user_id, count(DISTINCT user_id) AS users_on_identifier
FROM rep_identities
WHERE system = {{ system | literal }}
GROUP BY identifier
{%- endmacro %}

{#- A CRM user column (User__c) or, with a rep identity system, the user of the row's own
    identifier (an e-mail, an employee number) through the identity map: the typed columns, the
    join and the reason, for the snapshot sources that name a rep (team memberships, targets). -#}
{% macro user_columns(system) -%}
{%- if system %}
        -- The rep by another identity (the mapping's rep_identity, through the identity map),
        -- else by User__c.
        coalesce(identities.user_id, sp_text("User__c")) AS user_id,
        sp_text(rep_identity) AS rep_identity,
        identities.user_id AS identified_user_id,
        identities.users_on_identifier,
{%- else %}
        sp_text("User__c") AS user_id,
{%- endif %}
{%- endmacro %}

{% macro user_join(system) -%}
{%- if system %}
    LEFT JOIN ({{ rep_identities(system) }}) AS identities
        ON identities.identifier = {{ identifier(system, "rep_identity") }}
{%- endif %}
{%- endmacro %}

{% macro user_reason(system, known_user) -%}
{%- if system %}
        CASE
            WHEN users_on_identifier > 1 THEN 'ambiguous rep: several people have '
                || {{ system | literal }} || ' ' || sp_quote(rep_identity)
            WHEN rep_identity IS NOT NULL AND identified_user_id IS NULL AND typed.user_id IS NULL
            THEN 'unknown rep: no person has ' || {{ system | literal }} || ' '
                || sp_quote(rep_identity) || ' in the identity map'
            ELSE {{ known_user }}
        END,
{%- else %}
        {{ known_user }},
{%- endif %}
{%- endmacro %}

{% macro user_helper_columns(system) -%}
{%- if system %}rep_identity, identified_user_id, users_on_identifier, {% endif %}
{%- endmacro %}

"""Deliberate breakages of the documented rules, one textual edit each.

Every rule of docs/contract.md (and a few of docs/analysis.md) has at least one entry. An entry
names the rule it breaks, the file, an `old` text that must occur exactly once in that file (the
runner stops otherwise, so the list cannot rot silently when the code moves), its replacement and
the tests expected to catch it, cheapest first (each runs with `-x`).

The SQL templates are mutated here because no maintained tool mutates Jinja/SQL. So are the rule
constants of the Python modules (value sets, patterns, metric SQL, dedup orders): they are
module-level values, which mutmut 3 does not mutate (it mutates function bodies; see
docs/mutation.md). mutmut covers the Python rule functions.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTRACT = "sales_pipeline_tests/contract/test_contract.py"
SETTINGS = "sales_pipeline_tests/contract/test_contract_settings.py"
BAD_ROWS = "sales_pipeline_tests/reliability/test_bad_rows.py"
BAD_FILES = "sales_pipeline_tests/reliability/test_bad_files.py"
FUZZ = "sales_pipeline_tests/reliability/test_fuzz.py"
PROPERTIES = "sales_pipeline_tests/reliability/test_properties.py"
INGESTION = "sales_pipeline_tests/test_ingestion.py"
ANALYSIS = "sales_pipeline_tests/analysis"
WEEKLY_YEARLY = ("sales_pipeline_tests/analysis/test_weekly_and_yearly.py",)
OPERATIONS = "sales_pipeline_tests/reliability/test_operations.py"
LANDING_RULES = "sales_pipeline_tests/test_landing_rules.py"
STAGING_CHECKS = "sales_pipeline_tests/test_staging_checks.py"
STAGING = (CONTRACT, BAD_ROWS)
# The contract test's second time zone (Europe/Athens) is one more pipeline run; the staging rules
# show in the UTC run already. The settings test's one run of its four settings (USD, New York
# across a daylight-saving change, exact halves).
UTC_ONLY = "not Athens"
SETTINGS_RUN = "usd_new_york or reporting_currency or local_day or rounds_half"

MACROS = "sales_pipeline/sql/macros.sql"
COMMON = "sales_pipeline/sql/staging/_common.sql"
LOOKUPS = "sales_pipeline/sql/staging/_lookups.sql"
CALLS = "sales_pipeline/sql/staging/calls.sql"
EVENTS = "sales_pipeline/sql/staging/events.sql"
DOCUMENTS = "sales_pipeline/sql/staging/sales_documents.sql"
USERS = "sales_pipeline/sql/staging/users.sql"
CONTACTS = "sales_pipeline/sql/staging/contacts.sql"
TEAMS = "sales_pipeline/sql/staging/team_memberships.sql"
TARGETS = "sales_pipeline/sql/staging/sales_targets.sql"
FX = "sales_pipeline/sql/staging/fx_rates.sql"
MERGE_SQL = "sales_pipeline/sql/staging/merge.sql"
MERGE_PY = "sales_pipeline/staging/merge.py"
ACTIVITIES = "sales_pipeline/sql/staging/activities.sql"
RECONCILIATION = "sales_pipeline/sql/staging/reconciliation.sql"
FACTS = "sales_pipeline/sql/facts/build_periods.sql"
CONTRACT_PY = "sales_pipeline/contract.py"
METRICS = "sales_pipeline/facts/metrics.py"
PARTITIONS = "sales_pipeline/partitions.py"
LANDING = "sales_pipeline/ingestion/landing.py"
COMPRESSED = "sales_pipeline/ingestion/compressed.py"
APPEND = "sales_pipeline/sql/ingestion/append_batch.sql"
ANALYSIS_ASSETS = "sales_pipeline/analysis/assets.py"
DRIVERS = "sales_pipeline/sql/analysis/drivers.sql"
VARIANCE = "sales_pipeline/sql/analysis/variance.sql"
TARGETS_ANALYSIS = "sales_pipeline/sql/analysis/targets.sql"


@dataclass(frozen=True)
class Mutation:
    id: str
    rule: str  # the rule of docs/contract.md it breaks, quoted short
    file: str
    old: str  # occurs exactly once in `file`
    new: str
    tests: tuple[str, ...] = STAGING
    # pytest -k: which tests of `tests` run (None: all). Keeps a mutation to the runs it needs.
    keyword: str | None = UTC_ONLY


def _m(
    id: str, rule: str, file: str, old: str, new: str, tests: tuple[str, ...] = STAGING,
    keyword: str | None = UTC_ONLY,
) -> Mutation:
    if CONTRACT not in tests and keyword == UTC_ONLY:
        keyword = None
    return Mutation(id, rule, file, old, new, tests, keyword)


MUTATIONS: tuple[Mutation, ...] = (
    # the six breakages of issue 9's review, first: the ones the issue names
    _m("review-ambiguous-rep-accepted", "two users on one number: rejected, `ambiguous rep`", CALLS,
       "WHEN reps.users_on_number > 1 THEN", "WHEN FALSE THEN"),
    _m("review-contact-non-dm-highest-id",
       "several contacts on one number: a decision maker, then the lowest `Id`", LOOKUPS,
       "ORDER BY is_decision_maker DESC, contact_id)", "ORDER BY is_decision_maker, contact_id DESC)"),
    _m("review-membership-ending-before-start", "team history: an end before the start is rejected",
       TEAMS, "WHEN end_date < start_date THEN", "WHEN FALSE THEN"),
    _m("review-membership-unknown-user", "team history: `User__c` a known user", TEAMS,
       '{{ c.known_user("User__c", "typed.user_id", "users.user_id") }},',
       '{{ c.required("User__c", "typed.user_id") }},'),
    _m("review-target-mid-period", "targets: `Period_Start__c` the first day of its period", TARGETS,
       "CASE WHEN period_start <> CASE period_type", "CASE WHEN FALSE AND period_start <> CASE period_type"),
    _m("review-invalid-isactive", "users: `IsActive`, if given, must be a boolean", USERS,
       '{{ c.required("Id", "user_id") }},\n'
       '        {{ c.unparsable("IsActive", "is_active_text", "is_active", "true or false", required=False) }}',
       '{{ c.required("Id", "user_id") }}'),
    # ------------------------------------------------------------------ landing files and lines
    _m("values-not-trimmed", "surrounding blanks are trimmed from every value", MACROS,
       "sp_text(value) AS nullif(trim(value), '')", "sp_text(value) AS nullif(value, '')"),
    _m("timestamp-offset-optional", "an offset-less timestamp is rejected", CONTRACT_PY,
       r"([Zz]|[+-]\d{2}(:?\d{2})?)$", r"([Zz]|[+-]\d{2}(:?\d{2})?)?$"),
    _m("timestamp-no-space-separator", "`T` or a space between date and time", CONTRACT_PY,
       r"\d{2}[T ]\d{2}", r"\d{2}T\d{2}"),
    _m("timestamp-no-hhmm-offset", "offset `±HHMM`", CONTRACT_PY,
       r"[+-]\d{2}(:?\d{2})?)", r"[+-]\d{2}(:\d{2})?)"),
    _m("timestamp-no-hh-offset", "offset `±HH`", CONTRACT_PY,
       r"[+-]\d{2}(:?\d{2})?)", r"[+-]\d{2}:?\d{2})"),
    _m("timestamp-seconds-required", "seconds and fractions optional", CONTRACT_PY,
       r"(:\d{2}(\.\d+)?)?", r":\d{2}(\.\d+)?"),
    _m("held-back-empty-file-lands", "an empty file (no header) is held back", LANDING,
       "if not head.removeprefix(b\"\\xef\\xbb\\xbf\").strip():", "if False:",
       (INGESTION, BAD_FILES)),
    _m("held-back-non-utf8-header-lands", "a header that is not UTF-8 is held back", LANDING,
       'text = first_line.decode("utf-8-sig")', 'text = first_line.decode("latin-1")',
       (INGESTION, BAD_FILES)),
    _m("held-back-missing-column-lands", "a missing contract column holds the file back", LANDING,
       "missing = [column for column in source.columns if column not in stripped]",
       "missing = []", (INGESTION, BAD_FILES)),
    _m("held-back-repeated-column-lands", "a repeated column name holds the file back", LANDING,
       "if stripped.count(name) > 1", "if stripped.count(name) > 2",
       (LANDING_RULES, INGESTION, BAD_FILES)),
    _m("held-back-undated-name-lands", "a daily file whose name carries no valid date is held back",
       LANDING, "if source.daily and landing_file.file_date is None:",
       "if False and landing_file.file_date is None:", (INGESTION, BAD_FILES)),
    _m("replaced-file-decided-by-times", "a change is decided by content, not size and times",
       "sales_pipeline/ingestion/loader.py",
       "if file_stat == landing_file.stat_key or fingerprint == landing_file.fingerprint:",
       "if fingerprint and file_stat.split(':')[:2] == landing_file.stat_key.split(':')[:2]:",
       (OPERATIONS,), "correction"),
    _m("malformed-line-other-reasons", "a malformed line is quarantined as `malformed CSV line: …`",
       MACROS, "         ELSE 'malformed CSV line: ' || malformed END,\n    nullif(reasons, ''));",
       "         ELSE 'malformed CSV line: ' || malformed END || nullif(reasons, ''),\n    nullif(reasons, ''));",
       (INGESTION, BAD_FILES, *STAGING)),
    _m("blank-line-shifts-numbers", "a blank line is no record and does not shift the line numbers",
       LANDING, "lines.append(ends + 1)", "lines.append(ends)", (INGESTION, BAD_FILES),
       "line_numbers or blank_line"),
    _m("line-numbers-from-one", "the header is line 1 (the first record is line 2)", APPEND,
       "coalesce(free_lines.line, accepted.ordinal + {{ first_line - 1 }}),",
       "coalesce(free_lines.line, accepted.ordinal + {{ first_line - 2 }}),",
       (INGESTION, *STAGING)),
    # ------------------------------------------------------------------ row rules: rejection
    _m("rejected-rows-supersede", "a rejected row takes no part in deduplication", MERGE_SQL,
       "SELECT * EXCLUDE (_reason) FROM {{ name }}_checked WHERE _reason IS NULL;",
       "SELECT * EXCLUDE (_reason) FROM {{ name }}_checked;"),
    _m("only-first-reason", "every reason that applies, joined with `; `", EVENTS,
       "sp_reasons(_error, concat_ws('; ',", "sp_reasons(_error, coalesce("),
    # required fields, per source
    _m("calls-sid-optional", "calls: `sid` required", CALLS, '{{ c.required("sid", "sid") }},', ""),
    _m("calls-from-optional", "calls: `from` required", CALLS,
       '{{ c.required("from", "from_number") }},', ""),
    _m("calls-to-optional", "calls: `to` required", CALLS, '{{ c.required("to", "to_number") }},', ""),
    _m("calls-start-optional", "calls: `start_time` required", CALLS,
       '{{ c.unparsable("start_time", "start_text", "started_at", c.TIMESTAMP) }}',
       '{{ c.unparsable("start_time", "start_text", "started_at", c.TIMESTAMP, required=False) }}'),
    _m("events-id-optional", "events: `Id` required", EVENTS,
       '{{ c.required("Id", "event_id") }},', ""),
    _m("events-start-optional", "events: `StartDateTime` required", EVENTS,
       '{{ c.unparsable("StartDateTime", "start_text", "started_at", c.TIMESTAMP) }}',
       '{{ c.unparsable("StartDateTime", "start_text", "started_at", c.TIMESTAMP, required=False) }}'),
    _m("events-modified-optional", "events: `LastModifiedDate` required", EVENTS,
       '{{ c.unparsable("LastModifiedDate", "modified_text", "last_modified_at", c.TIMESTAMP) }}',
       '{{ c.unparsable("LastModifiedDate", "modified_text", "last_modified_at", c.TIMESTAMP, required=False) }}'),
    _m("documents-no-optional", "sales documents: `document_no` required", DOCUMENTS,
       '{{ c.required("document_no", "document_no") }},', ""),
    _m("documents-date-optional", "sales documents: `document_date` required", DOCUMENTS,
       '"activity_date", "a YYYY-MM-DD date") }}', '"activity_date", "a YYYY-MM-DD date", required=False) }}'),
    _m("documents-rep-optional", "sales documents: `sales_rep_no` required", DOCUMENTS,
       "WHEN sales_rep_no IS NULL THEN 'sales_rep_no is empty'", "WHEN FALSE THEN 'sales_rep_no is empty'"),
    _m("documents-amount-optional", "sales documents: `net_amount` required", DOCUMENTS,
       '"net_amount", "net_amount_text", "net_amount", "a plain positive',
       '"net_amount", "net_amount_text", "net_amount", required=False, what="a plain positive'),
    _m("documents-changed-at-optional", "sales documents: `changed_at` required", DOCUMENTS,
       '{{ c.unparsable("changed_at", "changed_text", "changed_at", c.TIMESTAMP) }}',
       '{{ c.unparsable("changed_at", "changed_text", "changed_at", c.TIMESTAMP, required=False) }}'),
    _m("users-id-optional", "users: `Id` required", USERS,
       '{{ c.required("Id", "user_id") }},', "NULL,"),
    _m("contacts-id-optional", "contacts: `Id` required", CONTACTS,
       '{{ c.required("Id", "contact_id") }},', "NULL,"),
    _m("teams-team-optional", "team history: `Team__c` required", TEAMS,
       '{{ c.required("Team__c", "team") }},', ""),
    _m("teams-department-optional", "team history: `Department__c` required", TEAMS,
       '{{ c.required("Department__c", "department") }},', ""),
    _m("teams-start-optional", "team history: `Start_Date__c` required", TEAMS,
       '"start_date", "a YYYY-MM-DD date") }}', '"start_date", "a YYYY-MM-DD date", required=False) }}'),
    _m("targets-value-optional", "targets: every field required (`Target__c`)", TARGETS,
       '"target", "a plain decimal number (at most 12 decimals)") }}',
       '"target", "a plain decimal number (at most 12 decimals)", required=False) }}'),
    _m("fx-date-optional", "FX rates: every field required (`date`)", FX,
       '"rate_date", "a YYYY-MM-DD date") }}', '"rate_date", "a YYYY-MM-DD date", required=False) }}'),
    _m("fx-currency-optional", "FX rates: every field required (`currency`)", FX,
       "WHEN currency IS NULL THEN 'currency is empty'", "WHEN FALSE THEN 'currency is empty'"),
    # ------------------------------------------------------------------ values
    _m("enumerations-ignore-case", "enumerations match exactly, case included", COMMON,
       "WHEN {{ expression }} NOT IN {{ values | in_list }}",
       "WHEN lower({{ expression }}) NOT IN {{ values | map('lower') | list | in_list }}"),
    _m("enum-direction-unchecked", "`direction` is one of the enumeration", CALLS,
       '{{ c.not_in_set("direction", "direction", contract.CALL_DIRECTIONS) }},',
       '{{ c.required("direction", "direction") }},'),
    _m("enum-call-status-unchecked", "call `status` is one of the enumeration", CALLS,
       '{{ c.not_in_set("status", "status", contract.CALL_STATUSES) }},',
       '{{ c.required("status", "status") }},'),
    _m("enum-answered-by-unchecked", "`answered_by` is one of the enumeration", CALLS,
       '{{ c.not_in_set("answered_by", "answered_by", contract.ANSWERED_BY, required=False) }},', ""),
    _m("enum-document-type-unchecked", "`document_type` is one of the enumeration", DOCUMENTS,
       '{{ c.not_in_set("document_type", "document_type", contract.DOCUMENT_TYPES) }},',
       '{{ c.required("document_type", "document_type") }},'),
    _m("enum-document-status-unchecked", "document `status` is one of the enumeration", DOCUMENTS,
       '{{ c.not_in_set("status", "status", contract.DOCUMENT_STATUSES) }},',
       '{{ c.required("status", "status") }},'),
    _m("enum-event-type-unchecked", "event `Type` is one of the enumeration", EVENTS,
       '{{ c.not_in_set("Type", "event_type", contract.EVENT_TYPES) }},',
       '{{ c.required("Type", "event_type") }},'),
    _m("enum-period-type-unchecked", "`Period_Type__c` is one of the enumeration", TARGETS,
       '{{ c.not_in_set("Period_Type__c", "period_type", contract.PERIOD_TYPES) }},',
       '{{ c.required("Period_Type__c", "period_type") }},'),
    _m("enum-metric-unchecked", "targets: `Metric__c` one of the metrics", TARGETS,
       '{{ c.not_in_set("Metric__c", "metric", metric_names) }},', ""),
    _m("booleans-case-sensitive", "booleans are `true`/`false` in any case", MACROS,
       "sp_boolean(value) AS CASE lower(trim(value))", "sp_boolean(value) AS CASE trim(value)"),
    _m("boolean-dm-flag-unchecked", "contacts: `Decision_Maker__c`, if given, must be a boolean",
       CONTACTS, '{{ c.required("Id", "contact_id") }},\n        {{ c.unparsable("Decision_Maker__c"'
       ', "decision_maker_text", "sp_boolean(decision_maker_text)", "true or false", required=False) }}',
       '{{ c.required("Id", "contact_id") }}'),
    _m("boolean-isdeleted-unchecked", "events: `IsDeleted` must be a boolean (any other text rejects)",
       EVENTS, '{{ c.unparsable("IsDeleted", "deleted_text", "sp_boolean(deleted_text)", "true or false",'
       ' required=False) }},', "NULL,"),
    _m("duration-negative-accepted", "`duration` is `0` or more (`-3` rejected)", CONTRACT_PY,
       'NON_NEGATIVE_INTEGER_PATTERN = r"^[0-9]+$"', 'NON_NEGATIVE_INTEGER_PATTERN = r"^-?[0-9]+$"'),
    _m("duration-fraction-accepted", "`duration` is a whole number (`12.5` rejected)", CONTRACT_PY,
       'NON_NEGATIVE_INTEGER_PATTERN = r"^[0-9]+$"', 'NON_NEGATIVE_INTEGER_PATTERN = r"^[0-9.]+$"'),
    _m("duration-empty-connected", "an empty duration is null: the call is not connected", CALLS,
       "sp_count(duration) AS duration,", "coalesce(sp_count(duration), 1) AS duration,"),
    _m("amount-negative-accepted", "`net_amount` is positive (`-10` rejected)", CONTRACT_PY,
       r'DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?$"', r'DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"'),
    _m("amount-exponent-accepted", "`net_amount` is plain (`1e3` rejected)", CONTRACT_PY,
       r'DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?$"', r'DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?(e[0-9]+)?$"'),
    _m("amount-thousands-separator-guessed", "`,` is never guessed as a thousands separator", MACROS,
       "    WHEN regexp_full_match(trim(value), {{ contract.DECIMAL_PATTERN | literal }})\n"
       "        AND length(split_part(trim(value), '.', 2)) <= 12\n"
       "    THEN try_cast(trim(value) AS DECIMAL(38, 12))",
       "    WHEN regexp_full_match(replace(trim(value), ',', ''), {{ contract.DECIMAL_PATTERN | literal }})\n"
       "        AND length(split_part(trim(value), '.', 2)) <= 12\n"
       "    THEN try_cast(replace(trim(value), ',', '') AS DECIMAL(38, 12))"),
    _m("amount-zero-accepted", "`net_amount` above zero (`0` rejected)", DOCUMENTS,
       "WHEN net_amount = 0 THEN", "WHEN FALSE THEN"),
    _m("amount-as-double", "computations use exact decimals", MACROS,
       "THEN try_cast(trim(value) AS DECIMAL(38, 12))", "THEN try_cast(trim(value) AS DOUBLE)",
       (PROPERTIES,), "amounts"),
    _m("currency-lowercase-accepted", "a currency is three capital letters", CONTRACT_PY,
       'CURRENCY_PATTERN = r"^[A-Z]{3}$"', 'CURRENCY_PATTERN = r"^[A-Za-z]{3}$"'),
    _m("end-time-unchecked", "optional timestamps must parse too (`end_time`)", CALLS,
       '{{ c.unparsable("end_time", "end_text", "ended_at", c.TIMESTAMP, required=False) }},', ""),
    _m("end-datetime-unchecked", "optional timestamps must parse too (`EndDateTime`)", EVENTS,
       '{{ c.unparsable("EndDateTime", "end_text", "ended_at", c.TIMESTAMP, required=False) }},', ""),
    _m("fx-rate-zero-accepted", "FX rate positive (zero rejected)", FX,
       "CASE WHEN rate = 0 THEN 'rate is zero' END", "NULL"),
    _m("fx-rate-negative-accepted", "FX rate positive (negative rejected)", MACROS,
       "    WHEN regexp_full_match(trim(value), {{ contract.DECIMAL_PATTERN | literal }})\n"
       "        AND length(split_part(trim(value), '.', 2)) <= 10",
       "    WHEN regexp_full_match(trim(value), '^-?[0-9]+(\\.[0-9]+)?$')\n"
       "        AND length(split_part(trim(value), '.', 2)) <= 10"),
    # ------------------------------------------------------------------ identities
    _m("phone-only-spaces-removed", "phone numbers match on their digits (every non-digit removed)",
       MACROS, "'[^0-9]', '', 'g'), '^00', '')", "'[ ]', '', 'g'), '^00', '')"),
    _m("phone-leading-00-kept", "a leading `00` is removed before matching", MACROS,
       "'[^0-9]', '', 'g'), '^00', '')", "'[^0-9]', '', 'g'), '^99', '')"),
    _m("rep-inbound-by-from", "inbound: the rep is the user whose `Phone` matches `to`", CALLS,
       "WHEN direction = 'inbound' THEN to_numbers.digits", "WHEN direction = 'inbound' THEN from_numbers.digits"),
    _m("rep-outbound-by-to", "outbound: the rep is the user whose `Phone` matches `from`", CALLS,
       "OUTBOUND_DIRECTIONS | in_list }} THEN from_numbers.digits",
       "OUTBOUND_DIRECTIONS | in_list }} THEN to_numbers.digits"),
    _m("outbound-api-not-outbound", "outbound directions: `outbound-dial`, `outbound-api`", CONTRACT_PY,
       'OUTBOUND_DIRECTIONS = ("outbound-dial", "outbound-api")', 'OUTBOUND_DIRECTIONS = ("outbound-dial",)'),
    _m("unknown-rep-accepted", "no user on the rep's number: rejected, `unknown rep`", CALLS,
       "WHEN reps.user_id IS NULL THEN 'unknown rep", "WHEN FALSE THEN 'unknown rep"),
    _m("child-leg-needs-rep", "child legs need no rep", CALLS,
       "WHEN is_child_leg OR rep_digits IS NULL THEN NULL", "WHEN rep_digits IS NULL THEN NULL"),
    _m("contact-mobile-ignored", "the contact is matched on `Phone` or `MobilePhone`", LOOKUPS,
       "SELECT mobile_digits, contact_id", "SELECT phone_digits, contact_id"),
    _m("contact-phone-ignored", "the contact is matched on `Phone` or `MobilePhone`", LOOKUPS,
       "SELECT phone_digits AS digits, contact_id", "SELECT mobile_digits AS digits, contact_id"),
    _m("contact-dm-not-preferred", "several contacts on one number: a decision maker is preferred",
       LOOKUPS, "ORDER BY is_decision_maker DESC, contact_id)", "ORDER BY contact_id)"),
    _m("contact-highest-id", "several contacts on one number: then the lowest `Id`", LOOKUPS,
       "ORDER BY is_decision_maker DESC, contact_id)", "ORDER BY is_decision_maker DESC, contact_id DESC)"),
    _m("contact-dm-flag-of-all", "the chosen contact's decision-maker flag", LOOKUPS,
       "bool_or(is_decision_maker) AS is_decision_maker", "bool_and(is_decision_maker) AS is_decision_maker"),
    _m("event-unknown-owner-accepted", "the rep of an event is its `OwnerId` (a `User.Id`, else rejected)",
       EVENTS, '{{ c.known_user("OwnerId", "owner_id", "users.user_id") }},',
       '{{ c.required("OwnerId", "owner_id") }},'),
    _m("document-unknown-rep-accepted", "a document's rep: `EmployeeNumber` = `sales_rep_no`, else rejected",
       DOCUMENTS, "WHEN reps.user_id IS NULL THEN 'unknown rep", "WHEN FALSE THEN 'unknown rep"),
    _m("document-rep-by-user-id", "a document's rep is matched on `EmployeeNumber`", DOCUMENTS,
       "LEFT JOIN reps ON reps.employee_number = converted.sales_rep_no",
       "LEFT JOIN reps ON reps.user_id = converted.sales_rep_no"),
    _m("unknown-whoid-is-dm", "a `WhoId` that is no known contact is not a decision maker", EVENTS,
       "coalesce(contacts.is_decision_maker, FALSE)", "coalesce(contacts.is_decision_maker, TRUE)"),
    _m("inactive-users-not-reps", "inactive users are reps like any other", ACTIVITIES,
       "JOIN staging.users AS users ON users.user_id = counted.rep_id",
       "JOIN staging.users AS users ON users.user_id = counted.rep_id AND users.is_active IS NOT FALSE"),
    _m("fx-missing-cancelled-accepted", "a missing FX rate rejects the document whatever its status",
       DOCUMENTS, "WHEN activity_date IS NOT NULL AND fx_rate IS NULL",
       "WHEN activity_date IS NOT NULL AND fx_rate IS NULL AND status <> 'CANCELLED'"),
    _m("fx-missing-accepted", "a missing FX rate rejects the document", DOCUMENTS,
       "WHEN activity_date IS NOT NULL AND fx_rate IS NULL", "WHEN FALSE"),
    _m("reporting-currency-needs-rate", "the reporting currency converts at 1", DOCUMENTS,
       "THEN 1 ELSE fx.rate END AS fx_rate", "THEN fx.rate ELSE fx.rate END AS fx_rate",
       (SETTINGS, CONTRACT), SETTINGS_RUN + " or UTC"),
    _m("fx-rate-strictly-before", "the rate on or before the `document_date`", DOCUMENTS,
       "typed.activity_date >= fx.rate_date", "typed.activity_date > fx.rate_date"),
    _m("fx-rate-not-applied", "amounts converted at the rate", DOCUMENTS,
       "net_amount * fx_rate * CASE", "net_amount * CASE"),
    # ------------------------------------------------------------------ deduplication
    _m("dedup-earliest-wins", "latest wins (every source)", MERGE_SQL,
       "max({{ order_key(\"candidates\") }}) AS order_key", "min({{ order_key(\"candidates\") }}) AS order_key"),
    _m("dedup-calls-line-first", "calls: the file with the latest date wins, then the later line", MERGE_PY,
       '"calls": StagingRule(("sid",), DAILY_ORDER,', '"calls": StagingRule(("sid",), ("_line", "_file"),'),
    _m("dedup-documents-file-first", "documents: the latest `changed_at` instant first", MERGE_PY,
       '("document_no",), ("changed_at", *DAILY_ORDER)', '("document_no",), (*DAILY_ORDER, "changed_at")'),
    _m("dedup-documents-line-before-file", "documents: then the later file, then the later line", MERGE_PY,
       '("document_no",), ("changed_at", *DAILY_ORDER)', '("document_no",), ("changed_at", "_line", "_file")'),
    _m("dedup-documents-changed-at-local", "documents: `changed_at` compared as an instant", DOCUMENTS,
       "sp_timestamp(changed_at) AS changed_at",
       "CASE WHEN sp_timestamp(changed_at) IS NOT NULL THEN"
       " try_cast(left(replace(trim(changed_at), ' ', 'T'), 16) AS TIMESTAMP)::TIMESTAMPTZ END AS changed_at"),
    _m("dedup-events-file-first", "events: the latest `LastModifiedDate` instant first", MERGE_PY,
       '("event_id",), ("last_modified_at", *DAILY_ORDER)', '("event_id",), (*DAILY_ORDER, "last_modified_at")'),
    _m("dedup-events-line-before-file", "events: then the later file, then the later line", MERGE_PY,
       '("event_id",), ("last_modified_at", *DAILY_ORDER)', '("event_id",), ("last_modified_at", "_line", "_file")'),
    _m("dedup-events-modified-local", "events: `LastModifiedDate` compared as an instant", EVENTS,
       'sp_timestamp("LastModifiedDate") AS last_modified_at',
       'CASE WHEN sp_timestamp("LastModifiedDate") IS NOT NULL THEN'
       ' try_cast(left(replace(trim("LastModifiedDate"), \' \', \'T\'), 16) AS TIMESTAMP)::TIMESTAMPTZ END'
       " AS last_modified_at"),
    _m("deleted-event-counted", "a winner with `IsDeleted = true` counts nowhere", ACTIVITIES,
       "WHERE NOT is_deleted AND event_type IN ('Visit', 'Meeting')", "WHERE event_type IN ('Visit', 'Meeting')"),
    _m("deleted-event-dropped-before-dedup", "a deleted winner supersedes the earlier version", EVENTS,
       "FROM raw.events\n    -- Only the files of this delivery; the merge step takes care of earlier ones.\n"
       "    WHERE _file IN (SELECT file FROM delivery_files)",
       "FROM raw.events\n    -- Only the files of this delivery; the merge step takes care of earlier ones.\n"
       "    WHERE _file IN (SELECT file FROM delivery_files) AND sp_boolean(\"IsDeleted\") IS NOT TRUE"),
    _m("dedup-users-by-name", "users: the later line wins", MERGE_PY,
       '"users": StagingRule(("user_id",), SNAPSHOT_ORDER)', '"users": StagingRule(("user_id",), ("rep_name",))'),
    _m("dedup-contacts-by-name", "contacts: the later line wins", MERGE_PY,
       '"contacts": StagingRule(("contact_id",), SNAPSHOT_ORDER)',
       '"contacts": StagingRule(("contact_id",), ("contact_name",))'),
    _m("dedup-fx-by-rate", "FX rates: the later line wins", MERGE_PY,
       '"fx_rates": StagingRule(("rate_date", "currency"), SNAPSHOT_ORDER)',
       '"fx_rates": StagingRule(("rate_date", "currency"), ("rate",))'),
    _m("dedup-teams-by-team", "team history: the later line wins", MERGE_PY,
       '"team_memberships": StagingRule(("membership_id",), SNAPSHOT_ORDER,',
       '"team_memberships": StagingRule(("membership_id",), ("team",),'),
    _m("dedup-targets-by-value", "targets: the later line wins", MERGE_PY,
       '"sales_targets": StagingRule(("target_id",), SNAPSHOT_ORDER,',
       '"sales_targets": StagingRule(("target_id",), ("target",),'),
    # ------------------------------------------------------------------ days, periods, teams
    _m("call-day-in-utc", "the day of a call is its local date in `SALES_TIMEZONE`", CALLS,
       "(started_at AT TIME ZONE {{ timezone | literal }})::DATE", "(started_at AT TIME ZONE 'UTC')::DATE",
       (SETTINGS, CONTRACT), SETTINGS_RUN + " or Athens"),
    _m("event-day-in-utc", "the day of an event is its local date in `SALES_TIMEZONE`", EVENTS,
       "(started_at AT TIME ZONE {{ timezone | literal }})::DATE", "(started_at AT TIME ZONE 'UTC')::DATE",
       (SETTINGS, CONTRACT), SETTINGS_RUN + " or Athens"),
    _m("document-day-from-changed-at", "the day of a document is its `document_date`", ACTIVITIES,
       "lower(document_type),\n        activity_date,",
       "lower(document_type),\n        (changed_at AT TIME ZONE 'UTC')::DATE,"),
    _m("periods-shifted-a-day", "periods named by their first day (ISO weeks from Monday)", FACTS,
       "date_trunc({{ unit | literal }}, activity_date)::DATE", "date_trunc({{ unit | literal }}, activity_date - 1)::DATE"),
    _m("weeks-start-sunday", "weeks are ISO weeks named by their Monday", PARTITIONS,
       'WEEKLY = Grain("weekly", "week", "0 0 * * 1", 0)', 'WEEKLY = Grain("weekly", "week", "0 0 * * 0", 0)'),
    _m("quarters-from-february", "quarters start in Jan/Apr/Jul/Oct", PARTITIONS,
       '"0 0 1 1,4,7,10 *", 3)', '"0 0 1 2,5,8,11 *", 3)', (LANDING_RULES,), "quarterly"),
    _m("team-earliest-start", "of several memberships, the latest `Start_Date__c`", ACTIVITIES,
       "ORDER BY membership.start_date DESC NULLS LAST", "ORDER BY membership.start_date ASC NULLS LAST"),
    _m("team-lowest-id", "same start: the highest `Id`", ACTIVITIES,
       "membership.membership_id DESC NULLS LAST", "membership.membership_id ASC NULLS LAST"),
    _m("team-not-unassigned", "no membership: team `Unassigned`", ACTIVITIES,
       "coalesce(membership.team, 'Unassigned')", "coalesce(membership.team, 'Unknown')"),
    _m("department-not-unassigned", "no membership: department `Unassigned`", ACTIVITIES,
       "coalesce(membership.department, 'Unassigned')", "coalesce(membership.department, 'Unknown')"),
    _m("team-end-exclusive", "membership dates inclusive (end)", ACTIVITIES,
       "counted.activity_date <= membership.end_date", "counted.activity_date < membership.end_date"),
    _m("team-start-exclusive", "membership dates inclusive (start)", ACTIVITIES,
       "counted.activity_date >= membership.start_date", "counted.activity_date > membership.start_date"),
    _m("team-open-end-ignored", "an empty `End_Date__c` means current", ACTIVITIES,
       "(membership.end_date IS NULL OR counted", "(FALSE OR counted"),
    # ------------------------------------------------------------------ reconciliation
    _m("reconcile-superseded-uncounted", "rows read = accepted + superseded + quarantined", RECONCILIATION,
       "UNION ALL SELECT _file, count(*), 'superseded'", "UNION ALL SELECT _file, count(*), 'ignored'"),
    _m("reconcile-check-always-passes", "the `reconciles_per_file` check", MERGE_PY,
       "return self.rows_read == self.accepted + self.superseded + self.quarantined", "return True",
       (STAGING_CHECKS,), "balances"),
    # ------------------------------------------------------------------ counted events and metrics
    _m("inbound-calls-counted", "counted: outbound calls only", ACTIVITIES,
       "WHERE is_outbound AND NOT is_child_leg", "WHERE NOT is_child_leg"),
    _m("child-legs-counted", "counted: child legs are not calls", ACTIVITIES,
       "WHERE is_outbound AND NOT is_child_leg", "WHERE is_outbound"),
    _m("call-events-counted", "counted: `Visit` and `Meeting` events only", ACTIVITIES,
       "AND event_type IN ('Visit', 'Meeting')", "AND event_type IN ('Visit', 'Meeting', 'Call')"),
    _m("cancelled-documents-counted", "counted: documents not cancelled", ACTIVITIES,
       "WHERE status <> 'CANCELLED'", "WHERE status <> 'CANCELED'"),
    _m("calls-made-completed-only", "`calls_made`: outbound calls", METRICS,
       'f"count(*) FILTER (WHERE {CALL})",', "f\"count(*) FILTER (WHERE {CALL} AND call_status <> 'failed')\","),
    _m("connected-any-status", "`calls_connected`: `completed`", METRICS,
       "call_status = 'completed'", "call_status IN ('completed', 'busy', 'no-answer')"),
    _m("connected-zero-duration", "`calls_connected`: `duration > 0`", METRICS,
       "call_duration > 0", "call_duration >= 0"),
    _m("connected-empty-answered-by-excluded", "`calls_connected`: `answered_by` empty counts", METRICS,
       '" AND (call_answered_by IS NULL"', '" AND (FALSE"'),
    _m("connected-machine-end-only", "`calls_connected`: not `machine…`", METRICS,
       "starts_with(call_answered_by, 'machine')", "starts_with(call_answered_by, 'machine_end')"),
    _m("connected-fax", "`calls_connected`: not `fax`", METRICS,
       "call_answered_by <> 'fax'", "TRUE"),
    _m("connected-unknown-excluded", "`calls_connected`: `unknown` counts", METRICS,
       "call_answered_by <> 'fax'", "call_answered_by NOT IN ('fax', 'unknown')"),
    _m("talk-seconds-all-calls", "`talk_seconds`: over connected calls", METRICS,
       'f"coalesce(sum(call_duration) FILTER (WHERE {CONNECTED_CALL}), 0)"',
       'f"coalesce(sum(call_duration) FILTER (WHERE {CALL}), 0)"'),
    _m("avg-call-integer-division", "`avg_call_seconds`: a double, not rounded", METRICS,
       'f" / nullif(count(*) FILTER (WHERE {CONNECTED_CALL}), 0)"',
       'f" // nullif(count(*) FILTER (WHERE {CONNECTED_CALL}), 0)"'),
    _m("avg-call-over-all-calls", "`avg_call_seconds`: `talk_seconds / calls_connected`", METRICS,
       'f" / nullif(count(*) FILTER (WHERE {CONNECTED_CALL}), 0)"', 'f" / nullif(count(*) FILTER (WHERE {CALL}), 0)"'),
    _m("dm-any-contact", "`dm_conversations`: contact is a decision maker", METRICS,
       "OR activity IN ('visit', 'meeting')) AND contact_is_decision_maker",
       "OR activity IN ('visit', 'meeting')) AND contact_id IS NOT NULL"),
    _m("dm-unconnected-calls", "`dm_conversations`: connected calls", METRICS,
       'f"(({CONNECTED_CALL}) OR', 'f"(({CALL}) OR'),
    _m("dm-meetings-ignored", "`dm_conversations`: + Visits and Meetings", METRICS,
       "OR activity IN ('visit', 'meeting'))", "OR activity IN ('visit'))"),
    _m("distinct-dms-not-distinct", "`distinct_dms_reached`: distinct decision makers", METRICS,
       "count(DISTINCT contact_id) FILTER", "count(contact_id) FILTER"),
    _m("visits-include-meetings", "`visits`: counted `Visit` events", METRICS,
       "\"count(*) FILTER (WHERE activity = 'visit')\"", "\"count(*) FILTER (WHERE activity IN ('visit', 'meeting'))\""),
    _m("meetings-include-visits", "`meetings`: counted `Meeting` events", METRICS,
       "\"count(*) FILTER (WHERE activity = 'meeting')\"", "\"count(*) FILTER (WHERE activity IN ('visit', 'meeting'))\""),
    _m("orders-include-returns", "`orders`: `ORDER` documents", METRICS,
       "\"count(*) FILTER (WHERE activity = 'order')\"", "\"count(*) FILTER (WHERE activity IN ('order', 'return'))\""),
    _m("returns-positive", "`sales_volume`: returns negative", DOCUMENTS,
       "WHEN 'RETURN' THEN -1 ELSE 1 END", "WHEN 'RETURN' THEN 1 ELSE 1 END"),
    _m("volume-round-half-even", "`sales_volume`: rounded half away from zero", METRICS,
       'f"round(coalesce(sum(signed_amount)', 'f"round_even(coalesce(sum(signed_amount)',
       (SETTINGS, CONTRACT), SETTINGS_RUN + " or UTC"),
    _m("volume-round-half-up", "`sales_volume`: half away from zero (negative amounts)", METRICS,
       'f"round(coalesce(sum(signed_amount) FILTER (WHERE {SALES_DOCUMENT}), 0), 2)"',
       'f"floor(coalesce(sum(signed_amount) FILTER (WHERE {SALES_DOCUMENT}), 0) * 100 + 0.5) / 100"',
       (SETTINGS, CONTRACT), SETTINGS_RUN + " or UTC"),
    _m("volume-rounded-per-document", "`sales_volume`: the sum is rounded, not each document", METRICS,
       'f"round(coalesce(sum(signed_amount) FILTER (WHERE {SALES_DOCUMENT}), 0), 2)"',
       'f"coalesce(sum(round(signed_amount, 2)) FILTER (WHERE {SALES_DOCUMENT}), 0)"',
       (SETTINGS, CONTRACT), SETTINGS_RUN + " or UTC"),
    _m("volume-one-decimal", "`sales_volume`: rounded to 2 decimals", METRICS,
       "{SALES_DOCUMENT}), 0), 2)", "{SALES_DOCUMENT}), 0), 1)"),
    # from /work/notes/breakages_contract.md and breakages_settings.md
    _m("target-quarter-checked-as-month", "targets: `Period_Start__c` the first day of its quarter", TARGETS,
       "WHEN 'Quarter' THEN date_trunc('quarter', period_start)",
       "WHEN 'Quarter' THEN date_trunc('month', period_start)"),
    _m("fx-reporting-currency-hardcoded", "the reporting currency (`SALES_REPORTING_CURRENCY`) converts at 1",
       DOCUMENTS, "CASE WHEN typed.currency = {{ reporting_currency | literal }} THEN 1 ELSE fx.rate END",
       "CASE WHEN typed.currency = 'EUR' THEN 1 ELSE fx.rate END", (SETTINGS,), SETTINGS_RUN),
    _m("fx-rate-inverted", "a rate is units of the reporting currency per unit of `currency`", DOCUMENTS,
       "THEN 1 ELSE fx.rate END", "THEN 1 ELSE 1 / fx.rate END", (SETTINGS, CONTRACT), SETTINGS_RUN + " or UTC"),
    _m("fx-rate-row-of-reporting-currency-used", "the reporting currency converts at 1 (a rate row for it is ignored)",
       DOCUMENTS, "CASE WHEN typed.currency = {{ reporting_currency | literal }} THEN 1 ELSE fx.rate END",
       "coalesce(fx.rate, CASE WHEN typed.currency = {{ reporting_currency | literal }} THEN 1 END)",
       (SETTINGS,), SETTINGS_RUN),
    _m("amount-rounded-per-document", "`sales_volume`: the sum is rounded, not each document", DOCUMENTS,
       "AS DECIMAL(38, 16)\n        ) AS signed_amount", "AS DECIMAL(38, 2)\n        ) AS signed_amount",
       (SETTINGS, CONTRACT), SETTINGS_RUN + " or UTC"),
    _m("call-day-fixed-winter-offset", "the local day follows daylight saving (`SALES_TIMEZONE`)", CALLS,
       "(started_at AT TIME ZONE {{ timezone | literal }})::DATE", "(started_at AT TIME ZONE 'Etc/GMT+5')::DATE",
       (SETTINGS,), SETTINGS_RUN),
    _m("call-day-fixed-summer-offset", "the local day follows daylight saving (`SALES_TIMEZONE`)", CALLS,
       "(started_at AT TIME ZONE {{ timezone | literal }})::DATE", "(started_at AT TIME ZONE 'Etc/GMT+4')::DATE",
       (SETTINGS,), SETTINGS_RUN),
    _m("settings-ignore-history-start", "`SALES_HISTORY_START` is read from the environment",
       "sales_pipeline/settings.py", 'history_start=parsed("SALES_HISTORY_START", _history_start)',
       'history_start=_history_start(DEFAULTS["SALES_HISTORY_START"])', (SETTINGS,), "history"),
    _m("partitions-ignore-history-start", "the first partition is the period of `SALES_HISTORY_START`",
       PARTITIONS, "start=grain.period_start(history_start).strftime(KEY_FORMAT)",
       "start=grain.period_start(date(2000, 1, 1)).strftime(KEY_FORMAT)", (SETTINGS,), "first_partition"),
    _m("runner-ignores-start", "`backfill --start` builds from that period", "sales_pipeline/runner.py",
       "(first, start)", "(first,)", (SETTINGS,), "backfill_start"),
    _m("cli-drops-start", "`backfill --start` builds from that period", "sales_pipeline/cli.py",
       "instance, start=args.start, end=args.end", "instance, start=None, end=args.end", (SETTINGS,),
       "backfill_start"),
    _m("pool-slot-claimed-twice", "a pool slot goes to one step at a time, on PostgreSQL too",
       "sales_pipeline/dagster_internals.py",
       "    SqlEventLogStorage._claim_concurrency_slot = _claim_slot_in_one_transaction",
       "    pass", ("sales_pipeline_tests/test_postgres_instance.py",), "one_free_slot"),
    # from /work/notes/breakages_reliability.md: held-back files, incremental merges, killed runs
    _m("held-back-rows-vanish-on-rebuild", "a previously landed version of a held-back file stays",
       MERGE_PY,
       '            f"SELECT DISTINCT _file FROM {source.raw_table} UNION SELECT file FROM raw.landed_files "',
       '            "SELECT file FROM raw.landed_files "', (FUZZ,), "round and 2"),
    _m("held-back-old-version-dropped", "a previously landed version of a held-back file stays",
       "sales_pipeline/ingestion/loader.py",
       "    def record_held_back() -> None:\n        _record(",
       "    def record_held_back() -> None:\n"
       '        conn.execute(f"DELETE FROM {source.raw_table} WHERE _file IN (SELECT unnest(?::VARCHAR[]))",'
       " [[held.name for held in report.held_back]])\n        _record(", (FUZZ,), "round and 2"),
    _m("merge-forgets-delivery-keys", "latest wins across deliveries (a key delivered again)", MERGE_SQL,
       "SELECT {{ key_list }} FROM {{ name }}_checked WHERE _reason IS NULL\nUNION\n"
       "SELECT {{ key_list }} FROM staging.{{ name }} WHERE _file",
       "SELECT {{ key_list }} FROM staging.{{ name }} WHERE _file", (FUZZ,), "clean_run"),
    # -------------------------------------- compressed deliveries, files no source reads (contract.md)
    _m("compressed-deliveries-ignored", "a `.gz`, `.zst` or `.zip` delivery is read as the file it holds",
       COMPRESSED, "    patterns = [glob, *(glob + suffix for suffix in COMPRESSIONS)]",
       "    patterns = [glob]", (LANDING_RULES, OPERATIONS), "compressed or delivery_patterns"),
    _m("zip-of-several-files-read", "a zip must hold exactly one file", COMPRESSED,
       "if len(members) != 1:", "if not members:", (LANDING_RULES, OPERATIONS),
       "compressed or opens_what"),
    _m("zip-read-by-duckdb-in-place", "a zip is read as the file it holds (DuckDB cannot read one)",
       COMPRESSED, 'if compression is None or path.suffix in (".gz", ".zst"):', "if True:",
       (LANDING_RULES, OPERATIONS), "compressed or extracted"),
    _m("compressed-dated-by-delivery-name", "a compressed delivery is dated by the file it holds",
       LANDING, "return self.source.file_date(content_name(self.name, self.source.glob))",
       "return self.source.file_date(self.name)", (LANDING_RULES, OPERATIONS),
       "compressed or discover"),
    _m("hidden-files-listed", "hidden files are not listed as not recognised", LANDING,
       'hidden = any(part.startswith(".") for part in name.split("/"))', "hidden = False",
       (LANDING_RULES, OPERATIONS), "compressed or unrecognised"),
    _m("not-recognised-list-kept", "the list of files no source reads is replaced at every ingestion",
       "sales_pipeline/ingestion/loader.py",
       """        conn.execute("DELETE FROM raw.landed_files WHERE status = 'not_recognised'")\n""", "",
       (OPERATIONS,), "compressed"),
    _m("not-recognised-not-in-summary", "files no source reads are listed in the run summary",
       "sales_pipeline/runner.py",
       'summary.not_recognised += evaluation.metadata["not_recognised_files"].value',
       "pass", (OPERATIONS,), "compressed"),
    _m("killed-run-not-marked-failed", "a killed run is marked failed by the next backfill",
       "sales_pipeline/runner.py",
       '        instance.report_run_failed(run, f"process {process} ended without finishing the run")\n', "",
       ("sales_pipeline_tests/test_crash_and_concurrency.py",), "killed_mid_run"),
    # ------------------------------------------------------------------ analysis (docs/analysis.md)
    # from /work/notes/breakages_analysis.md (the analysis and reports helper's breakages)
    _m("last-year-53-weeks", "the same week last year is 52 weeks back", ANALYSIS_ASSETS,
       "return 52 if grain.months == 0", "return 53 if grain.months == 0", WEEKLY_YEARLY),
    _m("last-year-calendar-year", "last year = 52 weeks / 12 months back, not one calendar year", VARIANCE,
       'ON last_year.period_start = {{ p.shift(grain, "c.period_start", -per_year) }}',
       "ON last_year.period_start = CAST(c.period_start - INTERVAL 1 YEAR AS DATE)", WEEKLY_YEARLY),
    _m("last-year-same-iso-week", "last year = 52 weeks back, not the same ISO week number", VARIANCE,
       'ON last_year.period_start = {{ p.shift(grain, "c.period_start", -per_year) }}',
       "ON last_year.period_start = CAST(date_trunc('week', c.period_start - INTERVAL 1 YEAR) AS DATE)",
       WEEKLY_YEARLY),
    _m("prior-week-same-year", "the previous period across a year boundary", VARIANCE,
       'ON prior.period_start = {{ p.shift(grain, "c.period_start", -1) }}',
       "ON prior.period_start = CAST(date_trunc('week', c.period_start - INTERVAL 7 DAY) AS DATE)"
       " AND year(prior.period_start) = year(c.period_start)", WEEKLY_YEARLY),
    _m("drivers-last-year-53", "drivers: last year is the same distance back", DRIVERS,
       '("last_year", per_year)', '("last_year", per_year + 1)', WEEKLY_YEARLY),
    _m("driver-residue-to-value-never", "driver residue goes to the largest effect", DRIVERS,
       "            ELSE 'value'\n        END AS largest", "            ELSE 'activity'\n        END AS largest",
       WEEKLY_YEARLY),
    _m("driver-largest-compare-flipped", "driver residue goes to the largest effect", DRIVERS,
       "WHEN abs(conversion_raw) >= abs(value_raw) THEN 'conversion'",
       "WHEN abs(conversion_raw) <= abs(value_raw) THEN 'conversion'", WEEKLY_YEARLY),
    _m("driver-residue-dropped", "driver effects add up to the change (residue to the largest)", DRIVERS,
       "(balanced.activity_cents + CASE WHEN largest = 'activity' THEN residue ELSE 0 END)",
       "(balanced.activity_cents + 0)", WEEKLY_YEARLY),
    _m("driver-residue-twice", "driver effects add up to the change (residue counted once)", DRIVERS,
       "(balanced.activity_cents + CASE WHEN largest = 'activity' THEN residue ELSE 0 END)",
       "(balanced.activity_cents + residue)", WEEKLY_YEARLY),
    _m("driver-never-lmdi", "drivers: LMDI when every factor is positive", DRIVERS,
       "a1 > 0 AND o1 > 0 AND v1 > 0 AND a0 > 0 AND o0 > 0 AND v0 > 0 AS use_lmdi", "FALSE AS use_lmdi",
       WEEKLY_YEARLY),
    _m("driver-rep-type-window", "drivers: rep type over the last year of periods", DRIVERS,
       "RANGE BETWEEN {{ p.span(grain, per_year - 1) }} PRECEDING",
       "RANGE BETWEEN {{ p.span(grain, per_year) }} PRECEDING", WEEKLY_YEARLY),
    _m("driver-off-model-dropped", "drivers: volume outside the model is a value effect", DRIVERS,
       "END + CASE WHEN use_lmdi THEN 0 ELSE off_model END AS value_raw", "END AS value_raw",
       WEEKLY_YEARLY),
    _m("target-set-year-loses", "a target set at the grain wins over the rollup (years)", TARGETS_ANALYSIS,
       "    SELECT * FROM year_candidates\n"
       "    QUALIFY row_number() OVER (PARTITION BY rep_id, metric, period_start ORDER BY origin = 'set' DESC) = 1",
       "    SELECT * FROM year_candidates\n"
       "    QUALIFY row_number() OVER (PARTITION BY rep_id, metric, period_start ORDER BY origin = 'set' ASC) = 1",
       WEEKLY_YEARLY),
    _m("target-set-quarter-loses", "a target set at the grain wins over the rollup (quarters)",
       TARGETS_ANALYSIS,
       "    SELECT * FROM quarter_candidates\n"
       "    QUALIFY row_number() OVER (PARTITION BY rep_id, metric, period_start ORDER BY origin = 'set' DESC) = 1",
       "    SELECT * FROM quarter_candidates\n"
       "    QUALIFY row_number() OVER (PARTITION BY rep_id, metric, period_start ORDER BY origin = 'set' ASC) = 1",
       WEEKLY_YEARLY),
    # implausible values and the history window (issue 11; cases in reliability/test_operations.py)
    _m("implausible-call-date-accepted", "a call more than a day after the run's date is rejected",
       CONTRACT_PY, '"calls": 1,', '"calls": 100000,', (OPERATIONS,), "absurd"),
    _m("implausible-event-date-accepted", "an event more than a year after the run's date is rejected",
       CONTRACT_PY, '"events": 366,', '"events": 100000,', (OPERATIONS,), "absurd"),
    _m("implausible-duration-accepted", "a call over 86,400 s is rejected", CALLS,
       "WHEN duration > {{ contract.MAX_CALL_SECONDS }}", "WHEN FALSE", (OPERATIONS,), "absurd"),
    _m("implausible-ceiling-exclusive", "a call of exactly 86,400 s counts", CALLS,
       "WHEN duration > {{ contract.MAX_CALL_SECONDS }}", "WHEN duration >= {{ contract.MAX_CALL_SECONDS }}",
       (OPERATIONS,), "absurd"),
    _m("implausible-amount-accepted", "an amount over 10^9 is rejected", DOCUMENTS,
       "WHEN net_amount > {{ contract.MAX_NET_AMOUNT }}", "WHEN FALSE", (OPERATIONS,), "absurd"),
    _m("history-start-not-quarantined", "an activity before SALES_HISTORY_START is rejected", COMMON,
       "    WHEN {{ day }} < {{ history_start | literal }}", "    WHEN FALSE", (OPERATIONS, SETTINGS),
       "absurd or history"),
    _m("history-rows-count-as-rejected", "rows before the history do not count towards the share",
       "sales_pipeline/staging/assets.py", "AND NOT starts_with(q.reason, $history_reason)",
       "AND NOT starts_with(q.reason, $history_reason || '#')", (OPERATIONS,), "absurd"),
)

"""What each column of the raw, staging and quarantine tables holds, for the Dagster UI.

The marts are documented in `marts_catalog.py` (and their COMMENTs); the tables before them are
the engineers' and are described here, once: each materialization of those assets carries a
`dagster/column_schema` read from the table as it is (names and types from DuckDB) with these
descriptions, so a column added by a configured source (`rep_identity`) shows up as it lands.
"""

from __future__ import annotations

import dagster as dg
import duckdb

# Every raw table's bookkeeping (sql/ingestion/create_raw.sql, append_batch.sql).
RAW_BOOKKEEPING = {
    "_file": "Landing file the row came from, relative to SALES_LANDING_DIR.",
    "_line": "Line of the row in its file (header = line 1; a JSON record's number; a sheet's row).",
    "_file_date": "The day in the file's name (daily files); empty for snapshots.",
    "_ingestion_id": "The ingestion (Dagster run) that read the file.",
    "_error": "Why the line could not be read or mapped (quarantined with it); empty when fine.",
    "_raw_line": "The line as delivered (malformed lines), or a configured source's record as JSON.",
    "rep_identity": "A configured source's own identifier of the rep (extension, ERP code, ...), "
    "resolved through the identity map in staging.",
    "credit_split": "A split document's sales team as JSON ([{rep, percentage}]), credited in "
    "staging.",
}

# The contract's fields (docs/contract.md, section 2), as raw keeps them: text as delivered (a
# configured source's value mapped into the contract's form).
CONTRACT_FIELDS: dict[str, dict[str, str]] = {
    "calls": {
        "sid": "Call id, unique per call leg.",
        "parent_call_sid": "Set for a child leg of a forwarded or transferred call.",
        "direction": "outbound-dial, outbound-api (placed by the rep) or inbound.",
        "from": "Calling number, any human formatting.",
        "to": "Called number, any human formatting.",
        "status": "completed, busy, no-answer, failed or canceled.",
        "start_time": "Start, ISO 8601 with an offset.",
        "end_time": "End, ISO 8601 with an offset; may be empty.",
        "duration": "Seconds from answer to hang-up.",
        "answered_by": "human, machine_*, fax, unknown or empty.",
    },
    "sales_documents": {
        "document_no": "Id of the sales document.",
        "document_type": "ORDER or RETURN.",
        "document_date": "Business date, YYYY-MM-DD.",
        "customer_no": "Customer id.",
        "sales_rep_no": "The rep's employee number.",
        "currency": "ISO 4217 code.",
        "net_amount": "Net value, a positive decimal.",
        "status": "OPEN, INVOICED or CANCELLED.",
        "changed_at": "Time of the last change.",
    },
    "fx_rates": {
        "date": "Day the rate applies from.",
        "currency": "ISO 4217 code.",
        "rate": "Units of the reporting currency one unit of currency buys.",
    },
    "users": {
        "Id": "CRM user id.",
        "Name": "Full name.",
        "Email": "E-mail address.",
        "EmployeeNumber": "Employee number (the ERP's sales_rep_no).",
        "Phone": "The rep's direct line.",
        "Title": "Job title (decides who is a seller: SALES_NON_SELLER_TITLES).",
        "IsActive": "true/false; an inactive user is still a rep.",
    },
    "contacts": {
        "Id": "CRM contact id.",
        "AccountId": "The contact's account.",
        "Name": "Full name.",
        "Title": "Job title.",
        "Phone": "Phone number.",
        "MobilePhone": "Mobile number.",
        "Decision_Maker__c": "true when the contact is a decision maker.",
    },
    "team_memberships": {
        "Id": "Membership id.",
        "User__c": "CRM user id.",
        "Team__c": "Team name.",
        "Department__c": "Department name.",
        "Start_Date__c": "First day, inclusive.",
        "End_Date__c": "Last day, inclusive; empty = still current.",
    },
    "sales_targets": {
        "Id": "Target id.",
        "User__c": "CRM user id.",
        "Metric__c": "A metric name of docs/marts.md.",
        "Period_Type__c": "Week, Month, Quarter or Year.",
        "Period_Start__c": "First day of the period.",
        "Target__c": "The target.",
    },
    "events": {
        "Id": "CRM event id.",
        "OwnerId": "CRM user id of the rep.",
        "WhoId": "Contact id, or empty.",
        "AccountId": "Account id.",
        "Type": "Visit, Meeting, Call or Other.",
        "Subject": "Subject.",
        "StartDateTime": "Start, ISO 8601 with an offset.",
        "EndDateTime": "End.",
        "IsDeleted": "true when deleted in the CRM.",
        "LastModifiedDate": "Time of the last change (the latest version wins).",
    },
}

# Staging (sql/staging/*.sql): typed, validated, deduplicated; `_superseded` tables hold the
# accepted rows a later version replaced, with the same columns.
STAGING = {
    "_file": RAW_BOOKKEEPING["_file"],
    "_line": RAW_BOOKKEEPING["_line"],
    "_file_date": RAW_BOOKKEEPING["_file_date"],
    "sid": "Call id.",
    "parent_call_sid": "The call this leg belongs to; empty for a call.",
    "direction": "outbound-dial, outbound-api or inbound.",
    "from_number": "Calling number as delivered.",
    "to_number": "Called number as delivered.",
    "status": "Status as delivered (a contract value).",
    "started_at": "Start (TIMESTAMPTZ).",
    "ended_at": "End (TIMESTAMPTZ), or empty.",
    "duration": "Talk seconds.",
    "answered_by": "human, machine_*, fax, unknown or empty.",
    "is_child_leg": "A child leg (never a call of its own).",
    "is_outbound": "Placed by the rep.",
    "rep_id": "The rep: a CRM user id (by phone, identity map or OwnerId/EmployeeNumber).",
    "contact_id": "The contact reached, if any.",
    "contact_is_decision_maker": "Whether that contact is a decision maker.",
    "activity_date": "Local day in SALES_TIMEZONE (a document's own date).",
    "contact_name": "Full name.",
    "account_id": "Account id.",
    "title": "Job title.",
    "phone_digits": "Phone number as digits (leading 00 removed), as the contract compares them.",
    "mobile_digits": "Mobile number as digits.",
    "is_decision_maker": "A decision maker.",
    "event_id": "CRM event id.",
    "who_id": "Contact id as delivered.",
    "event_type": "Visit, Meeting, Call or Other.",
    "subject": "Subject.",
    "is_deleted": "Deleted in the CRM (not counted).",
    "last_modified_at": "Last change (TIMESTAMPTZ).",
    "rate_date": "Day the rate applies from.",
    "currency": "ISO 4217 code.",
    "rate": "Units of the reporting currency per unit of currency.",
    "document_no": "Sales document id.",
    "document_type": "ORDER or RETURN.",
    "customer_no": "Customer id.",
    "sales_rep_no": "Employee number as delivered.",
    "net_amount": "Net amount in the document's currency.",
    "changed_at": "Last change (TIMESTAMPTZ); the latest version wins.",
    "fx_rate": "Rate applied: the latest on or before the document date.",
    "signed_amount": "Net amount in the reporting currency, returns negative.",
    "credits": "A split document's sales team: each member's rep, share (%) and whether the "
    "order counts for them (the largest share).",
    "target_id": "Target id.",
    "user_id": "CRM user id.",
    "metric": "Metric name.",
    "period_type": "Week, Month, Quarter or Year.",
    "period_start": "First day of the period.",
    "target": "The target.",
    "membership_id": "Membership id.",
    "team": "Team name.",
    "department": "Department name.",
    "start_date": "First day, inclusive.",
    "end_date": "Last day, inclusive; empty = still current.",
    "rep_name": "The rep's name.",
    "email": "E-mail address.",
    "employee_number": "Employee number.",
    "phone": "Direct line as delivered.",
    "is_active": "Active in the CRM (an inactive user is still a rep).",
    # staging.activities: one row per counted event.
    "activity_id": "Source and key of the counted event (call:, event:, document:).",
    "activity": "call, visit, meeting, order, order_credit (a sales team share) or return.",
    "call_status": "A call's status.",
    "call_duration": "A call's talk seconds.",
    "call_answered_by": "A call's answered_by.",
}

# raw.landed_files, the ledger of every landing file (sql/ingestion/create_ledger.sql).
LEDGER = {
    "source": "The source that reads the file; empty for a file no source reads.",
    "file": "The file, relative to SALES_LANDING_DIR.",
    "fingerprint": "A hash of its content (and of its lookup files'): a change reads it again.",
    "status": "loaded, held_back or not_recognised.",
    "reason": "Why it is held back or not recognised.",
    "rows_read": "Rows read from it (rows a mapping's filter left out are not counted).",
    "rows_malformed": "Of those, lines that could not be read (quarantined).",
    "ingestion_id": "The ingestion (Dagster run) that read it.",
    "ingested_at": "When it was read.",
    "file_stat": "Size and times when it was read: while they stay, it is not hashed again.",
}

QUARANTINE = {
    "file": "Landing file of the rejected row.",
    "line": "Its line in that file.",
    "reason": "Why it was rejected (every reason, separated by '; ').",
    "record": "The row as delivered (a configured source's record as JSON).",
}


def _describe(schema: str, table: str, column: str) -> str:
    if schema == "quarantine":
        return QUARANTINE.get(column, "")
    if schema == "raw" and table == "landed_files":
        return LEDGER.get(column, "")
    if schema == "raw":
        if column in RAW_BOOKKEEPING:
            return RAW_BOOKKEEPING[column]
        meaning = CONTRACT_FIELDS.get(table, {}).get(column, "")
        return f"As delivered (text). {meaning}".strip()
    return STAGING.get(column, "")


def column_schema(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> dg.TableSchema:
    """The table's columns as DuckDB has them, described."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall()
    base = table.removesuffix("_superseded")
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, data_type, description=_describe(schema, base, name))
            for name, data_type in rows
        ]
    )


def schema_metadata(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, object]:
    return {"dagster/column_schema": column_schema(conn, schema, table)}

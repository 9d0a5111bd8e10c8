"""Bad rows: rule violations inside readable files, all in one delivery and one Dagster run.

Every rejected row must land in quarantine with its file, line and reason and be named in the run
log; the good rows of the same file must still land, and every row must be accounted for.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from sales_pipeline_tests.reliability.conftest import (
    CALLS_HEADER,
    DOCUMENTS_HEADER,
    EVENTS_HEADER,
    Pipeline,
    RunOutcome,
    call_row,
    csv_text,
    document_row,
    event_row,
    write,
    write_crm_world,
)

CALLS = "telephony/calls_2026-03-02.csv"
EVENTS = "crm/Event_2026-03-02.csv"
DOCUMENTS = "erp/sales_documents_2026-03-02.csv"
TIMESTAMP = "is not an ISO 8601 timestamp with a UTC offset"
NOT_A_PLAIN_DECIMAL = ("is not a plain positive decimal ('.' as decimal point, no thousands "
                       "separator, at most 12 decimals)")

# Line numbers follow from the order (the header is line 1).
CALL_ROWS = [
    call_row("CA01"),                                                        # 2
    call_row("CA02", start_time="yesterday 10am"),                           # 3
    call_row("CA03", start_time="2026-02-30T08:00:00Z"),                     # 4
    call_row("CA04", start_time="2026-03-02T08:00:00"),                      # 5
    call_row("CA05", end_time="2026-03-02 08:05:00"),                        # 6
    call_row("CA06", duration="-3"),                                         # 7
    call_row("CA07", duration="12.5"),                                       # 8
    call_row("CA08", direction="Outbound"),                                  # 9
    call_row("CA09", status="done"),                                         # 10
    call_row("CA10", answered_by="robot"),                                   # 11
    call_row("CA11", from_="+30 210 5559999"),                               # 12
    call_row("CA12", to="+44 20 79460000"),                                  # 13
    call_row("CA13", duration="10"),                                         # 14
    call_row("CA13", duration="20"),                                         # 15
    call_row("CA14"),                                                        # 16
    call_row("CA14", start_time="2026-03-02T09:00:00"),                      # 17
    call_row("CA15", direction="", duration="x"),                            # 18
    call_row("CA16", from_="0030-210-555-0101", to="(001) 212.555.0101"),    # 19
    ["CA17", "", "outbound-dial"],                                           # 20
    call_row(""),                                                            # 21
    call_row("CA18", from_=""),                                              # 22
    call_row("CA19", start_time=""),                                         # 23
]
EVENT_ROWS = [
    event_row("EV01"),                                                       # 2
    event_row("EV02", Type="visit"),                                         # 3
    event_row("EV03", OwnerId="005Z"),                                       # 4
    event_row("EV04", WhoId="003Z"),                                         # 5
    event_row("EV05", StartDateTime="2026-03-02T11:00:00+0200"),             # 6
    event_row("EV06", LastModifiedDate="2026-03-02"),                        # 7
    event_row("EV07", IsDeleted="yes"),                                      # 8
    event_row("EV08", LastModifiedDate="2026-03-02T10:00:00Z"),              # 9
    event_row("EV08", LastModifiedDate="2026-03-02T09:00:00Z"),              # 10
    event_row(""),                                                           # 11
    event_row("EV09", StartDateTime=""),                                     # 12
    event_row("EV10", Type="visit", IsDeleted="yes"),                        # 13
]
DOCUMENT_ROWS = [
    document_row("D01"),                                                     # 2
    document_row("D02", net_amount="1,234.50"),                              # 3
    document_row("D03", net_amount="1.234,50"),                              # 4
    document_row("D04", net_amount="1e3"),                                   # 5
    document_row("D05", net_amount="-10"),                                   # 6
    document_row("D06", net_amount="0"),                                     # 7
    document_row("D07", sales_rep_no="E9"),                                  # 8
    document_row("D08", currency="CHF"),                                     # 9
    document_row("D09", currency="USD", document_date="2026-02-27"),         # 10
    document_row("D10", currency="USD", net_amount="100"),                   # 11
    document_row("D11", document_type="INVOICE"),                            # 12
    document_row("D12", status="PAID"),                                      # 13
    document_row("D13", changed_at="2026-03-02T09:00:00Z", net_amount="1"),  # 14
    document_row("D13", changed_at="2026-03-02T10:00:00+02:00", net_amount="2"),  # 15
    document_row(""),                                                        # 16
    document_row("D14", document_date=""),                                   # 17
    document_row("D15", sales_rep_no=""),                                    # 18
    document_row("D16", net_amount=""),                                      # 19
    document_row("D17", currency="usd"),                                     # 20
    # Changed days after it was dated: its day is still its document_date.
    document_row("D18", changed_at="2026-03-05T10:00:00Z"),                  # 21
]


# Rows appended to the CRM and FX snapshots of conftest.write_crm_world (2 users, 2 contacts,
# 2 memberships, 1 target, 1 rate), each with one required field empty or one value outside its set.
SNAPSHOT_ROWS: dict[str, list[list[str]]] = {
    "crm/User.csv": [["", "Nobody", "", "", "", "Rep", "true"]],                       # 4
    "crm/Contact.csv": [["", "001C", "No Id", "CEO", "+1 212 5550199", "", "true"]],   # 4
    "crm/Team_Membership__c.csv": [
        ["a01C", "005A", "", "Inside Sales", "2026-02-01", ""],                        # 4
        ["a01D", "005A", "North", "", "2026-02-01", ""],                               # 5
        ["a01E", "005A", "North", "Inside Sales", "", ""],                             # 6
        # One Id twice, the later line with the lower team: the later line wins. Long before
        # the activities, so no fact changes.
        ["a01F", "005B", "West", "Field Sales", "2025-01-01", "2025-01-31"],           # 7
        ["a01F", "005B", "East", "Field Sales", "2025-01-01", "2025-01-31"],           # 8
    ],
    "crm/Sales_Target__c.csv": [
        ["a02B", "005A", "calls_made", "Month", "2026-03-01", ""],                     # 3
        ["a02C", "005A", "calls_made", "Monthly", "2026-03-01", "10"],                 # 4
        ["a02D", "005A", "calls", "Month", "2026-03-01", "10"],                        # 5
        ["a02E", "005A", "visits", "Month", "2025-01-01", "50"],                       # 6
        ["a02E", "005A", "visits", "Month", "2025-01-01", "40"],                       # 7
    ],
    "erp/fx_rates.csv": [
        ["", "GBP", "1.15"],                                                           # 3
        ["2026-03-01", "", "1.15"],                                                    # 4
        ["2026-02-20", "GBP", "1.20"],                                                 # 5
        ["2026-02-20", "GBP", "1.10"],                                                 # 6
    ],
}
METRIC_NAMES = ("calls_made, calls_connected, talk_seconds, avg_call_seconds, dm_conversations, "
                "distinct_dms_reached, visits, meetings, orders, sales_volume")
SNAPSHOT_REJECTED = {
    "users": [("crm/User.csv", 4, "Id is empty")],
    "contacts": [("crm/Contact.csv", 4, "Id is empty")],
    "team_memberships": [
        ("crm/Team_Membership__c.csv", 4, "Team__c is empty"),
        ("crm/Team_Membership__c.csv", 5, "Department__c is empty"),
        ("crm/Team_Membership__c.csv", 6, "Start_Date__c is empty"),
    ],
    "sales_targets": [
        ("crm/Sales_Target__c.csv", 3, "Target__c is empty"),
        ("crm/Sales_Target__c.csv", 4,
         "Period_Type__c 'Monthly' is not one of Week, Month, Quarter, Year"),
        ("crm/Sales_Target__c.csv", 5, f"Metric__c 'calls' is not one of {METRIC_NAMES}"),
    ],
    "fx_rates": [
        ("erp/fx_rates.csv", 3, "date is empty"),
        ("erp/fx_rates.csv", 4, "currency is empty"),
    ],
}


@dataclass(frozen=True)
class Rejected:
    """A row the contract rejects: where it is and what its reason must say."""

    case: str
    file: str
    line: int
    given: str
    reason: str


REJECTED = [
    Rejected("unparseable timestamp", CALLS, 3, "start_time 'yesterday 10am'",
             f"start_time 'yesterday 10am' {TIMESTAMP}"),
    Rejected("impossible date in a timestamp", CALLS, 4, "start_time '2026-02-30T08:00:00Z'",
             f"start_time '2026-02-30T08:00:00Z' {TIMESTAMP}"),
    Rejected("offset-less timestamp", CALLS, 5, "start_time '2026-03-02T08:00:00'",
             f"start_time '2026-03-02T08:00:00' {TIMESTAMP}"),
    Rejected("offset-less optional timestamp", CALLS, 6, "end_time '2026-03-02 08:05:00'",
             f"end_time '2026-03-02 08:05:00' {TIMESTAMP}"),
    Rejected("negative duration", CALLS, 7, "duration '-3'",
             "duration '-3' is not a non-negative whole number of seconds"),
    Rejected("non-integer duration", CALLS, 8, "duration '12.5'",
             "duration '12.5' is not a non-negative whole number of seconds"),
    Rejected("unknown enum: call direction", CALLS, 9, "direction 'Outbound' (case differs)",
             "direction 'Outbound' is not one of outbound-dial, outbound-api, inbound"),
    Rejected("unknown enum: call status", CALLS, 10, "status 'done'",
             "status 'done' is not one of completed, busy, no-answer, failed, canceled"),
    Rejected("unknown enum: answered_by", CALLS, 11, "answered_by 'robot'",
             "answered_by 'robot' is not one of human, machine_start, machine_end_beep, "
             "machine_end_silence, machine_end_other, fax, unknown"),
    Rejected("unknown rep: call", CALLS, 12, "from '+30 210 5559999', no such user phone",
             "unknown rep: no CRM user has phone '+30 210 5559999'"),
    Rejected("rejected duplicate does not supersede", CALLS, 17,
             "sid CA14 again on line 17 with an offset-less start_time",
             f"start_time '2026-03-02T09:00:00' {TIMESTAMP}"),
    Rejected("several reasons at once", CALLS, 18, "direction empty and duration 'x'",
             "direction is empty; duration 'x' is not a non-negative whole number of seconds"),
    Rejected("malformed line", CALLS, 20, "3 of the header's 10 fields",
             "malformed CSV line: MISSING COLUMNS: Expected Number of Columns: 10 Found: 3"),
    Rejected("unknown enum: event Type", EVENTS, 3, "Type 'visit' (case differs)",
             "Type 'visit' is not one of Visit, Meeting, Call, Other"),
    Rejected("unknown rep: event", EVENTS, 4, "OwnerId '005Z'",
             "unknown rep: OwnerId '005Z' is no CRM user"),
    Rejected("date-only timestamp", EVENTS, 7, "LastModifiedDate '2026-03-02'",
             f"LastModifiedDate '2026-03-02' {TIMESTAMP}"),
    Rejected("invalid boolean", EVENTS, 8, "IsDeleted 'yes'", "IsDeleted 'yes' is not true or false"),
    Rejected("amount with thousands separator", DOCUMENTS, 3, "net_amount '1,234.50'",
             f"net_amount '1,234.50' {NOT_A_PLAIN_DECIMAL}"),
    Rejected("amount with decimal comma", DOCUMENTS, 4, "net_amount '1.234,50'",
             f"net_amount '1.234,50' {NOT_A_PLAIN_DECIMAL}"),
    Rejected("amount with exponent", DOCUMENTS, 5, "net_amount '1e3'",
             f"net_amount '1e3' {NOT_A_PLAIN_DECIMAL}"),
    Rejected("negative amount", DOCUMENTS, 6, "net_amount '-10'",
             f"net_amount '-10' {NOT_A_PLAIN_DECIMAL}"),
    Rejected("zero amount", DOCUMENTS, 7, "net_amount '0'",
             "net_amount is zero, not a positive decimal"),
    Rejected("lower-case currency", DOCUMENTS, 20, "currency 'usd'",
             "currency 'usd' is not an ISO 4217 code"),
    Rejected("unknown rep: document", DOCUMENTS, 8, "sales_rep_no 'E9'",
             "unknown rep: no CRM user has EmployeeNumber 'E9'"),
    Rejected("missing FX rate: no rate at all", DOCUMENTS, 9, "CHF, no CHF rates",
             "missing FX rate: no CHF rate on or before 2026-03-02"),
    Rejected("missing FX rate: none yet on that day", DOCUMENTS, 10,
             "USD dated 2026-02-27, first USD rate 2026-03-01",
             "missing FX rate: no USD rate on or before 2026-02-27"),
    Rejected("unknown enum: document type", DOCUMENTS, 12, "document_type 'INVOICE'",
             "document_type 'INVOICE' is not one of ORDER, RETURN"),
    Rejected("unknown enum: document status", DOCUMENTS, 13, "status 'PAID'",
             "status 'PAID' is not one of OPEN, INVOICED, CANCELLED"),
    # every required field of docs/contract.md, empty
    Rejected("required: call sid", CALLS, 21, "sid empty", "sid is empty"),
    Rejected("required: call from", CALLS, 22, "from empty", "from is empty"),
    Rejected("required: call start_time", CALLS, 23, "start_time empty", "start_time is empty"),
    Rejected("required: event Id", EVENTS, 11, "Id empty", "Id is empty"),
    Rejected("required: event StartDateTime", EVENTS, 12, "StartDateTime empty",
             "StartDateTime is empty"),
    Rejected("several reasons at once: event", EVENTS, 13, "Type 'visit' and IsDeleted 'yes'",
             "Type 'visit' is not one of Visit, Meeting, Call, Other; "
             "IsDeleted 'yes' is not true or false"),
    Rejected("required: document_no", DOCUMENTS, 16, "document_no empty", "document_no is empty"),
    Rejected("required: document_date", DOCUMENTS, 17, "document_date empty",
             "document_date is empty"),
    Rejected("required: sales_rep_no", DOCUMENTS, 18, "sales_rep_no empty",
             "sales_rep_no is empty"),
    Rejected("required: net_amount", DOCUMENTS, 19, "net_amount empty", "net_amount is empty"),
]


@pytest.fixture(scope="module")
def delivery(module_instance, tmp_path_factory) -> RunOutcome:
    root = tmp_path_factory.mktemp("bad_rows")
    landing: Path = root / "landing"
    write_crm_world(landing)
    for name, rows in SNAPSHOT_ROWS.items():
        with (landing / name).open("a", encoding="utf-8") as snapshot:
            snapshot.write(csv_text(("x",), rows).split("\n", 1)[1])
    write(landing / CALLS, csv_text(CALLS_HEADER, CALL_ROWS))
    write(landing / EVENTS, csv_text(EVENTS_HEADER, EVENT_ROWS))
    write(landing / DOCUMENTS, csv_text(DOCUMENTS_HEADER, DOCUMENT_ROWS))
    pipeline = Pipeline(module_instance, landing, root, "test_bad_rows",
                        SALES_MAX_REJECTED_SHARE="1", SALES_HISTORY_START="2026-01-01")
    return pipeline.ingest()


def _source(file: str) -> str:
    return {CALLS: "calls", EVENTS: "events", DOCUMENTS: "sales_documents"}[file]


@pytest.mark.parametrize("rejected", REJECTED, ids=[r.case for r in REJECTED])
def test_rejected_row_is_quarantined_with_file_line_and_reason(
    delivery: RunOutcome, reliability_case, rejected: Rejected
) -> None:
    reasons = [reason for (reason,) in delivery.query(
        f"SELECT reason FROM quarantine.{_source(rejected.file)} WHERE file = ? AND line = ?",
        [rejected.file, rejected.line])]
    logged = delivery.log_has(f"{rejected.file}, line {rejected.line}: {rejected.reason}",
                              level="WARNING")
    reliability_case(
        case=rejected.case, given=f"{rejected.file} line {rejected.line}: {rejected.given}",
        expected=f"quarantined, reason '{rejected.reason}', named in the run log", runs=1,
        observed=f"quarantine reason {reasons}; in run log: {logged}",
    )
    # The whole reason, every rule the row breaks and nothing else (a row is quarantined once).
    assert reasons == [rejected.reason]
    assert logged


def _staged_keys(delivery: RunOutcome, source: str, key: str, file: str) -> list[tuple]:
    return delivery.query(
        f"SELECT _line, {key} FROM staging.{source} WHERE _file = ? ORDER BY _line", [file])


def test_good_rows_of_the_same_files_land(delivery: RunOutcome, reliability_case) -> None:
    calls = _staged_keys(delivery, "calls", "sid", CALLS)
    events = _staged_keys(delivery, "events", "event_id", EVENTS)
    documents = _staged_keys(delivery, "sales_documents", "document_no", DOCUMENTS)
    reliability_case(
        case="good rows beside bad ones", runs=1,
        given="the three files above, 22 + 12 + 20 rows",
        expected="every row not rejected is staged (duplicates: one winner each)",
        observed=f"staged calls {[k for _, k in calls]}, events {[k for _, k in events]}, "
        f"documents {[k for _, k in documents]}",
    )
    assert calls == [(2, "CA01"), (13, "CA12"), (15, "CA13"), (16, "CA14"), (19, "CA16")]
    assert events == [(2, "EV01"), (5, "EV04"), (6, "EV05"), (9, "EV08")]
    assert documents == [(2, "D01"), (11, "D10"), (14, "D13"), (21, "D18")]


def test_every_row_is_accounted_for(delivery: RunOutcome, reliability_case) -> None:
    checks = {source: delivery.check(f"staging/{source}", "reconciles_per_file").passed
              for source in ("calls", "events", "sales_documents")}
    counts = delivery.query(
        """
        SELECT 'calls', (SELECT count(*) FROM raw.calls), (SELECT count(*) FROM staging.calls),
               (SELECT count(*) FROM staging.calls_superseded), (SELECT count(*) FROM quarantine.calls)
        UNION ALL
        SELECT 'events', (SELECT count(*) FROM raw.events), (SELECT count(*) FROM staging.events),
               (SELECT count(*) FROM staging.events_superseded), (SELECT count(*) FROM quarantine.events)
        UNION ALL
        SELECT 'sales_documents', (SELECT count(*) FROM raw.sales_documents),
               (SELECT count(*) FROM staging.sales_documents),
               (SELECT count(*) FROM staging.sales_documents_superseded),
               (SELECT count(*) FROM quarantine.sales_documents)
        ORDER BY 1
        """)
    reliability_case(
        case="rows read = accepted + superseded + quarantined", runs=1,
        given="the three files above",
        expected="reconciles_per_file passes for every source; counts add up",
        observed=f"checks {checks}; (read, accepted, superseded, quarantined) "
        f"{ {name: rest for name, *rest in counts} }",
    )
    assert all(checks.values())
    assert counts == [("calls", 22, 5, 1, 16), ("events", 12, 4, 1, 7),
                      ("sales_documents", 20, 4, 1, 15)]
    assert delivery.success and not delivery.crashes


def test_snapshot_duplicates_keep_the_later_line(delivery: RunOutcome, reliability_case) -> None:
    fx = delivery.query(
        "SELECT _line, rate::VARCHAR FROM staging.fx_rates WHERE currency = 'GBP'")
    team = delivery.query(
        "SELECT _line, team FROM staging.team_memberships WHERE membership_id = 'a01F'")
    target = delivery.query(
        "SELECT _line, target::VARCHAR FROM staging.sales_targets WHERE target_id = 'a02E'")
    day = delivery.query(
        "SELECT activity_date::VARCHAR FROM staging.activities WHERE activity_id = 'document:D18'")
    reliability_case(
        case="a key twice in a snapshot", runs=1,
        given="GBP 2026-02-20 at 1.20 then 1.10; membership a01F West then East; target a02E "
        "50 then 40; document D18 dated 2026-03-02, changed 2026-03-05",
        expected="the later line wins, whatever its value; the document's day is its date",
        observed=f"fx {fx}; team {team}; target {target}; D18 day {day}",
    )
    assert [(line, float(rate)) for line, rate in fx] == [(6, 1.10)]
    assert team == [(8, "East")]
    assert [(line, float(value)) for line, value in target] == [(7, 40.0)]
    assert day == [("2026-03-02",)]


def test_unknown_contacts_are_not_errors(delivery: RunOutcome, reliability_case) -> None:
    call = delivery.query(
        "SELECT rep_id, contact_id, contact_is_decision_maker FROM staging.calls WHERE sid = 'CA12'")
    event = delivery.query(
        "SELECT rep_id, contact_id, contact_is_decision_maker FROM staging.events "
        "WHERE event_id = 'EV04'")
    reliability_case(
        case="unknown contacts", runs=1,
        given="call CA12 to a number no contact has; event EV04 with WhoId '003Z'",
        expected="both accepted, with no contact and not a decision maker",
        observed=f"call {call}; event {event}",
    )
    assert call == [("005A", None, False)]
    assert event == [("005A", None, False)]


def test_duplicate_keys_inside_one_file(delivery: RunOutcome, reliability_case) -> None:
    winners = delivery.query(
        """
        SELECT 'calls', sid, _line FROM staging.calls WHERE sid IN ('CA13', 'CA14')
        UNION ALL SELECT 'events', event_id, _line FROM staging.events WHERE event_id = 'EV08'
        UNION ALL SELECT 'documents', document_no, _line FROM staging.sales_documents
            WHERE document_no = 'D13'
        ORDER BY ALL
        """)
    superseded = delivery.query(
        """
        SELECT 'calls', sid, _line FROM staging.calls_superseded
        UNION ALL SELECT 'events', event_id, _line FROM staging.events_superseded
        UNION ALL SELECT 'documents', document_no, _line FROM staging.sales_documents_superseded
        ORDER BY ALL
        """)
    reliability_case(
        case="duplicate keys inside one file", runs=1,
        given="CA13 on lines 14/15; EV08 line 9 modified after line 10; D13 line 14 changed "
        "09:00Z, line 15 '10:00+02:00' (08:00Z); CA14 line 17 rejected",
        expected="calls: the later line wins; events, documents: the latest instant wins, "
        "whatever the line or text order; a rejected duplicate supersedes nothing",
        observed=f"winners {winners}; superseded {superseded}",
    )
    assert winners == [("calls", "CA13", 15), ("calls", "CA14", 16), ("documents", "D13", 14),
                       ("events", "EV08", 9)]
    assert superseded == [("calls", "CA13", 14), ("documents", "D13", 15), ("events", "EV08", 10)]


def test_fx_conversion_of_the_good_document(delivery: RunOutcome, reliability_case) -> None:
    converted = delivery.query(
        "SELECT net_amount, fx_rate, signed_amount FROM staging.sales_documents "
        "WHERE document_no = 'D10'")
    reliability_case(
        case="FX rate present", runs=1, given="USD 100 on 2026-03-02, USD rate 0.92 from 03-01",
        expected="accepted, converted exactly: 92.00 EUR", observed=f"{converted}",
    )
    # 100 x 0.92 = 92 exactly: the rate of 2026-03-01, the latest on or before 2026-03-02.
    assert converted == [(Decimal("100"), Decimal("0.92"), Decimal("92"))]


def test_phone_formats_resolve_the_same_rep_and_contact(
    delivery: RunOutcome, reliability_case
) -> None:
    resolved = delivery.query(
        "SELECT rep_id, contact_id FROM staging.calls WHERE sid IN ('CA01', 'CA16') ORDER BY sid")
    reliability_case(
        case="phone formatting", runs=1,
        given="'+30 210 5550101' vs '0030-210-555-0101'; '+1 212 5550101' vs '(001) 212.555.0101'",
        expected="the same rep and contact", observed=f"{resolved}",
    )
    assert resolved == [("005A", "003A"), ("005A", "003A")]


def test_rejected_rows_are_named_in_check_metadata(delivery: RunOutcome, reliability_case) -> None:
    texts = {
        asset: " ".join(_metadata_text(evaluation) for (key, _), evaluation
                        in delivery.checks.items() if key == asset)
        for asset in ("staging/calls", "staging/events", "staging/sales_documents")
    }
    missing = [
        (r.file, r.line) for r in REJECTED
        if not _names_row(texts[f"staging/{_source(r.file)}"], r.file, r.line, r.reason)
    ]
    reliability_case(
        case="rejected rows in check metadata", runs=1,
        given=f"the {len(REJECTED)} rejected rows above",
        expected="each named with file, line and reason in a check's metadata on its staging asset",
        observed=f"{len(REJECTED) - len(missing)} of {len(REJECTED)} named",
    )
    assert not missing


def _metadata_text(evaluation) -> str:
    parts = []
    for value in evaluation.metadata.values():
        parts.append(str(getattr(value, "value", value)))
    return " ".join([evaluation.description or "", *parts])


def _names_row(text: str, file: str, line: int, reason: str) -> bool:
    line_forms = (f"{file}:{line}", f"{file}, line {line}", f"'line': {line}",
                  f'"line": {line}', f"| {line} |")
    return file in text and reason in text and any(form in text for form in line_forms)


@pytest.mark.parametrize("source", list(SNAPSHOT_REJECTED))
def test_snapshot_rows_missing_a_required_value_are_quarantined(
    delivery: RunOutcome, reliability_case, source: str
) -> None:
    rows = delivery.query(f"SELECT file, line, reason FROM quarantine.{source} ORDER BY line")
    reliability_case(
        case=f"required values: {source}", runs=1,
        given=f"{len(SNAPSHOT_REJECTED[source])} {source} row(s) with a required value empty or "
        "outside its set",
        expected="each quarantined with its reason, nothing else", observed=f"{rows}",
    )
    assert rows == SNAPSHOT_REJECTED[source]

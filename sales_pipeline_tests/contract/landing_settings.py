"""The landing area of the settings contract test, written as raw CSV text.

It is run with ``SALES_REPORTING_CURRENCY=USD`` and ``SALES_TIMEZONE=America/New_York`` (see
``test_contract_settings.py``). Every file is written by hand (no csv module); rows are listed in
file order and the comment on each row gives its line number in the file (the header is line 1)
and what it is there to exercise. The ids (CN.. calls, EN.. events, D.. documents) are the ones
the expectations refer to.

People, each on a team of their own so that a team row is its rep's row:

- 005N "Nora Quinn"    E1  +1 212 555 0301  Manhattan / East: the daylight-saving calls and events
- 005F "Felix Brandt"  E2  +1 617 555 0302  Boston / East: USD, EUR and GBP documents, FX rules
- 005H "Hana Mori"     E3  +1 512 555 0303  Austin / South: sums landing on +x.xx5
- 005R "Raj Patel"     E4  +1 214 555 0304  Dallas / South: return-heavy sums landing on -x.xx5
- contact 003C1 is a decision maker; every call and event of 005N is with her.

America/New_York is UTC-5 (EST) until Sun 2026-03-08 02:00 local, UTC-4 (EDT) after: on that
morning 02:00 EST becomes 03:00 EDT. Each call of 005N is placed half an hour from local
midnight, so that its local day differs from its UTC day or from the day a fixed offset of the
other side of the change would give.

Calendar: Mon 2025-12-29 .. Sun 2026-01-04 is one ISO week across the year boundary; Sat 02-28
and Sun 03-01 are in the week of Mon 02-23; Mon 03-02 .. Sun 03-08 is "week A" and Mon 03-09 ..
Sun 03-15 "week B".

Rates (``rate`` = USD one unit of ``currency`` buys): GBP 1.25 from 03-01 and 1.3 from 03-09,
EUR 1.1 from 03-02 and 1.2 from 03-09; no CHF rate at all. The file still has a USD row (0.9):
USD is the reporting currency and converts at 1 whatever the file says.
"""

from __future__ import annotations

from pathlib import Path

from sales_pipeline_tests.contract.landing import (
    CALL_COLUMNS,
    DOCUMENT_COLUMNS,
    EVENT_COLUMNS,
    Row,
    call,
    document,
    event,
    write_csv,
)

N_PHONE = "+1 212 555 0301"
F_PHONE = "+1 617 555 0302"
H_PHONE = "+1 512 555 0303"
R_PHONE = "+1 214 555 0304"
C1_PHONE = "+1 212 555 0401"

CALLS_FILE = "telephony/calls_2026-03-09.csv"
EVENTS_FILE = "crm/Event_2026-03-09.csv"
DOCUMENTS_FILE = "erp/sales_documents_2026-03-11.csv"
FX_FILE = "erp/fx_rates.csv"

# The rows below are laid out one per line on purpose: keep the formatter off them.
# fmt: off

OUT = "outbound-dial"

# Talk times 160, 10, 20, 40, 80 s: every subset has its own sum, so a talk_seconds cell says
# exactly which calls a row holds.
CALLS: list[Row] = [
    # line 2: 2026-01-01 04:30Z = Wed 2025-12-31 23:30 EST: year 2025, Q4, December (UTC: 2026;
    # a fixed UTC-4 would say Thu 01-01 00:30, 2026 too); ISO week 2025-12-29 either way
    call("CN0", OUT, N_PHONE, C1_PHONE, "completed", "2026-01-01T04:30:00Z", "160", "human"),
    # line 3: 2026-03-01 04:30Z = Sat 02-28 23:30 EST, before the change: February (UTC and a
    # fixed UTC-4 say Sun 03-01, March); week 02-23 either way
    call("CN1", OUT, N_PHONE, C1_PHONE, "completed", "2026-03-01T04:30:00Z", "10", "human"),
    # line 4: 2026-03-01 05:30Z = Sun 03-01 00:30 EST: just after local midnight, March, week 02-23
    call("CN2", OUT, N_PHONE, C1_PHONE, "completed", "2026-03-01T05:30:00Z", "20", "human"),
    # line 5: 2026-03-09 03:30Z = Sun 03-08 23:30 EDT, after the change: week A (UTC says Mon
    # 03-09, week B)
    call("CN3", OUT, N_PHONE, C1_PHONE, "completed", "2026-03-09T03:30:00Z", "40", "human"),
    # line 6: 2026-03-09 04:30Z = Mon 03-09 00:30 EDT: week B (a fixed UTC-5, the offset before
    # the change, would say Sun 03-08 23:30, week A)
    call("CN4", OUT, N_PHONE, C1_PHONE, "completed", "2026-03-09T04:30:00Z", "80", "human"),
]

M0309 = "2026-03-09T12:00:00Z"
EVENTS: list[Row] = [
    # line 2: Meeting Sat 02-28 23:45 EST (= Sun 03-01 04:45Z): February, week 02-23; DM 003C1
    event("EN1", "005N", "003C1", "Meeting", "2026-02-28T23:45:00-05:00", M0309),
    # line 3: Visit Sun 03-08 23:45 EDT (= Mon 03-09 03:45Z): week A, not week B; DM 003C1
    event("EN2", "005N", "003C1", "Visit", "2026-03-08T23:45:00-04:00", M0309),
]

DOCUMENTS: list[Row] = [
    # line 2: 100 USD on Thu 03-05 -> x 1 = 100 (the file's USD row of 03-04, 0.9, is not used)
    document("DF1", "ORDER", "2026-03-05", "E2", "USD", "100", "OPEN", "2026-03-05T10:00:00Z"),
    # line 3: 10 EUR on Wed 03-04 -> EUR rate of 03-02, 1.1 -> 11
    document("DF2", "ORDER", "2026-03-04", "E2", "EUR", "10", "OPEN", "2026-03-04T10:00:00Z"),
    # line 4: RETURN 4 GBP on Thu 03-05 -> GBP rate of 03-01, 1.25 -> -5
    document("DF3", "RETURN", "2026-03-05", "E2", "GBP", "4", "INVOICED", "2026-03-05T10:00:00Z"),
    # line 5: REJECTED no CHF rate at all
    document("DF4", "ORDER", "2026-03-03", "E2", "CHF", "10", "OPEN", "2026-03-03T10:00:00Z"),
    # line 6: REJECTED no EUR rate on or before Sun 03-01 (the first is of 03-02): EUR is an
    # ordinary currency when USD is reported, and needs its rate like any other
    document("DF5", "ORDER", "2026-03-01", "E2", "EUR", "10", "OPEN", "2026-03-01T10:00:00Z"),
    # line 7: 20 EUR on Tue 03-10 -> EUR rate of 03-09, 1.2 -> 24; week B
    document("DF6", "ORDER", "2026-03-10", "E2", "EUR", "20", "OPEN", "2026-03-10T10:00:00Z"),
    # line 8: 0.0625 USD on Tue 03-03, before any USD row of the file: USD needs no rate
    document("DH1", "ORDER", "2026-03-03", "E3", "USD", "0.0625", "OPEN", "2026-03-03T10:00:00Z"),
    # line 9: 0.0625 USD on Wed 03-04: with DH1, week A sums to 0.125 -> 0.13 (half-even: 0.12;
    # rounding each document first: 0.06 + 0.06 = 0.12)
    document("DH2", "ORDER", "2026-03-04", "E3", "USD", "0.0625", "OPEN", "2026-03-04T10:00:00Z"),
    # line 10: 10.05 GBP on Tue 03-10 -> x 1.3 = 13.065 -> 13.07 (half-even: 13.06); week B
    document("DH3", "ORDER", "2026-03-10", "E3", "GBP", "10.05", "OPEN", "2026-03-10T10:00:00Z"),
    # line 11: 1 USD on Tue 03-03
    document("DR1", "ORDER", "2026-03-03", "E4", "USD", "1", "OPEN", "2026-03-03T10:00:00Z"),
    # line 12: RETURN 1.125 USD on Thu 03-05: with DR1, week A sums to -0.125 -> -0.13 (half-even
    # and half-up: -0.12)
    document("DR2", "RETURN", "2026-03-05", "E4", "USD", "1.125", "INVOICED", "2026-03-05T10:00:00Z"),
    # line 13: RETURN 0.25 GBP on Wed 03-11 -> x 1.3 = -0.325 -> -0.33 (half-even: -0.32); week B
    document("DR3", "RETURN", "2026-03-11", "E4", "GBP", "0.25", "INVOICED", "2026-03-11T10:00:00Z"),
]

FX_RATES: list[Row] = [
    # line 2
    {"date": "2026-03-01", "currency": "GBP", "rate": "1.25"},
    # line 3
    {"date": "2026-03-02", "currency": "EUR", "rate": "1.1"},
    # line 4: a USD row left from the days volumes were reported in EUR: never used for USD
    {"date": "2026-03-04", "currency": "USD", "rate": "0.9"},
    # line 5
    {"date": "2026-03-09", "currency": "EUR", "rate": "1.2"},
    # line 6
    {"date": "2026-03-09", "currency": "GBP", "rate": "1.3"},
]

USER_COLUMNS = ["Id", "Name", "Email", "EmployeeNumber", "Phone", "Title", "IsActive"]
USERS: list[Row] = [
    # line 2
    {"Id": "005N", "Name": "Nora Quinn", "Email": "nora@example.com", "EmployeeNumber": "E1",
     "Phone": N_PHONE, "Title": "Account Executive", "IsActive": "true"},
    # line 3
    {"Id": "005F", "Name": "Felix Brandt", "Email": "felix@example.com", "EmployeeNumber": "E2",
     "Phone": F_PHONE, "Title": "Account Executive", "IsActive": "true"},
    # line 4
    {"Id": "005H", "Name": "Hana Mori", "Email": "hana@example.com", "EmployeeNumber": "E3",
     "Phone": H_PHONE, "Title": "Account Executive", "IsActive": "true"},
    # line 5
    {"Id": "005R", "Name": "Raj Patel", "Email": "raj@example.com", "EmployeeNumber": "E4",
     "Phone": R_PHONE, "Title": "Account Executive", "IsActive": "true"},
]

CONTACT_COLUMNS = ["Id", "AccountId", "Name", "Title", "Phone", "MobilePhone", "Decision_Maker__c"]
CONTACTS: list[Row] = [
    # line 2
    {"Id": "003C1", "AccountId": "001A1", "Name": "Ada Lopez", "Title": "CEO",
     "Phone": C1_PHONE, "Decision_Maker__c": "true"},
]

MEMBERSHIP_COLUMNS = ["Id", "User__c", "Team__c", "Department__c", "Start_Date__c", "End_Date__c"]
MEMBERSHIPS: list[Row] = [
    # lines 2-5: one team each, from before any event, open-ended
    {"Id": "a01", "User__c": "005N", "Team__c": "Manhattan", "Department__c": "East",
     "Start_Date__c": "2025-01-01", "End_Date__c": ""},
    {"Id": "a02", "User__c": "005F", "Team__c": "Boston", "Department__c": "East",
     "Start_Date__c": "2025-01-01", "End_Date__c": ""},
    {"Id": "a03", "User__c": "005H", "Team__c": "Austin", "Department__c": "South",
     "Start_Date__c": "2025-01-01", "End_Date__c": ""},
    {"Id": "a04", "User__c": "005R", "Team__c": "Dallas", "Department__c": "South",
     "Start_Date__c": "2025-01-01", "End_Date__c": ""},
]

TARGET_COLUMNS = ["Id", "User__c", "Metric__c", "Period_Type__c", "Period_Start__c", "Target__c"]
TARGETS: list[Row] = [
    # line 2: targets play no part in the facts; one row so that the file is an ordinary one
    {"Id": "t01", "User__c": "005H", "Metric__c": "sales_volume", "Period_Type__c": "Month",
     "Period_Start__c": "2026-03-01", "Target__c": "100"},
]

# fmt: on


def build_settings_landing(root: Path) -> Path:
    """Write the whole landing area under ``root`` and return ``root``."""
    write_csv(root / CALLS_FILE, CALL_COLUMNS, CALLS)
    write_csv(root / EVENTS_FILE, EVENT_COLUMNS, EVENTS)
    write_csv(root / DOCUMENTS_FILE, DOCUMENT_COLUMNS, DOCUMENTS)
    write_csv(root / FX_FILE, ["date", "currency", "rate"], FX_RATES)
    write_csv(root / "crm/User.csv", USER_COLUMNS, USERS)
    write_csv(root / "crm/Contact.csv", CONTACT_COLUMNS, CONTACTS)
    write_csv(root / "crm/Team_Membership__c.csv", MEMBERSHIP_COLUMNS, MEMBERSHIPS)
    write_csv(root / "crm/Sales_Target__c.csv", TARGET_COLUMNS, TARGETS)
    return root

"""The tiny landing area of the contract test, written as raw CSV text.

Every file is written by hand (no csv module) so that the test controls column order, extra
columns, quoting and padding. Rows are listed in file order; the comment on each row gives its
line number in the file (the header is line 1) and what it is there to exercise. The expected
marts in ``test_contract.py`` refer to these ids (CA.. calls, EV.. events, D.. documents).

People (the phone numbers are written differently in different places on purpose):

- 005A "Papadopoulos, Maria"  E1  +30 210-555 0101   Athens North / Greece, whole time
- 005B "Ben Carter"           E2  +1 212 555 0102    NY East until 2026-03-04, no team on
                                                      2026-03-05, NY West from 2026-03-06
- 005C "Chloe Dubois"         E3  +33 1 55 55 01 03  inactive; Paris from 2025-06-01 and
                                                      Lyon 2026-03-01..03-31 (overlap: Lyon)
- 005D "Dan Ito"              E4  +44 20 5555 0104   no accepted membership: Unassigned (his
                                                      only one ends before it starts: rejected)
- 005E "Eva Rossi"            E5  +39 06 5555 0105   REJECTED user row (IsActive 'yes'): an
                                                      unknown user, so her call, event, document
                                                      and membership are rejected as `unknown rep`
- 005F "Femi Okafor"          E6  +49 30 5555 0106   Berlin / Germany; 005F and 005G share one
- 005G "Greta Berg"           E7  (same number)      phone, so calls from/to it are rejected as
                                                      `ambiguous rep`; their events and documents
                                                      (OwnerId, EmployeeNumber) still count
- 005H "Hana Novak"           E8  +43 1 5555 0108    Vienna / Austria from 2026-01-01; Linz (a08)
                                                      and Salzburg (a09) both 03-03..03-04 with the
                                                      same start: the highest Id, Salzburg, wins
- contacts 003C1 (DM), 003C2 (DM, mobile only), 003C3 (not a DM: its last snapshot row
  says false), 003C4 (DM); 003C9 is rejected (Decision_Maker__c = 'yes'); 003C5 (not a DM)
  and 003C6 (DM, the higher Id) share one number: 003C6 is the contact of a call to it (a
  decision maker first); 003C7 and 003C8 (both DMs) share another: 003C7 (the lowest Id).
- the team membership of unknown user 005Z is rejected.
- targets: 005A's weekly calls_made and monthly sales_volume are kept; a week target starting
  on a Wednesday and a quarter target starting on 1 February are rejected; 005D's monthly
  target shows his team (Unassigned, because his only membership is rejected) in the targets
  mart.
- FX rates: a zero JPY rate and a negative USD rate are rejected: a JPY document then has no
  rate at all (`missing FX rate`), a USD document after the negative rate uses the earlier one.

Calendar: Mon 2026-03-02 .. Sun 2026-03-08 is "week A", Mon 2026-03-09 .. Sun 03-15 is
"week B", Sun 2026-03-01 belongs to the week of Mon 2026-02-23, and Mon 2025-12-29 .. Sun
2026-01-04 is the ISO week across the year boundary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

Row = Mapping[str, str]

# Phone numbers as the phone system / CRM show them.
U1_PHONE = "+30 210-555 0101"
U1_PHONE_PAREN = "(+30) 210.555.0101"
U1_PHONE_00 = "0030 2105550101"
U2_PHONE = "+1 (212) 555-0102"
U3_PHONE = "+33 1 55 55 01 03"
U4_PHONE = "+44 20 5555 0104"
C1_PHONE = "+30 210 555 0201"
C2_MOBILE = "+30 697-555-0202"
C3_PHONE = "+30 210 555 0203"
C4_PHONE = "+1 212 555 0204"
C4_PHONE_00 = "001 212 555 0204"
C9_PHONE = "+30 210 555 0209"  # the phone of the rejected contact 003C9
UNKNOWN_PHONE = "+30 210 555 0299"  # nobody in the CRM
U5_PHONE = "+39 06 5555 0105"  # the phone of 005E, whose User row is rejected
U67_PHONE = "+49 30 5555 0106"  # 005F and 005G: one number, two users
U67_PHONE_00 = "0049 (30) 5555-0106"  # the same number as the CRM row of 005G writes it
U8_PHONE = "+43 1 5555 0108"
C56_PHONE = "+43 1 555 0205"  # Phone of 003C5 (not a DM) and MobilePhone of 003C6 (DM)
C56_PHONE_DIAL = "+43 (1) 555-0205"  # the same number as the phone system dials it
C78_PHONE = "+43 1 555 0207"  # Phone of 003C7 and 003C8, both DMs

CALL_COLUMNS = [
    "sid",
    "parent_call_sid",
    "direction",
    "from",
    "to",
    "status",
    "start_time",
    "end_time",
    "duration",
    "answered_by",
]
EVENT_COLUMNS = [
    "Id",
    "OwnerId",
    "WhoId",
    "AccountId",
    "Type",
    "Subject",
    "StartDateTime",
    "EndDateTime",
    "IsDeleted",
    "LastModifiedDate",
]
DOCUMENT_COLUMNS = [
    "document_no",
    "document_type",
    "document_date",
    "customer_no",
    "sales_rep_no",
    "currency",
    "net_amount",
    "status",
    "changed_at",
]


def _cell(value: str) -> str:
    """One CSV field: quoted (with doubled quotes) only when it has to be."""
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_csv(
    path: Path,
    columns: Sequence[str],
    rows: Sequence[Row],
    defaults: Mapping[str, str] | None = None,
) -> None:
    """Write ``rows`` in the given column order; a column a row lacks is written empty
    (or with its default, used for the extra columns the pipeline must ignore)."""
    defaults = defaults or {}
    lines = [",".join(_cell(c) for c in columns)]
    for row in rows:
        unknown = set(row) - set(columns)
        assert not unknown, f"{path.name}: row has columns outside the header: {unknown}"
        lines.append(",".join(_cell(row.get(c, defaults.get(c, ""))) for c in columns))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def call(
    sid: str,
    direction: str,
    from_: str,
    to: str,
    status: str,
    start: str,
    duration: str,
    answered_by: str = "",
    *,
    parent: str = "",
    end: str = "",
) -> dict[str, str]:
    return {
        "sid": sid,
        "parent_call_sid": parent,
        "direction": direction,
        "from": from_,
        "to": to,
        "status": status,
        "start_time": start,
        "end_time": end,
        "duration": duration,
        "answered_by": answered_by,
    }


def event(
    id_: str,
    owner: str,
    who: str,
    type_: str,
    start: str,
    modified: str,
    *,
    deleted: str = "false",
    end: str = "",
    subject: str = "",
    account: str = "",
) -> dict[str, str]:
    return {
        "Id": id_,
        "OwnerId": owner,
        "WhoId": who,
        "AccountId": account,
        "Type": type_,
        "Subject": subject,
        "StartDateTime": start,
        "EndDateTime": end,
        "IsDeleted": deleted,
        "LastModifiedDate": modified,
    }


def document(
    no: str,
    type_: str,
    date: str,
    rep: str,
    currency: str,
    amount: str,
    status: str,
    changed_at: str,
    customer: str = "K1",
) -> dict[str, str]:
    return {
        "document_no": no,
        "document_type": type_,
        "document_date": date,
        "customer_no": customer,
        "sales_rep_no": rep,
        "currency": currency,
        "net_amount": amount,
        "status": status,
        "changed_at": changed_at,
    }


# --------------------------------------------------------------------------- telephony
# The rows below are laid out one per line on purpose: keep the formatter off them.
# fmt: off

OUT = "outbound-dial"

# Shuffled columns plus three extra columns the pipeline must ignore (one holds a comma).
CALLS_0302_COLUMNS = [
    "account_sid",
    "start_time",
    "sid",
    "to",
    "from",
    "direction",
    "status",
    "duration",
    "answered_by",
    "parent_call_sid",
    "end_time",
    "price",
    "caller_name",
]
CALLS_0302_EXTRA = {"account_sid": "AC0001", "price": "-0.0130", "caller_name": "Acme, Inc."}
CALLS_0302: list[Row] = [
    # line 2: connected (completed, 120 s, human) to DM 003C1; +02:00 offset = 06:15:03Z Mon
    call("CA01", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-02T08:15:03+02:00", "120", "human",
         end="2026-03-02T08:17:03+02:00"),
    # line 3: outbound-api counts; '.000Z'; empty answered_by is connected; DM 003C2 by MobilePhone
    call("CA02", "outbound-api", U1_PHONE_PAREN, C2_MOBILE, "completed", "2026-03-02T09:00:00.000Z", "60", ""),
    # line 4: padded fields are trimmed; answered_by 'unknown' is connected; 003C3 is not a DM
    call("CA03", OUT, U1_PHONE_00, " " + C3_PHONE + " ", " completed", "2026-03-03T10:00:00Z", "30 ", "unknown"),
    # line 5: machine_start -> not connected
    call("CA04", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-03T11:00:00Z", "25", "machine_start"),
    # line 6: fax -> not connected
    call("CA05", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-03T12:00:00Z", "40", "fax"),
    # line 7: completed with duration 0 -> not connected
    call("CA06", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-04T08:00:00Z", "0", "human"),
    # line 8: busy, with a duration (some systems report the ringing time) -> not connected
    call("CA07", OUT, U1_PHONE, C1_PHONE, "busy", "2026-03-04T09:00:00Z", "12", ""),
    # line 9: inbound (rep by `to`): accepted, never counted
    call("CA08", "inbound", C1_PHONE, U1_PHONE, "completed", "2026-03-04T10:00:00Z", "300", "human"),
    # line 10: child leg of CA01: accepted, never counted
    call("CA09", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-02T06:15:10Z", "100", "human",
         parent="CA01"),
    # line 11: unknown contact: connected, not a DM, not rejected
    call("CA10", OUT, U1_PHONE, UNKNOWN_PHONE, "completed", "2026-03-04T11:00:00Z", "45", "human"),
    # line 12: the contact with this phone was rejected -> unknown contact, not a DM
    call("CA11", OUT, U1_PHONE, C9_PHONE, "completed", "2026-03-04T12:00:00Z", "15", "human"),
    # line 13: machine_end_beep starts with 'machine' -> not connected
    call("CA12", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-05T08:00:00Z", "50", "machine_end_beep"),
    # line 14: space instead of 'T', -05:00 = Tue 03-03 19:00Z; rep 005B on NY East; DM 003C4 ('00' prefix)
    call("CA13", OUT, U2_PHONE, C4_PHONE_00, "completed", "2026-03-03 14:00:00-05:00", "200", "human"),
    # line 15: Thu 03-05: 005B has no membership that day -> Unassigned; DM 003C4
    call("CA14", OUT, U2_PHONE, C4_PHONE, "completed", "2026-03-05T15:00:00Z", "100", "human"),
    # line 16: failed (made, never connected); 'HH:MM' without seconds and '+0000'; Fri 03-06 -> NY West
    call("CA15", OUT, U2_PHONE, C4_PHONE, "failed", "2026-03-06T15:00+0000", "0", ""),
    # line 17: REJECTED duration '12.5'
    call("CA16", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-04T13:00:00Z", "12.5", "human"),
    # line 18: REJECTED duration '-3'
    call("CA17", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-04T13:10:00Z", "-3", "human"),
    # line 19: REJECTED start_time without offset
    call("CA18", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-04T10:00:00", "30", "human"),
    # line 20: REJECTED direction 'Outbound-dial' (case matters)
    call("CA19", "Outbound-dial", U1_PHONE, C1_PHONE, "completed", "2026-03-04T13:20:00Z", "30", "human"),
    # line 21: REJECTED status 'Completed' (case matters)
    call("CA20", OUT, U1_PHONE, C1_PHONE, "Completed", "2026-03-04T13:30:00Z", "30", "human"),
    # line 22: REJECTED unknown rep: the phone of the superseded first User row of 005B
    call("CA21", OUT, "+1 212 555 0199", C4_PHONE, "completed", "2026-03-04T15:00:00Z", "30", "human"),
    # line 23: REJECTED inbound whose `to` is no user's phone
    call("CA22", "inbound", C1_PHONE, "+30 210 555 0999", "completed", "2026-03-04T13:40:00Z", "30", "human"),
    # line 24: REJECTED unparseable (optional) end_time
    call("CA23", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-04T13:50:00Z", "30", "human",
         end="yesterday"),
    # line 25: REJECTED required `to` empty
    call("CA24", OUT, U1_PHONE, "", "completed", "2026-03-04T14:10:00Z", "30", "human"),
    # line 26: REJECTED answered_by 'Human' (case matters)
    call("CA25", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-04T14:20:00Z", "30", "Human"),
    # line 27: child leg with numbers nobody owns: needs no rep, accepted, never counted
    call("CA26", "inbound", C4_PHONE, "+1 999 555 0000", "completed", "2026-03-03T19:00:05Z", "190", "human",
         parent="CA13"),
    # line 28: no-answer here; superseded by calls_2026-03-09 line 2 (completed, 90 s)
    call("CA27", OUT, U1_PHONE, C1_PHONE, "no-answer", "2026-03-05T09:00:00Z", "0", ""),
    # line 29: superseded by line 30 (same sid, same file, later row)
    call("CA28", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-05T10:00:00Z", "10", "human"),
    # line 30: wins: 20 s to DM 003C1
    call("CA28", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-05T10:00:00Z", "20", "human"),
    # line 31: 35 s to DM 003C2 (mobile); its re-delivery in calls_2026-03-09 is rejected, so this stays
    call("CA29", OUT, U1_PHONE, C2_MOBILE, "completed", "2026-03-05T11:00:00Z", "35", "human"),
    # line 32: Sun 03-08 22:30Z: week A in UTC, Mon 03-09 00:30 (week B) in Europe/Athens
    call("CA30", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-08T22:30:00Z", "10", "human"),
    # line 33: '+01' offset = Wed 03-04 08:30Z; rep 005D (Unassigned), DM 003C4
    call("CA31", OUT, U4_PHONE, C4_PHONE, "completed", "2026-03-04T09:30:00+01", "70", "human"),
    # line 34: inactive rep 005C, Mon 03-02 -> Lyon (overlap with Paris, later start wins); 003C3 no DM
    call("CA32", OUT, U3_PHONE, C3_PHONE, "completed", "2026-03-02T10:00:00Z", "80", "human"),
    # line 35: Sat 02-28 23:30Z -> Paris, February in UTC; Sun 03-01 01:30 -> Lyon, March in Athens
    call("CA33", OUT, U3_PHONE, C1_PHONE, "completed", "2026-02-28T23:30:00Z", "50", "human"),
    # line 36: Thu 03-05 23:30Z -> Unassigned in UTC; Fri 03-06 01:30 -> NY West in Athens
    call("CA34", OUT, U2_PHONE, C4_PHONE, "completed", "2026-03-05T23:30:00Z", "30", "human"),
    # line 37: Sun 03-01 -> week of 2026-02-23 but month of March
    call("CA35", OUT, U1_PHONE, C2_MOBILE, "completed", "2026-03-01T10:00:00Z", "40", "human"),
    # line 38: empty duration is null -> made but not connected
    call("CA44", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-04T14:00:00Z", "", "human"),
    # line 39: REJECTED unknown rep: the phone of 005E, whose only User row is rejected
    call("CA50", OUT, U5_PHONE, C1_PHONE, "completed", "2026-03-03T12:00:00Z", "60", "human"),
    # line 40: REJECTED ambiguous rep: 005F and 005G both have this phone
    call("CA51", OUT, U67_PHONE, C4_PHONE, "completed", "2026-03-04T12:00:00Z", "60", "human"),
    # line 41: REJECTED ambiguous rep: inbound (rep by `to`), the shared number written otherwise
    call("CA55", "inbound", C4_PHONE, U67_PHONE_00, "completed", "2026-03-04T13:00:00Z", "60", "human"),
    # line 42: 005H Mon 03-02 -> Vienna; 60 s to the number of 003C5 (no DM) and 003C6 (DM, the
    # higher Id): the decision maker 003C6 is the contact
    call("CA52", OUT, U8_PHONE, C56_PHONE_DIAL, "completed", "2026-03-02T12:00:00Z", "60", "human"),
    # line 43: 005H Mon 03-02 -> Vienna; 40 s to the number of DMs 003C7 and 003C8: 003C7 (lowest Id)
    call("CA53", OUT, U8_PHONE, C78_PHONE, "completed", "2026-03-02T14:00:00Z", "40", "human"),
    # line 44: 005H Tue 03-03 -> Salzburg (a09 beats a08, same Start_Date__c, higher Id); DM 003C1
    call("CA54", OUT, U8_PHONE, C1_PHONE, "completed", "2026-03-03T12:00:00Z", "30", "human"),
]

CALLS_0309: list[Row] = [
    # line 2: re-delivery of CA27 (calls_2026-03-02 line 28), now completed 90 s human: wins
    call("CA27", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-05T09:00:00Z", "90", "human"),
    # line 3: REJECTED duration 'abc' (and so does not supersede CA29 of calls_2026-03-02)
    call("CA29", OUT, U1_PHONE, C2_MOBILE, "completed", "2026-03-05T11:00:00Z", "abc", "human"),
    # line 4: week B, fractional seconds and '+00:00'
    call("CA36", OUT, U1_PHONE, C1_PHONE, "completed", "2026-03-10T09:00:00.250+00:00", "60", "human"),
    # line 5: week B
    call("CA37", OUT, U1_PHONE, C2_MOBILE, "completed", "2026-03-11T09:00:00Z", "20", "human"),
    # line 6: week B, 005B on NY West
    call("CA38", OUT, U2_PHONE, C4_PHONE, "completed", "2026-03-10T15:00:00Z", "45", "human"),
    # line 7: REJECTED unparseable start_time
    call("CA39", OUT, U1_PHONE, C1_PHONE, "completed", "03/10/2026 09:00:00Z", "10", "human"),
    # line 8: inbound to 005D: accepted, not counted (005D has nothing counted in week B)
    call("CA43", "inbound", C4_PHONE, U4_PHONE, "completed", "2026-03-10T10:00:00Z", "60", "human"),
]

CALLS_0102: list[Row] = [
    # line 2: Wed 2025-12-31 (week 2025-12-29, year 2025)
    call("CA40", OUT, U1_PHONE, C1_PHONE, "completed", "2025-12-31T10:00:00Z", "100", "human"),
    # line 3: Fri 2026-01-02 (week 2025-12-29, year 2026)
    call("CA41", OUT, U1_PHONE, C1_PHONE, "completed", "2026-01-02T10:00:00Z", "50", "human"),
    # line 4: 2025-12-31 23:00Z: year 2025 in UTC, 2026-01-01 01:00 (year 2026) in Athens
    call("CA42", OUT, U1_PHONE, C2_MOBILE, "completed", "2025-12-31T23:00:00Z", "30", "human"),
]

# --------------------------------------------------------------------------- CRM events

EVENTS_0302_COLUMNS = [
    "Id",
    "Subject",
    "Type",
    "OwnerId",
    "WhoId",
    "AccountId",
    "StartDateTime",
    "EndDateTime",
    "IsDeleted",
    "LastModifiedDate",
    "CreatedDate",
]
EVENTS_0302_EXTRA = {"CreatedDate": "2026-03-01T08:00:00Z"}
M0302 = "2026-03-02T12:00:00Z"
EVENTS_0302: list[Row] = [
    # line 2: Visit with DM 003C1; '.000Z' LastModifiedDate
    event("EV01", "005A", "003C1", "Visit", "2026-03-02T10:00:00Z", "2026-03-02T12:00:00.000Z",
          end="2026-03-02T11:00:00Z", subject="Site visit"),
    # line 3: Meeting (padded Type), 003C3 is no DM; empty IsDeleted = false
    event("EV02", "005A", "003C3", "Meeting ", "2026-03-03T10:00:00Z", M0302, deleted=""),
    # line 4: type Call: never counted, even with a DM
    event("EV03", "005A", "003C2", "Call", "2026-03-03T13:00:00Z", M0302, deleted="False"),
    # line 5: type Other: never counted
    event("EV04", "005A", "003C1", "Other", "2026-03-03T14:00:00Z", M0302),
    # line 6: superseded: deleted in Event_2026-03-09 line 2
    event("EV05", "005A", "003C2", "Meeting", "2026-03-04T10:00:00Z", M0302),
    # line 7: superseded: rescheduled into week B by Event_2026-03-09 line 3
    event("EV06", "005A", "003C2", "Visit", "2026-03-05T10:00:00Z", M0302),
    # line 8: wins against Event_2026-03-09 line 4 (10:00Z is later than 11:30+02:00 = 09:30Z)
    event("EV07", "005A", "003C1", "Visit", "2026-03-06T10:00:00Z", "2026-03-05T10:00:00Z"),
    # line 9: -05:00 = Wed 03-04 14:00Z: 005B still on NY East (End_Date__c inclusive); DM 003C4
    event("EV08", "005B", "003C4", "Visit", "2026-03-04T09:00:00-05:00", "2026-03-04T09:00:00-05:00",
          account="001A4"),
    # line 10: WhoId that is no contact: counted meeting, not a DM, not rejected; Fri -> NY West
    event("EV09", "005B", "003XX", "Meeting", "2026-03-06T14:00:00Z", M0302),
    # line 11: no WhoId; 005D -> Unassigned
    event("EV10", "005D", "", "Visit", "2026-03-03T09:00:00Z", M0302),
    # line 12: REJECTED Type 'VISIT'
    event("EV11", "005A", "003C1", "VISIT", "2026-03-03T09:00:00Z", M0302),
    # line 13: REJECTED OwnerId is no user
    event("EV12", "005Z", "003C1", "Visit", "2026-03-03T09:00:00Z", M0302),
    # line 14: REJECTED IsDeleted 'yes'
    event("EV13", "005A", "003C1", "Visit", "2026-03-03T09:00:00Z", M0302, deleted="yes"),
    # line 15: REJECTED StartDateTime without offset
    event("EV14", "005A", "003C1", "Visit", "2026-03-03T10:00:00", M0302),
    # line 16: REJECTED unparseable (optional) EndDateTime
    event("EV15", "005A", "003C1", "Visit", "2026-03-03T10:00:00Z", M0302, end="not a date"),
    # line 17: REJECTED required LastModifiedDate empty
    event("EV16", "005A", "003C1", "Visit", "2026-03-03T10:00:00Z", ""),
    # line 18: superseded: Event_2026-03-09 line 5 has the same instant (tie -> later file)
    event("EV17", "005A", "003C1", "Meeting", "2026-03-04T14:00:00Z", M0302),
    # line 19: superseded by line 20 (same LastModifiedDate, same file -> later row)
    event("EV18", "005A", "003C3", "Visit", "2026-03-02T15:00:00Z", M0302),
    # line 20: wins: Visit with DM 003C1
    event("EV18", "005A", "003C1", "Visit", "2026-03-02T15:00:00Z", M0302),
    # line 21: inactive 005C, Mon 03-02 -> Lyon; DM 003C1; subject with quotes
    event("EV19", "005C", "003C1", "Visit", "2026-03-02T12:00:00Z", M0302, subject='He said "maybe"'),
    # line 22: Sun 03-01 -> week 2026-02-23, month March; subject with a comma; DM 003C2
    event("EV20", "005A", "003C2", "Meeting", "2026-03-01T16:00:00Z", M0302, subject="Lunch, then demo"),
    # line 23: deleted from the start: accepted, never counted (week B)
    event("EV24", "005D", "003C4", "Visit", "2026-03-12T10:00:00Z", M0302, deleted="true"),
    # line 24: REJECTED unknown rep: 005E's User row is rejected
    event("EV40", "005E", "003C1", "Visit", "2026-03-03T12:00:00Z", M0302),
    # line 25: 005H Mon 03-02 -> Vienna; Meeting with DM 003C6 (also the contact of CA52)
    event("EV41", "005H", "003C6", "Meeting", "2026-03-02T13:00:00Z", M0302),
    # line 26: 005H Mon 03-02 -> Vienna; Visit with DM 003C7 (also the contact of CA53)
    event("EV42", "005H", "003C7", "Visit", "2026-03-02T15:00:00Z", M0302),
    # line 27: 005F (phone shared with 005G) Wed 03-04 -> Berlin: counts, the rep is the OwnerId
    event("EV43", "005F", "003C4", "Meeting", "2026-03-04T12:00:00Z", M0302),
]

EVENTS_0309: list[Row] = [
    # line 2: EV05 deleted ('TRUE' in any case)
    event("EV05", "005A", "003C2", "Meeting", "2026-03-04T10:00:00Z", "2026-03-09T08:00:00Z",
          deleted="TRUE"),
    # line 3: EV06 rescheduled from Thu 03-05 to Tue 03-10 (week B)
    event("EV06", "005A", "003C2", "Visit", "2026-03-10T10:00:00Z", "2026-03-09T08:00:00Z"),
    # line 4: superseded: later file but OLDER instant (09:30Z < 10:00Z) though larger as text
    event("EV07", "005A", "003C1", "Visit", "2026-03-12T10:00:00Z", "2026-03-05T11:30:00+02:00"),
    # line 5: same instant as Event_2026-03-02 line 18 (12:00Z) -> later file wins: Wed 03-11
    event("EV17", "005A", "003C1", "Meeting", "2026-03-11T14:00:00Z", "2026-03-02T14:00:00+02:00"),
    # line 6: week B meeting with DM 003C1
    event("EV21", "005A", "003C1", "Meeting", "2026-03-13T10:00:00Z", "2026-03-09T08:00:00Z"),
    # line 7: REJECTED Type 'visit' (so it does not supersede EV01)
    event("EV01", "005A", "003C1", "visit", "2026-03-02T10:00:00Z", "2026-03-09T09:00:00Z",
          deleted="true"),
    # line 8: type Other for 005D: accepted, never counted
    event("EV23", "005D", "003C4", "Other", "2026-03-11T10:00:00Z", "2026-03-09T08:00:00Z"),
]

EVENTS_0102: list[Row] = [
    # line 2: Wed 2025-12-31, DM 003C2
    event("EV30", "005A", "003C2", "Visit", "2025-12-31T15:00:00Z", "2026-01-02T08:00:00Z"),
    # line 3: Fri 2026-01-02, DM 003C2
    event("EV31", "005A", "003C2", "Meeting", "2026-01-02T09:00:00Z", "2026-01-02T08:00:00Z"),
]

# --------------------------------------------------------------------------- ERP

DOCUMENTS_0302_COLUMNS = [
    "document_no",
    "status",
    "document_type",
    "document_date",
    "customer_no",
    "sales_rep_no",
    "currency",
    "net_amount",
    "changed_at",
    "payment_terms",
]
DOCUMENTS_0302_EXTRA = {"payment_terms": "30 days, net"}
DOCUMENTS_0302: list[Row] = [
    # line 2: +100.004 EUR
    document("D01", "ORDER", "2026-03-02", "E1", "EUR", "100.004", "OPEN", "2026-03-02T10:00:00Z"),
    # line 3: +100.004 EUR, no customer (optional), padded currency
    document("D02", "ORDER", "2026-03-03", "E1", " EUR", "100.004", "INVOICED", "2026-03-03T10:00:00Z",
             customer=""),
    # line 4: RETURN -50.5
    document("D03", "RETURN", "2026-03-04", "E1", "EUR", "50.5", "INVOICED", "2026-03-04T10:00:00Z"),
    # line 5: CANCELLED: not counted
    document("D04", "ORDER", "2026-03-04", "E1", "EUR", "999", "CANCELLED", "2026-03-04T11:00:00Z"),
    # line 6: superseded by the late cancellation in sales_documents_2026-03-09 line 2
    document("D05", "ORDER", "2026-03-05", "E1", "EUR", "300", "OPEN", "2026-03-05T10:00:00Z"),
    # line 7: wins against sales_documents_2026-03-09 line 3 (08:00Z is later than 11:00+05:00 = 06:00Z)
    document("D06", "ORDER", "2026-03-06", "E1", "EUR", "80", "OPEN", "2026-03-06T10:00:00+02:00"),
    # line 8: Saturday 03-07 uses Friday's USD rate 0.8 -> 80; 005B on NY West
    document("D07", "ORDER", "2026-03-07", "E2", "USD", "100", "OPEN", "2026-03-07T10:00:00Z"),
    # line 9: 10.01 USD x 0.9 = 9.009; 005B on NY East
    document("D08", "ORDER", "2026-03-02", "E2", "USD", "10.01", "OPEN", "2026-03-02T10:00:00Z"),
    # line 10: REJECTED no CHF rate at all
    document("D09", "ORDER", "2026-03-03", "E2", "CHF", "50", "OPEN", "2026-03-03T10:00:00Z"),
    # line 11: REJECTED no USD rate on or before 2026-03-01
    document("D10", "ORDER", "2026-03-01", "E2", "USD", "10", "OPEN", "2026-03-01T10:00:00Z"),
    # line 12: REJECTED amount '1,234.50' (quoted because of the comma)
    document("D11", "ORDER", "2026-03-03", "E1", "EUR", "1,234.50", "OPEN", "2026-03-03T10:00:00Z"),
    # line 13: REJECTED amount '-10'
    document("D12", "ORDER", "2026-03-03", "E1", "EUR", "-10", "OPEN", "2026-03-03T10:00:00Z"),
    # line 14: REJECTED amount '0'
    document("D13", "ORDER", "2026-03-03", "E1", "EUR", "0", "OPEN", "2026-03-03T10:00:00Z"),
    # line 15: REJECTED unknown rep E99
    document("D14", "ORDER", "2026-03-03", "E99", "EUR", "10", "OPEN", "2026-03-03T10:00:00Z"),
    # line 16: REJECTED document_type 'Order'
    document("D15", "Order", "2026-03-03", "E1", "EUR", "10", "OPEN", "2026-03-03T10:00:00Z"),
    # line 17: REJECTED status 'cancelled'
    document("D16", "ORDER", "2026-03-03", "E1", "EUR", "10", "cancelled", "2026-03-03T10:00:00Z"),
    # line 18: REJECTED missing CHF rate, although CANCELLED
    document("D17", "ORDER", "2026-03-03", "E1", "CHF", "10", "CANCELLED", "2026-03-03T10:00:00Z"),
    # line 19: inactive 005C (E3), Mon 03-02 -> Lyon, +10 EUR
    document("D18", "ORDER", "2026-03-02", "E3", "EUR", "10", "INVOICED", "2026-03-02T10:00:00Z",
             customer="K5"),
    # line 20: RETURN 10 GBP x 1.15 (rate of 2026-02-27, not the 1.3 of 03-04) = -11.5; 005D Unassigned
    document("D19", "RETURN", "2026-03-03", "E4", "GBP", "10", "INVOICED", "2026-03-03T10:00:00Z",
             customer="K6"),
    # line 21: REJECTED required changed_at empty
    document("D20", "ORDER", "2026-03-03", "E1", "EUR", "10", "OPEN", ""),
    # line 22: REJECTED document_date not YYYY-MM-DD
    document("D21", "ORDER", "05/03/2026", "E1", "EUR", "10", "OPEN", "2026-03-05T10:00:00Z"),
    # line 23: REJECTED changed_at without offset
    document("D22", "ORDER", "2026-03-05", "E1", "EUR", "10", "OPEN", "2026-03-05T10:00:00"),
    # line 24: superseded: sales_documents_2026-03-09 line 7 has the same instant (tie -> later file)
    document("D25", "ORDER", "2026-03-05", "E1", "EUR", "1", "OPEN", "2026-03-05T10:00:00Z"),
    # line 25: REJECTED missing FX rate: the only JPY rate (0, fx_rates line 8) is rejected
    document("D40", "ORDER", "2026-03-04", "E6", "JPY", "1000", "OPEN", "2026-03-04T10:00:00Z"),
    # line 26: 005G (phone shared with 005F), Thu 03-05 -> Berlin: counts (rep by EmployeeNumber);
    # 10 USD x 0.9 (rate of 03-02; the -0.7 of 03-03 is rejected) = 9.00
    document("D41", "ORDER", "2026-03-05", "E7", "USD", "10", "OPEN", "2026-03-05T10:00:00Z"),
    # line 27: REJECTED unknown rep: E5 is the EmployeeNumber of the rejected User row of 005E
    document("D42", "ORDER", "2026-03-03", "E5", "EUR", "10", "OPEN", "2026-03-03T10:00:00Z"),
]

DOCUMENTS_0309: list[Row] = [
    # line 2: late cancellation of D05 (later changed_at): D05 no longer counts
    document("D05", "ORDER", "2026-03-05", "E1", "EUR", "300", "CANCELLED", "2026-03-09T10:00:00Z"),
    # line 3: superseded: older instant (06:00Z) than sales_documents_2026-03-02 line 7
    document("D06", "ORDER", "2026-03-06", "E1", "EUR", "8000", "OPEN", "2026-03-06T11:00:00+05:00"),
    # line 4: 10.01 USD x 0.85 (rate of 03-09 itself, not the 0.5 of 03-10) = 8.5085; week B
    document("D23", "ORDER", "2026-03-09", "E1", "USD", "10.01", "OPEN", "2026-03-09T10:00:00Z"),
    # line 5: REJECTED amount 'abc' (so it does not supersede D01)
    document("D01", "ORDER", "2026-03-02", "E1", "EUR", "abc", "OPEN", "2026-03-09T11:00:00Z"),
    # line 6: +12.344 EUR, 005B NY West, week B
    document("D24", "ORDER", "2026-03-10", "E2", "EUR", "12.344", "OPEN", "2026-03-10T10:00:00Z",
             customer="K3"),
    # line 7: D25 again with the same instant as before -> this later file wins: +2 EUR
    document("D25", "ORDER", "2026-03-05", "E1", "EUR", "2", "OPEN", "2026-03-05T12:00:00+02:00"),
    # line 8: CANCELLED for 005D: accepted, never counted
    document("D26", "ORDER", "2026-03-12", "E4", "EUR", "5", "CANCELLED", "2026-03-12T10:00:00Z",
             customer="K6"),
]

DOCUMENTS_0102: list[Row] = [
    # line 2: 2025-12-31, +10 EUR
    document("D30", "ORDER", "2025-12-31", "E1", "EUR", "10", "INVOICED", "2025-12-31T10:00:00Z"),
    # line 3: 2026-01-02, +20 EUR
    document("D31", "ORDER", "2026-01-02", "E1", "EUR", "20", "INVOICED", "2026-01-02T10:00:00Z"),
]

FX_RATES: list[Row] = [
    # lines 2..7
    {"date": "2026-02-27", "currency": "GBP", "rate": "1.15"},
    {"date": "2026-03-02", "currency": "USD", "rate": "0.9"},
    {"date": "2026-03-04", "currency": "GBP", "rate": "1.3"},
    {"date": "2026-03-06", "currency": "USD", "rate": "0.8"},
    {"date": "2026-03-09", "currency": "USD", "rate": "0.85"},
    {"date": "2026-03-10", "currency": "USD", "rate": "0.5"},
    # line 8: REJECTED zero rate: the JPY document D40 then has no rate at all
    {"date": "2026-03-02", "currency": "JPY", "rate": "0"},
    # line 9: REJECTED negative rate: the USD document D41 of 03-05 uses 0.9 of 03-02 instead
    {"date": "2026-03-03", "currency": "USD", "rate": "-0.7"},
]

# --------------------------------------------------------------------------- CRM snapshots

USER_COLUMNS = ["Email", "IsActive", "Id", "Phone", "Name", "Title", "EmployeeNumber", "Department"]
USERS: list[Row] = [
    # line 2: name with a comma (quoted)
    {"Id": "005A", "Name": "Papadopoulos, Maria", "Email": "maria@example.com", "EmployeeNumber": "E1",
     "Phone": U1_PHONE, "Title": "Account Executive", "IsActive": "true", "Department": "Sales"},
    # line 3: superseded by line 6 (same Id, last row wins): its phone is nobody's
    {"Id": "005B", "Name": "Ben Old", "Email": "ben@example.com", "EmployeeNumber": "E2",
     "Phone": "+1 212 555 0199", "Title": "", "IsActive": "true", "Department": "Sales"},
    # line 4: inactive, still a rep
    {"Id": "005C", "Name": "Chloe Dubois", "Email": "chloe@example.com", "EmployeeNumber": "E3",
     "Phone": U3_PHONE, "Title": "Account Executive", "IsActive": "false", "Department": "Sales"},
    # line 5
    {"Id": "005D", "Name": "Dan Ito", "Email": "dan@example.com", "EmployeeNumber": "E4",
     "Phone": U4_PHONE, "Title": "SDR", "IsActive": "True", "Department": ""},
    # line 6: the row of 005B that counts
    {"Id": "005B", "Name": "Ben Carter", "Email": "ben@example.com", "EmployeeNumber": "E2",
     "Phone": "+1 212 555 0102", "Title": "Account Executive", "IsActive": "TRUE", "Department": "Sales"},
    # line 7: REJECTED IsActive 'yes': 005E is no CRM user, everything naming her is `unknown rep`
    {"Id": "005E", "Name": "Eva Rossi", "Email": "eva@example.com", "EmployeeNumber": "E5",
     "Phone": U5_PHONE, "Title": "Account Executive", "IsActive": "yes", "Department": "Sales"},
    # line 8: shares the phone of line 9: calls from or to it have an ambiguous rep
    {"Id": "005F", "Name": "Femi Okafor", "Email": "femi@example.com", "EmployeeNumber": "E6",
     "Phone": U67_PHONE, "Title": "SDR", "IsActive": "true", "Department": "Sales"},
    # line 9: the same number as line 8, written with '00' and punctuation
    {"Id": "005G", "Name": "Greta Berg", "Email": "greta@example.com", "EmployeeNumber": "E7",
     "Phone": U67_PHONE_00, "Title": "SDR", "IsActive": "false", "Department": "Sales"},
    # line 10
    {"Id": "005H", "Name": "Hana Novak", "Email": "hana@example.com", "EmployeeNumber": "E8",
     "Phone": U8_PHONE, "Title": "Account Executive", "IsActive": "true", "Department": "Sales"},
]

CONTACT_COLUMNS = ["Id", "AccountId", "Name", "Title", "Phone", "MobilePhone", "Decision_Maker__c"]
CONTACTS: list[Row] = [
    # line 2
    {"Id": "003C1", "AccountId": "001A1", "Name": "Eleni Georgiou", "Title": "CEO",
     "Phone": C1_PHONE, "Decision_Maker__c": "true"},
    # line 3: reachable by MobilePhone only
    {"Id": "003C2", "AccountId": "001A2", "Name": "Nikos Pappas", "Title": "Owner",
     "MobilePhone": "+30 697 555 0202", "Decision_Maker__c": "TRUE"},
    # line 4: superseded by line 7 (last row wins: not a decision maker)
    {"Id": "003C3", "AccountId": "001A3", "Name": "Sofia Lamprou", "Title": "Buyer",
     "Phone": C3_PHONE, "Decision_Maker__c": "true"},
    # line 5
    {"Id": "003C4", "AccountId": "001A4", "Name": "Amy Stone", "Title": "CFO",
     "Phone": C4_PHONE, "Decision_Maker__c": "True"},
    # line 6: REJECTED boolean 'yes'
    {"Id": "003C9", "AccountId": "001A5", "Name": "Bad Flag", "Title": "",
     "Phone": C9_PHONE, "Decision_Maker__c": "yes"},
    # line 7
    {"Id": "003C3", "AccountId": "001A3", "Name": "Sofia Lamprou", "Title": "Buyer",
     "Phone": C3_PHONE, "Decision_Maker__c": "false"},
    # line 8: DM with the higher Id on the number of line 9 (as MobilePhone): chosen for it
    {"Id": "003C6", "AccountId": "001A6", "Name": "Lukas Huber", "Title": "CEO",
     "MobilePhone": "0043 1 555 0205", "Decision_Maker__c": "true"},
    # line 9: not a DM, the lower Id: never chosen while a DM has the number
    {"Id": "003C5", "AccountId": "001A6", "Name": "Jonas Bauer", "Title": "Assistant",
     "Phone": C56_PHONE, "Decision_Maker__c": "false"},
    # line 10: DM, shares its number with line 11; the higher Id, listed first: not chosen
    {"Id": "003C8", "AccountId": "001A7", "Name": "Anna Wagner", "Title": "CFO",
     "Phone": C78_PHONE, "Decision_Maker__c": "true"},
    # line 11: DM, the lowest Id on that number: chosen
    {"Id": "003C7", "AccountId": "001A7", "Name": "Paul Gruber", "Title": "COO",
     "Phone": "+43-1-555-0207", "Decision_Maker__c": "true"},
]

MEMBERSHIP_COLUMNS = ["Id", "User__c", "Team__c", "Department__c", "Start_Date__c", "End_Date__c"]
MEMBERSHIPS: list[Row] = [
    # line 2
    {"Id": "a01", "User__c": "005A", "Team__c": "Athens North", "Department__c": "Greece",
     "Start_Date__c": "2025-01-01", "End_Date__c": ""},
    # line 3: End_Date__c inclusive
    {"Id": "a02", "User__c": "005B", "Team__c": "NY East", "Department__c": "Americas",
     "Start_Date__c": "2025-01-01", "End_Date__c": "2026-03-04"},
    # line 4
    {"Id": "a03", "User__c": "005B", "Team__c": "NY West", "Department__c": "Americas",
     "Start_Date__c": "2026-03-06", "End_Date__c": ""},
    # line 5
    {"Id": "a04", "User__c": "005C", "Team__c": "Paris", "Department__c": "France",
     "Start_Date__c": "2025-06-01", "End_Date__c": ""},
    # line 6: overlaps line 5 and starts later: wins in March
    {"Id": "a05", "User__c": "005C", "Team__c": "Lyon", "Department__c": "France",
     "Start_Date__c": "2026-03-01", "End_Date__c": "2026-03-31"},
    # line 7
    {"Id": "a06", "User__c": "005H", "Team__c": "Vienna", "Department__c": "Austria",
     "Start_Date__c": "2026-01-01", "End_Date__c": ""},
    # line 8: same Start_Date__c as line 9 and the higher Id: wins on 03-03 and 03-04
    {"Id": "a09", "User__c": "005H", "Team__c": "Salzburg", "Department__c": "Austria",
     "Start_Date__c": "2026-03-03", "End_Date__c": "2026-03-04"},
    # line 9: loses to line 8 (the lower Id, though the later line)
    {"Id": "a08", "User__c": "005H", "Team__c": "Linz", "Department__c": "Austria",
     "Start_Date__c": "2026-03-03", "End_Date__c": "2026-03-04"},
    # line 10: REJECTED ends before it starts: 005D stays Unassigned on 03-02..03-05 (his calls,
    # events, documents) and his March target (Sales_Target__c line 6) has no team
    {"Id": "a07", "User__c": "005D", "Team__c": "Manchester", "Department__c": "UK",
     "Start_Date__c": "2026-03-05", "End_Date__c": "2026-03-02"},
    # line 11: REJECTED unknown rep: no user 005Z
    {"Id": "a10", "User__c": "005Z", "Team__c": "Athens North", "Department__c": "Greece",
     "Start_Date__c": "2025-01-01", "End_Date__c": ""},
    # line 12
    {"Id": "a11", "User__c": "005F", "Team__c": "Berlin", "Department__c": "Germany",
     "Start_Date__c": "2025-01-01", "End_Date__c": ""},
    # line 13
    {"Id": "a12", "User__c": "005G", "Team__c": "Berlin", "Department__c": "Germany",
     "Start_Date__c": "2025-01-01", "End_Date__c": ""},
    # line 14: REJECTED unknown rep: the User row of 005E is rejected
    {"Id": "a13", "User__c": "005E", "Team__c": "Rome", "Department__c": "Italy",
     "Start_Date__c": "2025-01-01", "End_Date__c": ""},
]

TARGET_COLUMNS = ["Id", "User__c", "Metric__c", "Period_Type__c", "Period_Start__c", "Target__c"]
TARGETS: list[Row] = [
    # line 2
    {"Id": "t01", "User__c": "005A", "Metric__c": "calls_made", "Period_Type__c": "Week",
     "Period_Start__c": "2026-03-02", "Target__c": "20"},
    # line 3
    {"Id": "t02", "User__c": "005A", "Metric__c": "sales_volume", "Period_Type__c": "Month",
     "Period_Start__c": "2026-03-01", "Target__c": "500"},
    # line 4: REJECTED a week target starting on Wednesday 03-04
    {"Id": "t03", "User__c": "005A", "Metric__c": "calls_made", "Period_Type__c": "Week",
     "Period_Start__c": "2026-03-04", "Target__c": "30"},
    # line 5: REJECTED a quarter target starting on 1 February (first of a month, not a quarter)
    {"Id": "t04", "User__c": "005A", "Metric__c": "calls_made", "Period_Type__c": "Quarter",
     "Period_Start__c": "2026-02-01", "Target__c": "100"},
    # line 6: 005D's March target: his team is Unassigned (Team_Membership__c line 10 rejected)
    {"Id": "t05", "User__c": "005D", "Metric__c": "calls_made", "Period_Type__c": "Month",
     "Period_Start__c": "2026-03-01", "Target__c": "10"},
]

# fmt: on


def build_landing(root: Path) -> Path:
    """Write the whole landing area under ``root`` and return ``root``."""
    write_csv(
        root / "telephony/calls_2026-03-02.csv", CALLS_0302_COLUMNS, CALLS_0302, CALLS_0302_EXTRA
    )
    write_csv(root / "telephony/calls_2026-03-09.csv", CALL_COLUMNS, CALLS_0309)
    write_csv(root / "telephony/calls_2026-01-02.csv", CALL_COLUMNS, CALLS_0102)
    write_csv(
        root / "crm/Event_2026-03-02.csv", EVENTS_0302_COLUMNS, EVENTS_0302, EVENTS_0302_EXTRA
    )
    write_csv(root / "crm/Event_2026-03-09.csv", EVENT_COLUMNS, EVENTS_0309)
    write_csv(root / "crm/Event_2026-01-02.csv", EVENT_COLUMNS, EVENTS_0102)
    write_csv(
        root / "erp/sales_documents_2026-03-02.csv",
        DOCUMENTS_0302_COLUMNS,
        DOCUMENTS_0302,
        DOCUMENTS_0302_EXTRA,
    )
    write_csv(root / "erp/sales_documents_2026-03-09.csv", DOCUMENT_COLUMNS, DOCUMENTS_0309)
    write_csv(root / "erp/sales_documents_2026-01-02.csv", DOCUMENT_COLUMNS, DOCUMENTS_0102)
    write_csv(root / "erp/fx_rates.csv", ["date", "currency", "rate"], FX_RATES)
    write_csv(root / "crm/User.csv", USER_COLUMNS, USERS)
    write_csv(root / "crm/Contact.csv", CONTACT_COLUMNS, CONTACTS)
    write_csv(root / "crm/Team_Membership__c.csv", MEMBERSHIP_COLUMNS, MEMBERSHIPS)
    write_csv(root / "crm/Sales_Target__c.csv", TARGET_COLUMNS, TARGETS)
    return root

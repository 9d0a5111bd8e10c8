"""One week of calls written in RingCentral's, Aircall's, HubSpot's and Salesforce's layouts.

The same seven calls in every layout (week of Mon 2026-03-02; reps of crm.py):

| call | what                                              | counts                          |
| P1   | Maria -> the DM 003C1, answered, 120 s of talk     | Maria made, connected, DM       |
| P2   | Maria -> 003C2, reached voicemail / no answer      | Maria made, not connected       |
| P3   | Maria -> 003C2, answered, 60 s                     | Maria made, connected           |
| P4   | Ben -> the DM, answered, 45 s                      | Ben made, connected, DM         |
| P5   | inbound to Maria, answered, 30 s                   | nothing (inbound)               |
| P6   | outbound by someone in no identity map             | quarantined: unknown rep        |
| P7   | the vendor's own hard case (a call still running,  | quarantined, by name            |
|      | an internal call)                                  |                                 |

Maria: 3 made, 2 connected, 180 s, 1 DM conversation; Ben: 1 made, 1 connected, 45 s, 1 DM.
Salesforce Tasks carry no phone numbers, so no contact and no DM conversation is found there.
The layouts follow the vendors' documented records (realdata/ringcentral: tap-ringcentral's call
log schema; the Aircall and HubSpot API resources; salesforce_api_schema: Task's API names).
"""

from __future__ import annotations

import json

from sales_pipeline_tests.sources.crm import BEN_PHONE, DM_PHONE, MARIA_PHONE, OTHER_PHONE

E164 = {
    name: "+" + "".join(c for c in number if c.isdigit())
    for name, number in (
        ("maria", MARIA_PHONE),
        ("ben", BEN_PHONE),
        ("dm", DM_PHONE),
        ("other", OTHER_PHONE),
        ("desk", "+30 210 555 0300"),
    )
}

# --------------------------------------------------------------------------- RingCentral

RINGCENTRAL_IDENTITIES = (
    "email,employee_number,phone_user_id,phone_extension\n"
    "maria@example.com,,2661451001,101\n,E2,2661451002,102\n"
)


def _rc_party(number: str, extension_id: str | None) -> dict[str, object]:
    party: dict[str, object] = {"phoneNumber": number, "name": None, "location": "Athens"}
    if extension_id:
        party["extensionId"] = extension_id
    return party


def ringcentral_json() -> str:
    calls = [
        (
            "P1",
            "Outbound",
            "Call connected",
            "2026-03-02T09:00:00.000Z",
            120,
            "maria",
            "dm",
            "2661451001",
        ),
        (
            "P2",
            "Outbound",
            "Voicemail",
            "2026-03-02T10:00:00.000Z",
            25,
            "maria",
            "other",
            "2661451001",
        ),
        (
            "P3",
            "Outbound",
            "Call connected",
            "2026-03-03T09:00:00.000Z",
            60,
            "maria",
            "other",
            "2661451001",
        ),
        (
            "P4",
            "Outbound",
            "Call connected",
            "2026-03-04T09:00:00.000Z",
            45,
            "ben",
            "dm",
            "2661451002",
        ),
        ("P5", "Inbound", "Accepted", "2026-03-04T10:00:00.000Z", 30, "dm", "maria", "2661451001"),
        (
            "P6",
            "Outbound",
            "Call connected",
            "2026-03-05T09:00:00.000Z",
            50,
            "desk",
            "dm",
            "2661459999",
        ),
        (
            "P7",
            "Outbound",
            "In Progress",
            "2026-03-05T10:00:00.000Z",
            0,
            "maria",
            "dm",
            "2661451001",
        ),
    ]
    records = []
    for sid, direction, result, start, duration, caller, callee, extension in calls:
        outbound = direction == "Outbound"
        records.append(
            {
                "uri": f"https://platform.ringcentral.com/restapi/v1.0/account/1/call-log/{sid}",
                "id": sid,
                "sessionId": f"40413840{sid[1:]}",
                "startTime": start,
                "duration": duration,
                "type": "Voice",
                "direction": direction,
                "action": "VoIP Call" if outbound else "Phone Call",
                "result": result,
                "to": _rc_party(E164[callee], None if outbound else extension),
                "from": _rc_party(E164[caller], extension if outbound else None),
                "extension": {
                    "uri": "https://platform.ringcentral.com/restapi/v1.0/account/1/"
                    f"extension/{extension}",
                    "id": int(extension),
                },
                "legs": [
                    {
                        "startTime": start,
                        "duration": duration,
                        "type": "Voice",
                        "direction": direction,
                        "action": "VoIP Call",
                        "result": result,
                        "legType": "Accept",
                    }
                ],
            }
        )
    return json.dumps(
        {
            "uri": "https://platform.ringcentral.com/restapi/v1.0/account/~/call-log",
            "records": records,
            "paging": {"page": 1, "perPage": 100, "pageStart": 0, "pageEnd": 6},
            "navigation": {},
        },
        indent=1,
    )


RINGCENTRAL_CSV = (
    "Session Id,Type,Direction,From,From Name,To,To Name,Extension,Forwarded To,Date,Time,"
    "Action,Action Result,Result Description,Duration\n"
    # Times are the account's local time (Europe/Athens, UTC+2): 11:00 = 09:00 UTC.
    f"S1,Voice,Outgoing,{MARIA_PHONE},Maria,{DM_PHONE},Eleni,101,,03/02/2026,11:00:00 AM,"
    "VoIP Call,Call connected,,0:02:00\n"
    f"S2,Voice,Outgoing,{MARIA_PHONE},Maria,{OTHER_PHONE},Nikos,101,,03/02/2026,12:00:00 PM,"
    "VoIP Call,No Answer,,0:00:25\n"
    f"S3,Voice,Outgoing,{MARIA_PHONE},Maria,{OTHER_PHONE},Nikos,101,,03/03/2026,11:00:00 AM,"
    "VoIP Call,Call connected,,0:01:00\n"
    f"S4,Voice,Outgoing,{BEN_PHONE},Ben,{DM_PHONE},Eleni,102,,03/04/2026,11:00:00 AM,"
    "VoIP Call,Call connected,,0:00:45\n"
    f"S5,Voice,Incoming,{DM_PHONE},Eleni,{MARIA_PHONE},Maria,101,,03/04/2026,12:00:00 PM,"
    "Phone Call,Accepted,,0:00:30\n"
    f"S6,Voice,Outgoing,+30 210 555 0300,Front desk,{DM_PHONE},Eleni,199,,03/05/2026,11:00:00 AM,"
    "VoIP Call,Call connected,,0:00:50\n"
    f"S7,Voice,Outgoing,{MARIA_PHONE},Maria,{DM_PHONE},Eleni,101,,03/05/2026,12:00:00 PM,"
    "VoIP Call,In Progress,,0:00:00\n"
)

# --------------------------------------------------------------------------- Aircall

LINE = "+30 210 555 0900"  # the team's Aircall number
AIRCALL_EPOCH = 1772442000  # 2026-03-02T09:00:00Z


def _aircall(
    sid: int,
    direction: str,
    status: str,
    day_offset: int,
    ring: int,
    talk: int | None,
    email: str,
    other: str,
) -> dict[str, object]:
    started = AIRCALL_EPOCH + day_offset
    answered = started + ring if talk is not None else None
    ended = (answered + talk) if answered is not None else started + ring
    return {
        "id": sid,
        "direct_link": f"https://api.aircall.io/v1/calls/{sid}",
        "direction": direction,
        "status": status,
        "missed_call_reason": None if talk is not None else "no_available_agent",
        "started_at": started,
        "answered_at": answered,
        "ended_at": ended if status == "done" else None,
        "duration": ended - started,
        "voicemail": None,
        "recording": None,
        "raw_digits": other,
        "user": {
            "id": hash(email) % 1000,
            "direct_link": "https://api.aircall.io/v1/users/1",
            "name": email.split("@")[0].title(),
            "email": email,
            "available": True,
        },
        "number": {"id": 9, "name": "Sales", "digits": LINE, "country": "GR"},
        "contact": None,
        "tags": [],
        "comments": [],
    }


def aircall_calls() -> list[dict[str, object]]:
    return [
        _aircall(1001, "outbound", "done", 0, 5, 120, "maria@example.com", DM_PHONE),
        _aircall(1002, "outbound", "done", 3600, 20, None, "maria@example.com", OTHER_PHONE),
        _aircall(1003, "outbound", "done", 86400, 4, 60, "MARIA@example.com", OTHER_PHONE),
        _aircall(1004, "outbound", "done", 2 * 86400, 6, 45, "ben@example.com", DM_PHONE),
        _aircall(1005, "inbound", "done", 2 * 86400 + 3600, 3, 30, "maria@example.com", DM_PHONE),
        _aircall(1006, "outbound", "done", 3 * 86400, 5, 50, "temp@example.com", DM_PHONE),
        _aircall(
            1007, "outbound", "answered", 3 * 86400 + 3600, 5, 10, "maria@example.com", DM_PHONE
        ),
    ]


def aircall_json() -> str:
    return json.dumps(
        {
            "calls": aircall_calls(),
            "meta": {
                "count": 7,
                "total": 7,
                "current_page": 1,
                "per_page": 20,
                "next_page_link": None,
                "previous_page_link": None,
            },
        },
        indent=1,
    )


def aircall_csv() -> str:
    columns = [
        "id",
        "direction",
        "status",
        "missed_call_reason",
        "started_at",
        "answered_at",
        "ended_at",
        "duration",
        "raw_digits",
        "user_email",
        "number_digits",
    ]
    lines = [",".join(columns)]
    for call in aircall_calls():
        flat = {
            **call,
            "user_email": call["user"]["email"],  # type: ignore[index]
            "number_digits": call["number"]["digits"],
        }  # type: ignore[index]
        lines.append(",".join("" if flat[c] is None else str(flat[c]) for c in columns))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- HubSpot

CONNECTED = "f240bbac-87c9-4f6e-bf70-924b57d47db7"
VOICEMAIL = "b2cf5968-551e-4856-9783-52b3da59a7d0"
PORTAL_MEETING_BOOKED = "3e1f2a9c-5d4b-4c8e-9f10-aa11bb22cc33"  # a portal's own outcome
PORTAL_GATEKEEPER = "77aa0c1d-0000-4e5f-8a9b-123456789abc"  # another one, not configured


def _hubspot(
    sid: str,
    direction: str,
    disposition: str | None,
    status: str,
    start: str,
    duration_ms: int,
    owner: str,
    from_: str,
    to: str,
) -> dict[str, object]:
    return {
        "id": sid,
        "properties": {
            "hs_createdate": start,
            "hs_lastmodifieddate": start,
            "hs_object_id": sid,
            "hs_timestamp": start,
            "hs_call_direction": direction,
            "hs_call_disposition": disposition,
            "hs_call_duration": str(duration_ms),
            "hs_call_status": status,
            "hs_call_from_number": from_,
            "hs_call_to_number": to,
            "hs_call_title": "Call",
            "hubspot_owner_id": owner,
        },
        "createdAt": start,
        "updatedAt": start,
        "archived": False,
    }


def hubspot_json() -> str:
    results = [
        _hubspot(
            "H1",
            "OUTBOUND",
            CONNECTED,
            "COMPLETED",
            "2026-03-02T09:00:00.000Z",
            120000,
            "005A",
            MARIA_PHONE,
            DM_PHONE,
        ),
        _hubspot(
            "H2",
            "OUTBOUND",
            VOICEMAIL,
            "COMPLETED",
            "2026-03-02T10:00:00.000Z",
            25000,
            "005A",
            MARIA_PHONE,
            OTHER_PHONE,
        ),
        # 59.6 s: milliseconds round to whole seconds (60).
        _hubspot(
            "H3",
            "OUTBOUND",
            PORTAL_MEETING_BOOKED,
            "COMPLETED",
            "2026-03-03T09:00:00.000Z",
            59600,
            "005A",
            MARIA_PHONE,
            OTHER_PHONE,
        ),
        _hubspot(
            "H4",
            "OUTBOUND",
            None,
            "COMPLETED",
            "2026-03-04T09:00:00.000Z",
            45000,
            "005B",
            BEN_PHONE,
            DM_PHONE,
        ),
        _hubspot(
            "H5",
            "INBOUND",
            CONNECTED,
            "COMPLETED",
            "2026-03-04T10:00:00.000Z",
            30000,
            "005A",
            DM_PHONE,
            MARIA_PHONE,
        ),
        _hubspot(
            "H6",
            "OUTBOUND",
            CONNECTED,
            "COMPLETED",
            "2026-03-05T09:00:00.000Z",
            50000,
            "999",
            "+30 210 555 0300",
            DM_PHONE,
        ),
        _hubspot(
            "H7",
            "OUTBOUND",
            PORTAL_GATEKEEPER,
            "COMPLETED",
            "2026-03-05T10:00:00.000Z",
            10000,
            "005A",
            MARIA_PHONE,
            DM_PHONE,
        ),
    ]
    return json.dumps({"results": results, "paging": {"next": None}}, indent=1)


# The portal's own outcome added to the preset's status field (the whole field is replaced).
HUBSPOT_OVERRIDE = f"""\
    fields:
      status:
        when:
          - if: {{column: properties.hs_call_disposition, empty: false}}
            then:
              column: properties.hs_call_disposition
              map: {{{CONNECTED}: completed, {VOICEMAIL}: completed,
                    73a0d17f-1163-4015-bdd5-ec830791da20: no-answer,
                    9d9162e7-6cf3-4944-bf63-4dff82258764: busy,
                    17b47fee-58de-441e-a44c-c6300d46f273: failed,
                    a4c4c377-d246-4b32-a13b-75a56a4cd0ff: completed,
                    {PORTAL_MEETING_BOOKED}: completed}}
        else:
          column: properties.hs_call_status
          map: {{COMPLETED: completed, BUSY: busy, NO_ANSWER: no-answer, FAILED: failed}}
"""

# --------------------------------------------------------------------------- Salesforce

SALESFORCE_TASKS = (
    "Id,OwnerId,WhoId,WhatId,Subject,Status,Priority,TaskSubtype,Type,CallType,"
    "CallDurationInSeconds,CallDisposition,CallObject,CreatedDate,CompletedDateTime,IsDeleted\n"
    "00T01,005A,003C1,,Call Eleni,Completed,Normal,Call,Call,Outbound,120,Connected,,"
    "2026-03-02T09:00:00.000+0000,2026-03-02T09:02:00.000+0000,false\n"
    "00T02,005A,003C2,,Call Nikos,Completed,Normal,Call,Call,Outbound,0,Left Voicemail,,"
    "2026-03-02T10:00:00.000+0000,,false\n"
    # Type says Call where TaskSubtype says Task: still a call.
    "00T03,005A,003C2,,Call Nikos,Completed,Normal,Task,Call,Outbound,60,,,"
    "2026-03-03T09:00:00.000+0000,,false\n"
    "00T04,005B,003C1,,Call Eleni,Completed,Normal,Call,,Outbound,45,Connected,,"
    "2026-03-04T09:00:00.000+0000,,false\n"
    "00T05,005A,003C1,,Eleni called back,Completed,Normal,Call,Call,Inbound,30,,,"
    "2026-03-04T10:00:00.000+0000,,false\n"
    "00T06,005Z,003C1,,Call Eleni,Completed,Normal,Call,Call,Outbound,50,Connected,,"
    "2026-03-05T09:00:00.000+0000,,false\n"
    "00T07,005A,,,Call with Ben,Completed,Normal,Call,Call,Internal,300,,,"
    "2026-03-05T10:00:00.000+0000,,false\n"
    # Not calls: an e-mail, and a call task deleted since.
    "00T08,005A,003C1,,Email: proposal,Completed,Normal,Email,Email,,,,,"
    "2026-03-05T11:00:00.000+0000,,false\n"
    "00T09,005A,003C1,,Call Eleni,Completed,Normal,Call,Call,Outbound,90,Connected,,"
    "2026-03-05T12:00:00.000+0000,,true\n"
)

# The same calls as Fivetran lands Salesforce's `task` table (snake_case, TRUE/FALSE, UTC times
# without an offset), with Fivetran's `contact` table for the lookup of who_id.
SALESFORCE_FIVETRAN_TASKS = (
    "id,owner_id,who_id,what_id,subject,status,priority,task_subtype,type,call_type,"
    "call_duration_in_seconds,call_disposition,created_date,completed_date_time,is_deleted,"
    "_fivetran_deleted,_fivetran_synced\n"
    "00T01,005A,003C1,,Call Eleni,Completed,Normal,Call,Call,Outbound,120,Connected,"
    "2026-03-02 09:00:00,2026-03-02 09:02:00,FALSE,FALSE,2026-03-02 10:00:00\n"
    "00T02,005A,003C2,,Call Nikos,Completed,Normal,Call,Call,Outbound,0,Left Voicemail,"
    "2026-03-02 10:00:00,,FALSE,FALSE,2026-03-02 11:00:00\n"
    "00T03,005A,003C2,,Call Nikos,Completed,Normal,Task,Call,Outbound,60,,"
    "2026-03-03 09:00:00.000,,FALSE,FALSE,2026-03-03 10:00:00\n"
    "00T04,005B,003C1,,Call Eleni,Completed,Normal,Call,,Outbound,45,Connected,"
    "2026-03-04 09:00:00 UTC,,FALSE,FALSE,2026-03-04 10:00:00\n"
    "00T05,005A,003C1,,Eleni called back,Completed,Normal,Call,Call,Inbound,30,,"
    "2026-03-04 10:00:00,,FALSE,FALSE,2026-03-04 11:00:00\n"
    "00T06,005Z,003C1,,Call Eleni,Completed,Normal,Call,Call,Outbound,50,Connected,"
    "2026-03-05 09:00:00,,FALSE,FALSE,2026-03-05 10:00:00\n"
    "00T07,005A,,,Call with Ben,Completed,Normal,Call,Call,Internal,300,,"
    "2026-03-05 10:00:00,,FALSE,FALSE,2026-03-05 11:00:00\n"
    "00T08,005A,003C1,,Email: proposal,Completed,Normal,Email,Email,,,,"
    "2026-03-05 11:00:00,,FALSE,FALSE,2026-03-05 12:00:00\n"
    # Deleted in Salesforce, and deleted at the source (Fivetran keeps the row, flagged).
    "00T09,005A,003C1,,Call Eleni,Completed,Normal,Call,Call,Outbound,90,Connected,"
    "2026-03-05 12:00:00,,TRUE,FALSE,2026-03-05 13:00:00\n"
    "00T10,005A,003C1,,Call Eleni,Completed,Normal,Call,Call,Outbound,70,Connected,"
    "2026-03-05 13:00:00,,FALSE,TRUE,2026-03-05 14:00:00\n"
)
SALESFORCE_FIVETRAN_CONTACTS = (
    "id,account_id,name,title,phone,mobile_phone,decision_maker_c,_fivetran_deleted\n"
    "003C1,001A,Eleni DM,CEO,+30 210 555 0201,,TRUE,FALSE\n"
    "003C2,001A,Nikos,Clerk,,+30 210 555 0202,FALSE,FALSE\n"
)

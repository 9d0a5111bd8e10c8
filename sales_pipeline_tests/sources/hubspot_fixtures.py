"""A small HubSpot portal as the CRM API v3 returns it: owners (active and archived, with teams),
contacts, meetings, deals and calls, one response per file (week of Mon 2026-03-02, UTC).

The records follow HubSpot's documented v3 objects (`{"results": [{"id", "properties",
"associations", "createdAt", "updatedAt", "archived"}], "paging"}`; owners as `GET
/crm/v3/owners` lists them) with the property names of the default portal (realdata's
fivetran_dbt_hubspot seeds hold the same fields, scrubbed). Values are the project's own.

| owner | who                                  | team (primary)                      |
| 101   | Maria Papadopoulou                   | Athens North                        |
| 102   | Ben Carter                           | New York (not primary), Athens North (primary) |
| 103   | Chloe Dubois, deactivated (archived) | none: Unassigned                    |
| 104   | an invited user without a name       | a team without a name: quarantined  |

Contacts: 201 Eleni (buying roles BUDGET_HOLDER;DECISION_MAKER: a decision maker), 202 Nikos
(INFLUENCER;EXECUTIVE_SPONSOR, and the portal's own `decision_maker` checkbox ticked), 203 John
(no buying role, though his title is VP Sales), and a record without id.

Meetings (first file; the second archives 306 and brings a legacy epoch-milliseconds start):

| id  | owner | type / outcome              | contact      | counts                         |
| 301 | 101   | In-person meeting, COMPLETED | 201          | Maria visit, DM                |
| 302 | 101   | Demo, COMPLETED              | 202          | Maria meeting                  |
| 303 | 102   | (none), SCHEDULED            | 201          | Ben meeting, DM                |
| 304 | 102   | In-person meeting, CANCELED  | 201          | nothing (Other)                |
| 305 | 103   | Site visit, COMPLETED        | 203, then 201 | Chloe visit, not DM (first contact) |
| 306 | 101   | Demo, SCHEDULED              | 201          | deleted by the second file     |
| 307 | 999   | Demo                         | 201          | quarantined: unknown rep       |
| 308 | none  | Demo                         | 201          | quarantined: no owner          |

Deals (first file; the second re-opens 403, loses 405, and brings one more deal never won):

| id  | owner | stage, amount             | counts                                   |
| 401 | 101   | closedwon, 1200.50 EUR    | Maria order 1200.50                      |
| 402 | 102   | closedwon, 1000 USD       | Ben order 900.00 (USD at 0.9)            |
| 403 | 101   | closedwon, 500 EUR        | withdrawn: re-opened (contractsent)      |
| 404 | 102   | closedlost, never won     | left out by the filter                   |
| 405 | 102   | closedwon, 650 EUR        | withdrawn: lost, amount cleared          |
| 406 | 101   | appointmentscheduled      | left out by the filter                   |
| 407 | 103   | closedwon, 300 EUR        | Chloe order 300.00                       |
| 408 | 999   | closedwon                 | quarantined: unknown rep                 |
| 409 | 101   | closedwon, no amount      | quarantined                              |
| 410 | 102   | closedwon, no currency    | quarantined                              |

Calls: 501 Maria -> Eleni's phone, connected, 120 s; 502 Ben -> Nikos, no answer.
"""

from __future__ import annotations

import json

from sales_pipeline_tests.sources.vendors import CONNECTED, _hubspot

NO_ANSWER = "73a0d17f-1163-4015-bdd5-ec830791da20"
ELENI_PHONE = "+30 210 555 0201"
NIKOS_PHONE = "+30 210 555 0202"
MARIA_PHONE = "+30 210 555 0101"
BEN_PHONE = "+1 212 555 0102"


def _page(results: list[dict[str, object]]) -> str:
    return json.dumps({"results": results, "paging": {"next": None}}, indent=1)


# --------------------------------------------------------------------------- owners


def _owner(
    owner_id: str,
    first: str,
    last: str,
    email: str,
    user_id: int,
    teams: list[dict[str, object]] | None,
    archived: bool = False,
) -> dict[str, object]:
    owner: dict[str, object] = {
        "id": owner_id,
        "email": email,
        "type": "PERSON",
        "firstName": first,
        "lastName": last,
        "userId": user_id,
        "userIdIncludingInactive": user_id,
        "createdAt": "2024-05-13T08:21:07.114Z",
        "updatedAt": "2025-11-02T10:00:00.000Z",
        "archived": archived,
    }
    # An owner in no team has no `teams` key at all.
    if teams is not None:
        owner["teams"] = teams
    return owner


OWNERS = _page(
    [
        _owner(
            "101",
            "Maria",
            "Papadopoulou",
            "maria@example.com",
            9100101,
            [{"id": "6789", "name": "Athens North", "primary": True}],
        ),
        _owner(
            "102",
            "Ben",
            "Carter",
            "ben@example.com",
            9100102,
            [
                {"id": "1234", "name": "New York", "primary": False},
                {"id": "6789", "name": "Athens North", "primary": True},
            ],
        ),
        # Invited, never filled in a name; in a team since deleted (no name left).
        _owner("104", "", "", "dimitris@example.com", 9100104, [{"id": "9999", "primary": True}]),
    ]
)

# `GET /crm/v3/owners?archived=true`: deactivated users.
OWNERS_ARCHIVED = _page(
    [_owner("103", "Chloe", "Dubois", "chloe@example.com", 9100103, None, archived=True)]
)

# --------------------------------------------------------------------------- contacts


def _contact(
    contact_id: str | None,
    first: str,
    last: str,
    title: str | None,
    phone: str | None,
    buying_role: str | None,
    company: str | None,
    decision_maker: str | None = None,
) -> dict[str, object]:
    record: dict[str, object] = {
        "properties": {
            "associatedcompanyid": company,
            "createdate": "2025-02-10T09:30:00.000Z",
            "email": f"{first.lower()}@customer.example",
            "firstname": first,
            "lastname": last,
            "jobtitle": title,
            "phone": phone,
            "mobilephone": None,
            "hs_buying_role": buying_role,
            # A checkbox property of the portal's own, for the override rule.
            "decision_maker": decision_maker,
            "hs_object_id": contact_id,
            "lastmodifieddate": "2026-02-27T16:04:11.402Z",
        },
        "createdAt": "2025-02-10T09:30:00.000Z",
        "updatedAt": "2026-02-27T16:04:11.402Z",
        "archived": False,
    }
    if contact_id is not None:
        record = {"id": contact_id, **record}
    return record


CONTACTS = _page(
    [
        _contact("201", "Eleni", "Georgiou", "CEO", ELENI_PHONE, "BUDGET_HOLDER;DECISION_MAKER", "5001"),
        _contact(
            "202",
            "Nikos",
            "Pappas",
            "Procurement Manager",
            NIKOS_PHONE,
            "INFLUENCER;EXECUTIVE_SPONSOR",
            "5001",
            decision_maker="true",
        ),
        _contact("203", "John", "Smith", "VP Sales", None, None, None, decision_maker="false"),
        # A record without its id (an export merged by hand): quarantined.
        _contact(None, "Anna", "Lee", "COO", None, "DECISION_MAKER", "5002"),
    ]
)

# --------------------------------------------------------------------------- meetings


def _associations(contacts: list[str], company: str | None) -> dict[str, object]:
    found: dict[str, object] = {
        "contacts": {
            "results": [{"id": c, "type": "meeting_event_to_contact"} for c in contacts]
        }
    }
    if company is not None:
        found["companies"] = {
            "results": [{"id": company, "type": "meeting_event_to_company"}]
        }
    return found


def _meeting(
    meeting_id: str,
    owner: str | None,
    activity_type: str | None,
    outcome: str,
    start: str,
    end: str,
    contacts: list[str],
    modified: str,
    archived: bool = False,
) -> dict[str, object]:
    record: dict[str, object] = {
        "id": meeting_id,
        "properties": {
            "hs_activity_type": activity_type,
            "hs_createdate": "2026-02-25T08:00:00.000Z",
            "hs_lastmodifieddate": modified,
            "hs_meeting_end_time": end,
            "hs_meeting_location": None,
            "hs_meeting_outcome": outcome,
            "hs_meeting_start_time": start,
            "hs_meeting_title": f"{activity_type or 'Meeting'} #{meeting_id}",
            "hs_object_id": meeting_id,
            "hs_timestamp": start,
            "hubspot_owner_id": owner,
        },
        "createdAt": "2026-02-25T08:00:00.000Z",
        "updatedAt": modified,
        "archived": archived,
        "associations": _associations(contacts, "5001"),
    }
    if archived:
        record["archivedAt"] = modified
    return record


MEETINGS_FIRST = _page(
    [
        _meeting("301", "101", "In-person meeting", "COMPLETED", "2026-03-02T09:00:00.000Z",
                 "2026-03-02T10:00:00.000Z", ["201"], "2026-03-02T10:05:00.000Z"),
        _meeting("302", "101", "Demo", "COMPLETED", "2026-03-03T10:00:00.000Z",
                 "2026-03-03T10:30:00.000Z", ["202"], "2026-03-03T10:40:00.000Z"),
        _meeting("303", "102", None, "SCHEDULED", "2026-03-04T14:00:00.000Z",
                 "2026-03-04T14:45:00.000Z", ["201"], "2026-03-01T12:00:00.000Z"),
        _meeting("304", "102", "In-person meeting", "CANCELED", "2026-03-05T09:00:00.000Z",
                 "2026-03-05T10:00:00.000Z", ["201"], "2026-03-04T17:00:00.000Z"),
        _meeting("305", "103", "Site visit", "COMPLETED", "2026-03-03T08:00:00.000Z",
                 "2026-03-03T09:30:00.000Z", ["203", "201"], "2026-03-03T09:35:00.000Z"),
        _meeting("306", "101", "Demo", "SCHEDULED", "2026-03-05T15:00:00.000Z",
                 "2026-03-05T15:30:00.000Z", ["201"], "2026-03-01T09:00:00.000Z"),
        _meeting("307", "999", "Demo", "COMPLETED", "2026-03-04T11:00:00.000Z",
                 "2026-03-04T11:30:00.000Z", ["201"], "2026-03-04T11:35:00.000Z"),
        # Booked through a scheduling link no owner was set on.
        _meeting("308", None, "Demo", "SCHEDULED", "2026-03-05T11:00:00.000Z",
                 "2026-03-05T11:30:00.000Z", ["201"], "2026-03-02T07:00:00.000Z"),
    ]
)

# Fetched with `archived=true` on 2026-03-09: 306 was deleted; 309 was copied from the legacy
# engagements API, whose times are epoch milliseconds.
MEETINGS_SECOND = _page(
    [
        _meeting("306", "101", "Demo", "SCHEDULED", "2026-03-05T15:00:00.000Z",
                 "2026-03-05T15:30:00.000Z", ["201"], "2026-03-04T18:20:00.000Z", archived=True),
        _meeting("309", "102", "Demo", "COMPLETED", "1772704800000", "1772706600000", ["202"],
                 "2026-03-05T10:40:00.000Z"),
    ]
)

# --------------------------------------------------------------------------- deals


def _deal(
    deal_id: str,
    owner: str,
    stage: str,
    amount: str | None,
    currency: str | None,
    closed: str,
    modified: str,
    entered_won: str | None,
) -> dict[str, object]:
    properties: dict[str, object] = {
        "amount": amount,
        "closedate": closed,
        "createdate": "2026-02-02T09:00:00.000Z",
        "dealname": f"Deal {deal_id}",
        "dealstage": stage,
        "hs_date_entered_closedwon": entered_won,
        "hs_is_closed": str(stage in ("closedwon", "closedlost")).lower(),
        "hs_is_closed_won": str(stage == "closedwon").lower(),
        "hs_lastmodifieddate": modified,
        "hs_object_id": deal_id,
        "hubspot_owner_id": owner,
        "pipeline": "default",
    }
    # A single-currency portal has no deal_currency_code at all; 410 lacks it in this one.
    if currency is not None:
        properties["deal_currency_code"] = currency
    return {
        "id": deal_id,
        "properties": properties,
        "createdAt": "2026-02-02T09:00:00.000Z",
        "updatedAt": modified,
        "archived": False,
        "associations": {
            "companies": {"results": [{"id": "5001", "type": "deal_to_company"}]}
        },
    }


DEALS_FIRST = _page(
    [
        _deal("401", "101", "closedwon", "1200.50", "EUR", "2026-03-03T14:12:45.120Z",
              "2026-03-03T14:13:02.000Z", "2026-03-03T14:12:45.120Z"),
        _deal("402", "102", "closedwon", "1000", "USD", "2026-03-04T16:00:00.000Z",
              "2026-03-04T16:00:10.000Z", "2026-03-04T16:00:00.000Z"),
        _deal("403", "101", "closedwon", "500", "EUR", "2026-03-05T11:00:00.000Z",
              "2026-03-05T11:00:05.000Z", "2026-03-05T11:00:00.000Z"),
        _deal("404", "102", "closedlost", "800", "EUR", "2026-03-04T09:00:00.000Z",
              "2026-03-04T09:00:03.000Z", None),
        _deal("405", "102", "closedwon", "650", "EUR", "2026-03-05T13:30:00.000Z",
              "2026-03-05T13:30:02.000Z", "2026-03-05T13:30:00.000Z"),
        _deal("406", "101", "appointmentscheduled", None, "EUR", "2026-03-31T10:00:00.000Z",
              "2026-03-02T10:00:00.000Z", None),
        _deal("407", "103", "closedwon", "300", "EUR", "2026-03-02T15:00:00.000Z",
              "2026-03-02T15:00:04.000Z", "2026-03-02T15:00:00.000Z"),
        _deal("408", "999", "closedwon", "250", "EUR", "2026-03-03T09:00:00.000Z",
              "2026-03-03T09:00:01.000Z", "2026-03-03T09:00:00.000Z"),
        _deal("409", "101", "closedwon", None, "EUR", "2026-03-04T12:00:00.000Z",
              "2026-03-04T12:00:01.000Z", "2026-03-04T12:00:00.000Z"),
        _deal("410", "102", "closedwon", "700", None, "2026-03-05T17:00:00.000Z",
              "2026-03-05T17:00:01.000Z", "2026-03-05T17:00:00.000Z"),
    ]
)

# Fetched on 2026-03-09: 403 re-opened (back to contractsent; HubSpot keeps the date it entered
# closedwon), 405 lost after it was won (close date moved, amount cleared), 411 lost, never won.
DEALS_SECOND = _page(
    [
        _deal("403", "101", "contractsent", "500", "EUR", "2026-03-05T11:00:00.000Z",
              "2026-03-08T09:00:00.000Z", "2026-03-05T11:00:00.000Z"),
        _deal("405", "102", "closedlost", None, "EUR", "2026-03-07T10:00:00.000Z",
              "2026-03-07T10:00:03.000Z", "2026-03-05T13:30:00.000Z"),
        _deal("411", "102", "closedlost", "900", "EUR", "2026-03-06T10:00:00.000Z",
              "2026-03-06T10:00:02.000Z", None),
    ]
)

# --------------------------------------------------------------------------- calls

CALLS = _page(
    [
        _hubspot("501", "OUTBOUND", CONNECTED, "COMPLETED", "2026-03-02T11:00:00.000Z", 120000,
                 "101", MARIA_PHONE, ELENI_PHONE),
        _hubspot("502", "OUTBOUND", NO_ANSWER, "NO_ANSWER", "2026-03-04T12:00:00.000Z", 0,
                 "102", BEN_PHONE, NIKOS_PHONE),
    ]
)

FX_RATES = "date,currency,rate\n2026-03-01,USD,0.9\n"

# The primary team chosen as in hubspot_owner_teams_json, each team in its department.
PRIMARY_TEAM = """\
        when:
          - {if: {column: "teams[0].primary", equals: "true"}, then: "teams[0].name"}
          - {if: {column: "teams[1].primary", equals: "true"}, then: "teams[1].name"}
          - {if: {column: "teams[2].primary", equals: "true"}, then: "teams[2].name"}
          - {if: {column: "teams[3].primary", equals: "true"}, then: "teams[3].name"}
        else: "teams[0].name"
"""

CONFIG = f"""\
extends: default
sources:
  users: {{files: "hubspot/owners*.json", preset: hubspot_owners_json}}
  team_memberships:
    files: "hubspot/owners*.json"
    preset: hubspot_owner_teams_json
    fields:
      Department__c:
{PRIMARY_TEAM}        map: {{Athens North: Greece, New York: USA}}
        unmapped: Sales
  contacts: {{files: hubspot/contacts.json, preset: hubspot_contacts_json}}
  events: {{files: "hubspot/meetings_*.json", preset: hubspot_meetings_json}}
  sales_documents: {{files: "hubspot/deals_*.json", preset: hubspot_deals_json}}
  calls: {{files: "hubspot/calls_*.json", preset: hubspot_calls_json}}
"""

FILES = {
    "hubspot/owners.json": OWNERS,
    "hubspot/owners_archived.json": OWNERS_ARCHIVED,
    "hubspot/contacts.json": CONTACTS,
    "hubspot/meetings_2026-03-06.json": MEETINGS_FIRST,
    "hubspot/meetings_2026-03-09.json": MEETINGS_SECOND,
    "hubspot/deals_2026-03-06.json": DEALS_FIRST,
    "hubspot/deals_2026-03-09.json": DEALS_SECOND,
    "hubspot/calls_2026-03-06.json": CALLS,
    "erp/fx_rates.csv": FX_RATES,
    "crm/Sales_Target__c.csv": "Id,User__c,Metric__c,Period_Type__c,Period_Start__c,Target__c\n",
}

# The decision-maker rules docs/sources.md offers instead of the buying role, as overrides of the
# contacts source, and who each makes a decision maker (contacts.json lines 1-4: Eleni, Nikos,
# John, the record without id: Anna Lee, COO, DECISION_MAKER).
DECISION_MAKER_RULES = {
    "roles": (
        """\
      Decision_Maker__c:
        when:
          - if: {column: properties.hs_buying_role, matches: '(^|;)\\s*(DECISION_MAKER|BUDGET_HOLDER|EXECUTIVE_SPONSOR)\\s*(;|$)'}
            then: {constant: "true"}
        else: {constant: "false"}
""",
        ["true", "true", "false", "true"],
    ),
    "title": (
        """\
      Decision_Maker__c:
        when:
          - if: {column: properties.jobtitle, matches: '\\b(CEO|COO|CFO|VP|Vice President|Director|Head of|Owner)\\b'}
            then: {constant: "true"}
        else: {constant: "false"}
""",
        ["true", "false", "true", "true"],
    ),
    "field": (
        """\
      Decision_Maker__c: {column: properties.decision_maker, map: {"true": "true"}, unmapped: "false"}
""",
        ["false", "true", "false", "false"],
    ),
}

"""One small Salesforce org, exported twice: with API names (Bulk API CSV, every value quoted,
daily files of events and opportunities) and as Fivetran lands it (snake_case tables, one file
per table, `file_date: none`). Layouts follow realdata/fivetran_dbt_salesforce (fivetran/dbt_salesforce
@ 6c7b797, integration_tests/seeds: sf_user_data, sf_contact_data, sf_event_data,
sf_opportunity_data; column names and datetime forms copied, values our own) and
realdata/salesforce_api_schema (Event's API names).

Reps (SALES_TIMEZONE Europe/Athens, UTC+2 in March 2026):

| user    | name               | title              | active | team / department      |
| MARIA   | Maria Papadopoulou | Account Executive  | true   | Athens North / Greece  |
| BEN     | Ben Carter         | Account Executive  | false  | Athens North / Greece  |
| CHLOE   | Chloe Martin       | Sales Manager      | true   | London / UK            |
| INTEG   | Integration User   |                    | true   | none; owns nothing     |

Contacts and who is a decision maker under each rule:

| contact | title               | Decision_Maker__c | Buying_Role__c | checkbox | title pattern | roles |
| C1      | Chief Executive ... | true              | Economic Buyer | DM       | DM            | DM    |
| C2      | Procurement Clerk   | false             | Decision Maker |          |               | DM    |
| C3      | Head of Operations  | false             | Influencer     |          | DM            |       |
| C4      | Purchasing Manager  | true              |                | DM       |               |       |

Events (API names: two daily files; Fivetran: the table as it stands after both):

| event | owner | who | Type            | start (UTC)        | what happens                              |
| E1    | MARIA | C1  | Customer Visit  | Mon 03-02 08:00    | Visit                                     |
| E2    | MARIA | C2  | Meeting         | Tue 03-03 09:00    | changed in file 2 to Onsite: a Visit      |
| E3    | BEN   | C4  | In Person       | Tue 03-03 10:00    | Visit                                     |
| E4    | CHLOE | C3  | Meeting         | Wed 03-04 09:00    | Meeting                                   |
| E5    | MARIA | C1  | Call            | Wed 03-04 10:00    | a logged call: counts nowhere             |
| E6    | MARIA |     | (empty)         | Wed 03-04 11:00    | Other: counts nowhere                     |
| E7    | ZZZ   | C1  | Visit           | Thu 03-05 09:00    | quarantined: unknown owner                |
| E8    | BEN   | C1  | Visit           | 2026-02-30         | quarantined: impossible date              |
| E9    | CHLOE | C1  | Lunch           | Thu 03-05 12:00    | quarantined: a label the map does not know|
| E10   | MARIA | C1  | Visit           | Thu 03-05 14:00    | deleted in file 2: counts nowhere         |
| E11   | MARIA | C3  | Site Visit      | Sun 03-08 22:30    | Mon 03-09 00:30 in Athens: next week      |
| E12   | BEN   | C1  | Meeting         | Thu 03-05 11:00    | file 2 only (a `Z` datetime): Meeting     |

Opportunities (USD at 0.9 EUR; the Fivetran org has a single currency, EUR):

| opp | owner | what                                                 | counts                        |
| O1  | MARIA | Closed Won 12000 EUR on 03-02                        | order 12000.00                |
| O2  | BEN   | Closed Won 5000 USD in file 1, re-opened in file 2   | nothing (withdrawn)           |
| O3  | CHLOE | Closed Won 8000 USD on 03-05 (file 2)                | order 7200.00 (Fivetran 8000) |
| O4  | MARIA | open, no amount, CloseDate 2027-06-30                | nothing (CANCELLED)           |
| O5  | BEN   | Closed Lost 3000 EUR                                 | nothing (CANCELLED)           |
| O6  | ZZZ   | Closed Won, unknown owner                            | quarantined                   |
| O7  | MARIA | Closed Won on 2026-02-30                             | quarantined                   |
| O9  | CHLOE | Closed Won 1000 EUR in file 1, deleted in file 2     | nothing (withdrawn)           |
"""

from __future__ import annotations

MARIA = "0053X00000Ab1MaQAJ"
BEN = "0053X00000Ab2BeQAJ"
CHLOE = "0053X00000Ab3ChQAJ"
INTEG = "0053X00000Ab4InQAJ"
NOBODY = "0053X00000Zz9ZzQAJ"
C1, C2, C3, C4 = (f"0033X00000Cd{n}CoQAB" for n in range(1, 5))
ACCOUNT_1, ACCOUNT_2 = "0013X00000Ef1AcQAB", "0013X00000Ef2AcQAB"
EVENT = {n: f"00U3X00000Gh{n:02d}EvUAL" for n in range(1, 13)}
OPP = {n: f"0063X00000Jk{n}OpQAF" for n in range(1, 10)}

API_EVENTS_1 = "salesforce/Event_2026-03-03.csv"
API_EVENTS_2 = "salesforce/Event_2026-03-06.csv"
API_OPPS_1 = "salesforce/Opportunity_2026-03-03.csv"
API_OPPS_2 = "salesforce/Opportunity_2026-03-06.csv"
FT_EVENTS = "fivetran/salesforce_event.csv"
FT_OPPS = "fivetran/salesforce_opportunity.csv"

# The contract's own CRM files for what these presets do not cover (teams: the role hierarchy is
# another preset's), and the USD rate of the multi-currency org.
TEAM_MEMBERSHIPS = (
    "Id,User__c,Team__c,Department__c,Start_Date__c,End_Date__c\n"
    f"TM1,{MARIA},Athens North,Greece,2026-01-01,\n"
    f"TM2,{BEN},Athens North,Greece,2026-01-01,\n"
    f"TM3,{CHLOE},London,UK,2026-01-01,\n"
)
SALES_TARGETS = "Id,User__c,Metric__c,Period_Type__c,Period_Start__c,Target__c\n"
FX_RATES = "date,currency,rate\n2026-03-01,USD,0.9\n"


def bulk_csv(header: str, rows: list[tuple[str, ...]]) -> str:
    """A Bulk API query result: a header of API names and every value in double quotes."""
    names = header.split(",")
    lines = [",".join(f'"{name}"' for name in names)]
    for row in rows:
        assert len(row) == len(names), row
        lines.append(",".join(f'"{value}"' for value in row))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- API names

API_USERS = bulk_csv(
    "Id,Username,FirstName,LastName,Name,Email,EmployeeNumber,Phone,MobilePhone,Title,IsActive,"
    "UserRoleId,ManagerId,UserType,LastModifiedDate",
    [
        (MARIA, "maria@acme.example", "Maria", "Papadopoulou", "Maria Papadopoulou",
         "maria@acme.example", "E1", "+30 210 555 0101", "", "Account Executive", "true",
         "00E3X000001RoAQAU", "", "Standard", "2026-01-05T09:00:00.000+0000"),
        (BEN, "ben@acme.example", "Ben", "Carter", "Ben Carter", "ben@acme.example", "E2",
         "+30 210 555 0102", "", "Account Executive", "false", "00E3X000001RoAQAU", "",
         "Standard", "2026-03-20T09:00:00.000+0000"),
        (CHLOE, "chloe@acme.example", "Chloe", "Martin", "Chloe Martin", "chloe@acme.example",
         "E3", "+44 20 7946 0103", "", "Sales Manager", "true", "00E3X000001RoBQAU", "",
         "Standard", "2026-01-05T09:00:00.000+0000"),
        (INTEG, "integration@acme.example", "", "Integration User", "Integration User",
         "integration@acme.example", "", "", "", "", "true", "", "", "Standard",
         "2025-06-01T09:00:00.000+0000"),
    ],
)

CONTACT_HEADER = (
    "Id,AccountId,FirstName,LastName,Name,Title,Phone,MobilePhone,Email,Decision_Maker__c,"
    "Buying_Role__c,IsDeleted,LastModifiedDate"
)
API_CONTACTS = bulk_csv(
    CONTACT_HEADER,
    [
        (C1, ACCOUNT_1, "Eleni", "Georgiou", "Eleni Georgiou", "Chief Executive Officer",
         "+30 210 555 0201", "", "eleni@client.example", "true", "Economic Buyer", "false",
         "2026-02-01T10:00:00.000+0000"),
        (C2, ACCOUNT_1, "Nikos", "Ioannou", "Nikos Ioannou", "Procurement Clerk",
         "+30 210 555 0202", "", "nikos@client.example", "false", "Decision Maker", "false",
         "2026-02-01T10:00:00.000+0000"),
        (C3, ACCOUNT_2, "Sarah", "Jones", "Sarah Jones", "Head of Operations",
         "+44 20 7946 0203", "", "sarah@buyer.example", "false", "Influencer", "false",
         "2026-02-01T10:00:00.000+0000"),
        (C4, ACCOUNT_2, "Tom", "Reed", "Tom Reed", "Purchasing Manager", "+44 20 7946 0204",
         "+44 7700 900204", "tom@buyer.example", "true", "", "false",
         "2026-02-01T10:00:00.000+0000"),
    ],
)

EVENT_HEADER = (
    "Id,OwnerId,WhoId,WhatId,AccountId,Type,Subject,Location,StartDateTime,EndDateTime,"
    "IsAllDayEvent,IsDeleted,CreatedDate,LastModifiedDate,SystemModstamp"
)


def _api_event(
    n: int, owner: str, who: str, type_: str, start: str, end: str, modified: str,
    deleted: str = "false",
) -> tuple[str, ...]:
    account = ACCOUNT_1 if who in (C1, C2) else ACCOUNT_2 if who else ""
    return (EVENT[n], owner, who, account, account, type_, f"Event {n}", "", start, end, "false",
            deleted, "2026-03-01T08:00:00.000+0000", modified, modified)


API_EVENTS = {
    API_EVENTS_1: bulk_csv(
        EVENT_HEADER,
        [
            _api_event(1, MARIA, C1, "Customer Visit", "2026-03-02T08:00:00.000+0000",
                       "2026-03-02T09:00:00.000+0000", "2026-03-02T17:00:00.000+0000"),
            _api_event(2, MARIA, C2, "Meeting", "2026-03-03T09:00:00.000+0000",
                       "2026-03-03T10:00:00.000+0000", "2026-03-02T17:00:00.000+0000"),
            _api_event(3, BEN, C4, "In Person", "2026-03-03T10:00:00.000+0000",
                       "2026-03-03T11:00:00.000+0000", "2026-03-03T17:00:00.000+0000"),
            _api_event(4, CHLOE, C3, "Meeting", "2026-03-04T09:00:00.000+0000",
                       "2026-03-04T10:00:00.000+0000", "2026-03-03T17:00:00.000+0000"),
            _api_event(5, MARIA, C1, "Call", "2026-03-04T10:00:00.000+0000",
                       "2026-03-04T10:15:00.000+0000", "2026-03-03T17:00:00.000+0000"),
            _api_event(6, MARIA, "", "", "2026-03-04T11:00:00.000+0000",
                       "2026-03-04T11:30:00.000+0000", "2026-03-03T17:00:00.000+0000"),
            _api_event(7, NOBODY, C1, "Visit", "2026-03-05T09:00:00.000+0000",
                       "2026-03-05T10:00:00.000+0000", "2026-03-03T17:00:00.000+0000"),
            _api_event(8, BEN, C1, "Visit", "2026-02-30T10:00:00.000+0000",
                       "2026-02-30T11:00:00.000+0000", "2026-03-03T17:00:00.000+0000"),
            _api_event(9, CHLOE, C1, "Lunch", "2026-03-05T12:00:00.000+0000",
                       "2026-03-05T13:00:00.000+0000", "2026-03-03T17:00:00.000+0000"),
            _api_event(10, MARIA, C1, "Visit", "2026-03-05T14:00:00.000+0000",
                       "2026-03-05T15:00:00.000+0000", "2026-03-03T17:00:00.000+0000"),
            _api_event(11, MARIA, C3, "Site Visit", "2026-03-08T22:30:00.000+0000",
                       "2026-03-08T23:30:00.000+0000", "2026-03-03T17:00:00.000+0000"),
        ],
    ),
    API_EVENTS_2: bulk_csv(
        EVENT_HEADER,
        [
            _api_event(2, MARIA, C2, "Onsite", "2026-03-03T09:00:00.000+0000",
                       "2026-03-03T10:00:00.000+0000", "2026-03-05T08:00:00.000+0000"),
            _api_event(10, MARIA, C1, "Visit", "2026-03-05T14:00:00.000+0000",
                       "2026-03-05T15:00:00.000+0000", "2026-03-05T16:00:00.000+0000",
                       deleted="true"),
            _api_event(12, BEN, C1, "Meeting", "2026-03-05T11:00:00.000Z",
                       "2026-03-05T12:00:00.000Z", "2026-03-05T16:00:00.000Z"),
        ],
    ),
}

OPPORTUNITY_HEADER = (
    "Id,AccountId,Name,StageName,Amount,CurrencyIsoCode,Probability,CloseDate,IsClosed,IsWon,"
    "IsDeleted,OwnerId,ForecastCategoryName,CreatedDate,LastModifiedDate,SystemModstamp"
)


def _api_opportunity(
    n: int, owner: str, stage: str, amount: str, currency: str, close: str, modified: str,
    deleted: str = "false",
) -> tuple[str, ...]:
    closed = "true" if stage.startswith("Closed") else "false"
    won = "true" if stage == "Closed Won" else "false"
    probability = {"Closed Won": "100", "Closed Lost": "0"}.get(stage, "60")
    forecast = {"Closed Won": "Closed", "Closed Lost": "Omitted"}.get(stage, "Pipeline")
    return (OPP[n], ACCOUNT_1, f"Deal {n}", stage, amount, currency, probability, close, closed,
            won, deleted, owner, forecast, "2026-01-15T10:00:00.000+0000", modified, modified)


API_OPPORTUNITIES = {
    API_OPPS_1: bulk_csv(
        OPPORTUNITY_HEADER,
        [
            _api_opportunity(1, MARIA, "Closed Won", "12000.00", "EUR", "2026-03-02",
                             "2026-03-02T15:00:00.000+0000"),
            _api_opportunity(2, BEN, "Closed Won", "5000.00", "USD", "2026-03-03",
                             "2026-03-03T15:00:00.000+0000"),
            _api_opportunity(4, MARIA, "Negotiation/Review", "", "EUR", "2027-06-30",
                             "2026-03-03T15:30:00.000+0000"),
            _api_opportunity(5, BEN, "Closed Lost", "3000.00", "EUR", "2026-03-03",
                             "2026-03-03T16:00:00.000+0000"),
            _api_opportunity(6, NOBODY, "Closed Won", "900.00", "EUR", "2026-03-03",
                             "2026-03-03T16:00:00.000+0000"),
            _api_opportunity(7, MARIA, "Closed Won", "700.00", "EUR", "2026-02-30",
                             "2026-03-03T16:00:00.000+0000"),
            _api_opportunity(9, CHLOE, "Closed Won", "1000.00", "EUR", "2026-03-03",
                             "2026-03-03T16:30:00.000+0000"),
        ],
    ),
    API_OPPS_2: bulk_csv(
        OPPORTUNITY_HEADER,
        [
            _api_opportunity(2, BEN, "Negotiation/Review", "5000.00", "USD", "2026-04-15",
                             "2026-03-05T09:00:00.000+0000"),
            _api_opportunity(3, CHLOE, "Closed Won", "8000.00", "USD", "2026-03-05",
                             "2026-03-05T10:00:00.000+0000"),
            _api_opportunity(9, CHLOE, "Closed Won", "1000.00", "EUR", "2026-03-03",
                             "2026-03-05T11:00:00.000+0000", deleted="true"),
        ],
    ),
}

API_CONFIG = """\
extends: default
sources:
  users: {files: salesforce/User.csv, file_date: none, preset: salesforce_users}
  contacts: {files: salesforce/Contact.csv, file_date: none, preset: salesforce_contacts}
  events: {files: "salesforce/Event_*.csv", preset: salesforce_events}
  sales_documents: {files: "salesforce/Opportunity_*.csv", preset: salesforce_opportunities}
"""

# --------------------------------------------------------------------------- Fivetran

FT_USERS = (
    "_fivetran_deleted,_fivetran_synced,alias,email,employee_number,first_name,id,is_active,"
    "last_name,manager_id,mobile_phone,name,phone,title,user_role_id,user_type,username,"
    "_fivetran_active\n"
    f"false,2026-03-06 01:00:00,mpapa,maria@acme.example,E1,Maria,{MARIA},true,Papadopoulou,,,"
    "Maria Papadopoulou,+30 210 555 0101,Account Executive,00E3X000001RoAQAU,Standard,"
    "maria@acme.example,true\n"
    f"false,2026-03-06 01:00:00,bcart,ben@acme.example,E2,Ben,{BEN},false,Carter,,,Ben Carter,"
    "+30 210 555 0102,Account Executive,00E3X000001RoAQAU,Standard,ben@acme.example,true\n"
    f"false,2026-03-06 01:00:00.829,cmart,chloe@acme.example,E3,Chloe,{CHLOE},true,Martin,,,"
    "Chloe Martin,+44 20 7946 0103,Sales Manager,00E3X000001RoBQAU,Standard,"
    "chloe@acme.example,true\n"
    f"false,2026-03-06 01:00:00,integ,integration@acme.example,,,{INTEG},true,Integration User,,,"
    "Integration User,,,,Standard,integration@acme.example,true\n"
)

# Fivetran writes the custom field Decision_Maker__c as decision_maker_c; booleans as the
# warehouse prints them (TRUE/FALSE here, as in the dbt seed's contact table).
FT_CONTACTS = (
    "id,_fivetran_synced,account_id,buying_role_c,decision_maker_c,email,first_name,is_deleted,"
    "last_modified_date,last_name,mobile_phone,name,phone,system_modstamp,title,_fivetran_active\n"
    f"{C1},2026-03-06 01:00:00,{ACCOUNT_1},Economic Buyer,TRUE,eleni@client.example,Eleni,FALSE,"
    "2026-02-01 10:00:00,Georgiou,,Eleni Georgiou,+30 210 555 0201,2026-02-01 10:00:00,"
    "Chief Executive Officer,\n"
    f"{C2},2026-03-06 01:00:00,{ACCOUNT_1},Decision Maker,FALSE,nikos@client.example,Nikos,FALSE,"
    "2026-02-01 10:00:00,Ioannou,,Nikos Ioannou,+30 210 555 0202,2026-02-01 10:00:00,"
    "Procurement Clerk,\n"
    f"{C3},2026-03-06 01:00:00,{ACCOUNT_2},Influencer,FALSE,sarah@buyer.example,Sarah,FALSE,"
    "2026-02-01 10:00:00,Jones,,Sarah Jones,+44 20 7946 0203,2026-02-01 10:00:00,"
    "Head of Operations,\n"
    f"{C4},2026-03-06 01:00:00,{ACCOUNT_2},,TRUE,tom@buyer.example,Tom,FALSE,"
    "2026-02-01 10:00:00,Reed,+44 7700 900204,Tom Reed,+44 20 7946 0204,2026-02-01 10:00:00,"
    "Purchasing Manager,\n"
)

FT_EVENT_HEADER = (
    "id,_fivetran_synced,account_id,activity_date,activity_date_time,created_by_id,created_date,"
    "description,duration_in_minutes,end_date_time,event_subtype,is_child,is_deleted,"
    "last_modified_date,owner_id,start_date_time,subject,system_modstamp,type,what_id,who_id,"
    "_fivetran_active\n"
)


def _ft_event(
    n: int, owner: str, who: str, type_: str, start: str, end: str, modified: str,
    deleted: str = "FALSE",
) -> str:
    account = ACCOUNT_1 if who in (C1, C2) else ACCOUNT_2 if who else ""
    return (
        f"{EVENT[n]},2026-03-06 01:00:00,{account},{start[:10]} 00:00:00,{start},{owner},"
        f"2026-03-01 08:00:00,,60,{end},Event,FALSE,{deleted},{modified},{owner},{start},"
        f"Event {n},{modified},{type_},{account},{who},\n"
    )


# The table after both days: E2 already changed, E10 deleted, E12 present; fractions as Fivetran
# writes them when the source had milliseconds.
FT_EVENTS_TABLE = FT_EVENT_HEADER + "".join(
    [
        _ft_event(1, MARIA, C1, "Customer Visit", "2026-03-02 08:00:00", "2026-03-02 09:00:00",
                  "2026-03-02 17:00:00"),
        _ft_event(2, MARIA, C2, "Onsite", "2026-03-03 09:00:00", "2026-03-03 10:00:00",
                  "2026-03-05 08:00:00.000"),
        _ft_event(3, BEN, C4, "In Person", "2026-03-03 10:00:00.000", "2026-03-03 11:00:00.000",
                  "2026-03-03 17:00:00"),
        _ft_event(4, CHLOE, C3, "Meeting", "2026-03-04 09:00:00", "2026-03-04 10:00:00",
                  "2026-03-03 17:00:00"),
        _ft_event(5, MARIA, C1, "Call", "2026-03-04 10:00:00", "2026-03-04 10:15:00",
                  "2026-03-03 17:00:00"),
        _ft_event(6, MARIA, "", "", "2026-03-04 11:00:00", "2026-03-04 11:30:00",
                  "2026-03-03 17:00:00"),
        _ft_event(7, NOBODY, C1, "Visit", "2026-03-05 09:00:00", "2026-03-05 10:00:00",
                  "2026-03-03 17:00:00"),
        _ft_event(8, BEN, C1, "Visit", "2026-02-30 10:00:00", "2026-02-30 11:00:00",
                  "2026-03-03 17:00:00"),
        _ft_event(9, CHLOE, C1, "Lunch", "2026-03-05 12:00:00", "2026-03-05 13:00:00",
                  "2026-03-03 17:00:00"),
        _ft_event(10, MARIA, C1, "Visit", "2026-03-05 14:00:00", "2026-03-05 15:00:00",
                  "2026-03-05 16:00:00", deleted="TRUE"),
        _ft_event(11, MARIA, C3, "Site Visit", "2026-03-08 22:30:00", "2026-03-08 23:30:00",
                  "2026-03-03 17:00:00"),
        _ft_event(12, BEN, C1, "Meeting", "2026-03-05 11:00:00.829", "2026-03-05 12:00:00.829",
                  "2026-03-05 16:00:00.829"),
    ]
)

# A single-currency org: no currency_iso_code column (the configuration gives EUR). close_date
# as the dbt seed writes it, a timestamp at midnight. The table after both days: O2 re-opened,
# O9 deleted.
FT_OPPORTUNITY_HEADER = (
    "_fivetran_synced,account_id,amount,campaign_id,close_date,created_date,description,"
    "expected_revenue,fiscal,fiscal_quarter,fiscal_year,forecast_category,forecast_category_name,"
    "has_open_activity,has_opportunity_line_item,has_overdue_task,id,is_closed,is_deleted,"
    "is_won,last_modified_date,lead_source,name,next_step,owner_id,probability,stage_name,"
    "system_modstamp,type,_fivetran_active\n"
)


def _ft_opportunity(
    n: int, owner: str, stage: str, amount: str, close: str, modified: str,
    deleted: str = "false",
) -> str:
    closed = "true" if stage.startswith("Closed") else "false"
    won = "true" if stage == "Closed Won" else "false"
    probability = {"Closed Won": "100", "Closed Lost": "0"}.get(stage, "60")
    forecast = {"Closed Won": "Closed", "Closed Lost": "Omitted"}.get(stage, "Pipeline")
    return (
        f"2026-03-06 01:00:00,{ACCOUNT_1},{amount},,{close} 00:00:00,2026-01-15 10:00:00,,,"
        f"2026 1,1,2026,{forecast},{forecast},false,false,false,{OPP[n]},{closed},{deleted},"
        f"{won},{modified},Web,Deal {n},,{owner},{probability},{stage},{modified},"
        "New Business,\n"
    )


FT_OPPORTUNITIES_TABLE = FT_OPPORTUNITY_HEADER + "".join(
    [
        _ft_opportunity(1, MARIA, "Closed Won", "12000", "2026-03-02", "2026-03-02 15:00:00"),
        _ft_opportunity(2, BEN, "Negotiation/Review", "5000", "2026-04-15", "2026-03-05 09:00:00"),
        _ft_opportunity(3, CHLOE, "Closed Won", "8000", "2026-03-05", "2026-03-05 10:00:00.829"),
        _ft_opportunity(4, MARIA, "Negotiation/Review", "", "2027-06-30", "2026-03-03 15:30:00"),
        _ft_opportunity(5, BEN, "Closed Lost", "3000", "2026-03-03", "2026-03-03 16:00:00"),
        _ft_opportunity(6, NOBODY, "Closed Won", "900", "2026-03-03", "2026-03-03 16:00:00"),
        _ft_opportunity(7, MARIA, "Closed Won", "700", "2026-02-30", "2026-03-03 16:00:00"),
        _ft_opportunity(9, CHLOE, "Closed Won", "1000", "2026-03-03", "2026-03-05 11:00:00",
                        deleted="true"),
    ]
)

# The title rule of docs/sources.md for the decision maker, and the single currency.
TITLE_RULE = r"\b(chief|ceo|cfo|coo|cto|owner|founder|president|vp|director|head of)\b"
FT_CONFIG = f"""\
extends: default
sources:
  users: {{files: fivetran/salesforce_user.csv, preset: salesforce_users_fivetran}}
  contacts:
    files: fivetran/salesforce_contact.csv
    preset: salesforce_contacts_fivetran
    fields:
      Decision_Maker__c:
        when: [{{if: {{column: title, matches: '{TITLE_RULE}'}}, then: {{constant: "true"}}}}]
        else: {{constant: "false"}}
  events:
    files: fivetran/salesforce_event.csv
    file_date: none
    preset: salesforce_events_fivetran
  sales_documents:
    files: fivetran/salesforce_opportunity.csv
    file_date: none
    preset: salesforce_opportunities_fivetran
    fields:
      currency: {{constant: EUR}}
"""

# The role rule, on the API export's contacts: a picklist naming the contact's buying role.
ROLE_RULE_CONTACTS = """\
    fields:
      Decision_Maker__c:
        when: [{if: {column: Buying_Role__c, in: [Decision Maker, Economic Buyer]}, then: {constant: "true"}}]
        else: {constant: "false"}
"""

LANDINGS = {
    "api": {
        "salesforce/User.csv": API_USERS,
        "salesforce/Contact.csv": API_CONTACTS,
        **API_EVENTS,
        **API_OPPORTUNITIES,
    },
    "fivetran": {
        "fivetran/salesforce_user.csv": FT_USERS,
        "fivetran/salesforce_contact.csv": FT_CONTACTS,
        FT_EVENTS: FT_EVENTS_TABLE,
        FT_OPPS: FT_OPPORTUNITIES_TABLE,
    },
}
CONFIGS = {"api": API_CONFIG, "fivetran": FT_CONFIG}

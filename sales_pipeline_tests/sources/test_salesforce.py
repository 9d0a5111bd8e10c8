"""Salesforce users, contacts, events and won opportunities, with API names and in Fivetran's
layout, each through ONE real Dagster backfill with all four presets configured at once
(salesforce_fixtures.py has the org). The twelve fact marts are checked cell by cell against
hand-derived expectations, then the quarantine and every file's reconciliation. Calls are not
configured: their metrics are zero everywhere.

The API-name org uses the preset's decision-maker checkbox, the Fivetran org the title pattern;
the role list is tried on the same contacts through `sources check` (no backfill needed).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from sales_pipeline.cli import main
from sales_pipeline.sources.check import check_sources
from sales_pipeline_tests.conftest import settings_for
from sales_pipeline_tests.sources import salesforce_fixtures as sf
from sales_pipeline_tests.sources.crm import actual_marts, reconciliation, run_configured, write

WEEK, NEXT_WEEK = dt.date(2026, 3, 2), dt.date(2026, 3, 9)
MONTH, YEAR = dt.date(2026, 3, 1), dt.date(2026, 1, 1)
REPS = {
    sf.MARIA: ("Maria Papadopoulou", "Athens North", "Greece"),
    sf.BEN: ("Ben Carter", "Athens North", "Greece"),
    sf.CHLOE: ("Chloe Martin", "London", "UK"),
}


def metrics(
    dm: int = 0, dms: int = 0, visits: int = 0, meetings: int = 0, orders: int = 0,
    sales: str = "0.00",
) -> tuple[object, ...]:
    """calls_made .. sales_volume; no calls are configured, so the call metrics are zero."""
    return (0, 0, 0, None, dm, dms, visits, meetings, orders, Decimal(sales))


# Per layout: each rep's week rows, each rep's month (= quarter = year: all of it is in March),
# each team's week rows and month. Teams are also departments (one team per department).
# API names, checkbox rule (C1, C4 are decision makers):
#   Maria: E1 Visit C1 (DM), E2 now Onsite -> Visit C2; E11 Visit C3 on Mon 9 Mar in Athens;
#          O1 12000 EUR.
#   Ben:   E3 In Person -> Visit C4 (DM), E12 Meeting C1 (DM); O2 withdrawn, O5 lost.
#   Chloe: E4 Meeting C3; O3 8000 USD x 0.9 = 7200; O9 deleted.
# Fivetran, title rule (C1, C3): the same events and deals, E11 and E4 with a decision maker and
# E3 without; a single-currency org, so O3 is 8000 EUR.
EXPECTED = {
    "api": {
        "rep_week": {
            (WEEK, sf.MARIA): metrics(dm=1, dms=1, visits=2, orders=1, sales="12000.00"),
            (NEXT_WEEK, sf.MARIA): metrics(visits=1),
            (WEEK, sf.BEN): metrics(dm=2, dms=2, visits=1, meetings=1),
            (WEEK, sf.CHLOE): metrics(meetings=1, orders=1, sales="7200.00"),
        },
        "rep_month": {
            sf.MARIA: metrics(dm=1, dms=1, visits=3, orders=1, sales="12000.00"),
            sf.BEN: metrics(dm=2, dms=2, visits=1, meetings=1),
            sf.CHLOE: metrics(meetings=1, orders=1, sales="7200.00"),
        },
        "team_week": {
            (WEEK, "Athens North"): metrics(
                dm=3, dms=2, visits=3, meetings=1, orders=1, sales="12000.00"
            ),
            (NEXT_WEEK, "Athens North"): metrics(visits=1),
            (WEEK, "London"): metrics(meetings=1, orders=1, sales="7200.00"),
        },
        "team_month": {
            "Athens North": metrics(dm=3, dms=2, visits=4, meetings=1, orders=1, sales="12000.00"),
            "London": metrics(meetings=1, orders=1, sales="7200.00"),
        },
    },
    "fivetran": {
        "rep_week": {
            (WEEK, sf.MARIA): metrics(dm=1, dms=1, visits=2, orders=1, sales="12000.00"),
            (NEXT_WEEK, sf.MARIA): metrics(dm=1, dms=1, visits=1),
            (WEEK, sf.BEN): metrics(dm=1, dms=1, visits=1, meetings=1),
            (WEEK, sf.CHLOE): metrics(dm=1, dms=1, meetings=1, orders=1, sales="8000.00"),
        },
        "rep_month": {
            sf.MARIA: metrics(dm=2, dms=2, visits=3, orders=1, sales="12000.00"),
            sf.BEN: metrics(dm=1, dms=1, visits=1, meetings=1),
            sf.CHLOE: metrics(dm=1, dms=1, meetings=1, orders=1, sales="8000.00"),
        },
        "team_week": {
            (WEEK, "Athens North"): metrics(
                dm=2, dms=1, visits=3, meetings=1, orders=1, sales="12000.00"
            ),
            (NEXT_WEEK, "Athens North"): metrics(dm=1, dms=1, visits=1),
            (WEEK, "London"): metrics(dm=1, dms=1, meetings=1, orders=1, sales="8000.00"),
        },
        "team_month": {
            "Athens North": metrics(dm=3, dms=2, visits=4, meetings=1, orders=1, sales="12000.00"),
            "London": metrics(dm=1, dms=1, meetings=1, orders=1, sales="8000.00"),
        },
    },
}
DEPARTMENTS = {"Athens North": "Greece", "London": "UK"}

ISO = "is not an ISO 8601 timestamp with a UTC offset"
FT_TIME = "is not a timestamp in the format %Y-%m-%d %H:%M:%S in UTC"
QUARANTINE = {
    "api": {
        "events": [
            (sf.API_EVENTS_1, 8, f"unknown rep: OwnerId '{sf.NOBODY}' is no CRM user"),
            (
                sf.API_EVENTS_1,
                9,
                f"StartDateTime '2026-02-30T10:00:00.000+0000' {ISO}; "
                f"EndDateTime '2026-02-30T11:00:00.000+0000' {ISO}",
            ),
            (
                sf.API_EVENTS_1,
                10,
                "Type 'Lunch' is not one of Visit, Meeting, Call, Other",
            ),
        ],
        "sales_documents": [
            (
                sf.API_OPPS_1,
                6,
                f"unknown rep: no person has crm_user_id '{sf.NOBODY}' in the identity map",
            ),
            (sf.API_OPPS_1, 7, "document_date '2026-02-30' is not a date in the format %Y-%m-%d"),
        ],
    },
    "fivetran": {
        "events": [
            (sf.FT_EVENTS, 8, f"unknown rep: OwnerId '{sf.NOBODY}' is no CRM user"),
            (
                sf.FT_EVENTS,
                9,
                f"StartDateTime '2026-02-30 10:00:00' {FT_TIME}; "
                f"EndDateTime '2026-02-30 11:00:00' {FT_TIME}",
            ),
            (sf.FT_EVENTS, 10, "Type 'Lunch' is not one of Visit, Meeting, Call, Other"),
        ],
        "sales_documents": [
            (
                sf.FT_OPPS,
                7,
                f"unknown rep: no person has crm_user_id '{sf.NOBODY}' in the identity map",
            ),
            (sf.FT_OPPS, 8, "document_date '2026-02-30' is not a date in the format %Y-%m-%d"),
        ],
    },
}
# (file, read, accepted, superseded, quarantined) per source. API day 1's E2 and E10, O2 and O9
# are superseded by day 2's rows; open, lost, re-opened and deleted deals are accepted as
# CANCELLED documents (they count nowhere, and nothing is filtered).
RECONCILIATION = {
    "api": {
        "users": [("salesforce/User.csv", 4, 4, 0, 0)],
        "contacts": [("salesforce/Contact.csv", 4, 4, 0, 0)],
        "events": [(sf.API_EVENTS_1, 11, 6, 2, 3), (sf.API_EVENTS_2, 3, 3, 0, 0)],
        "sales_documents": [(sf.API_OPPS_1, 7, 3, 2, 2), (sf.API_OPPS_2, 3, 3, 0, 0)],
    },
    "fivetran": {
        "users": [("fivetran/salesforce_user.csv", 4, 4, 0, 0)],
        "contacts": [("fivetran/salesforce_contact.csv", 4, 4, 0, 0)],
        "events": [(sf.FT_EVENTS, 12, 9, 0, 3)],
        "sales_documents": [(sf.FT_OPPS, 8, 6, 0, 2)],
    },
}


def expected_marts(layout: str) -> dict[str, list[tuple[object, ...]]]:
    spec = EXPECTED[layout]
    rep_week = [(week, rep, *REPS[rep], *m) for (week, rep), m in spec["rep_week"].items()]
    team_week = [
        (week, team, DEPARTMENTS[team], *m) for (week, team), m in spec["team_week"].items()
    ]
    tables = {
        "rep_activity_weekly": rep_week,
        "team_activity_weekly": team_week,
        "department_activity_weekly": [(row[0], *row[2:]) for row in team_week],
    }
    for grain, period in (("monthly", MONTH), ("quarterly", YEAR), ("yearly", YEAR)):
        tables[f"rep_activity_{grain}"] = [
            (period, rep, *REPS[rep], *m) for rep, m in spec["rep_month"].items()
        ]
        tables[f"team_activity_{grain}"] = [
            (period, team, DEPARTMENTS[team], *m) for team, m in spec["team_month"].items()
        ]
        tables[f"department_activity_{grain}"] = [
            (period, DEPARTMENTS[team], *m) for team, m in spec["team_month"].items()
        ]
    return {name: sorted(rows, key=repr) for name, rows in tables.items()}


def write_landing(root: Path, layout: str, config: str) -> Path:
    landing = root / "landing"
    for name, text in sf.LANDINGS[layout].items():
        write(landing / name, text)
    write(landing / "crm/Team_Membership__c.csv", sf.TEAM_MEMBERSHIPS)
    write(landing / "crm/Sales_Target__c.csv", sf.SALES_TARGETS)
    write(landing / "erp/fx_rates.csv", sf.FX_RATES)
    write(root / "sources.yaml", config)
    return landing


@pytest.fixture(scope="module", params=["api", "fivetran"])
def backfilled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    layout = request.param
    root = tmp_path_factory.mktemp(f"salesforce_{layout}")
    landing = write_landing(root, layout, sf.CONFIGS[layout])
    run = run_configured(landing, root / "work", root / "sources.yaml", timezone="Europe/Athens")
    conn = run.conn
    result = {
        "layout": layout,
        "marts": actual_marts(conn),
        "quarantine": {
            source: conn.execute(
                f"SELECT file, line, reason FROM quarantine.{source} ORDER BY file, line"
            ).fetchall()
            for source in ("events", "sales_documents", "users", "contacts")
        },
        "reconciliation": {
            source: reconciliation(conn, source)
            for source in ("users", "contacts", "events", "sales_documents")
        },
        "documents": conn.execute(
            "SELECT document_no, status, activity_date FROM staging.sales_documents "
            "ORDER BY document_no"
        ).fetchall(),
    }
    conn.close()
    return result


def test_marts_cell_by_cell(backfilled: dict) -> None:
    actual = {name: sorted(rows, key=repr) for name, rows in backfilled["marts"].items()}
    assert actual == expected_marts(backfilled["layout"])


def test_quarantine_and_reconciliation(backfilled: dict) -> None:
    layout = backfilled["layout"]
    assert backfilled["quarantine"] == {
        **QUARANTINE[layout], "users": [], "contacts": []
    }
    assert backfilled["reconciliation"] == RECONCILIATION[layout]


def test_only_won_deals_are_orders(backfilled: dict) -> None:
    """Won and not deleted: OPEN on CloseDate. Deleted (O9): CANCELLED on its CloseDate.
    Re-opened (O2), open (O4) and lost (O5): CANCELLED, dated by their last change (O2's and O4's
    CloseDates, 2026-04-15 and 2027-06-30, are forecasts)."""
    assert backfilled["documents"] == [
        (sf.OPP[1], "OPEN", dt.date(2026, 3, 2)),
        (sf.OPP[2], "CANCELLED", dt.date(2026, 3, 5)),
        (sf.OPP[3], "OPEN", dt.date(2026, 3, 5)),
        (sf.OPP[4], "CANCELLED", dt.date(2026, 3, 3)),
        (sf.OPP[5], "CANCELLED", dt.date(2026, 3, 3)),
        (sf.OPP[9], "CANCELLED", dt.date(2026, 3, 3)),
    ]


ROLE_CONFIG = sf.API_CONFIG.replace(
    "  contacts: {files: salesforce/Contact.csv, file_date: none, preset: salesforce_contacts}\n",
    "  contacts:\n    files: salesforce/Contact.csv\n    preset: salesforce_contacts\n"
    + sf.ROLE_RULE_CONTACTS,
)
TITLE_CONFIG = sf.API_CONFIG.replace(
    "  contacts: {files: salesforce/Contact.csv, file_date: none, preset: salesforce_contacts}\n",
    "  contacts:\n    files: salesforce/Contact.csv\n    preset: salesforce_contacts\n"
    "    fields:\n      Decision_Maker__c:\n"
    f"        when: [{{if: {{column: Title, matches: '{sf.TITLE_RULE}'}}, "
    'then: {constant: "true"}}]\n        else: {constant: "false"}\n',
)


@pytest.mark.parametrize(
    ("config", "decision_makers"),
    [
        (sf.API_CONFIG, {sf.C1, sf.C4}),  # the checkbox
        (TITLE_CONFIG, {sf.C1, sf.C3}),  # Chief Executive Officer, Head of Operations
        (ROLE_CONFIG, {sf.C1, sf.C2}),  # Economic Buyer, Decision Maker
    ],
    ids=["checkbox", "title_pattern", "role_list"],
)
def test_decision_maker_rules(config: str, decision_makers: set[str], tmp_path: Path) -> None:
    landing = write_landing(tmp_path, "api", config)
    settings = settings_for(
        landing, tmp_path / "work", SALES_SOURCES_CONFIG=str(tmp_path / "sources.yaml")
    )
    (contacts,) = [c for c in check_sources(settings, ["contacts"]) if c.name == "contacts"]
    assert contacts.counts == {"accepted": 4, "superseded": 0, "quarantined": 0}
    assert {row["Id"]: row["Decision_Maker__c"] for row in contacts.sample} == {
        contact: "true" if contact in decision_makers else "false"
        for contact in (sf.C1, sf.C2, sf.C3, sf.C4)
    }


@pytest.mark.parametrize("layout", ["api", "fivetran"])
def test_sources_check_reads_every_file(
    layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    landing = write_landing(tmp_path, layout, sf.CONFIGS[layout])
    monkeypatch.setenv("SALES_LANDING_DIR", str(landing))
    monkeypatch.setenv("SALES_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SALES_SOURCES_CONFIG", str(tmp_path / "sources.yaml"))
    assert main(["sources", "check"]) == 0
    out = capsys.readouterr().out
    assert "held back: 0" in out and "HELD BACK" not in out
    assert not (tmp_path / "warehouse.duckdb").exists()

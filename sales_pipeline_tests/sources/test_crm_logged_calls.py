"""Calls logged in a CRM: HubSpot calls (API JSON, milliseconds, disposition GUIDs plus a portal's
own outcome) and Salesforce Tasks that are calls (API names and Fivetran's table, their contact
looked up in the Contact export), on real Dagster runs (week of vendors.py)."""

from __future__ import annotations

import pytest

from sales_pipeline_tests.sources import vendors
from sales_pipeline_tests.sources.crm import Calls
from sales_pipeline_tests.sources.presets_run import STATUSES, Case, check_case, run_case

HS = "hubspot/calls_2026-03-06.json"
SF = "salesforce/Task_2026-03-06.csv"
FIVETRAN = "fivetran/salesforce_task_2026-03-06.csv"
SF_REJECTS = [
    (SF, 7, "unknown rep: no person has crm_user_id '005Z' in the identity map"),
    (SF, 8, "direction 'Internal' is not one of outbound-dial, outbound-api, inbound"),
]

CASES = {
    "hubspot_calls_json": Case(
        "hubspot_calls_json",
        {HS: vendors.hubspot_json()},
        vendors.HUBSPOT_OVERRIDE,
        {
            "005A": Calls(made=3, connected=2, talk=180, dm=1, dms=1),
            "005B": Calls(made=1, connected=1, talk=45, dm=1, dms=1),
        },
        [
            (HS, 6, "unknown rep: no person has crm_user_id '999' in the identity map"),
            (HS, 7, f"status '{vendors.PORTAL_GATEKEEPER}' is not one of {STATUSES}"),
        ],
        (HS, 7, 5, 0, 2),
    ),
    # No phone numbers on a Task, and no Contact export to look WhoId up in: no contact, so no
    # DM conversations. 9 rows, 2 not calls.
    "salesforce_task_calls": Case(
        "salesforce_task_calls",
        {SF: vendors.SALESFORCE_TASKS},
        "",
        {
            "005A": Calls(made=3, connected=2, talk=180, dm=0, dms=0),
            "005B": Calls(made=1, connected=1, talk=45, dm=0, dms=0),
        },
        SF_REJECTS,
        (SF, 7, 5, 0, 2),
    ),
    # With the Contact export as the lookup: WhoId 003C1 is the decision maker Eleni, whom
    # 005A (00T01, 120 s) and 005B (00T04, 45 s) reached.
    "salesforce_task_calls with contacts": Case(
        "salesforce_task_calls",
        {SF: vendors.SALESFORCE_TASKS},
        "    lookups: {contacts: {files: crm/Contact.csv}}\n",
        {
            "005A": Calls(made=3, connected=2, talk=180, dm=1, dms=1),
            "005B": Calls(made=1, connected=1, talk=45, dm=1, dms=1),
        },
        SF_REJECTS,
        (SF, 7, 5, 0, 2),
    ),
    # The same on Fivetran's tables: 10 rows, 3 not calls or deleted. 003C2's number is a mobile.
    "salesforce_task_calls_fivetran": Case(
        "salesforce_task_calls_fivetran",
        {
            FIVETRAN: vendors.SALESFORCE_FIVETRAN_TASKS,
            "fivetran/salesforce_contact.csv": vendors.SALESFORCE_FIVETRAN_CONTACTS,
        },
        "",
        {
            "005A": Calls(made=3, connected=2, talk=180, dm=1, dms=1),
            "005B": Calls(made=1, connected=1, talk=45, dm=1, dms=1),
        },
        [(FIVETRAN, row[1], row[2]) for row in SF_REJECTS],
        (FIVETRAN, 7, 5, 0, 2),
    ),
}


@pytest.mark.parametrize("preset", sorted(CASES))
def test_crm_logged_calls_marts_quarantine_and_reconciliation(
    preset: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    case = CASES[preset]
    check_case(case, run_case(case, tmp_path_factory.mktemp(preset)))

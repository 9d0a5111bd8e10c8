"""Calls logged in a CRM: HubSpot calls (API JSON, milliseconds, disposition GUIDs plus a portal's
own outcome) and Salesforce Tasks that are calls, on real Dagster runs (week of vendors.py)."""

from __future__ import annotations

import pytest

from sales_pipeline_tests.sources import vendors
from sales_pipeline_tests.sources.crm import Calls
from sales_pipeline_tests.sources.presets_run import STATUSES, Case, check_case, run_case

HS = "hubspot/calls_2026-03-06.json"
SF = "salesforce/Task_2026-03-06.csv"

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
    # No phone numbers on a Task: no contact, so no DM conversations. 9 rows, 2 not calls.
    "salesforce_task_calls": Case(
        "salesforce_task_calls",
        {SF: vendors.SALESFORCE_TASKS},
        "",
        {
            "005A": Calls(made=3, connected=2, talk=180, dm=0, dms=0),
            "005B": Calls(made=1, connected=1, talk=45, dm=0, dms=0),
        },
        [
            (SF, 7, "unknown rep: no person has crm_user_id '005Z' in the identity map"),
            (SF, 8, "direction 'Internal' is not one of outbound-dial, outbound-api, inbound"),
        ],
        (SF, 7, 5, 0, 2),
    ),
}


@pytest.mark.parametrize("preset", sorted(CASES))
def test_crm_logged_calls_marts_quarantine_and_reconciliation(
    preset: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    case = CASES[preset]
    check_case(case, run_case(case, tmp_path_factory.mktemp(preset)))

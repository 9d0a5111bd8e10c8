"""RingCentral (API JSON and CSV export) and Aircall (API JSON and CSV) presets on real Dagster
runs: the week of vendors.py, fact marts cell by cell, quarantine and reconciliation."""

from __future__ import annotations

import pytest

from sales_pipeline_tests.sources import vendors
from sales_pipeline_tests.sources.crm import Calls
from sales_pipeline_tests.sources.presets_run import STATUSES, Case, check_case, run_case

WITH_DMS = {
    "005A": Calls(made=3, connected=2, talk=180, dm=1, dms=1),
    "005B": Calls(made=1, connected=1, talk=45, dm=1, dms=1),
}
IDENTITIES = {"people/identity_map.csv": vendors.RINGCENTRAL_IDENTITIES}
RC_JSON = "ringcentral/call-log_2026-03-06.json"
RC_CSV = "ringcentral/calllog_2026-03-06.csv"
AC_JSON = "aircall/calls_2026-03-06.json"
AC_CSV = "aircall/calls_2026-03-06.csv"

CASES = {
    "ringcentral_call_log_json": Case(
        "ringcentral_call_log_json",
        {RC_JSON: vendors.ringcentral_json(), **IDENTITIES},
        "",
        WITH_DMS,
        [
            (
                RC_JSON,
                6,
                "unknown rep: no person has phone_user_id '2661459999' in the identity map",
            ),
            (RC_JSON, 7, f"status 'In Progress' is not one of {STATUSES}"),
        ],
        (RC_JSON, 7, 5, 0, 2),
    ),
    "ringcentral_call_log_csv": Case(
        "ringcentral_call_log_csv",
        {RC_CSV: vendors.RINGCENTRAL_CSV, **IDENTITIES},
        "    timezone: Europe/Athens\n",
        WITH_DMS,
        [
            (RC_CSV, 7, "unknown rep: no person has phone_extension '199' in the identity map"),
            (RC_CSV, 8, f"status 'In Progress' is not one of {STATUSES}"),
        ],
        (RC_CSV, 7, 5, 0, 2),
    ),
    # Reps by e-mail, derived from the CRM users (any case): no identity map.
    "aircall_calls_json": Case(
        "aircall_calls_json",
        {AC_JSON: vendors.aircall_json()},
        "",
        WITH_DMS,
        [
            (AC_JSON, 6, "unknown rep: no person has email 'temp@example.com' in the identity map"),
            (AC_JSON, 7, f"status 'answered' is not one of {STATUSES}"),
        ],
        (AC_JSON, 7, 5, 0, 2),
    ),
    "aircall_calls_csv": Case(
        "aircall_calls_csv",
        {AC_CSV: vendors.aircall_csv()},
        "",
        WITH_DMS,
        [
            (AC_CSV, 7, "unknown rep: no person has email 'temp@example.com' in the identity map"),
            (AC_CSV, 8, f"status 'answered' is not one of {STATUSES}"),
        ],
        (AC_CSV, 7, 5, 0, 2),
    ),
}


@pytest.mark.parametrize("preset", sorted(CASES))
def test_phone_preset_marts_quarantine_and_reconciliation(
    preset: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    case = CASES[preset]
    check_case(case, run_case(case, tmp_path_factory.mktemp(preset)))

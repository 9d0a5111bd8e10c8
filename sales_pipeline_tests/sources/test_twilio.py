"""Twilio presets on real Dagster runs: API JSON pages, CSV with the API's field names, and the
`call` table as Fivetran lands it, each checked against the same hand-derived marts.

The records follow the vendor's layouts: the Calls API resource (twilio/twilio-oai,
spec/json/twilio_api_v2010.json: `{"calls": [...], "page": 0, ...}`, RFC 2822 times, `duration`
as a string, null when the call did not connect) and Fivetran's `call` table (fivetran/dbt_twilio
integration_tests/seeds/twilio_call_data.csv: `id`, `parent_call_id`, times "... UTC", and an
impossible date 2022-02-30 that the seed really contains; here 2026-02-30).

Calls (all in the week of Mon 2026-03-02; Maria 005A is +30 210 555 0101, Ben 005B +1 212 555 0102):

| sid  | what                                                        | counts                          |
| CA01 | outbound-api, completed, human, 120 s, to the DM 003C1      | Maria made, connected, DM       |
| CA02 | `Outbound-Dial` / `COMPLETED` (case variants), 60 s, 003C2  | Maria made, connected           |
|      | (JSON and CSV: 11:00 +0200 = 09:00 UTC)                     |                                 |
| CA03 | child leg of CA01, 100 s                                    | nothing (child legs are no call)|
| CA04 | day 1: no-answer, duration empty; day 2 file: completed, 80 s to the DM | Maria made, connected, DM (day 2 wins) |
| CA05 | completed, answered by machine_start, 30 s                  | Maria made, not connected       |
| CA06 | in-progress                                                 | quarantined: status             |
| CA07 | start time 30 Feb                                           | quarantined: not a timestamp    |
| CA08 | inbound to Maria, 200 s                                     | nothing (inbound)               |
| CA09 | outbound from a number no CRM user has                      | quarantined: unknown rep        |
| CA10 | Ben, outbound-dial, completed, human, 45 s, to the DM       | Ben made, connected, DM         |

Maria: made CA01 CA02 CA04 CA05 = 4; connected CA01 120 + CA02 60 + CA04 80 = 3 calls, 260 s;
DM conversations CA01, CA04 = 2 with one distinct DM. Ben: 1 made, 1 connected, 45 s, 1 DM.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sales_pipeline_tests.sources.crm import (
    BEN_PHONE,
    DM_PHONE,
    MARIA_PHONE,
    OTHER_PHONE,
    UNKNOWN_PHONE,
    Calls,
    actual_marts,
    expected_marts,
    reconciliation,
    run_configured,
    write,
    write_crm,
)

EXPECTED = expected_marts(
    {
        "005A": Calls(made=4, connected=3, talk=260, dm=2, dms=1),
        "005B": Calls(made=1, connected=1, talk=45, dm=1, dms=1),
    }
)

# (sid, parent, direction, from, to, status, start, end, duration, answered_by), day 1 file.
DAY1 = [
    (
        "CA01",
        None,
        "outbound-api",
        MARIA_PHONE,
        DM_PHONE,
        "completed",
        "Mon, 02 Mar 2026 09:00:00 +0000",
        "Mon, 02 Mar 2026 09:02:00 +0000",
        "120",
        "human",
    ),
    (
        "CA02",
        None,
        "Outbound-Dial",
        "+30 210-555 0101",
        OTHER_PHONE,
        "COMPLETED",
        "Mon, 02 Mar 2026 11:00:00 +0200",
        "Mon, 02 Mar 2026 11:01:00 +0200",
        "60",
        None,
    ),
    (
        "CA03",
        "CA01",
        "outbound-dial",
        MARIA_PHONE,
        DM_PHONE,
        "completed",
        "Mon, 02 Mar 2026 09:00:10 +0000",
        "Mon, 02 Mar 2026 09:01:50 +0000",
        "100",
        "human",
    ),
    (
        "CA04",
        None,
        "outbound-api",
        MARIA_PHONE,
        DM_PHONE,
        "no-answer",
        "Mon, 02 Mar 2026 10:00:00 +0000",
        "Mon, 02 Mar 2026 10:00:30 +0000",
        None,
        None,
    ),
    (
        "CA05",
        None,
        "outbound-api",
        MARIA_PHONE,
        OTHER_PHONE,
        "completed",
        "Tue, 03 Mar 2026 09:00:00 +0000",
        "Tue, 03 Mar 2026 09:00:30 +0000",
        "30",
        "machine_start",
    ),
    (
        "CA06",
        None,
        "outbound-api",
        MARIA_PHONE,
        OTHER_PHONE,
        "in-progress",
        "Tue, 03 Mar 2026 10:00:00 +0000",
        None,
        None,
        None,
    ),
    (
        "CA07",
        None,
        "outbound-api",
        MARIA_PHONE,
        OTHER_PHONE,
        "completed",
        "Mon, 30 Feb 2026 10:00:00 +0000",
        "Mon, 30 Feb 2026 10:01:00 +0000",
        "60",
        "human",
    ),
    (
        "CA08",
        None,
        "inbound",
        DM_PHONE,
        MARIA_PHONE,
        "completed",
        "Wed, 04 Mar 2026 09:00:00 +0000",
        "Wed, 04 Mar 2026 09:03:20 +0000",
        "200",
        None,
    ),
    (
        "CA09",
        None,
        "outbound-api",
        UNKNOWN_PHONE,
        DM_PHONE,
        "completed",
        "Wed, 04 Mar 2026 10:00:00 +0000",
        "Wed, 04 Mar 2026 10:01:00 +0000",
        "60",
        "human",
    ),
    (
        "CA10",
        None,
        "outbound-dial",
        BEN_PHONE,
        DM_PHONE,
        "completed",
        "Thu, 05 Mar 2026 15:00:00 +0000",
        "Thu, 05 Mar 2026 15:00:45 +0000",
        "45",
        "human",
    ),
]
DAY2 = [
    (
        "CA04",
        None,
        "outbound-api",
        MARIA_PHONE,
        DM_PHONE,
        "completed",
        "Mon, 02 Mar 2026 10:00:00 +0000",
        "Mon, 02 Mar 2026 10:01:20 +0000",
        "80",
        "human",
    ),
]
# Quarantine (file, line, reason): the line of a JSON record is its place in the page.
QUARANTINE_JSON = [
    (
        "twilio/calls_2026-03-02.json",
        6,
        "status 'in-progress' is not one of completed, busy, no-answer, failed, canceled",
    ),
    (
        "twilio/calls_2026-03-02.json",
        7,
        "start_time 'Mon, 30 Feb 2026 10:00:00 +0000' is not an RFC 2822 timestamp; "
        "end_time 'Mon, 30 Feb 2026 10:01:00 +0000' is not an RFC 2822 timestamp",
    ),
    ("twilio/calls_2026-03-02.json", 9, "unknown rep: no CRM user has phone '+30 210 555 0299'"),
]


def _api_record(call: tuple[Any, ...]) -> dict[str, Any]:
    """A call as the Calls API returns it (fields of the twilio-oai example responses)."""
    sid, parent, direction, from_, to, status, start, end, duration, answered_by = call
    account = "AC" + "a" * 32
    return {
        "account_sid": account,
        "answered_by": answered_by,
        "api_version": "2010-04-01",
        "caller_name": None,
        "date_created": start,
        "date_updated": end or start,
        "direction": direction,
        "duration": duration,
        "end_time": end,
        "forwarded_from": None,
        "from": from_,
        "from_formatted": from_,
        "group_sid": None,
        "parent_call_sid": parent,
        "phone_number_sid": "PN" + "d" * 32,
        "price": "-0.0100" if duration else None,
        "price_unit": "USD",
        "sid": sid,
        "start_time": start,
        "status": status,
        "subresource_uris": {
            "recordings": f"/2010-04-01/Accounts/{account}/Calls/{sid}/Recordings.json",
        },
        "to": to,
        "to_formatted": to,
        "trunk_sid": None,
        "uri": f"/2010-04-01/Accounts/{account}/Calls/{sid}.json",
        "queue_time": "0",
    }


def _page(calls: list[tuple[Any, ...]]) -> str:
    return json.dumps(
        {
            "calls": [_api_record(c) for c in calls],
            "end": len(calls) - 1,
            "first_page_uri": "/2010-04-01/Accounts/AC/Calls.json?PageSize=50&Page=0",
            "next_page_uri": None,
            "page": 0,
            "page_size": 50,
            "previous_page_uri": None,
            "start": 0,
            "uri": "/2010-04-01/Accounts/AC/Calls.json?PageSize=50&Page=0",
        },
        indent=1,
    )


def _csv_field(value: str | None) -> str:
    if value is None:
        return ""
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


API_CSV_COLUMNS = [
    "sid",
    "date_created",
    "parent_call_sid",
    "account_sid",
    "to",
    "from",
    "status",
    "start_time",
    "end_time",
    "duration",
    "price",
    "direction",
    "answered_by",
    "caller_name",
]


def _api_csv(calls: list[tuple[Any, ...]]) -> str:
    lines = [",".join(API_CSV_COLUMNS)]
    for call in calls:
        record = _api_record(call)
        lines.append(",".join(_csv_field(record[c]) for c in API_CSV_COLUMNS))
    return "\n".join(lines) + "\n"


FIVETRAN_COLUMNS = [
    "id",
    "_fivetran_synced",
    "account_id",
    "annotation",
    "answered_by",
    "caller_name",
    "created_at",
    "direction",
    "duration",
    "end_time",
    "forwarded_from",
    "from",
    "from_formatted",
    "group_id",
    "outgoing_caller_id",
    "parent_call_id",
    "price",
    "price_unit",
    "queue_time",
    "start_time",
    "status",
    "to",
    "to_formatted",
    "trunk_id",
    "updated_at",
]
_MONTHS = {"Feb": "02", "Mar": "03"}


def _fivetran_time(rfc2822: str | None) -> str | None:
    """'Mon, 02 Mar 2026 11:00:00 +0200' -> '2026-03-02 09:00:00.000000 UTC' (Fivetran is UTC)."""
    if rfc2822 is None:
        return None
    _, day, month, year, clock, offset = rfc2822.split()
    hour = int(clock[:2]) - int(offset[:3])
    return f"{year}-{_MONTHS[month]}-{day} {hour:02d}{clock[2:]}.000000 UTC"


def _fivetran_csv(calls: list[tuple[Any, ...]]) -> str:
    lines = [",".join(FIVETRAN_COLUMNS)]
    for sid, parent, direction, from_, to, status, start, end, duration, answered_by in calls:
        row = {
            "id": sid,
            "_fivetran_synced": "2026-03-06 23:19:32.729000 UTC",
            "account_id": "Ad2343b352c5e4fc50653232323",
            "answered_by": answered_by,
            "created_at": _fivetran_time(start),
            "direction": direction,
            "duration": duration or "0" if status == "completed" else duration,
            "end_time": _fivetran_time(end),
            "from": from_,
            "from_formatted": from_,
            "parent_call_id": parent,
            "price_unit": "USD",
            "queue_time": "0",
            "start_time": _fivetran_time(start),
            "status": status,
            "to": to,
            "to_formatted": to,
            "updated_at": _fivetran_time(end or start),
        }
        lines.append(",".join(_csv_field(row.get(c)) for c in FIVETRAN_COLUMNS))
    return "\n".join(lines) + "\n"


CONFIGS = {
    "twilio_calls_json": ('files: "twilio/calls_*.json"', "json"),
    "twilio_calls_csv": ('files: "twilio/calls_*.csv"', "csv"),
    # One table that grows: the two deliveries are two exports of it, the second newer.
    "twilio_fivetran_call": ('files: "fivetran/twilio_call*.csv"\n    file_date: name', "ft"),
}


def _landing(root: Path, preset: str) -> Path:
    landing = root / "landing"
    write_crm(landing)
    kind = CONFIGS[preset][1]
    for day, calls in (("2026-03-02", DAY1), ("2026-03-03", DAY2)):
        if kind == "json":
            write(landing / f"twilio/calls_{day}.json", _page(calls))
        elif kind == "csv":
            write(landing / f"twilio/calls_{day}.csv", _api_csv(calls))
        else:
            write(
                landing / f"fivetran/twilio_call_{day.replace('-', '')}.csv", _fivetran_csv(calls)
            )
    config = root / "sources.yaml"
    write(
        config,
        f"extends: default\nsources:\n  calls:\n    {CONFIGS[preset][0]}\n    preset: {preset}\n",
    )
    return config


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, duckdb.DuckDBPyConnection]:
    cache: dict[str, duckdb.DuckDBPyConnection] = {}
    yield cache
    for conn in cache.values():
        conn.close()


def _run(
    runs: dict[str, duckdb.DuckDBPyConnection],
    tmp_path_factory: pytest.TempPathFactory,
    preset: str,
) -> duckdb.DuckDBPyConnection:
    if preset not in runs:
        root = tmp_path_factory.mktemp(preset)
        config = _landing(root, preset)
        runs[preset] = run_configured(root / "landing", root / "work", config).conn
    return runs[preset]


@pytest.mark.parametrize("preset", sorted(CONFIGS))
def test_twilio_preset_fact_marts_cell_by_cell(runs, tmp_path_factory, preset: str) -> None:
    conn = _run(runs, tmp_path_factory, preset)
    actual = actual_marts(conn)
    for table, rows in EXPECTED.items():
        assert actual[table] == [
            tuple(pytest.approx(v) if isinstance(v, float) else v for v in row) for row in rows
        ], table


def test_twilio_json_quarantine_names_file_line_and_reason(runs, tmp_path_factory) -> None:
    conn = _run(runs, tmp_path_factory, "twilio_calls_json")
    assert (
        conn.execute(
            "SELECT file, line, reason FROM quarantine.calls ORDER BY file, line"
        ).fetchall()
        == QUARANTINE_JSON
    )
    # The vendor's record is shown with the rejected row, as delivered.
    (record,) = conn.execute("SELECT record FROM quarantine.calls WHERE line = 6").fetchone()
    assert json.loads(record)["sid"] == "CA06" and json.loads(record)["api_version"] == "2010-04-01"


@pytest.mark.parametrize("preset", sorted(CONFIGS))
def test_twilio_every_row_reconciles_and_redelivery_wins(runs, tmp_path_factory, preset) -> None:
    conn = _run(runs, tmp_path_factory, preset)
    rows = reconciliation(conn, "calls")
    # Day 1: 10 read = 6 accepted + 1 superseded (CA04, replaced by day 2) + 3 quarantined.
    assert [r[1:] for r in rows] == [(10, 6, 1, 3), (1, 1, 0, 0)]
    assert conn.execute(
        "SELECT status, duration FROM staging.calls WHERE sid = 'CA04'"
    ).fetchall() == [("completed", 80)]

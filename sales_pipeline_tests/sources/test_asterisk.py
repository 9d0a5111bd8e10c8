"""Asterisk / FreePBX cdr_csv (`Master.csv`) on real Dagster runs, marts checked cell by cell.

The file is written in cdr_csv's layout (no header; accountcode, src, dst, dcontext, clid,
channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition,
amaflags, then optionally uniqueid, userfield, then optionally peeraccount, linkedid, sequence),
modelled on a real PBX's file (mineevburyat/dj-asterisk-cdr, Master.csv): quoted text, bare
numbers, an empty `answer` for unanswered legs, one call fanned out into several Dial legs
sharing a linkedid, and caller names in an 8-bit encoding that is not UTF-8.

Times are the PBX's local time, Europe/Athens (UTC+2 in March), configured with `timezone`.
Reps are found by extension through the identity map (pbx/identity_map.csv): 201 is Maria
(row found by e-mail), 202 is Ben (row found by employee number E2).

| line | what                                                                  | counts              |
| 1    | 201 -> DM 003C1, ANSWERED, billsec 120 (duration 125 incl. ringing)   | Maria made, conn., DM |
| 2, 3 | one call, linkedid ...600.5: trunk1 FAILED (seq 3), trunk2 ANSWERED    | Maria made, conn. 60 s |
|      | billsec 60 (seq 4) -> line 3 is the call, line 2 its child leg         | (003C2, no DM)      |
| 4    | 202, NO ANSWER; 16 columns (no optional ones)                          | Ben made            |
| 5    | 202 -> DM, ANSWERED, billsec 45; 18 columns; clid bytes in cp1251      | Ben made, conn., DM |
| 6    | extension 299, in no identity map row                                  | quarantined: unknown rep |
| 7    | inbound (from-trunk) answered by 201                                   | accepted, not counted |
| 8    | start time 25:61                                                       | quarantined: time   |
| 9, 10| inbound ring group: 201 NO ANSWER (seq 13), 202 ANSWERED (seq 14)     | accepted, not counted |

Maria: made 2, connected 2, 180 s, 1 DM conversation (003C1). Ben: made 2, connected 1, 45 s,
1 DM conversation. After line 11 is appended to the growing file (Ben -> 003C2, ANSWERED, 30 s)
and the pipeline runs again: Ben made 3, connected 2, 75 s.
"""

from __future__ import annotations

import pytest

from sales_pipeline_tests.sources.crm import (
    Calls,
    actual_marts,
    expected_marts,
    reconciliation,
    run_configured,
    write,
    write_crm,
)

CONFIG = """\
extends: default
identity_map: {file: pbx/identity_map.csv}
sources:
  calls:
    files: pbx/Master.csv
    file_date: none
    preset: asterisk_cdr
    timezone: Europe/Athens
"""
IDENTITY_MAP = """\
email,employee_number,phone_extension
Maria@Example.com,,201
,E2,202
"""
MASTER_LINES = [
    # 1: Maria, answered, to the decision maker (dialled with 00).
    b'"","201","00302105550201","from-internal","""Maria Papadopoulou"" <201>","PJSIP/201-00000001",'
    b'"PJSIP/trunk-00000002","Dial","PJSIP/00302105550201@trunk,60","2026-03-02 11:00:00",'
    b'"2026-03-02 11:00:05","2026-03-02 11:02:05",125,120,"ANSWERED","DOCUMENTATION",'
    b'"1772442000.1","","","1772442000.1",1',
    # 2, 3: one call in two legs.
    b'"","201","00302105550202","from-internal","""Maria Papadopoulou"" <201>","PJSIP/201-00000005",'
    b'"PJSIP/trunk1-00000006","Dial","PJSIP/00302105550202@trunk1&PJSIP/00302105550202@trunk2,60",'
    b'"2026-03-02 12:00:00",,"2026-03-02 12:00:02",2,0,"FAILED","DOCUMENTATION",'
    b'"1772445600.5","","","1772445600.5",3',
    b'"","201","00302105550202","from-internal","""Maria Papadopoulou"" <201>","PJSIP/201-00000005",'
    b'"PJSIP/trunk2-00000007","Dial","PJSIP/00302105550202@trunk1&PJSIP/00302105550202@trunk2,60",'
    b'"2026-03-02 12:00:00","2026-03-02 12:00:08","2026-03-02 12:01:08",68,60,"ANSWERED",'
    b'"DOCUMENTATION","1772445600.5","","","1772445600.5",4',
    # 4: Ben, no answer, without the optional columns.
    b'"","202","0044205550999","from-internal","""Ben Carter"" <202>","PJSIP/202-00000008",'
    b'"PJSIP/trunk-00000009","Dial","PJSIP/0044205550999@trunk,60","2026-03-03 10:00:00",,'
    b'"2026-03-03 10:00:30",30,0,"NO ANSWER","DOCUMENTATION"',
    # 5: Ben, answered, uniqueid and userfield only; the caller name in cp1251.
    b'"","202","00302105550201","from-internal","""\xc1\xe5\xed \xca\xe0\xf0\xf2\xe5\xf0"" <202>",'
    b'"PJSIP/202-0000000a","PJSIP/trunk-0000000b","Dial","PJSIP/00302105550201@trunk,60",'
    b'"2026-03-04 10:00:00","2026-03-04 10:00:03","2026-03-04 10:00:48",48,45,"ANSWERED",'
    b'"DOCUMENTATION","1772611200.9",""',
    # 6: an extension nobody has.
    b'"","299","00302105550201","from-internal","""Lobby"" <299>","PJSIP/299-0000000c",'
    b'"PJSIP/trunk-0000000d","Dial","PJSIP/00302105550201@trunk,60","2026-03-04 11:00:00",'
    b'"2026-03-04 11:00:02","2026-03-04 11:00:32",32,30,"ANSWERED","DOCUMENTATION",'
    b'"1772614800.11","","","1772614800.11",20',
    # 7: inbound, answered by Maria.
    b'"","00302105550201","201","from-trunk","""Eleni"" <00302105550201>","PJSIP/trunk-0000000e",'
    b'"PJSIP/201-0000000f","Dial","PJSIP/201,30","2026-03-05 09:00:00","2026-03-05 09:00:04",'
    b'"2026-03-05 09:01:34",94,90,"ANSWERED","DOCUMENTATION","1772694000.14","","",'
    b'"1772694000.14",22',
    # 8: a time that does not exist.
    b'"","201","00302105550201","from-internal","""Maria Papadopoulou"" <201>","PJSIP/201-00000010",'
    b'"PJSIP/trunk-00000011","Dial","PJSIP/00302105550201@trunk,60","2026-03-02 25:61:00",'
    b'"2026-03-02 25:61:05","2026-03-02 25:62:00",60,55,"ANSWERED","DOCUMENTATION",'
    b'"1772446000.16","","","1772446000.16",24',
    # 9, 10: an inbound ring group, answered by Ben's phone.
    b'"","00302105550202","600","from-trunk","""Nikos"" <00302105550202>","PJSIP/trunk-00000012",'
    b'"PJSIP/201-00000013","Dial","PJSIP/201&PJSIP/202,30","2026-03-05 10:00:00",,'
    b'"2026-03-05 10:00:06",6,0,"NO ANSWER","DOCUMENTATION","1772697600.18","","",'
    b'"1772697600.18",13',
    b'"","00302105550202","600","from-trunk","""Nikos"" <00302105550202>","PJSIP/trunk-00000012",'
    b'"PJSIP/202-00000014","Dial","PJSIP/201&PJSIP/202,30","2026-03-05 10:00:00",'
    b'"2026-03-05 10:00:06","2026-03-05 10:00:26",26,20,"ANSWERED","DOCUMENTATION",'
    b'"1772697600.18","","","1772697600.18",14',
]
APPENDED = (
    b'"","202","00302105550202","from-internal","""Ben Carter"" <202>","PJSIP/202-00000015",'
    b'"PJSIP/trunk-00000016","Dial","PJSIP/00302105550202@trunk,60","2026-03-06 10:00:00",'
    b'"2026-03-06 10:00:02","2026-03-06 10:00:32",32,30,"ANSWERED","DOCUMENTATION",'
    b'"1772784000.21","","","1772784000.21",30'
)
QUARANTINE = [
    ("pbx/Master.csv", 6, "unknown rep: no person has phone_extension '299' in the identity map"),
    (
        "pbx/Master.csv",
        8,
        "start_time '2026-03-02 25:61:00' is not a timestamp in the format %Y-%m-%d %H:%M:%S in "
        "Europe/Athens; end_time '2026-03-02 25:62:00' is not a timestamp in the format "
        "%Y-%m-%d %H:%M:%S in Europe/Athens",
    ),
]


@pytest.fixture(scope="module")
def asterisk(tmp_path_factory: pytest.TempPathFactory):
    """Two runs on one warehouse: the file as first delivered, then after it grew by a line."""
    root = tmp_path_factory.mktemp("asterisk")
    landing = root / "landing"
    write_crm(landing)
    write(landing / "pbx/identity_map.csv", IDENTITY_MAP)
    master = landing / "pbx/Master.csv"
    write(master, b"\n".join(MASTER_LINES) + b"\n")
    write(root / "sources.yaml", CONFIG)
    first_run = run_configured(landing, root / "work", root / "sources.yaml")
    first = first_run.conn
    before = {
        "unknown_reps": first_run.quarantine_metadata["unknown_reps"],
        "marts": actual_marts(first),
        "quarantine": first.execute(
            "SELECT file, line, reason FROM quarantine.calls ORDER BY ALL"
        ).fetchall(),
        "staging": first.execute(
            "SELECT _line, sid, parent_call_sid, direction, status, duration, rep_id "
            "FROM staging.calls ORDER BY _line"
        ).fetchall(),
        "reconciliation": reconciliation(first, "calls"),
    }
    first.close()
    with master.open("ab") as file:
        file.write(APPENDED + b"\n")
    second = run_configured(landing, root / "work", root / "sources.yaml").conn
    after = {"marts": actual_marts(second), "reconciliation": reconciliation(second, "calls")}
    second.close()
    return before, after


def _approx(tables):
    return {
        name: [tuple(pytest.approx(v) if isinstance(v, float) else v for v in row) for row in rows]
        for name, rows in tables.items()
    }


def test_asterisk_fact_marts_cell_by_cell(asterisk) -> None:
    before, _ = asterisk
    assert before["marts"] == _approx(
        expected_marts(
            {
                "005A": Calls(made=2, connected=2, talk=180, dm=1, dms=1),
                "005B": Calls(made=2, connected=1, talk=45, dm=1, dms=1),
            }
        )
    )


def test_asterisk_legs_make_one_call_and_talk_time_is_billsec(asterisk) -> None:
    before, _ = asterisk
    staged = {line: rest for line, *rest in before["staging"]}
    # Line 3 (the answered leg) is the call, named by its linkedid; line 2 is its child leg.
    assert staged[3] == ["1772445600.5", None, "outbound-dial", "completed", 60, "005A"]
    assert staged[2][1:4] == ["1772445600.5", "outbound-dial", "failed"]
    assert staged[1][4:] == [120, "005A"]  # billsec, not duration (125)
    # The inbound ring group: Ben's answered leg is the call, Maria's ringing its child.
    assert staged[10] == ["1772697600.18", None, "inbound", "completed", 20, "005B"]
    assert staged[9][1] == "1772697600.18"
    assert sorted(staged) == [1, 2, 3, 4, 5, 7, 9, 10]


def test_asterisk_quarantine_and_reconciliation(asterisk) -> None:
    before, _ = asterisk
    assert before["quarantine"] == QUARANTINE
    # The run's metadata lists the identities that map to nobody.
    assert (
        "| no person has phone_extension '299' in the identity map | 1 | pbx/Master.csv:6 |"
        in before["unknown_reps"]
    )
    assert before["reconciliation"] == [("pbx/Master.csv", 10, 8, 0, 2)]


def test_asterisk_growing_file_is_read_again_when_it_grows(asterisk) -> None:
    _, after = asterisk
    assert after["reconciliation"] == [("pbx/Master.csv", 11, 9, 0, 2)]
    assert after["marts"] == _approx(
        expected_marts(
            {
                "005A": Calls(made=2, connected=2, talk=180, dm=1, dms=1),
                "005B": Calls(made=3, connected=2, talk=75, dm=1, dms=1),
            }
        )
    )


CDR_CSV_ORDER = [
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
    "peeraccount",
    "linkedid",
    "sequence",
]
# cdr_custom.conf.sample's Master.csv mapping (optionally followed by sequence).
CDR_CUSTOM_ORDER = [
    "clid",
    "src",
    "dst",
    "dcontext",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "accountcode",
    "uniqueid",
    "userfield",
    "sequence",
]


def _as_cdr_custom(line: bytes) -> bytes:
    """The same record in cdr_custom's order, every field quoted as CSV_QUOTE writes it."""
    import csv

    (fields,) = list(csv.reader([line.decode("latin-1")]))
    record = dict(zip(CDR_CSV_ORDER, fields, strict=False))
    values = [record.get(name, "") for name in CDR_CUSTOM_ORDER]
    if not record.get("sequence"):
        values = values[:-1]
    return ",".join('"' + v.replace('"', '""') + '"' for v in values).encode("latin-1")


def test_asterisk_cdr_custom_layout_gives_the_same_marts(tmp_path_factory) -> None:
    """The same calls written by cdr_custom in its shipped layout: no linkedid, so legs are
    grouped by uniqueid (the two multi-leg calls share theirs), and the same marts come out."""
    root = tmp_path_factory.mktemp("cdr_custom")
    landing = root / "landing"
    write_crm(landing)
    write(landing / "pbx/identity_map.csv", IDENTITY_MAP)
    write(
        landing / "pbx/cdr-custom/Master.csv",
        b"\n".join(_as_cdr_custom(line) for line in MASTER_LINES) + b"\n",
    )
    write(
        root / "sources.yaml",
        CONFIG.replace("files: pbx/Master.csv", "files: pbx/cdr-custom/Master.csv").replace(
            "preset: asterisk_cdr", "preset: asterisk_cdr_custom"
        ),
    )
    conn = run_configured(landing, root / "work", root / "sources.yaml").conn
    try:
        assert actual_marts(conn) == _approx(
            expected_marts(
                {
                    "005A": Calls(made=2, connected=2, talk=180, dm=1, dms=1),
                    "005B": Calls(made=2, connected=1, talk=45, dm=1, dms=1),
                }
            )
        )
        assert conn.execute(
            "SELECT file, line, reason FROM quarantine.calls ORDER BY ALL"
        ).fetchall() == [
            (file.replace("pbx/", "pbx/cdr-custom/"), line, reason)
            for file, line, reason in QUARANTINE
        ]
    finally:
        conn.close()

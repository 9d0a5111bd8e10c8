"""The sample generator: layout, determinism, contract columns and every hard case it promises.

One small sample (8 reps x 60 days) is generated per module and read back with the csv module,
so the tests look at the files exactly as a pipeline would.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from sales_pipeline.sample import SampleSummary, generate_sample

REPS, DAYS, START, SEED = 8, 60, date(2024, 1, 1), 7
# The generator's roster: about 7 reps a team but at least 4 teams (2 inside, 2 field), and a
# manager for each.
TEAMS = 4

REQUIRED_COLUMNS = {
    "telephony/calls_*.csv": {"sid", "parent_call_sid", "direction", "from", "to", "status",
                              "start_time", "end_time", "duration", "answered_by"},
    "erp/sales_documents_*.csv": {"document_no", "document_type", "document_date",
                                  "customer_no", "sales_rep_no", "currency", "net_amount",
                                  "status", "changed_at"},
    "erp/fx_rates.csv": {"date", "currency", "rate"},
    "crm/User.csv": {"Id", "Name", "Email", "EmployeeNumber", "Phone", "Title", "IsActive"},
    "crm/Contact.csv": {"Id", "AccountId", "Name", "Title", "Phone", "MobilePhone",
                        "Decision_Maker__c"},
    "crm/Team_Membership__c.csv": {"Id", "User__c", "Team__c", "Department__c",
                                   "Start_Date__c", "End_Date__c"},
    "crm/Sales_Target__c.csv": {"Id", "User__c", "Metric__c", "Period_Type__c",
                                "Period_Start__c", "Target__c"},
    "crm/Event_*.csv": {"Id", "OwnerId", "WhoId", "AccountId", "Type", "Subject",
                        "StartDateTime", "EndDateTime", "IsDeleted", "LastModifiedDate"},
}
CANONICAL_ORDER = {
    "telephony/calls_*.csv": ["sid", "parent_call_sid", "direction", "from", "to", "status",
                              "start_time", "end_time", "duration", "answered_by"],
    "erp/sales_documents_*.csv": ["document_no", "document_type", "document_date",
                                  "customer_no", "sales_rep_no", "currency", "net_amount",
                                  "status", "changed_at"],
    "crm/Event_*.csv": ["Id", "OwnerId", "WhoId", "AccountId", "Type", "Subject",
                        "StartDateTime", "EndDateTime", "IsDeleted", "LastModifiedDate"],
}
METRICS = {"calls_made", "calls_connected", "talk_seconds", "avg_call_seconds",
           "dm_conversations", "distinct_dms_reached", "visits", "meetings", "orders",
           "sales_volume"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?(Z|[+-]\d\d:\d\d)$")


@dataclass(frozen=True)
class Row:
    """A data row as a pipeline reads it: file, 1-based line number, fields by header name."""

    file: str
    line: int
    fields: dict[str, str]
    width: int  # number of fields actually on the line

    def __getitem__(self, name: str) -> str:
        return self.fields.get(name, "")


def read_rows(path: Path) -> tuple[list[str], list[Row]]:
    with path.open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    header, body = records[0], records[1:]
    rows = [Row(path.name, i + 2, dict(zip(header, record, strict=False)), len(record))
            for i, record in enumerate(body)]
    return header, rows


def file_day(row: Row) -> str:
    return re.search(r"(\d{4}-\d\d-\d\d)", row.file).group(1)


def instant(text: str) -> datetime | None:
    if not TIMESTAMP.match(text):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def digits(number: str) -> str:
    only_digits = re.sub(r"\D", "", number)
    return only_digits[2:] if only_digits.startswith("00") else only_digits


class Landing:
    """Read access to a generated landing area."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self, pattern: str) -> list[Path]:
        return sorted(self.root.glob(pattern))

    def headers(self, pattern: str) -> Iterator[tuple[Path, list[str]]]:
        for path in self.files(pattern):
            yield path, read_rows(path)[0]

    def rows(self, pattern: str) -> list[Row]:
        return [row for path in self.files(pattern) for row in read_rows(path)[1]]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Landing, SampleSummary]:
    root = tmp_path_factory.mktemp("landing")
    summary = generate_sample(root, reps=REPS, days=DAYS, start=START, seed=SEED)
    return Landing(root), summary


@pytest.fixture(scope="module")
def landing(generated: tuple[Landing, SampleSummary]) -> Landing:
    return generated[0]


@pytest.fixture(scope="module")
def summary(generated: tuple[Landing, SampleSummary]) -> SampleSummary:
    return generated[1]


@pytest.fixture(scope="module")
def calls(landing: Landing) -> list[Row]:
    return landing.rows("telephony/calls_*.csv")


@pytest.fixture(scope="module")
def documents(landing: Landing) -> list[Row]:
    return landing.rows("erp/sales_documents_*.csv")


@pytest.fixture(scope="module")
def events(landing: Landing) -> list[Row]:
    return landing.rows("crm/Event_*.csv")


def file_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


# ----------------------------------------------------------------------------- layout


def test_layout_has_one_daily_file_per_day_and_every_snapshot(landing: Landing,
                                                              summary: SampleSummary) -> None:
    days = [(START + timedelta(days=i)).isoformat() for i in range(DAYS)]
    for pattern, prefix in (("telephony/calls_*.csv", "calls_"),
                            ("erp/sales_documents_*.csv", "sales_documents_"),
                            ("crm/Event_*.csv", "Event_")):
        assert [p.name for p in landing.files(pattern)] == [f"{prefix}{d}.csv" for d in days]
    for snapshot in ("erp/fx_rates.csv", "crm/User.csv", "crm/Contact.csv",
                     "crm/Team_Membership__c.csv", "crm/Sales_Target__c.csv"):
        assert (landing.root / snapshot).is_file()
    assert summary.files == 3 * DAYS + 5
    assert summary.end == START + timedelta(days=DAYS - 1)


def test_summary_counts_match_the_files(landing: Landing, summary: SampleSummary,
                                        calls: list[Row], documents: list[Row],
                                        events: list[Row]) -> None:
    assert summary.calls == len(calls)
    assert summary.documents == len(documents)
    assert summary.events == len(events)
    assert summary.users == len(landing.rows("crm/User.csv")) == REPS + TEAMS  # and managers
    assert summary.contacts == len(landing.rows("crm/Contact.csv"))
    assert summary.targets == len(landing.rows("crm/Sales_Target__c.csv"))
    assert summary.fx_rates == len(landing.rows("erp/fx_rates.csv"))
    assert summary.malformed == sum(n for name, n in summary.cases.items() if ":" in name)


def test_every_file_carries_the_contract_columns(landing: Landing) -> None:
    for pattern, required in REQUIRED_COLUMNS.items():
        headers = list(landing.headers(pattern))
        assert headers, pattern
        for path, header in headers:
            assert required <= set(header), (path.name, required - set(header))


def test_all_files_are_utf8_csv_with_newline_endings(landing: Landing) -> None:
    for path in landing.root.rglob("*.csv"):
        data = path.read_bytes()
        data.decode("utf-8")
        assert data.endswith(b"\n") and b"\r" not in data


def test_regenerating_replaces_the_landing_files_and_leaves_others_alone(
        tmp_path: Path) -> None:
    generate_sample(tmp_path, reps=REPS, days=12, seed=SEED)
    unrelated = tmp_path / "telephony" / "README.txt"
    unrelated.write_text("keep me")
    generate_sample(tmp_path, reps=REPS, days=5, start=date(2024, 3, 4), seed=SEED)
    calls = sorted(p.name for p in (tmp_path / "telephony").glob("calls_*.csv"))
    assert calls == [f"calls_2024-03-0{d}.csv" for d in range(4, 9)]
    assert len(list((tmp_path / "crm").glob("Event_*.csv"))) == 5
    assert unrelated.read_text() == "keep me"


def test_too_few_reps_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_sample(tmp_path, reps=2, days=5)


# ----------------------------------------------------------------------------- determinism


def test_same_arguments_give_identical_bytes_and_another_seed_differs(
        landing: Landing, tmp_path: Path) -> None:
    generate_sample(tmp_path / "again", reps=REPS, days=DAYS, start=START, seed=SEED)
    assert file_bytes(tmp_path / "again") == file_bytes(landing.root)
    generate_sample(tmp_path / "other", reps=REPS, days=DAYS, start=START, seed=SEED + 1)
    other = file_bytes(tmp_path / "other")
    mine = file_bytes(landing.root)
    assert other.keys() == mine.keys()
    # Every file with a data row differs (header-only files of quiet days can be alike).
    with_rows = [name for name in mine if mine[name].count(b"\n") > 1]
    assert [name for name in with_rows if other[name] == mine[name]] == []
    assert len(with_rows) > 0.9 * len(mine)


# ----------------------------------------------------------------------------- realism


def test_roster_has_inside_and_field_reps_managers_teams_and_leavers(landing: Landing) -> None:
    users = landing.rows("crm/User.csv")
    titles = Counter(u["Title"] for u in users)
    assert titles["Inside Sales Rep"] == round(REPS * 0.6)
    assert titles["Field Sales Rep"] == REPS - round(REPS * 0.6)
    assert titles["Sales Manager"] == TEAMS  # one per team
    assert all(re.fullmatch(r"005\d{12}", u["Id"]) for u in users)
    assert all(re.fullmatch(r"E\d{4}", u["EmployeeNumber"]) for u in users)
    assert len({digits(u["Phone"]) for u in users}) == len(users)
    # One leaver (4% of the reps, at least one), inactive in the snapshot.
    assert sum(u["IsActive"].lower() == "false" for u in users) == 1
    memberships = landing.rows("crm/Team_Membership__c.csv")
    assert {m["Department__c"] for m in memberships} == {"Inside Sales", "Field Sales"}
    assert len({m["Team__c"] for m in memberships}) == TEAMS


def test_inside_reps_phone_and_field_reps_visit(landing: Landing, calls: list[Row],
                                                events: list[Row]) -> None:
    users = {u["Id"]: u for u in landing.rows("crm/User.csv")}
    title_by_phone = {digits(u["Phone"]): u["Title"] for u in users.values()}
    outbound = Counter(title_by_phone.get(digits(c["from"])) for c in calls
                       if c["direction"].startswith("outbound") and not c["parent_call_sid"])
    visits = Counter(users[e["OwnerId"]]["Title"] for e in events
                     if e["Type"] == "Visit" and e["OwnerId"] in users)
    assert outbound["Inside Sales Rep"] > 5 * outbound["Field Sales Rep"]
    assert visits["Field Sales Rep"] > 5 * visits["Inside Sales Rep"]


def test_weekends_are_quiet(calls: list[Row]) -> None:
    per_weekday = Counter(date.fromisoformat(file_day(c)).weekday() for c in calls)
    assert per_weekday[5] + per_weekday[6] < 0.05 * sum(per_weekday.values())
    assert per_weekday[0] < per_weekday[1] and per_weekday[4] < per_weekday[2]


def test_phone_numbers_vary_in_format_but_normalise_to_the_users(landing: Landing,
                                                                 calls: list[Row],
                                                                 summary: SampleSummary) -> None:
    rep_digits = {digits(u["Phone"]) for u in landing.rows("crm/User.csv")}
    outbound_from = [c["from"] for c in calls if c["direction"].startswith("outbound")]
    matched = sum(digits(number) in rep_digits for number in outbound_from)
    # Only the calls the generator gave a stranger's number on purpose fail to match.
    assert len(outbound_from) - matched == summary.cases["calls:unknown_rep_phone"]
    for prefix in ("+", "(+", "00"):
        assert any(number.startswith(prefix) for number in outbound_from), prefix
    assert any(" " in number for number in outbound_from)
    assert any("-" in number for number in outbound_from)


def test_contacts_have_accounts_numbers_and_a_quarter_decision_makers(landing: Landing) -> None:
    contacts = landing.rows("crm/Contact.csv")
    assert len(contacts) == 30 * REPS
    assert all(c["AccountId"].startswith("001") for c in contacts)
    assert all(c["Phone"] or c["MobilePhone"] for c in contacts)
    share = sum(c["Decision_Maker__c"].lower() == "true" for c in contacts) / len(contacts)
    assert 0.2 < share < 0.4
    assert {c["Decision_Maker__c"] for c in contacts} > {"true", "TRUE"}


def test_targets_use_contract_metrics_and_period_starts(landing: Landing) -> None:
    targets = landing.rows("crm/Sales_Target__c.csv")
    assert {t["Metric__c"] for t in targets} <= METRICS
    assert {t["Period_Type__c"] for t in targets} == {"Week", "Month", "Quarter", "Year"}
    for target in targets:
        start = date.fromisoformat(target["Period_Start__c"])
        assert float(target["Target__c"]) > 0
        if target["Period_Type__c"] == "Week":
            assert start.weekday() == 0 and target["Metric__c"] == "calls_made"
        else:
            assert start.day == 1
    months = {t["Period_Start__c"] for t in targets if t["Period_Type__c"] == "Month"}
    assert months == {"2024-01-01", "2024-02-01"}


def test_fx_rates_are_weekday_only_and_chf_starts_late(landing: Landing) -> None:
    rates = landing.rows("erp/fx_rates.csv")
    assert {r["currency"] for r in rates} == {"USD", "GBP", "CHF"}
    assert all(date.fromisoformat(r["date"]).weekday() < 5 for r in rates)
    first = {c: min(r["date"] for r in rates if r["currency"] == c) for c in ("USD", "CHF")}
    assert first["USD"] < START.isoformat() < first["CHF"]


# ----------------------------------------------------------------------------- hard cases


def test_timestamps_carry_several_offsets_and_some_milliseconds(calls: list[Row],
                                                                events: list[Row],
                                                                documents: list[Row]) -> None:
    stamps = [c["start_time"] for c in calls] + [e["StartDateTime"] for e in events] + [
        d["changed_at"] for d in documents]
    suffixes = Counter(re.search(r"(Z|[+-]\d\d:\d\d)$", s).group(1) for s in stamps
                       if re.search(r"(Z|[+-]\d\d:\d\d)$", s))
    assert {"Z", "+00:00", "+01:00", "+02:00", "-05:00"} <= set(suffixes)
    assert any(".000Z" in s for s in stamps) and any(re.search(r"\.000[+-]", s) for s in stamps)


def test_call_redelivered_later_with_changed_status_or_duration(calls: list[Row]) -> None:
    by_sid = defaultdict(list)
    for call in calls:
        by_sid[call["sid"]].append(call)
    changed_later = [rows for rows in by_sid.values()
                     if len({file_day(r) for r in rows}) > 1
                     and len({(r["status"], r["duration"]) for r in rows}) > 1]
    identical_later = [rows for rows in by_sid.values()
                       if len({file_day(r) for r in rows}) > 1
                       and len({tuple(sorted(r.fields.items())) for r in rows}) == 1]
    same_file = [rows for rows in by_sid.values() if len(rows) > len({r.file for r in rows})]
    assert changed_later and identical_later and same_file


def test_child_legs_point_at_calls_of_the_same_file(calls: list[Row]) -> None:
    sids_by_file = defaultdict(set)
    for call in calls:
        sids_by_file[call.file].add(call["sid"])
    legs = [c for c in calls if c["parent_call_sid"]]
    assert legs
    assert all(leg["parent_call_sid"] in sids_by_file[leg.file] for leg in legs)
    assert any(leg["direction"].startswith("outbound") for leg in legs)
    assert all(re.fullmatch(r"CA[0-9a-f]{32}", c["sid"]) for c in calls if c.width >= 10)


def test_call_outcomes_include_voicemail_fax_and_unanswered(calls: list[Row]) -> None:
    outcomes = {(c["status"], c["answered_by"]) for c in calls}
    assert ("completed", "machine_end_beep") in outcomes
    assert ("completed", "machine_start") in outcomes
    assert ("completed", "fax") in outcomes
    assert ("completed", "human") in outcomes
    unanswered = [c for c in calls if c["status"] in ("busy", "no-answer")]
    assert unanswered and all(c["duration"] == "0" for c in unanswered
                              if re.fullmatch(r"\d+", c["duration"]))
    assert {c["direction"] for c in calls} >= {"outbound-dial", "outbound-api", "inbound"}


def test_calls_and_events_near_local_midnight(calls: list[Row], events: list[Row]) -> None:
    def local_clock(stamp: str) -> str:
        return stamp[11:16]

    late_or_early = [s for s in [c["start_time"] for c in calls] + [
        e["StartDateTime"] for e in events] if instant(s) and not s.endswith("Z")
        and (local_clock(s) >= "23:00" or local_clock(s) < "01:00")]
    # Call files hold the rep's local day; some of those calls fall on another UTC day.
    utc_day_differs = [c for c in calls if instant(c["start_time"]) and instant(
        c["start_time"]).astimezone(UTC).date().isoformat() != file_day(c)
        and c["sid"] not in redelivered_sids(calls)]
    assert late_or_early
    assert utc_day_differs


def redelivered_sids(calls: list[Row]) -> set[str]:
    files_per_sid = defaultdict(set)
    for call in calls:
        files_per_sid[call["sid"]].add(call.file)
    return {sid for sid, files in files_per_sid.items() if len(files) > 1}


def test_documents_redelivered_invoiced_cancelled_and_returned(documents: list[Row],
                                                               summary: SampleSummary) -> None:
    by_number = defaultdict(list)
    for document in documents:
        by_number[document["document_no"]].append(document)
    invoiced_later = [rows for rows in by_number.values()
                      if [r["status"] for r in sorted(rows, key=file_day)][:2] == [
                          "OPEN", "INVOICED"]]
    late_cancelled = [rows for rows in by_number.values() if any(
        r["status"] == "CANCELLED" for r in rows) and len(rows) > 1 and (
        date.fromisoformat(max(map(file_day, rows)))
        - date.fromisoformat(min(map(file_day, rows)))).days >= 7]
    assert invoiced_later and late_cancelled
    # The rows the generator wrote as returns and as cancelled, counted in the files (no defect
    # of this seed falls on one of them, so none was rewritten).
    returns = sum(d["document_type"] == "RETURN" for d in documents)
    assert returns == summary.cases["document_returns"]
    assert sum(d["status"] == "CANCELLED" for d in documents) == summary.cases[
        "document_rows_cancelled"]
    assert 0.01 < returns / len(documents) < 0.1


def test_later_files_carry_older_versions_and_ties(documents: list[Row],
                                                   events: list[Row]) -> None:
    def later_file_older_or_equal(rows: list[Row], stamp: str) -> tuple[bool, bool]:
        ordered = sorted((r for r in rows if instant(r[stamp])), key=file_day)
        older = equal = False
        for earlier, later in pairwise(ordered):
            if file_day(later) > file_day(earlier):
                older |= instant(later[stamp]) < instant(earlier[stamp])
                equal |= (instant(later[stamp]) == instant(earlier[stamp])
                          and later[stamp] != earlier[stamp])
        return older, equal

    for rows_by_key, stamp in ((group(documents, "document_no"), "changed_at"),
                               (group(events, "Id"), "LastModifiedDate")):
        flags = [later_file_older_or_equal(rows, stamp) for rows in rows_by_key.values()]
        assert any(older for older, _ in flags), stamp
        assert any(equal for _, equal in flags), stamp


def group(rows: list[Row], key: str) -> dict[str, list[Row]]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


def test_same_file_versions_must_be_compared_as_instants(documents: list[Row]) -> None:
    """A correction written in UTC whose text sorts before the original's local time."""
    traps = []
    for rows in group(documents, "document_no").values():
        for a in rows:
            for b in rows:
                if a.file == b.file and instant(a["changed_at"]) and instant(b["changed_at"]):
                    newer_by_instant = instant(a["changed_at"]) > instant(b["changed_at"])
                    if newer_by_instant and a["changed_at"] < b["changed_at"]:
                        traps.append((a, b))
    assert traps


def test_events_rescheduled_to_another_week_and_deleted(events: list[Row],
                                                        summary: SampleSummary) -> None:
    def week(stamp: str) -> tuple[int, int]:
        return instant(stamp).isocalendar()[:2]

    moved = [rows for rows in group(events, "Id").values()
             if len({week(r["StartDateTime"]) for r in rows if instant(r["StartDateTime"])}) > 1]
    deleted = [e for e in events if e["IsDeleted"].lower() == "true"]
    assert moved
    # Every event row the generator wrote as deleted, and only those (no defect of this seed
    # rewrote one's IsDeleted).
    assert len(deleted) == summary.cases["event_rows_deleted"]
    assert {e["Type"] for e in events} >= {"Visit", "Meeting", "Call", "Other"}
    assert {e["IsDeleted"] for e in events} >= {"", "false", "FALSE", "False"}
    assert any(not e["WhoId"] for e in events)


def test_team_history_has_transfers_a_gap_and_an_overlap(landing: Landing) -> None:
    by_user = group(landing.rows("crm/Team_Membership__c.csv"), "User__c")
    transitions = []
    for rows in by_user.values():
        ordered = sorted(rows, key=lambda r: r["Start_Date__c"])
        for first, second in pairwise(ordered):
            end, start = (date.fromisoformat(first["End_Date__c"]),
                          date.fromisoformat(second["Start_Date__c"]))
            transitions.append((start - end).days)
            assert first["Team__c"] != second["Team__c"]
            # Transfers fall mid-period, never on a Monday or the first of a month.
            assert start.day != 1 and start.weekday() != 0
    assert 1 in transitions  # ends one day, the new team starts the next
    assert any(days > 1 for days in transitions)  # a gap: Unassigned in between
    assert any(days < 1 for days in transitions)  # an overlap: the later start wins


def test_files_vary_column_order_and_carry_extra_columns(landing: Landing) -> None:
    for pattern, canonical in CANONICAL_ORDER.items():
        headers = [header for _, header in landing.headers(pattern)]
        assert any(h == canonical for h in headers), pattern
        assert any(h != canonical and set(canonical) <= set(h) for h in headers), pattern
        assert any(set(h) - set(canonical) for h in headers), pattern
    contact_header = next(landing.headers("crm/Contact.csv"))[1]
    assert contact_header[0] != "Id" and "OwnerId" in contact_header


def test_quoted_fields_with_commas_and_quotes(landing: Landing, events: list[Row]) -> None:
    assert any("," in e["Subject"] for e in events)
    assert any('"' in e["Subject"] for e in events)
    raw = "".join(p.read_text() for p in landing.files("crm/Event_*.csv"))
    assert '""Premium""' in raw
    assert any(header[0].startswith('"') for header in (
        p.read_text().splitlines()[0] for p in landing.files("crm/Event_*.csv")))
    assert any("," in c["Title"] for c in landing.rows("crm/Contact.csv"))


def _short_rows(rows: list[Row], landing: Landing, pattern: str) -> int:
    widths = {p.name: len(h) for p, h in landing.headers(pattern)}
    return sum(r.width < widths[r.file] for r in rows)


OFFSET_LESS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
CALL_STATUSES = {"completed", "busy", "no-answer", "failed", "canceled"}
DOCUMENT_STATUSES = {"OPEN", "INVOICED", "CANCELLED"}


def test_malformed_rows_in_the_files_are_exactly_the_planted_ones(
        calls: list[Row], documents: list[Row], events: list[Row], landing: Landing,
        summary: SampleSummary) -> None:
    """Each defect found by reading the files, counted, equals the generator's own log of what
    it planted: no defect missing, none written that the log does not know of."""
    rep_digits = {digits(u["Phone"]) for u in landing.rows("crm/User.csv")}

    def impossible(stamp: str) -> bool:  # shaped like a timestamp, but hour 25 or month 13
        return bool(TIMESTAMP.match(stamp)) and instant(stamp) is None

    found = {
        "calls:offset_less_timestamp": sum(bool(OFFSET_LESS.fullmatch(c["start_time"]))
                                           for c in calls),
        "calls:unparseable_timestamp": sum(impossible(c["start_time"]) for c in calls),
        "calls:negative_duration": sum(c["duration"].startswith("-") for c in calls),
        "calls:fractional_duration": sum("." in c["duration"] for c in calls),
        "calls:unknown_direction": sum(c["direction"] == "Outbound" for c in calls),
        "calls:unknown_status": sum(c["status"] not in CALL_STATUSES
                                    and c["status"].lower() in CALL_STATUSES for c in calls),
        "calls:unknown_answered_by": sum(c["answered_by"] == "machine" for c in calls),
        # An outbound call (not a child leg) from a number no user has.
        "calls:unknown_rep_phone": sum(
            c["direction"] in ("outbound-dial", "outbound-api") and not c["parent_call_sid"]
            and digits(c["from"]) not in rep_digits for c in calls),
        "calls:missing_field": _short_rows(calls, landing, "telephony/calls_*.csv"),
        "documents:thousands_separator_amount": sum(
            bool(re.fullmatch(r"\d{1,3}(,\d{3})+\.\d\d", d["net_amount"])) for d in documents),
        "documents:unparseable_amount": sum(d["net_amount"] == "n/a" for d in documents),
        "documents:unknown_employee": sum(d["sales_rep_no"] == "E90000" for d in documents),
        "documents:unknown_document_type": sum(d["document_type"] in ("Order", "Return")
                                               for d in documents),
        "documents:unknown_status": sum(d["status"] not in DOCUMENT_STATUSES
                                        and d["status"].upper() in DOCUMENT_STATUSES
                                        for d in documents),
        "documents:offset_less_timestamp": sum(bool(OFFSET_LESS.fullmatch(d["changed_at"]))
                                               for d in documents),
        "documents:invalid_document_date": sum(d["document_date"].endswith("-32")
                                               for d in documents),
        "documents:missing_field": _short_rows(documents, landing, "erp/sales_documents_*.csv"),
        "events:unknown_type": sum(e["Type"] in ("VISIT", "MEETING", "CALL", "OTHER")
                                   for e in events),
        "events:unknown_owner": sum(e["OwnerId"] == "005999999999999" for e in events),
        "events:offset_less_timestamp": sum(bool(OFFSET_LESS.fullmatch(e["StartDateTime"]))
                                            for e in events),
        "events:unparseable_timestamp": sum(impossible(e["LastModifiedDate"]) for e in events),
        "events:invalid_boolean": sum(e["IsDeleted"] == "yes" for e in events),
        "events:missing_field": _short_rows(events, landing, "crm/Event_*.csv"),
    }
    planted = {name: n for name, n in summary.cases.items() if ":" in name}
    assert found == planted
    # Every kind is planted at least once (on its fixed early working day), whatever the rate.
    assert min(found.values()) >= 1
    assert sum(found.values()) == summary.malformed


def test_malformed_share_per_source_is_under_two_percent(summary: SampleSummary,
                                                         calls: list[Row], documents: list[Row],
                                                         events: list[Row]) -> None:
    for source, rows in (("calls", calls), ("documents", documents), ("events", events)):
        bad = sum(n for name, n in summary.cases.items() if name.startswith(f"{source}:"))
        assert 1 <= bad < 0.02 * len(rows), source


def test_fx_gap_and_weekend_documents(landing: Landing, documents: list[Row]) -> None:
    first_chf = min(r["date"] for r in landing.rows("erp/fx_rates.csv") if r["currency"] == "CHF")
    assert any(d["currency"] == "CHF" and d["document_date"] < first_chf for d in documents)
    assert any(d["currency"] != "EUR" and re.fullmatch(r"\d{4}-\d\d-\d\d", d["document_date"])
               and date.fromisoformat(d["document_date"]).weekday() == 5 for d in documents
               if not d["document_date"].endswith("-32"))
    assert {d["currency"] for d in documents} >= {"EUR", "USD", "GBP", "CHF"}

"""Fuzz: whole landing areas mutated at random, run through Dagster round after round.

A small generated sample (4 reps x 14 days) is the seed corpus. Each round, a seeded choice of its
files is mutated (byte flips, truncation, shuffled columns, deleted and duplicated lines, random
unicode, huge fields, other encodings, CRLF, a BOM, a header column dropped, emptied) and the others
are delivered as generated, so a file broken in one round is replaced, and retried, in the next.
After every round: no step failed except a blocking check doing its job, every file is listed as
loaded or held back as its mutation implies, every row read is accounted for, and where a file's
records can be counted from its bytes, that many rows were read. The last round restores the
sample and must leave the raw layer exactly as generated.

Mutations never produce what is already reproduced by a strict xfail in test_bad_files.py, so that
one known bug does not hide everything else: no stray carriage return (mixed line ends, a bare
\\r in binary noise) and no field beyond 16 MB (a silently dropped line).
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from sales_pipeline.contract import SOURCES, Source
from sales_pipeline.ingestion.landing import LandingFile, discover
from sales_pipeline.sample import generate_sample
from sales_pipeline.sample.generator import SampleSummary
from sales_pipeline_tests.reliability.conftest import Pipeline, RunOutcome, write

SEED = 20260302
MUTATED_SHARE = 0.4
# Over DuckDB's 2 MB max_line_size (so the line is rejected) and far under the size at which it is
# dropped without a trace (see test_50mb_single_field).
HUGE_FIELD_BYTES = 3 * 1024 * 1024
UNICODE_NOISE = ["é", "ü", "ß", "Ω", "Ж", "中文", "🙂", "\u200b", "\u202e", "\u2028", "\x85",
                 "\x00", "\ufeff", "e\u0301", ",", '"', ";", "\t", " ", "\\", "'", "\U0010ffff"]
ENCODINGS = ["latin-1", "cp1252", "utf-16", "utf-8-sig", "utf-32"]


# ----------------------------------------------------------------------------- mutations

Mutate = Callable[[bytes, random.Random], bytes]


def _split(data: bytes) -> tuple[bytes, list[bytes]]:
    header, _, body = data.partition(b"\n")
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return header, lines


def _join(header: bytes, lines: list[bytes]) -> bytes:
    return b"\n".join([header, *lines]) + b"\n"


def byte_flips(data: bytes, rng: random.Random) -> bytes:
    header, _ = _split(data)
    body = bytearray(data[len(header) + 1:])
    for _ in range(rng.randint(1, 8)):
        if body:
            # Never a line break: a stray \r is a known bug, a new \n merely splits a record.
            body[rng.randrange(len(body))] = rng.choice([b for b in range(256) if b not in b"\r\n"])
    return header + b"\n" + bytes(body)


def truncate(data: bytes, rng: random.Random) -> bytes:
    header, _ = _split(data)
    return data[: rng.randint(len(header) + 1, max(len(header) + 1, len(data) - 1))]


def shuffle_columns(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="surrogateescape")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    order = list(range(len(rows[0])))
    rng.shuffle(order)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([row[i] for i in order] if len(row) == len(order) else row)
    return out.getvalue().encode("utf-8", errors="surrogateescape")


def delete_lines(data: bytes, rng: random.Random) -> bytes:
    header, lines = _split(data)
    for _ in range(min(len(lines), rng.randint(1, 5))):
        lines.pop(rng.randrange(len(lines)))
    return _join(header, lines)


def duplicate_lines(data: bytes, rng: random.Random) -> bytes:
    header, lines = _split(data)
    for _ in range(rng.randint(1, 5) if lines else 0):
        index = rng.randrange(len(lines))
        lines.insert(rng.randrange(len(lines) + 1), lines[index])
    return _join(header, lines)


def random_unicode(data: bytes, rng: random.Random) -> bytes:
    header, lines = _split(data)
    for _ in range(rng.randint(1, 10) if lines else 0):
        index = rng.randrange(len(lines))
        text = lines[index].decode("utf-8", errors="replace")
        at = rng.randint(0, len(text))
        lines[index] = (text[:at] + rng.choice(UNICODE_NOISE) + text[at:]).encode("utf-8")
    return _join(header, lines)


def huge_field(data: bytes, rng: random.Random) -> bytes:
    header, lines = _split(data)
    if lines:
        index = rng.randrange(len(lines))
        fields = lines[index].split(b",")
        size = rng.choice([100 * 1024, HUGE_FIELD_BYTES])
        fields[rng.randrange(len(fields))] = b"x" * size
        lines[index] = b",".join(fields)
    return _join(header, lines)


def reencode(data: bytes, rng: random.Random) -> bytes:
    return data.decode("utf-8", errors="replace").encode(rng.choice(ENCODINGS), errors="replace")


def crlf(data: bytes, _: random.Random) -> bytes:
    return data.replace(b"\n", b"\r\n")


def drop_header_column(data: bytes, rng: random.Random) -> bytes:
    header, _ = _split(data)
    names = header.split(b",")
    names.pop(rng.randrange(len(names)))
    return b",".join(names) + data[len(header):]


def empty(_: bytes, __: random.Random) -> bytes:
    return b""


BODY_MUTATIONS: dict[str, Mutate] = {
    "byte flips": byte_flips, "truncation": truncate, "column shuffle": shuffle_columns,
    "deleted lines": delete_lines, "duplicated lines": duplicate_lines,
    "random unicode": random_unicode, "huge field": huge_field,
}
# Applied last, to the whole file.
FILE_MUTATIONS: dict[str, Mutate] = {
    "encoding": reencode, "CRLF": crlf, "header column dropped": drop_header_column,
    "emptied": empty,
}


def _expected_status(source: Source, data: bytes) -> str:
    """Held back iff the contract says so: empty, header not UTF-8 or binary, a column missing."""
    if not data.strip():
        return "held_back"
    try:
        header = data.partition(b"\n")[0].decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        return "held_back"
    names = {name.strip() for name in next(csv.reader([header]))}
    return "loaded" if "\x00" not in header and set(source.columns) <= names else "held_back"


def _countable_lines(data: bytes) -> tuple[int, ...] | None:
    """The line numbers of the records of a file whose lines are its records: no quotes (CRLF
    comes whole or not at all). The header is line 1 (docs/contract.md, line numbers); DuckDB
    skips empty lines, which keep their numbers, and a line of blanks is a (malformed) record."""
    if b'"' in data:
        return None
    _, lines = _split(data.replace(b"\r\n", b"\n"))
    return tuple(number for number, line in enumerate(lines, start=2) if line)


# ----------------------------------------------------------------------------- rounds


@dataclass
class Round:
    number: int
    mode: str
    threshold: str
    mutations: dict[str, list[str]] = field(default_factory=dict)
    # Size and mtime of every file as delivered this round: what raw.landed_files must show.
    fingerprints: dict[str, str] = field(default_factory=dict)
    expected_status: dict[str, str] = field(default_factory=dict)
    # Files written this round (new or changed bytes); the others are as the last round left them.
    rewritten: set[str] = field(default_factory=set)
    countable: dict[str, tuple[int, ...]] = field(default_factory=dict)
    outcomes: list[RunOutcome] = field(default_factory=list)
    backfill_failed: list[str] = field(default_factory=list)
    periods: dict[str, int] = field(default_factory=dict)

    @property
    def ingest(self) -> RunOutcome:
        return self.outcomes[0]

    @property
    def last(self) -> RunOutcome:
        """The run that left the warehouse as the round ends (a backfill's last)."""
        return self.outcomes[-1]


@dataclass
class Fuzz:
    sample: SampleSummary
    rounds: list[Round]
    # A fresh warehouse fed the final landing area (the sample as generated) once.
    clean: RunOutcome
    clean_failed: list[str]


def _landing_files(landing: Path) -> list[LandingFile]:
    return [f for source in SOURCES.values() for f in discover(source, landing)]


def _mutate(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    kinds = rng.sample(sorted(BODY_MUTATIONS), rng.randint(0, 2))
    for kind in kinds:
        data = BODY_MUTATIONS[kind](data, rng)
    if not kinds or rng.random() < 0.3:
        kind = rng.choice(sorted(FILE_MUTATIONS))
        data = FILE_MUTATIONS[kind](data, rng)
        kinds.append(kind)
    return data, kinds


# (mode, SALES_MAX_REJECTED_SHARE): the second round lets the rejected-share check block; the
# last delivers the sample as generated again and backfills every grain's facts from it.
PLAN = [("ingest", "1"), ("ingest", "0.05"), ("restore", "1")]


@pytest.fixture(scope="module")
def fuzz(module_instance, tmp_path_factory) -> Fuzz:
    root = tmp_path_factory.mktemp("fuzz")
    corpus_dir, landing = root / "corpus", root / "landing"
    sample = generate_sample(corpus_dir, reps=4, days=14, seed=7)
    corpus = {f.name: f.path.read_bytes() for f in _landing_files(corpus_dir)}
    pipeline = Pipeline(module_instance, landing, root, "test_fuzz",
                        SALES_HISTORY_START=sample.start.isoformat())
    current: dict[str, bytes] = {}
    rounds = []
    for number, (mode, threshold) in enumerate(PLAN, start=1):
        rng = random.Random(SEED * 100 + number)
        fuzz_round = Round(number, mode, threshold)
        chosen = set() if mode == "restore" else set(
            rng.sample(sorted(corpus), round(len(corpus) * MUTATED_SHARE)))
        for name, pristine in sorted(corpus.items()):
            data = pristine
            if name in chosen:
                data, kinds = _mutate(pristine, rng)
                fuzz_round.mutations[name] = kinds
            fuzz_round.expected_status[name] = _expected_status(SOURCES[_source_of(name)], data)
            lines = _countable_lines(data)
            if lines is not None:
                fuzz_round.countable[name] = lines
            if current.get(name) != data:
                write(landing / name, data)
                current[name] = data
                fuzz_round.rewritten.add(name)
        fuzz_round.fingerprints = {f.name: f.fingerprint for f in _landing_files(landing)}
        if mode == "restore":
            summary, fuzz_round.outcomes = pipeline.backfill(SALES_MAX_REJECTED_SHARE=threshold)
            fuzz_round.backfill_failed = summary.failed
            fuzz_round.periods = summary.periods
        else:
            fuzz_round.outcomes = [pipeline.ingest(SALES_MAX_REJECTED_SHARE=threshold)]
        rounds.append(fuzz_round)

    # The reference: what one clean backfill makes of the final landing area. Reports are left
    # out: they are rendered from the marts compared here.
    clean_dir = root / "clean"
    clean_dir.mkdir()
    clean_pipeline = Pipeline(module_instance, landing, clean_dir, "test_fuzz",
                              SALES_HISTORY_START=sample.start.isoformat())
    clean_summary, clean_outcomes = clean_pipeline.backfill(
        reports="none", SALES_MAX_REJECTED_SHARE=PLAN[-1][1])
    return Fuzz(sample, rounds, clean_outcomes[-1], clean_summary.failed)


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    # Held-back files whose earlier version had landed, and how many of its rows were kept:
    # evidence that the round exercised "a previously landed version stays".
    kept_earlier: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        text = "; ".join(self.problems[:5]) if self.problems else "no violation"
        if self.kept_earlier:
            text += (f"; {len(self.kept_earlier)} held-back file(s) kept the "
                     f"{sum(self.kept_earlier.values())} row(s) of their earlier version")
        return text


def _raw_accounting(fuzz_round: Round, previous: Round | None, findings: Findings) -> None:
    """Every file of the landing area, line by line, in raw.landed_files and the raw tables.

    A file loaded this round: listed as loaded with as many rows as raw holds for it, all of them
    from this ingestion, each (file, line) once, and where lines are records, exactly its record
    lines. A file held back this round: listed with its reason (the one files_readable names), none
    of its rows from this ingestion, and its raw rows exactly those the previous round left (the
    last version that landed, or none). A file not delivered again: its raw rows untouched.
    """
    run = fuzz_round.ingest
    problems = findings.problems
    with duckdb.connect(str(run.warehouse), read_only=True) as conn:
        if previous is not None:
            conn.execute(f"ATTACH '{previous.last.warehouse}' AS previous (READ_ONLY)")
        ledger = {
            file: (reason, rows_read, rows_malformed, ingestion_id)
            for file, reason, rows_read, rows_malformed, ingestion_id in conn.execute(
                "SELECT file, reason, rows_read, rows_malformed, ingestion_id "
                "FROM raw.landed_files").fetchall()
        }
        for file in sorted(set(ledger) - set(fuzz_round.expected_status)):
            problems.append(f"{file}: listed in raw.landed_files but not in the landing area")
        for source in SOURCES:
            files = sorted(n for n in fuzz_round.expected_status if _source_of(n) == source)
            named = run.held_back(f"raw/{source}")
            # Per file: rows, distinct lines, malformed rows, rows from this ingestion.
            raw = {
                file: counts for file, *counts in conn.execute(
                    f"SELECT _file, count(*), count(DISTINCT _line), count(_error), "
                    f"count(*) FILTER (WHERE _ingestion_id = ?) FROM raw.{source} GROUP BY _file",
                    [run.run_id]).fetchall()
            }
            for file in sorted(set(raw) - set(files)):
                problems.append(f"{file}: {raw[file][0]} rows in raw.{source}, not a landing file")
            # Rows of each file that differ from what the previous round left, either way.
            # EXCEPT ALL treats NULLs as equal and counts duplicates.
            changed: dict[str, int] = {}
            earlier: dict[str, int] = {}
            if previous is not None:
                changed = dict(conn.execute(
                    f"""
                    SELECT _file, count(*) FROM (
                        (SELECT * FROM raw.{source} EXCEPT ALL SELECT * FROM previous.raw.{source})
                        UNION ALL
                        (SELECT * FROM previous.raw.{source} EXCEPT ALL SELECT * FROM raw.{source})
                    ) GROUP BY _file
                    """).fetchall())
                earlier = dict(conn.execute(
                    f"SELECT _file, count(*) FROM previous.raw.{source} GROUP BY _file").fetchall())
            for file in files:
                expected = fuzz_round.expected_status[file]
                what = f"{file} ({', '.join(fuzz_round.mutations.get(file, ['as generated']))})"
                rows, lines, malformed, this_ingestion = raw.get(file, (0, 0, 0, 0))
                # Status and fingerprint are checked by _violations.
                reason, rows_read, rows_malformed, ingestion_id = ledger.get(
                    file, (None, None, None, None))
                if lines != rows:
                    problems.append(f"{what}: {rows} raw rows on {lines} distinct lines")
                if file in fuzz_round.rewritten and ingestion_id != run.run_id:
                    problems.append(f"{what}: delivered again but listed by ingestion "
                                    f"{ingestion_id}, not this one")
                if expected == "loaded":
                    if (reason, rows_read, rows_malformed) != (None, rows, malformed):
                        problems.append(
                            f"{what}: listed with reason {reason!r}, {rows_read} rows read, "
                            f"{rows_malformed} malformed; raw holds {rows}, {malformed} malformed")
                    if file in fuzz_round.rewritten and this_ingestion != rows:
                        problems.append(f"{what}: {rows - this_ingestion} of its {rows} raw rows "
                                        "are not from the ingestion that loaded it")
                    if file in fuzz_round.countable:
                        line_numbers = [line for (line,) in conn.execute(
                            f"SELECT _line FROM raw.{source} WHERE _file = ? ORDER BY _line",
                            [file]).fetchall()]
                        if tuple(line_numbers) != fuzz_round.countable[file]:
                            missing = sorted(set(fuzz_round.countable[file]) - set(line_numbers))
                            extra = sorted(set(line_numbers) - set(fuzz_round.countable[file]))
                            problems.append(
                                f"{what}: raw lines {len(line_numbers)}, record lines "
                                f"{len(fuzz_round.countable[file])}; missing {missing[:5]}, "
                                f"not in the file {extra[:5]}")
                else:
                    if not reason or reason != named.get(file):
                        problems.append(f"{what}: held back with reason {reason!r}; files_readable"
                                        f" names it with {named.get(file)!r}")
                    if rows_read is not None or this_ingestion:
                        problems.append(f"{what}: held back, yet listed with {rows_read} rows "
                                        f"read and {this_ingestion} raw rows from this ingestion")
                    if earlier.get(file):
                        findings.kept_earlier[file] = earlier[file]
                if (expected == "held_back" or file not in fuzz_round.rewritten) and (
                    changed.get(file) or (previous is None and rows)
                ):
                    problems.append(
                        f"{what}: {'held back' if expected == 'held_back' else 'not delivered'}"
                        f" this round, yet {changed.get(file, rows)} of its raw rows differ from "
                        f"the {earlier.get(file, 0)} the previous round left")


def _staging_accounting(fuzz_round: Round, findings: Findings) -> None:
    """Every raw row of a staged source, by (file, line), is in exactly one of staging (accepted),
    its _superseded table or quarantine, and nothing else is; the reconciles_per_file check flags
    exactly the files whose counts do not balance."""
    run = fuzz_round.ingest
    problems = findings.problems
    for source in SOURCES:
        if f"staging/{source}" not in run.materialized:
            continue
        misplaced = run.query(
            f"""
            WITH raw_lines AS (
                SELECT _file AS file, _line AS line, count(*) AS n FROM raw.{source} GROUP BY ALL
            ), placed AS (
                SELECT file, line, count(*) AS n FROM (
                    SELECT _file AS file, _line AS line FROM staging.{source}
                    UNION ALL SELECT _file, _line FROM staging.{source}_superseded
                    UNION ALL SELECT file, line FROM quarantine.{source}
                ) GROUP BY ALL
            )
            SELECT file, count(*), min(line), arg_min(coalesce(raw_lines.n, 0), line),
                   arg_min(coalesce(placed.n, 0), line)
            FROM raw_lines FULL JOIN placed USING (file, line)
            WHERE coalesce(raw_lines.n, 0) <> 1 OR coalesce(placed.n, 0) <> 1
            GROUP BY file ORDER BY file
            """)
        for file, lines, line, in_raw, placed in misplaced:
            problems.append(f"{file}: {lines} line(s) not in raw once and staged once, first "
                            f"line {line}: {in_raw} in raw, {placed} staged/superseded/quarantined")
        unbalanced = {file for (file,) in run.query(
            f"""
            SELECT file FROM (
                SELECT r._file AS file, count(*) AS read,
                       (SELECT count(*) FROM staging.{source} s WHERE s._file = r._file)
                     + (SELECT count(*) FROM staging.{source}_superseded s WHERE s._file = r._file)
                     + (SELECT count(*) FROM quarantine.{source} q WHERE q.file = r._file)
                       AS accounted
                FROM raw.{source} r GROUP BY r._file)
            WHERE read <> accounted
            """)}
        reconciled = run.check(f"staging/{source}", "reconciles_per_file")
        flagged = {entry["file"] for entry in reconciled.metadata["unbalanced"].value}
        if flagged != unbalanced:
            problems.append(f"staging/{source} reconciles_per_file flags {sorted(flagged)}, "
                            f"unbalanced {sorted(unbalanced)}")


def _violations(fuzz_round: Round, previous: Round | None) -> Findings:
    run = fuzz_round.ingest
    findings = Findings()
    problems = findings.problems
    problems += [f"step {step} failed: {cls}: {message.splitlines()[0][:160]}"
                 for outcome in fuzz_round.outcomes for step, cls, message in outcome.crashes]
    problems += [f"backfill run failed: {name}" for name in fuzz_round.backfill_failed]

    listed = {file: (status, fingerprint) for file, status, fingerprint in run.query(
        "SELECT file, status, fingerprint FROM raw.landed_files")}
    for name, expected in fuzz_round.expected_status.items():
        status, fingerprint = listed.get(name, ("not listed", ""))
        if (status, fingerprint) != (expected, fuzz_round.fingerprints[name]):
            problems.append(f"{name} ({', '.join(fuzz_round.mutations.get(name, []))}): "
                            f"{status} at {fingerprint}, expected {expected} at "
                            f"{fuzz_round.fingerprints[name]}")
    held_back = {file for file, (status, _) in listed.items() if status == "held_back"}
    for source in SOURCES:
        held = {file for file in held_back if _source_of(file) == source}
        named = set(run.held_back(f"raw/{source}"))
        if held != named:
            problems.append(f"raw/{source} files_readable names {sorted(named)}, "
                            f"held back {sorted(held)}")
    _raw_accounting(fuzz_round, previous, findings)
    _staging_accounting(fuzz_round, findings)
    return findings


def _source_of(file: str) -> str:
    return next(s.name for s in SOURCES.values() if Path(file).match(s.glob))


def _rows_read(run: RunOutcome) -> int:
    """Rows the run's ingestion read from the files it loaded."""
    return int(run.query(
        "SELECT coalesce(sum(rows_read), 0) FROM raw.landed_files WHERE ingestion_id = ?",
        [run.run_id])[0][0])


@pytest.mark.parametrize("number", [1, 2], ids=["round 1", "round 2 (blocking on)"])
def test_fuzzed_round_never_crashes_and_accounts_for_every_row(
    fuzz: Fuzz, reliability_case, number: int
) -> None:
    fuzz_round = fuzz.rounds[number - 1]
    findings = _violations(fuzz_round, fuzz.rounds[number - 2] if number > 1 else None)
    kinds = Counter(kind for kinds in fuzz_round.mutations.values() for kind in kinds)
    statuses = Counter(fuzz_round.expected_status.values())
    blocked = sorted(step for step, cls, _ in fuzz_round.ingest.step_failures
                     if cls == "DagsterAssetCheckFailedError")
    rows_read = _rows_read(fuzz_round.ingest)
    reliability_case(
        case=f"round {number}: ingest, rejected-share threshold {fuzz_round.threshold}",
        given=f"{len(fuzz_round.mutations)} of {len(fuzz_round.expected_status)} files mutated: "
        + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())),
        expected="no step error (a blocking check may stop downstream); each file loaded or held "
        "back as its header implies, a held-back one named with its reason and keeping exactly "
        "the raw rows of its last landed version; every raw line of every file in staging, "
        "superseded or quarantine exactly once; quote-free files read line for line",
        observed=f"{statuses['loaded']} loaded, {statuses['held_back']} held back, {rows_read} "
        f"rows read, {len(fuzz_round.countable)} files counted line by line; blocked by checks: "
        f"{', '.join(blocked) or 'none'}; {findings.describe()}",
        runs=len(fuzz_round.outcomes), files=len(fuzz_round.mutations), rows=rows_read,
    )
    assert not findings.problems
    if number == 2:
        # Round 2 re-delivers, broken, files that landed in round 1: the seed must keep producing
        # that case, or the rule "a previously landed version stays" goes unchecked. (Which files
        # and how many rows follows from the seeded choices, not from the contract.)
        assert findings.kept_earlier, "no held-back file of round 2 had landed before"


def test_restoring_the_sample_restores_everything(fuzz: Fuzz, reliability_case) -> None:
    restore = fuzz.rounds[-1]
    run = restore.ingest
    findings = _violations(restore, fuzz.rounds[-2])
    raw = dict(run.query(" UNION ALL ".join(
        f"SELECT '{source}', count(*) FROM raw.{source}" for source in SOURCES)))
    sample = fuzz.sample
    generated = {"calls": sample.calls, "events": sample.events,
                 "sales_documents": sample.documents, "users": sample.users,
                 "contacts": sample.contacts, "team_memberships": sample.memberships,
                 "sales_targets": sample.targets, "fx_rates": sample.fx_rates}
    held = [file for (file,) in run.query(
        "SELECT file FROM raw.landed_files WHERE status = 'held_back'")]
    rows_read = _rows_read(run)
    reliability_case(
        case="round 3: restore and backfill",
        given=f"the {len(fuzz.rounds[-2].mutations)} files mutated in round 2 delivered as "
        "generated again; run_backfill (ingestion, then every grain)",
        expected="no step error; every file loaded, none held back; raw rows per source = rows "
        "generated; every grain's facts built",
        observed=f"{rows_read} rows re-read; held back {held or 'none'}; raw rows = generated: "
        f"{raw == generated}; periods built {restore.periods}; {findings.describe()}",
        runs=len(restore.outcomes), rows=rows_read,
    )
    assert not findings.problems
    assert not held
    assert raw == generated
    assert set(restore.periods) == {"weekly", "monthly", "quarterly", "yearly"}


# Compared with the clean run: every table derived from raw. Raw itself differs by design (its
# rows carry the ingestion that read them), and `pipeline` is the merge ledger.
COMPARED_SCHEMAS = ("staging", "quarantine", "marts")


def _table_differences(fuzzed: Path, clean: Path) -> tuple[dict[str, int], list[str]]:
    """Rows per table of the fuzzed warehouse, and every difference from the clean one: a table
    on one side only, other columns, or rows in one and not the other (EXCEPT ALL both ways, so
    a duplicated row counts too)."""
    schemas = ", ".join(f"'{schema}'" for schema in COMPARED_SCHEMAS)
    listing = ("SELECT schema_name || '.' || table_name, list(column_name ORDER BY column_index) "
               "FROM duckdb_columns() WHERE database_name = ? AND schema_name IN "
               f"({schemas}) GROUP BY ALL")
    differences: list[str] = []
    sizes: dict[str, int] = {}
    with duckdb.connect(str(fuzzed), read_only=True) as conn:
        conn.execute(f"ATTACH '{clean}' AS clean (READ_ONLY)")
        (fuzzed_db,) = conn.execute("SELECT current_database()").fetchone()
        ours = dict(conn.execute(listing, [fuzzed_db]).fetchall())
        theirs = dict(conn.execute(listing, ["clean"]).fetchall())
        differences += [f"{table}: only after the fuzzed rounds"
                        for table in sorted(set(ours) - set(theirs))]
        differences += [f"{table}: only after the clean run"
                        for table in sorted(set(theirs) - set(ours))]
        for table in sorted(set(ours) & set(theirs)):
            if ours[table] != theirs[table]:
                differences.append(f"{table}: columns {ours[table]} vs {theirs[table]}")
                continue
            (sizes[table],) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            only_fuzzed, only_clean = conn.execute(
                f"SELECT (SELECT count(*) FROM (SELECT * FROM {table} "
                f"EXCEPT ALL SELECT * FROM clean.{table})), "
                f"(SELECT count(*) FROM (SELECT * FROM clean.{table} "
                f"EXCEPT ALL SELECT * FROM {table}))").fetchone()
            if only_fuzzed or only_clean:
                differences.append(f"{table}: {only_fuzzed} row(s) only after the fuzzed rounds, "
                                   f"{only_clean} only after the clean run")
    return sizes, differences


def test_fuzzed_history_leaves_the_tables_of_a_clean_run(fuzz: Fuzz, reliability_case) -> None:
    fuzzed = fuzz.rounds[-1].last.warehouse
    sizes, differences = _table_differences(fuzzed, fuzz.clean.warehouse)
    marts = {table: rows for table, rows in sizes.items() if table.startswith("marts.")}
    reliability_case(
        case="rounds 1-3 against one clean run",
        given="the warehouse after the three rounds, and a fresh warehouse backfilled once from "
        "the final landing area (the sample as generated)",
        expected="every staging, quarantine and mart table identical, row for row",
        observed=f"{len(sizes)} tables compared ({len(marts)} marts, {sum(marts.values())} mart "
        f"rows); clean run failed: {fuzz.clean_failed or 'none'}; "
        + ("; ".join(differences[:5]) if differences else "no difference"),
        runs=1,
    )
    assert not fuzz.clean_failed
    assert not differences
    # The marts the contract defines: {rep,team,department}_activity_{weekly,monthly,quarterly,
    # yearly}, so that an empty comparison cannot pass for an equal one.
    facts = {f"marts.{level}_activity_{grain}" for level in ("rep", "team", "department")
             for grain in ("weekly", "monthly", "quarterly", "yearly")}
    assert facts <= set(marts)

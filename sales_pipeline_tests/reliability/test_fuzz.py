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


def _countable_records(data: bytes) -> int | None:
    """Records in a file whose lines are its records: no quotes (CRLF comes whole or not at all)."""
    if b'"' in data:
        return None
    _, lines = _split(data.replace(b"\r\n", b"\n"))
    # DuckDB skips empty lines; a line of blanks is a (malformed) record.
    return sum(1 for line in lines if line)


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
    countable: dict[str, int] = field(default_factory=dict)
    outcomes: list[RunOutcome] = field(default_factory=list)
    backfill_failed: list[str] = field(default_factory=list)
    periods: dict[str, int] = field(default_factory=dict)

    @property
    def ingest(self) -> RunOutcome:
        return self.outcomes[0]


@dataclass
class Fuzz:
    sample: SampleSummary
    rounds: list[Round]


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
            records = _countable_records(data)
            if records is not None:
                fuzz_round.countable[name] = records
            if current.get(name) != data:
                write(landing / name, data)
                current[name] = data
        fuzz_round.fingerprints = {f.name: f.fingerprint for f in _landing_files(landing)}
        if mode == "restore":
            summary, fuzz_round.outcomes = pipeline.backfill(SALES_MAX_REJECTED_SHARE=threshold)
            fuzz_round.backfill_failed = summary.failed
            fuzz_round.periods = summary.periods
        else:
            fuzz_round.outcomes = [pipeline.ingest(SALES_MAX_REJECTED_SHARE=threshold)]
        rounds.append(fuzz_round)
    return Fuzz(sample, rounds)


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    # Rows lost by the bug test_bad_files reproduces (a landed file now held back drops out of a
    # full rebuild): reported, not failed, so the fuzz keeps checking everything else.
    known: list[str] = field(default_factory=list)

    def describe(self) -> str:
        text = "; ".join(self.problems[:5]) if self.problems else "no violation"
        if self.known:
            text += (f"; known bug, rows of {len(self.known)} held-back file(s) out of staging "
                     f"after a full rebuild: {', '.join(self.known[:5])}")
        return text


def _violations(fuzz_round: Round) -> Findings:
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

    for source in SOURCES:
        if f"staging/{source}" not in run.materialized:
            continue
        unbalanced = run.query(
            f"""
            SELECT file, read, accounted FROM (
                SELECT r._file AS file, count(*) AS read,
                       (SELECT count(*) FROM staging.{source} s WHERE s._file = r._file)
                     + (SELECT count(*) FROM staging.{source}_superseded s WHERE s._file = r._file)
                     + (SELECT count(*) FROM quarantine.{source} q WHERE q.file = r._file)
                       AS accounted
                FROM raw.{source} r GROUP BY r._file)
            WHERE read <> accounted ORDER BY file
            """)
        for file, read, accounted in unbalanced:
            if file in held_back and accounted == 0:
                findings.known.append(file)
            else:
                problems.append(f"{file}: {read} rows read, {accounted} accounted for")
        reconciled = run.check(f"staging/{source}", "reconciles_per_file")
        flagged = {entry["file"] for entry in reconciled.metadata["unbalanced"].value}
        if flagged != {file for file, _, _ in unbalanced}:
            problems.append(f"staging/{source} reconciles_per_file flags {sorted(flagged)}, "
                            f"unbalanced {sorted(f for f, _, _ in unbalanced)}")

    read_per_file = dict(run.query("SELECT _file, count(*) FROM (" + " UNION ALL ".join(
        f"SELECT _file FROM raw.{source}" for source in SOURCES) + ") GROUP BY _file"))
    for name, records in fuzz_round.countable.items():
        if fuzz_round.expected_status[name] == "loaded" and read_per_file.get(name, 0) != records:
            problems.append(f"{name} ({', '.join(fuzz_round.mutations.get(name, ['as generated']))})"
                            f": {read_per_file.get(name, 0)} rows read, {records} records in it")
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
    findings = _violations(fuzz_round)
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
        "back as its header implies and named if held back; rows read = accepted + superseded + "
        "quarantined per file; quote-free files read line for line",
        observed=f"{statuses['loaded']} loaded, {statuses['held_back']} held back, {rows_read} "
        f"rows read, {len(fuzz_round.countable)} files counted line by line; blocked by checks: "
        f"{', '.join(blocked) or 'none'}; {findings.describe()}",
        runs=len(fuzz_round.outcomes), files=len(fuzz_round.mutations), rows=rows_read,
    )
    assert not findings.problems


def test_restoring_the_sample_restores_everything(fuzz: Fuzz, reliability_case) -> None:
    restore = fuzz.rounds[-1]
    run = restore.ingest
    findings = _violations(restore)
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
    assert not findings.problems and not findings.known
    assert not held
    assert raw == generated
    assert set(restore.periods) == {"weekly", "monthly", "quarterly", "yearly"}

"""Operations: what the environment and the command line do to a run, and what an operator sees.

Each case runs the real `sales-pipeline` command: in a subprocess where the process itself matters
(its exit code, its output, the permissions it runs with), in this process otherwise.
"""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import zstandard

from sales_pipeline import cli
from sales_pipeline.dagster_internals import pool_watchdog
from sales_pipeline.publish import build_published_marts
from sales_pipeline.resources import (
    WAREHOUSE_POOL,
    build_resources,
    open_warehouse,
    warehouse_problem,
)
from sales_pipeline.runner import PROCESS_TAG, recover_interrupted_runs
from sales_pipeline_tests.conftest import facts_definitions, settings_for
from sales_pipeline_tests.packing import zip_of
from sales_pipeline_tests.reliability.conftest import (
    CALLS_HEADER,
    DOCUMENTS_HEADER,
    EVENTS_HEADER,
    CaseRecord,
    call_row,
    csv_text,
    document_row,
    event_row,
    write,
    write_crm_world,
)

GOOD_CALLS = "telephony/calls_2026-03-02.csv"
EMPTY_CALLS = "telephony/calls_2026-03-03.csv"
SETPRIV = shutil.which("setpriv")


def _environment(landing: Path, workdir: Path, **extra: str) -> dict[str, str]:
    return {
        "SALES_LANDING_DIR": str(landing),
        "SALES_WAREHOUSE": str(workdir / "warehouse" / "warehouse.duckdb"),
        "SALES_REPORTS_DIR": str(workdir / "reports"),
        "DAGSTER_HOME": str(workdir / "dagster_home"),
        **extra,
    }


def _command(env: dict[str, str], *args: str, as_unprivileged_root: bool = False):
    """`sales-pipeline backfill` in a subprocess. Without DAC override, root meets file
    permissions like any user (CI runs as root)."""
    prefix = [SETPRIV, "--bounding-set", "-dac_override,-dac_read_search"] if as_unprivileged_root else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "sales_pipeline.cli", "backfill", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        # A guard against a hang, not a time limit: on a loaded machine one small backfill
        # has taken over two minutes.
        timeout=900,
    )


def _summary_problems(err: str) -> str:
    """The summary's problem lines (errors, held-back, blocked, not recognised), without the
    log and banners around them: what an operator reads."""
    kept = [
        line.strip()
        for line in err.splitlines()
        if line.startswith(("error:", "  held back:", "  blocked:", "  not recognised:", "  failed:"))
    ]
    return "; ".join(kept)


@pytest.fixture
def in_process_backfill(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """`sales-pipeline backfill ARGS` in this process; returns its exit code, stdout and stderr.

    The code location is the facts-only one: the exit code and summary do not depend on the
    analysis and reports, which would triple the time of each run.
    """
    monkeypatch.setattr("sales_pipeline.definitions.build_definitions", facts_definitions)

    def backfill(env: dict[str, str], *args: str) -> tuple[int, str, str]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = cli.main(["backfill", "--reports", "none", *args])
        output = capsys.readouterr()
        return code, output.out, output.err

    return backfill


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    write_crm_world(landing)
    write(landing / GOOD_CALLS, csv_text(CALLS_HEADER, [call_row("CA01"), call_row("CA02")]))
    return landing


# --------------------------------------------------------------------- settings and environment


def test_an_unknown_time_zone_is_one_line_and_exit_2(
    landing: Path, tmp_path: Path, reliability_case: Callable[..., CaseRecord]
) -> None:
    done = _command(_environment(landing, tmp_path, SALES_TIMEZONE="Not/AZone"))
    reliability_case(
        case="unknown time zone", given="SALES_TIMEZONE=Not/AZone",
        expected="exit 2, one line naming the variable and its value, no traceback",
        observed=f"exit {done.returncode}: {_summary_problems(done.stderr)}", runs=0,
    )
    assert done.returncode == cli.EXIT_USAGE
    assert done.stderr.splitlines() == [
        "error: SALES_TIMEZONE='Not/AZone' is not an IANA time zone "
        "(for example UTC or Europe/Athens)"
    ]
    assert not (tmp_path / "warehouse").exists()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SALES_REPORTING_CURRENCY", "euro", "is not an ISO 4217 currency code"),
        ("SALES_HISTORY_START", "2020-13-01", "is not a date (YYYY-MM-DD)"),
        ("SALES_MAX_REJECTED_SHARE", "5%", "is not a number"),
        ("SALES_MAX_REJECTED_SHARE", "2", "is not a share between 0 and 1"),
        ("SALES_DUCKDB_MEMORY_LIMIT", "lots", "is not a memory size DuckDB accepts"),
        ("SALES_NON_SELLER_TITLES", "(manager", "is not a regular expression DuckDB can use"),
    ],
)
def test_every_setting_is_validated_at_start(
    landing: Path,
    tmp_path: Path,
    in_process_backfill: Callable[..., tuple[int, str, str]],
    variable: str,
    value: str,
    message: str,
    reliability_case: Callable[..., CaseRecord],
) -> None:
    code, _, err = in_process_backfill(_environment(landing, tmp_path, **{variable: value}))
    reliability_case(
        case=f"invalid {variable}", given=f"{variable}={value}",
        expected="exit 2 at start, one line naming the variable and its value; nothing opened",
        observed=f"exit {code}: {_summary_problems(err)}", runs=0,
    )
    assert code == cli.EXIT_USAGE
    assert err.startswith(f"error: {variable}={value!r} {message}")
    assert not (tmp_path / "warehouse").exists()


@pytest.mark.skipif(SETPRIV is None, reason="setpriv (util-linux) is needed to drop root's DAC override")
def test_a_read_only_warehouse_folder_fails_at_once(
    landing: Path, tmp_path: Path, reliability_case: Callable[..., CaseRecord]
) -> None:
    folder = tmp_path / "warehouse"
    folder.mkdir()
    folder.chmod(0o555)
    done = _command(_environment(landing, tmp_path), as_unprivileged_root=True)
    reliability_case(
        case="read-only warehouse folder", given=f"{folder} is mode 555",
        expected="exit 2 with one line naming the file and the reason; no retries, no run",
        observed=f"exit {done.returncode}: {done.stderr.strip()}", runs=0,
    )
    assert done.returncode == cli.EXIT_USAGE
    assert done.stderr.splitlines() == [
        f"error: the warehouse {folder / 'warehouse.duckdb'} cannot be opened: "
        f'Cannot open file "{folder / "warehouse.duckdb"}": Permission denied'
    ]
    # Nothing was attempted: no Dagster run was recorded.
    assert not (tmp_path / "dagster_home" / "history").exists()


def test_a_corrupt_warehouse_file_fails_at_once(
    landing: Path, tmp_path: Path, reliability_case: Callable[..., CaseRecord]
) -> None:
    corrupt = tmp_path / "warehouse" / "warehouse.duckdb"
    write(corrupt, b"not a database" * 1000)
    done = _command(_environment(landing, tmp_path))
    reliability_case(
        case="corrupt warehouse file", given="the warehouse file holds 14 KB of text",
        expected="exit 2 with one line naming the file; the file is left as it was",
        observed=f"exit {done.returncode}: {done.stderr.strip()}", runs=0,
    )
    assert done.returncode == cli.EXIT_USAGE
    assert done.stderr.splitlines() == [
        f"error: the warehouse {corrupt} cannot be opened: The file \"{corrupt}\" exists, "
        "but it is not a valid DuckDB database file!"
    ]
    assert corrupt.read_bytes() == b"not a database" * 1000


@pytest.fixture
def locked_warehouse(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A warehouse another process holds open for writing until it is told to let go."""
    database = tmp_path / "locked.duckdb"
    duckdb.connect(str(database)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, sys; c = duckdb.connect({str(database)!r}); print('held', flush=True); "
         "sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    yield database, holder
    holder.kill()
    holder.wait()


def test_a_lock_held_by_another_process_is_waited_out(
    locked_warehouse: tuple[Path, subprocess.Popen[str]],
    reliability_case: Callable[..., CaseRecord],
) -> None:
    database, holder = locked_warehouse
    # The pre-flight check does not wait, and a lock is no reason to refuse a run.
    assert warehouse_problem(database) is None
    assert holder.stdin is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    # The holder exits while this waits on its lock; the open then goes through.
    conn = open_warehouse(str(database))
    conn.execute("CREATE TABLE t AS SELECT 1 AS x")
    conn.close()
    reliability_case(
        case="warehouse locked by another process", given="another process holds the warehouse "
        "open for writing, then lets go",
        expected="the pre-flight check passes; opening waits for the lock (the only error "
        "retried) and goes through",
        observed="opened and written once the holder let go", runs=0,
    )
    assert holder.wait(timeout=300) == 0


# ------------------------------------------------------------------------------ exit codes


def test_held_back_files_exit_3_unless_allowed(
    landing: Path,
    tmp_path: Path,
    in_process_backfill: Callable[..., tuple[int, str, str]],
    reliability_case: Callable[..., CaseRecord],
) -> None:
    write(landing / EMPTY_CALLS, "")
    env = _environment(landing, tmp_path)
    first, first_out, first_err = in_process_backfill(env)
    allowed, _, allowed_err = in_process_backfill(env, "--allow-held-back")
    held_line = f"  held back: calls {EMPTY_CALLS}: file is empty: no header row"
    reliability_case(
        case="exit code of a partial run", given=f"{EMPTY_CALLS} is empty, the rest is good",
        expected=f"exit {cli.EXIT_PARTIAL} listing the file and reason; "
        f"exit {cli.EXIT_OK} with --allow-held-back, still listing it",
        observed=f"exit {first}, then {allowed}; {_summary_problems(first_err)}", runs=8,
    )
    assert first == cli.EXIT_PARTIAL
    assert held_line in first_err.splitlines()
    # Held-back files do not stop the good ones: they were built and published.
    published = tmp_path / "warehouse" / "published" / "warehouse.duckdb"
    assert f"  published copy:     {published} (new copy: reconnect to see it)" in (
        first_out.splitlines()
    )
    assert allowed == cli.EXIT_OK
    assert held_line in allowed_err.splitlines()


def test_a_blocked_delivery_exits_3(
    landing: Path,
    tmp_path: Path,
    in_process_backfill: Callable[..., tuple[int, str, str]],
    reliability_case: Callable[..., CaseRecord],
) -> None:
    # Ten calls from a number nobody has: 10 of 12 rows rejected, over the 5% threshold and at
    # the 10 rows from which a delivery blocks.
    write(landing / "telephony/calls_2026-03-04.csv", csv_text(
        CALLS_HEADER, [call_row(f"CX{n:02}", from_="+30 210 555 9999") for n in range(10)]
    ))
    code, out, err = in_process_backfill(_environment(landing, tmp_path))
    reliability_case(
        case="exit code of a blocked delivery", given="10 of 12 calls from an unknown number",
        expected=f"exit {cli.EXIT_PARTIAL}, the source named with its share, no facts built",
        observed=f"exit {code}; {_summary_problems(err)}", runs=1,
    )
    assert code == cli.EXIT_PARTIAL
    assert (
        "  blocked: calls: 10 of 12 row(s) rejected in the latest delivery "
        "(83.33%; threshold 5.00%)"
    ) in err.splitlines()
    assert not duckdb.connect(
        str(tmp_path / "warehouse" / "warehouse.duckdb"), read_only=True
    ).execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts'"
    ).fetchone()[0]
    assert "(unchanged)" in out


# ---------------------------------------------------------------------- implausible values


def test_absurd_dates_and_values_are_quarantined_and_stop_nothing(
    landing: Path,
    tmp_path: Path,
    in_process_backfill: Callable[..., tuple[int, str, str]],
    reliability_case: Callable[..., CaseRecord],
) -> None:
    write(landing / "telephony/calls_2026-03-03.csv", csv_text(CALLS_HEADER, [
        call_row("CA_2099", start_time="2099-01-15T09:00:00Z"),  # line 2
        call_row("CA_LONG", duration="1000000000000"),  # line 3: 10^12 s
        call_row("CA_DAY", duration="86400"),  # line 4: a whole day, the ceiling itself
        # lines 5-14: ten calls older than the history, which must not block the delivery
        *(call_row(f"CA_OLD{n}", start_time="2019-12-31T09:00:00Z") for n in range(10)),
    ]))
    write(landing / "crm/Event_2026-03-03.csv", csv_text(EVENTS_HEADER, [
        event_row("EV_2099", StartDateTime="2099-01-15T09:00:00Z"),  # line 2
    ]))
    write(landing / "erp/sales_documents_2026-03-03.csv", csv_text(DOCUMENTS_HEADER, [
        document_row("D_HUGE", net_amount="2000000000"),  # line 2
        document_row("D_2099", document_date="2099-01-15"),  # line 3
    ]))
    code, out, err = in_process_backfill(
        _environment(landing, tmp_path, SALES_HISTORY_START="2020-01-01")
    )
    # Rows older than the history are no rejected share: the delivery is not blocked.
    assert code == cli.EXIT_OK, err
    with duckdb.connect(str(tmp_path / "warehouse" / "warehouse.duckdb"), read_only=True) as conn:
        # The run's date in a reason is whatever day the test runs on.
        quarantined = conn.execute(
            "SELECT file, line, regexp_replace(reason, 'run''s date [0-9-]+$', 'run''s date …') "
            "FROM (SELECT file, line, reason FROM quarantine.calls UNION ALL "
            "SELECT file, line, reason FROM quarantine.events UNION ALL "
            "SELECT file, line, reason FROM quarantine.sales_documents) ORDER BY ALL"
        ).fetchall()
        weeks = conn.execute(
            "SELECT period_start::VARCHAR, calls_made, talk_seconds FROM marts.rep_activity_weekly"
        ).fetchall()
    reliability_case(
        case="absurd dates and values", given="a call, an event and a document dated 2099, a "
        "call of 10^12 s, a document of 2,000,000,000, ten calls before SALES_HISTORY_START",
        expected="each quarantined with its reason; the facts hold only 2026-03-02; exit 0 (the "
        "history's rows are no rejected share)",
        observed=f"exit {code}; {len(quarantined)} quarantined; weeks {weeks}", runs=5,
    )
    assert code == cli.EXIT_OK
    assert quarantined == [
        ("crm/Event_2026-03-03.csv", 2,
         "StartDateTime is implausible: its day 2099-01-15 is more than 366 day(s) after the "
         "run's date …"),
        ("erp/sales_documents_2026-03-03.csv", 2,
         "net_amount '2000000000' is implausible: more than 1000000000"),
        ("erp/sales_documents_2026-03-03.csv", 3,
         "document_date is implausible: its day 2099-01-15 is more than 366 day(s) after the "
         "run's date …"),
        ("telephony/calls_2026-03-03.csv", 2,
         "start_time is implausible: its day 2099-01-15 is more than 1 day(s) after the run's "
         "date …"),
        ("telephony/calls_2026-03-03.csv", 3,
         "duration 1000000000000 s is implausible: more than 86400 s"),
        *(("telephony/calls_2026-03-03.csv", line,
           "before SALES_HISTORY_START: 2019-12-31 is before 2020-01-01") for line in range(5, 15)),
    ]
    # CA01, CA02 (30 s each) and CA_DAY (86,400 s), all on Monday 2026-03-02: one week built.
    assert weeks == [("2026-03-02", 3, 86_460)]
    assert "  weekly periods:     1 built, 0 with reports" in out.splitlines()


# ------------------------------------------------------------------------- interrupted runs


def test_a_run_left_not_started_by_a_dead_process_is_marked_failed(
    reliability_case: Callable[..., CaseRecord],
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()

    @dg.op
    def nothing() -> None:
        pass

    @dg.job
    def one_step() -> None:
        nothing()

    with dg.instance_for_test() as instance:
        run = instance.create_run_for_job(
            one_step, tags={PROCESS_TAG: f"{socket.gethostname()}:{dead.pid}"}
        )
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.NOT_STARTED
        recovered = recover_interrupted_runs(instance, progress=lambda _: None)
        status = instance.get_run_by_id(run.run_id).status
        reliability_case(
            case="run left NOT_STARTED by a dead process",
            given="a run tagged with the pid of a process that has exited",
            expected="the next backfill marks it failed and frees its slots",
            observed=f"recovered {len(recovered)} run(s); status {status.value}", runs=0,
        )
        assert recovered == [run.run_id]
        assert status == dg.DagsterRunStatus.FAILURE


# --------------------------------------------------------------------------- published copy


def test_a_connected_reader_keeps_its_copy_until_it_reconnects(
    tmp_path: Path, reliability_case: Callable[..., CaseRecord]
) -> None:
    settings = settings_for(tmp_path / "landing", tmp_path)
    with duckdb.connect(str(settings.warehouse)) as conn:
        conn.execute("CREATE SCHEMA marts; CREATE TABLE marts.t AS SELECT 1 AS version")
    published_marts = build_published_marts([])
    with dg.instance_for_test() as instance:
        first = dg.materialize([published_marts], resources=build_resources(settings),
                               instance=instance)
        reader = duckdb.connect(str(settings.published_warehouse), read_only=True)
        with duckdb.connect(str(settings.warehouse)) as conn:
            conn.execute("UPDATE marts.t SET version = 2")
        second = dg.materialize([published_marts], resources=build_resources(settings),
                                instance=instance)
    held = reader.execute("SELECT version FROM marts.t").fetchone()
    reader.close()
    with duckdb.connect(str(settings.published_warehouse), read_only=True) as fresh:
        reconnected = fresh.execute("SELECT version FROM marts.t").fetchone()
    reliability_case(
        case="reader connected across a publish", given="a read-only connection opened on copy 1",
        expected="it reads copy 1 until it reconnects (documented); a new connection reads copy 2",
        observed=f"held connection: version {held[0]}; new connection: version {reconnected[0]}",
        runs=2,
    )
    assert first.success and second.success
    assert held == (1,)
    assert reconnected == (2,)


# ------------------------------------------------------------------------ concurrency pool


def test_a_step_that_missed_its_wake_up_gets_the_free_slot(
    reliability_case: Callable[..., CaseRecord],
) -> None:
    """Dagster's lost wake-up, replayed on a real instance: the slot's holder frees it between a
    queuing step's check for a free slot and its insertion as pending (the order below)."""
    with dg.instance_for_test() as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots(WAREHOUSE_POOL, 1)
        assert storage.claim_concurrency_slot(WAREHOUSE_POOL, "run_b", "step").is_claimed
        storage.free_concurrency_slot_for_step("run_b", "step")
        storage.add_pending_step(WAREHOUSE_POOL, "run_a", "step", should_assign=False)
        stuck = storage.check_concurrency_claim(WAREHOUSE_POOL, "run_a", "step")
        assert not stuck.is_assigned  # without help, nothing would ever assign it
        with pool_watchdog(instance, WAREHOUSE_POOL, every=0.05):
            deadline = time.monotonic() + 300  # a hang guard: under load the watchdog may be late
            while not storage.check_concurrency_claim(WAREHOUSE_POOL, "run_a", "step").is_assigned:
                assert time.monotonic() < deadline, "the watchdog never assigned the free slot"
                time.sleep(0.05)
        claimed = storage.claim_concurrency_slot(WAREHOUSE_POOL, "run_a", "step").is_claimed
        reliability_case(
            case="step that missed its wake-up (Dagster pool defect)",
            given="the slot is freed between a step's check and its queuing",
            expected="the pool watchdog assigns it the free slot",
            observed=f"assigned and claimed: {claimed}", runs=0,
        )
        assert claimed


# ---------------------------------------------------------------------------- changed files


@pytest.mark.skipif(SETPRIV is None, reason="setpriv (util-linux) is needed to drop root's DAC override")
def test_an_unreadable_file_is_held_back_alone_and_retried_once_readable(
    landing: Path, tmp_path: Path, reliability_case: Callable[..., CaseRecord]
) -> None:
    locked = write(landing / EMPTY_CALLS, csv_text(CALLS_HEADER, [call_row("CA03")]))
    locked.chmod(0o000)
    env = _environment(landing, tmp_path)
    first = _command(env, "--reports", "none", as_unprivileged_root=True)
    locked.chmod(0o644)
    second = _command(env, "--reports", "none", as_unprivileged_root=True)
    with duckdb.connect(str(tmp_path / "warehouse" / "warehouse.duckdb"), read_only=True) as conn:
        staged = conn.execute("SELECT sid FROM staging.calls ORDER BY sid").fetchall()
    reliability_case(
        case="unreadable file (chmod 000)", given=f"{EMPTY_CALLS} unreadable, then readable",
        expected="held back alone with the reason (exit 3), the other files land; read once "
        "readable (exit 0)",
        observed=f"exit {first.returncode}, then {second.returncode}; staged {staged}", runs=8,
    )
    assert first.returncode == cli.EXIT_PARTIAL, first.stderr[-2000:]
    assert (
        f"  held back: calls {EMPTY_CALLS}: file cannot be read: Permission denied"
        in first.stderr.splitlines()
    )
    assert second.returncode == cli.EXIT_OK, second.stderr[-2000:]
    assert staged == [("CA01",), ("CA02",), ("CA03",)]


def test_a_correction_that_keeps_size_and_times_is_read_again(
    landing: Path,
    tmp_path: Path,
    in_process_backfill: Callable[..., tuple[int, str, str]],
    reliability_case: Callable[..., CaseRecord],
) -> None:
    env = _environment(landing, tmp_path)
    path = landing / GOOD_CALLS
    first, _, _ = in_process_backfill(env)
    before = path.stat()
    # The correction is as long as the original and is copied the way `cp -p` does it.
    corrected = path.read_text().replace(",30,", ",45,")
    assert len(corrected) == before.st_size
    path.write_text(corrected)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    second, _, _ = in_process_backfill(env)
    with duckdb.connect(str(tmp_path / "warehouse" / "warehouse.duckdb"), read_only=True) as conn:
        talk = conn.execute(
            "SELECT sum(talk_seconds) FROM marts.rep_activity_weekly"
        ).fetchone()[0]
        files = conn.execute(
            "SELECT file, rows_read FROM raw.landed_files WHERE source = 'calls'"
        ).fetchall()
    reliability_case(
        case="correction with preserved size and times",
        given=f"{GOOD_CALLS} rewritten with durations 45 instead of 30, same size and mtime",
        expected="read again (decided by content): the facts show the corrected durations",
        observed=f"talk seconds {talk}; files {files}", runs=8,
    )
    assert (first, second) == (cli.EXIT_OK, cli.EXIT_OK)
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert talk == 90  # CA01 and CA02, 45 s each (30 + 30 before the correction)
    assert files == [(GOOD_CALLS, 2)]


# ------------------------------------------------------------ compressed and unknown deliveries


def test_compressed_deliveries_are_read_and_unknown_files_are_listed(
    landing: Path,
    tmp_path: Path,
    in_process_backfill: Callable[..., tuple[int, str, str]],
    reliability_case: Callable[..., CaseRecord],
) -> None:
    # A blank line and a malformed one inside the gzip: the lines numbered as in the file held.
    gzipped = csv_text(CALLS_HEADER, [call_row("CA03", start_time="2026-03-03T08:00:00Z")])
    gzipped += "\nCA99,too,few\n"
    write(landing / "telephony/calls_2026-03-03.csv.gz", gzip.compress(gzipped.encode()))
    write(
        landing / "telephony/calls_2026-03-04.csv.zst",
        zstandard.ZstdCompressor().compress(
            csv_text(CALLS_HEADER, [call_row("CA04", start_time="2026-03-04T08:00:00Z")]).encode()
        ),
    )
    # "Compress" on a desktop: the zip is named like the file it holds, without `.csv`.
    write(
        landing / "telephony/calls_2026-03-05.zip",
        zip_of(("calls_2026-03-05.csv",
              csv_text(CALLS_HEADER, [call_row("CA05", start_time="2026-03-05T08:00:00Z")]))),
    )
    write(landing / "telephony/calls_2026-03-06.csv.zip", zip_of(("a.csv", "x"), ("b.csv", "y")))
    write(landing / "telephony/calls_2026-03-07.csv.gz", gzip.compress(b"sid,parent")[:-6])
    write(landing / "telephony/calls_2026-03-08.csv.bz2", b"BZh91AY&SY")
    write(landing / "notes/README.txt", "who delivers what")
    write(landing / "telephony/.gitkeep", "")
    env = _environment(landing, tmp_path)

    code, _, err = in_process_backfill(env)
    # The second run reads nothing new, and lists the same files again, once.
    again, _, _ = in_process_backfill(env)
    with duckdb.connect(str(tmp_path / "warehouse" / "warehouse.duckdb"), read_only=True) as conn:
        staged = [sid for (sid,) in conn.execute("SELECT sid FROM staging.calls ORDER BY sid").fetchall()]
        dated = conn.execute("SELECT DISTINCT _file, _file_date::VARCHAR FROM raw.calls ORDER BY 1").fetchall()
        quarantined = conn.execute("SELECT file, line FROM quarantine.calls").fetchall()
        ledger = conn.execute(
            "SELECT source, file, status, rows_read FROM raw.landed_files "
            "WHERE source = 'calls' OR source IS NULL ORDER BY file"
        ).fetchall()
    reliability_case(
        case="compressed deliveries and files no source reads",
        given="calls as .csv.gz (with a blank and a malformed line), .csv.zst and a desktop "
        ".zip; a zip of two files; a truncated .gz; a .bz2; a README; a hidden .gitkeep",
        expected="gz, zst and zip read as the CSV they hold, lines numbered as in it; the broken "
        "archives held back with the reason; the .bz2 and README listed as not recognised",
        observed=f"exit {code}, then {again}; staged {staged}; quarantined {quarantined}; "
        f"{_summary_problems(err)}",
        runs=4,
    )
    assert (code, again) == (cli.EXIT_PARTIAL, cli.EXIT_PARTIAL)
    assert staged == ["CA01", "CA02", "CA03", "CA04", "CA05"]
    # Dated by the file each delivery holds.
    assert dated == [
        ("telephony/calls_2026-03-02.csv", "2026-03-02"),
        ("telephony/calls_2026-03-03.csv.gz", "2026-03-03"),
        ("telephony/calls_2026-03-04.csv.zst", "2026-03-04"),
        ("telephony/calls_2026-03-05.zip", "2026-03-05"),
    ]
    assert quarantined == [("telephony/calls_2026-03-03.csv.gz", 4)]
    assert ledger == [
        (None, "notes/README.txt", "not_recognised", None),
        ("calls", "telephony/calls_2026-03-02.csv", "loaded", 2),
        ("calls", "telephony/calls_2026-03-03.csv.gz", "loaded", 2),
        ("calls", "telephony/calls_2026-03-04.csv.zst", "loaded", 1),
        ("calls", "telephony/calls_2026-03-05.zip", "loaded", 1),
        ("calls", "telephony/calls_2026-03-06.csv.zip", "held_back", None),
        ("calls", "telephony/calls_2026-03-07.csv.gz", "held_back", None),
        (None, "telephony/calls_2026-03-08.csv.bz2", "not_recognised", None),
    ]
    lines = err.splitlines()
    assert (
        "  held back: calls telephony/calls_2026-03-06.csv.zip: "
        "zip holds 2 files (a.csv, b.csv): expected exactly one" in lines
    )
    assert any(
        line.startswith("  held back: calls telephony/calls_2026-03-07.csv.gz: not a readable gzip")
        for line in lines
    ), err
    assert "  not recognised: notes/README.txt: matches no source's files" in lines
    assert "  not recognised: telephony/calls_2026-03-08.csv.bz2: matches no source's files" in lines
    assert not any(".gitkeep" in line for line in lines)

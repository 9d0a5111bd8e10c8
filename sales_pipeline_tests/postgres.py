"""A real, throwaway PostgreSQL server for the tests of the multi-user deployment.

`postgres_server` (session-scoped) runs `initdb` into a fresh temporary folder, starts the server
with `pg_ctl` on a free loopback port (its unix socket in the same folder, so it never touches the
machine's own /var/run/postgresql), and stops it with `pg_ctl stop -m fast` at the end of the
session, whether the tests passed or not; a watchdog stops it if the test process itself is killed
before its teardown. Each test asks it for a fresh database.

PostgreSQL refuses to run as root, and CI runs as root: the server then runs as the `postgres`
system user Debian's package creates (through `runuser`, or `setpriv` where that is missing), with
the temporary folder handed to that user. The server binaries are Debian's
(/usr/lib/postgresql/<version>/bin, not on PATH) or the first `initdb` on PATH.

Without the binaries the tests are skipped, with the reason, on a developer's machine; where
SALES_TESTS_REQUIRE_POSTGRES is set (`.ci/run` sets it after installing `postgresql`) they fail
instead, so CI can never pass by skipping them.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRE_ENV = "SALES_TESTS_REQUIRE_POSTGRES"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"  # the system user Debian's postgresql package creates
_BINARIES = ("initdb", "pg_ctl", "postgres")
# Settings for a server that only lives for one test session: no durability (a crash of the
# server itself is not what is tested, the crash of a client is) and small memory, on a shared
# machine. Dynamic shared memory in the data folder, not /dev/shm, which containers keep small.
_SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "32MB",
    "dynamic_shared_memory_type": "mmap",
    "max_connections": "200",
    "log_min_messages": "warning",
}


@dataclass(frozen=True)
class PostgresServer:
    """Where the test server listens, and as whom to connect (password authentication on TCP)."""

    host: str
    port: int
    user: str
    password: str
    root: Path  # data folder, socket and log are inside
    postmaster: int  # the server's main process id

    def dagster_env(self, db_name: str) -> dict[str, str]:
        """The environment deploy/dagster-postgres.yaml reads its connection from."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USER": self.user,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": db_name,
        }

    def create_database(self, prefix: str = "dagster") -> str:
        """A new, empty database: every test gets a fresh Dagster instance storage."""
        import psycopg2  # dagster-postgres's driver

        name = f"{prefix}_{secrets.token_hex(4)}"
        conn = psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password,
            dbname="postgres",
        )
        try:
            conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
            with conn.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return name


def find_server_binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: the first `initdb` on PATH (resolved, as
    Debian's are symlinks when present at all), else Debian's newest version."""
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)

    def version(folder: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name))

    if DEBIAN_ROOT.is_dir():
        candidates += sorted(DEBIAN_ROOT.glob("*/bin"), key=version, reverse=True)
    for folder in candidates:
        if all((folder / name).is_file() for name in _BINARIES):
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user() -> list[str]:
    """The command prefix that runs a program as the server's user ([] when not root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        _unavailable(f"running as root and there is no '{SERVER_USER}' user to run PostgreSQL as "
                     "(Debian's postgresql package creates it)")
    if shutil.which("runuser"):
        return ["runuser", "-u", SERVER_USER, "--"]
    return ["setpriv", f"--reuid={SERVER_USER}", f"--regid={SERVER_USER}", "--init-groups"]


def _unavailable(reason: str) -> NoReturn:
    message = f"no PostgreSQL server for the deployment tests: {reason}"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{message} ({REQUIRE_ENV} is set: CI must run these tests)", pytrace=False)
    pytest.skip(message)


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )


def _watchdog(prefix: list[str], pg_ctl: Path, data: Path) -> subprocess.Popen[bytes]:
    """Stops the server if this test process dies without its teardown (SIGKILL, a CI timeout).

    It ends by itself once the server is stopped (its pid file gone). In its own session, so a
    signal to the test run's process group does not take it along.
    """
    script = (
        f'while [ -d /proc/{os.getpid()} ] && [ -f "{data}/postmaster.pid" ]; do sleep 1; done; '
        f'[ -f "{data}/postmaster.pid" ] && "{pg_ctl}" -D "{data}" -m immediate -w stop; true'
    )
    return subprocess.Popen(
        [*prefix, "sh", "-c", script], cwd=data.parent, start_new_session=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _stop(prefix: list[str], pg_ctl: Path, data: Path) -> None:
    """`pg_ctl stop -m fast`; if the server does not go, kill its postmaster."""
    pid = _postmaster_pid(data)
    if pid is None:
        return
    try:
        _run([*prefix, str(pg_ctl), "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop"],
             data.parent)
    except (RuntimeError, subprocess.TimeoutExpired):
        # Its other processes exit by themselves when the postmaster is gone.
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def server_binaries() -> Path:
    """The server binaries, or skip (fail where SALES_TESTS_REQUIRE_POSTGRES is set)."""
    binaries = find_server_binaries()
    if binaries is None:
        _unavailable(
            f"initdb, pg_ctl and postgres are neither in {DEBIAN_ROOT}/<version>/bin nor on PATH; "
            "install Debian's `postgresql` (`.ci/run` does: apt-get install postgresql)"
        )
    return binaries


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A fresh server for the duration of the block; stopped and deleted however the block ends."""
    binaries = server_binaries()
    prefix = _as_server_user()
    # Not under pytest's temp folder, which is private to the test user (0700): the server's user
    # must reach its data folder and socket. /tmp when that user is another one, whatever TMPDIR.
    root = Path(tempfile.mkdtemp(prefix="sales-pg-", dir="/tmp" if prefix else None))
    data = root / "data"
    password = secrets.token_hex(12)
    watchdog: subprocess.Popen[bytes] | None = None
    try:
        (root / "password").write_text(password + "\n")
        if prefix:
            for path in (root, root / "password"):
                shutil.chown(path, SERVER_USER, SERVER_USER)
        # Password authentication on TCP, as a deployment would have; trust on the private socket.
        _run([*prefix, str(binaries / "initdb"), "-D", str(data), "-U", "dagster",
              f"--pwfile={root / 'password'}", "--auth-local=trust",
              "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"], root)
        options = " ".join(f"-c {key}={value}" for key, value in _SERVER_SETTINGS.items())
        # A free port can be taken by someone else between the probe and the start: try again.
        for attempt in range(3):
            port = _free_port()
            try:
                _run([*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-l",
                      str(root / "server.log"), "-w", "-t", "120",
                      "-o", f"-p {port} -k {root} {options}", "start"], root)
                break
            except RuntimeError:
                _stop(prefix, binaries / "pg_ctl", data)
                if attempt == 2:
                    log = root / "server.log"
                    raise RuntimeError(
                        "PostgreSQL did not start:\n"
                        + (log.read_text()[-3000:] if log.exists() else "(no log)")
                    ) from None
        postmaster = _postmaster_pid(data)
        assert postmaster is not None
        watchdog = _watchdog(prefix, binaries / "pg_ctl", data)
        yield PostgresServer("127.0.0.1", port, "dagster", password, root, postmaster)
    finally:
        _stop(prefix, binaries / "pg_ctl", data)
        if watchdog is not None:
            try:
                watchdog.wait(timeout=10)  # it sees the pid file gone within a second
            except subprocess.TimeoutExpired:
                os.killpg(watchdog.pid, signal.SIGKILL)
                watchdog.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One server for the test session (each test creates its own database on it)."""
    with running_postgres() as server:
        yield server


def process_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status

"""Finding landing files and deciding, before DuckDB reads a byte of data, whether a file can land.

A file is identified by its path relative to the landing directory and fingerprinted by its
content (a hash of its bytes): a file already ingested with the same content is not read again, and
a file replaced in place (a new snapshot, a corrected daily export) is read again, even when the
copy kept its size and modification time (`rsync -t`, `cp -p`). Its size and times only spare the
hash while none of them moves; any write moves the change time.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from sales_pipeline.contract import SOURCES, Source

# A header longer than this is not a header but a broken file.
_MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class LandingFile:
    source: Source
    path: Path
    name: str
    # Size, modification and change times: cheap to read, and any write moves the change time,
    # even one that keeps size and modification time (`rsync -t`, `cp -p`).
    stat_key: str

    @property
    def file_date(self) -> date | None:
        return self.source.file_date(self.name)

    @cached_property
    def fingerprint(self) -> str:
        """What the file holds: a hash of its bytes. Whether a file changed is decided by this,
        never by its size and times alone."""
        try:
            with self.path.open("rb") as handle:
                return "blake2b:" + hashlib.file_digest(handle, "blake2b").hexdigest()
        except OSError as error:
            return f"unreadable ({error.strerror}): {self.stat_key}"


def read_landing_file(landing_file: LandingFile) -> bytes | str:
    """The file's bytes, or why they cannot be read (a permission, a file gone meanwhile)."""
    try:
        return landing_file.path.read_bytes()
    except OSError as error:
        return f"file cannot be read: {error.strerror}"


def discover(source: Source, landing_dir: Path) -> list[LandingFile]:
    files = []
    for path in sorted(landing_dir.glob(source.glob)):
        if not path.is_file():
            continue
        stat = path.stat()
        files.append(
            LandingFile(
                source=source,
                path=path.resolve(),
                name=path.relative_to(landing_dir).as_posix(),
                stat_key=f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}",
            )
        )
    return files


def landing_digest(
    landing_dir: Path,
    sources: Iterable[Source] = SOURCES.values(),
    also: Iterable[str] = (),
) -> str:
    """One hash over every landing file's name and fingerprint: changes when anything lands.
    `also` names further files (relative to the landing directory) whose change counts, such as
    the identity map, which no source reads but staging resolves reps with."""
    digest = hashlib.sha256()
    for source in sources:
        for landing_file in discover(source, landing_dir):
            # The sensor's tick must stay cheap: times, not contents (the ingestion hashes).
            digest.update(f"{landing_file.name}\0{landing_file.stat_key}\n".encode())
    for name in also:
        path = landing_dir / name
        stat = path.stat() if path.is_file() else None
        fingerprint = f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}" if stat else "absent"
        digest.update(f"{name}\0{fingerprint}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Inspection:
    """What a first look says about a file: the columns to read it with and its blank lines, or
    why it cannot land."""

    header: tuple[str, ...] | None
    problem: str | None
    # Line numbers of empty lines: DuckDB skips them, and the numbering of the records after
    # them must skip them too.
    blank_lines: tuple[int, ...] = ()


_BLANK_LINE = re.compile(rb"\n(?=\r?\n)")
_LINE_END = re.compile(rb"\r\n|\r|\n")


def blank_lines(data: bytes) -> tuple[int, ...]:
    """1-based numbers of the empty lines inside `data` (a trailing newline makes none)."""
    lines = []
    counted, position = 0, 0
    for match in _BLANK_LINE.finditer(data):
        counted += data.count(b"\n", position, match.start() + 1)
        position = match.start() + 1
        if match.end() < len(data) - 2 or data[match.end():].strip(b"\r\n"):
            lines.append(counted + 1)
    return tuple(lines)


def inspect(landing_file: LandingFile) -> Inspection:
    source = landing_file.source
    if source.daily and landing_file.file_date is None:
        return Inspection(None, "file name carries no valid date (expected <kind>_YYYY-MM-DD.csv)")
    data = read_landing_file(landing_file)
    if isinstance(data, str):
        return Inspection(None, data)
    head = data[:_MAX_HEADER_BYTES]
    if not head.removeprefix(b"\xef\xbb\xbf").strip():
        return Inspection(None, "file is empty: no header row")
    # Any line end, \r alone included: DuckDB reads files with those too.
    first_line = _LINE_END.split(head, maxsplit=1)[0]
    if len(first_line) == len(head) and len(data) > _MAX_HEADER_BYTES:
        return Inspection(None, f"no line break in the first {_MAX_HEADER_BYTES} bytes: not a CSV header")
    try:
        text = first_line.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Inspection(None, f"header is not UTF-8 ({error.reason} at byte {error.start})")
    if "\0" in text:
        return Inspection(None, "header contains NUL bytes: binary file")
    header = tuple(next(csv.reader([text])))
    stripped = [name.strip() for name in header]
    duplicates = sorted({name for name in stripped if stripped.count(name) > 1})
    if duplicates:
        return Inspection(None, f"duplicate columns in header: {', '.join(duplicates)}")
    missing = [column for column in source.columns if column not in stripped]
    if missing:
        return Inspection(
            None,
            f"missing required column(s) {', '.join(missing)}; header has: {', '.join(stripped)}",
        )
    return Inspection(header, None, blank_lines(data))

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
from sales_pipeline.ingestion.compressed import (
    UnreadableContent,
    compression_of,
    content_name,
    delivery_patterns,
    read_content,
    readable_path,
)

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
    # Other files its rows are made from (a mapping's lookup files): part of its fingerprint
    # (and, through `discover_source`, of its stat key), so a change there reads it again.
    depends_on: tuple[Path, ...] = ()

    @property
    def compression(self) -> str | None:
        return compression_of(self.name)

    @property
    def file_date(self) -> date | None:
        # A compressed delivery is dated by the file it holds (compressed.py).
        return self.source.file_date(content_name(self.name, self.source.glob))

    @cached_property
    def fingerprint(self) -> str:
        """What the file holds: a hash of its bytes. Whether a file changed is decided by this,
        never by its size and times alone."""
        try:
            with self.path.open("rb") as handle:
                digest = hashlib.file_digest(handle, "blake2b").hexdigest()
            if self.depends_on:
                lookups = hashlib.blake2b()
                for path in self.depends_on:
                    with path.open("rb") as handle:
                        lookups.update(path.name.encode() + b"\0")
                        lookups.update(hashlib.file_digest(handle, "blake2b").digest())
                digest += "+lookups:" + lookups.hexdigest()[:16]
            return f"blake2b:{digest}"
        except OSError as error:
            return f"unreadable ({error.strerror}): {self.stat_key}"


@dataclass(frozen=True)
class ReadableFile:
    """A landing file as DuckDB reads it (its content extracted, or a UTF-8 copy, where DuckDB
    cannot read the delivery itself) and as raw names it."""

    path: Path
    name: str
    file_date: date | None


def readable_files(files: list[LandingFile], folder: Path) -> list[ReadableFile]:
    """The files of a batch as DuckDB can read them; zips are extracted into `folder`."""
    return [
        ReadableFile(readable_path(f.path, f.compression, folder, index), f.name, f.file_date)
        for index, f in enumerate(files)
    ]


def read_landing_file(landing_file: LandingFile) -> bytes | str:
    """The bytes the file holds (decompressed), or why they cannot be read (a permission, a
    file gone meanwhile, a broken archive)."""
    try:
        return read_content(landing_file.path, landing_file.compression)
    except UnreadableContent as error:
        return str(error)
    except OSError as error:
        return f"file cannot be read: {error.strerror or error}"


def _source_paths(source: Source, landing_dir: Path) -> list[Path]:
    found = {path for pattern in delivery_patterns(source.glob) for path in landing_dir.glob(pattern)}
    return sorted(path for path in found if path.is_file())


def discover(source: Source, landing_dir: Path) -> list[LandingFile]:
    files = []
    for path in _source_paths(source, landing_dir):
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


def unrecognised_files(
    landing_dir: Path, sources: Iterable[Source], also: Iterable[str] = ()
) -> list[str]:
    """Files of the landing area no source reads, by name relative to it: an operator must see
    a delivery that would otherwise be skipped without a trace (`calls.csv.bz2`, a typo).
    Hidden files and folders (`.gitkeep`, an upload still in progress) are not listed, nor the
    files named in `also` (the identity map, the sources configuration)."""
    if not landing_dir.is_dir():
        return []
    known = {path.resolve() for source in sources for path in _source_paths(source, landing_dir)}
    known |= {(landing_dir / name).resolve() for name in also}
    names = []
    for path in landing_dir.rglob("*"):
        name = path.relative_to(landing_dir).as_posix()
        hidden = any(part.startswith(".") for part in name.split("/"))
        if not hidden and path.is_file() and path.resolve() not in known:
            names.append(name)
    return sorted(names)


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


_LINE_END = re.compile(rb"\r\n|\r|\n")
# A line end directly followed by another: an empty line begins where the first ends. Two
# patterns with a literal first byte, which `re` finds ten times faster than one alternation:
# a \n (alone or ending a \r\n) before \r or \n, and a lone \r before another \r.
_EMPTY_AFTER_LF = re.compile(rb"\n(?=[\r\n])")
_EMPTY_AFTER_CR = re.compile(rb"\r(?=\r)")


def blank_lines(data: bytes) -> tuple[int, ...]:
    """1-based numbers of the empty lines a record follows (DuckDB skips them; the numbering of
    the records after them must skip them too). Empty lines after the last record are left out:
    no record's number depends on them. Line ends are \n, \r\n or a lone \r, as for DuckDB."""
    last_record_end = len(data)
    while last_record_end and data[last_record_end - 1] in b"\r\n":
        last_record_end -= 1
    starts = sorted(
        ([0] if data[:1] in (b"\r", b"\n") and last_record_end else [])
        + [match.end() for match in _EMPTY_AFTER_LF.finditer(data, 0, last_record_end)]
        + [match.end() for match in _EMPTY_AFTER_CR.finditer(data, 0, last_record_end)]
    )
    lines = []
    # Line ends counted so far, and up to where: C-level counts between the few empty lines,
    # never a Python loop over every line of a large file.
    ends, counted_to = 0, 0
    for start in starts:
        ends += (
            data.count(b"\n", counted_to, start)
            + data.count(b"\r", counted_to, start)
            - data.count(b"\r\n", counted_to, start)
        )
        counted_to = start
        lines.append(ends + 1)
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

"""Compressed deliveries: a `.gz`, `.zst` or `.zip` (of one file) is read as the file it holds.

A source's files are found under their own name and under that name compressed:
`calls_2025-01-16.csv.gz`, `calls_2025-01-16.csv.zst`, `calls_2025-01-16.csv.zip`, and, since
that is what "compress" makes of a file on most desktops, `calls_2025-01-16.zip`. The file's
date, line numbers and quarantine rows are those of the file it holds; `raw.landed_files` and
`_file` name the delivery as it landed, and its fingerprint is the hash of the delivered bytes.

DuckDB reads gzip and zstd itself; a zip is extracted to a temporary folder first, because
DuckDB cannot read one (and so is a `.GZ`, whose upper-case extension DuckDB does not recognise). Python reads the content only for the first look (the header, the
empty lines), which it did for uncompressed files already.
"""

from __future__ import annotations

import gzip
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

# Suffix of a compressed delivery -> how it is compressed.
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zip": "zip"}


class UnreadableContent(Exception):
    """The delivery cannot be opened as what its name says it is; the message says why."""


def compression_of(name: str) -> str | None:
    return COMPRESSIONS.get(PurePosixPath(name).suffix.lower())


def _extension(glob: str) -> str:
    """The extension a glob's files have (`.csv` of `calls_*.csv`), if it names one."""
    extension = PurePosixPath(glob).suffix
    if any(char in extension for char in "*?[") or extension.lower() in COMPRESSIONS:
        return ""
    return extension


def delivery_patterns(glob: str) -> list[str]:
    """The globs a source's files are found with: its own and its compressed forms."""
    patterns = [glob, *(glob + suffix for suffix in COMPRESSIONS)]
    if extension := _extension(glob):
        patterns.append(glob[: -len(extension)] + ".zip")
    return patterns


def content_name(name: str, glob: str) -> str:
    """The name of the file a delivery holds: `calls_2025-01-16.csv` for
    `calls_2025-01-16.csv.gz` and for `calls_2025-01-16.zip` alike (its date is read from it)."""
    suffix = PurePosixPath(name).suffix
    if suffix.lower() not in COMPRESSIONS:
        return name
    held = name[: -len(suffix)]
    extension = _extension(glob)
    if suffix.lower() == ".zip" and extension and not held.lower().endswith(extension.lower()):
        held += extension
    return held


def _broken_archive_errors(compression: str | None) -> tuple[type[BaseException], ...]:
    """What reading a broken file of this compression raises (zstd's own library, the
    standard library's otherwise)."""
    if compression == "zstd":
        import zstandard

        return (zstandard.ZstdError,)
    return (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile)


def _check_zstd_frames_end(raw: BinaryIO) -> None:
    """zstandard's stream reader returns what it decoded of a truncated file without a word
    (gzip raises): decode it once and check that its last frame ends."""
    import zstandard

    decompressor = zstandard.ZstdDecompressor()
    frame = decompressor.decompressobj()
    while chunk := raw.read(1 << 20):
        while chunk:
            if frame.eof:
                frame = decompressor.decompressobj()
            frame.decompress(chunk)
            chunk = frame.unused_data if frame.eof else b""
    if not frame.eof:
        raise UnreadableContent("not a readable zstd file: it ends inside a frame (truncated)")


@contextmanager
def open_content(path: Path, compression: str | None) -> Iterator[BinaryIO]:
    """The bytes a delivery holds, as a stream. A broken archive, found on opening or while
    reading, raises UnreadableContent; a file that cannot be opened at all, OSError."""
    try:
        if compression is None:
            with path.open("rb") as handle:
                yield handle
        elif compression == "gzip":
            with gzip.open(path, "rb") as handle:
                yield handle  # type: ignore[misc]
        elif compression == "zstd":
            import zstandard

            with path.open("rb") as raw:
                _check_zstd_frames_end(raw)
                raw.seek(0)
                with zstandard.ZstdDecompressor().stream_reader(
                    raw, read_across_frames=True
                ) as handle:
                    yield handle  # type: ignore[misc]
        else:
            with zipfile.ZipFile(path) as archive:
                members = [info for info in archive.infolist() if not info.is_dir()]
                if len(members) != 1:
                    listed = ", ".join(info.filename for info in members[:5]) or "nothing"
                    raise UnreadableContent(
                        f"zip holds {len(members)} files ({listed}): expected exactly one"
                    )
                with archive.open(members[0]) as handle:
                    yield handle  # type: ignore[misc]
    except _broken_archive_errors(compression) as error:
        raise UnreadableContent(f"not a readable {compression} file: {error}") from error


def read_content(path: Path, compression: str | None) -> bytes:
    with open_content(path, compression) as handle:
        return handle.read()


def readable_path(path: Path, compression: str | None, folder: Path, index: int) -> Path:
    """A path DuckDB can read the delivery's content from: the delivery itself when DuckDB can
    (uncompressed, or gzip and zstd, which it recognises by their lower-case extension), else
    its one file extracted into `folder` (a zip, an upper-case `.GZ`)."""
    if compression is None or path.suffix in (".gz", ".zst"):
        return path
    # No extension: DuckDB must not take the extracted file for a compressed one.
    extracted = folder / f"delivery-{index}"
    with open_content(path, compression) as source, extracted.open("wb") as target:
        shutil.copyfileobj(source, target)
    return extracted

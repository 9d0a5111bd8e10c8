"""Reading a configured source's files (CSV, JSON, JSON lines, Excel) into its raw table.

The contract's own layout has its fast path in `loader.py`; a source with a mapping goes through
here. DuckDB reads the files (`read_csv` / `read_json_objects`; Excel sheets through calamine into
a column-wise pandas frame DuckDB scans), the lines are numbered exactly as for the contract's
files (`append_batch.sql`), and the compiled mapping (`sources/compile.py`) turns each record into the contract's fields in one
INSERT ... SELECT (`append_mapped.sql`). Raw therefore holds, for every source, the contract's
columns as text plus file and line, and staging applies the same rules whatever the vendor.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from dataclasses import replace
from pathlib import Path

import duckdb

from sales_pipeline.contract import ANY_FILE_DATE, SOURCES, Source
from sales_pipeline.ingestion.compressed import open_content
from sales_pipeline.ingestion.landing import (
    _LINE_END,
    _MAX_HEADER_BYTES,
    Inspection,
    LandingFile,
    ReadableFile,
    blank_lines,
    discover,
    read_landing_file,
    readable_files,
    unrecognised_files,
)
from sales_pipeline.sources.compile import (
    FieldCompiler,
    column_positions,
    compile_mapping,
    csv_column_sql,
    csv_record_sql,
    json_column_sql,
    lookup_table,
    missing_columns,
)
from sales_pipeline.sources.config import SourcesConfig
from sales_pipeline.sources.models import DUCKDB_ENCODINGS, CsvOptions, Mapping, SourceEntry
from sales_pipeline.sql import render, sql_identifier

# Errors DuckDB raises for a file it cannot read at all: the file is held back whole.
UNREADABLE = (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.IOException)
# The column of raw.calls that keeps the phone system's own identifier of the rep.
REP_IDENTITY_COLUMN = "rep_identity"
# The column of raw.sales_documents that keeps a split document's sales team (staging credits it).
CREDIT_SPLIT_COLUMN = "credit_split"


def configured_source(source: Source, entry: SourceEntry) -> Source:
    """The contract's source with the configured files: same raw table and columns."""
    configured = replace(source, glob=entry.files, daily=entry.file_date == "name")
    if entry.is_contract_layout:
        return configured
    return replace(configured, name_date=ANY_FILE_DATE)


def configured_sources(config: SourcesConfig) -> list[Source]:
    return [configured_source(SOURCES[name], entry) for name, entry in config.sources.items()]


def files_no_source_reads(
    landing_dir: Path, config: SourcesConfig, config_path: str | Path | None
) -> list[str]:
    """The landing area's files that no configured source reads, the identity map and the
    configuration file itself aside: listed as not recognised."""
    read_otherwise = [config.identity_map.file] if config.identity_map else []
    for entry in config.sources.values():
        if entry.mapping is not None:
            for paths in lookup_paths(entry.mapping, landing_dir).values():
                read_otherwise += [path.relative_to(landing_dir).as_posix() for path in paths]
    if config_path:
        read_otherwise.append(str(Path(config_path).resolve()))
    return unrecognised_files(landing_dir, configured_sources(config), read_otherwise)


def ensure_identity_column(
    conn: duckdb.DuckDBPyConnection, source: Source, column: str = REP_IDENTITY_COLUMN
) -> None:
    conn.execute(f"ALTER TABLE {source.raw_table} ADD COLUMN IF NOT EXISTS {column} VARCHAR")


def lookup_paths(mapping: Mapping, landing_dir: Path) -> dict[str, list[Path]]:
    """The files each of a mapping's lookups reads, in name order."""
    return {
        name: sorted(path for path in landing_dir.glob(lookup.files) if path.is_file())
        for name, lookup in mapping.lookups.items()
    }


def discover_source(
    source: Source, landing_dir: Path, mapping: Mapping | None = None
) -> list[LandingFile]:
    """A source's landing files. A mapping with lookups makes each file depend on the lookup
    files (a role renamed changes every user's team): their sizes and times join the file's
    stat key and their bytes its fingerprint, so the ingestion, the backfill's check and the
    sensor all see a changed lookup file as a change of the source's files."""
    import hashlib

    files = discover(source, landing_dir)
    if mapping is None or not mapping.lookups:
        return files
    paths = [path for found in lookup_paths(mapping, landing_dir).values() for path in found]
    stats = hashlib.blake2b()
    for path in paths:
        stat = path.stat()
        stats.update(
            f"{path.relative_to(landing_dir).as_posix()}\0{stat.st_size}:{stat.st_mtime_ns}:"
            f"{stat.st_ctime_ns}\n".encode()
        )
    suffix = f"+lookups:{stats.hexdigest()[:16]}"
    return [
        replace(landing_file, stat_key=landing_file.stat_key + suffix, depends_on=tuple(paths))
        for landing_file in files
    ]


def discover_configured(config: SourcesConfig, landing_dir: Path) -> list[LandingFile]:
    """Every configured source's landing files, as `discover_source` sees them."""
    return [
        landing_file
        for name, entry in config.sources.items()
        for landing_file in discover_source(
            configured_source(SOURCES[name], entry), landing_dir, entry.mapping
        )
    ]


def read_lookups(conn: duckdb.DuckDBPyConnection, mapping: Mapping, landing_dir: Path) -> None:
    """Read each lookup of the mapping into its table (read_lookup.sql); a lookup that cannot be
    read holds the source's files back with the reason."""
    needed = mapping.lookup_columns()
    for name, paths in lookup_paths(mapping, landing_dir).items():
        lookup = mapping.lookups[name]
        if not paths and lookup.required:
            raise duckdb.InvalidInputException(f"lookup {name!r}: no file matches {lookup.files}")
        if not paths:
            conn.execute(
                render(
                    "ingestion/read_lookup.sql",
                    table=lookup_table(name),
                    paths=[],
                    columns=sorted(needed[name]),
                )
            )
            continue
        options = lookup.csv
        if options.encoding not in DUCKDB_ENCODINGS:
            raise duckdb.InvalidInputException(
                f"lookup {name!r}: encoding {options.encoding} is not read for lookups; "
                "use utf-8, utf-16 or latin-1"
            )
        for path in paths:
            with path.open("rb") as handle:
                first_bytes = handle.read(_MAX_HEADER_BYTES)
            try:
                header = _decode_header(first_bytes, options) if first_bytes.strip() else ()
            except UnicodeDecodeError as error:
                raise duckdb.InvalidInputException(
                    f"lookup {name!r} ({path.name}): header is not {options.encoding}"
                ) from error
            missing = missing_columns(needed[name], header)
            if missing:
                raise duckdb.InvalidInputException(
                    f"lookup {name!r} ({path.name}): column(s) {', '.join(missing)} missing; "
                    f"header has: {', '.join(header)}"
                )
        conn.execute(
            render(
                "ingestion/read_lookup.sql",
                table=lookup_table(name),
                paths=[str(p) for p in paths],
                key=lookup.key,
                delimiter=options.delimiter,
                quote=options.quote,
                escape=options.escape if options.escape is not None else options.quote,
                encoding=options.encoding,
                keep=FieldCompiler(sql_identifier).conditions(lookup.filter),
            )
        )


def unpivot_lines(conn: duckdb.DuckDBPyConnection, mapping: Mapping, names: list[str]) -> list[str]:
    """Turn the batch's wide lines into a row per unpivoted column; returns the column names."""
    assert mapping.unpivot is not None
    spec = mapping.unpivot
    positions = column_positions(names)
    conn.execute(
        render(
            "ingestion/unpivot_mapped.sql",
            width=len(names),
            columns=[(positions.get(c, positions.get(c.lower())), c) for c in spec.columns],
        )
    )
    return [*names, spec.name_as, spec.value_as]


def _decode_header(data: bytes, options: CsvOptions) -> tuple[str, ...]:
    encoding = "utf-8-sig" if options.encoding == "utf-8" else options.encoding
    if options.encoding == "utf-16":
        text = data[:_MAX_HEADER_BYTES].decode("utf-16", errors="replace")
        first_line = text.splitlines()[0] if text else ""
    else:
        first_line = _LINE_END.split(data[:_MAX_HEADER_BYTES], maxsplit=1)[0].decode(encoding)
    return tuple(
        name.strip()
        for name in next(
            csv.reader([first_line], delimiter=options.delimiter, quotechar=options.quote or None)
        )
    )


def inspect_mapped(landing_file: LandingFile, mapping: Mapping) -> Inspection:
    """A first look at a configured source's file: can it be read with its mapping?"""
    if landing_file.source.daily and landing_file.file_date is None:
        return Inspection(
            None,
            "file name carries no valid date (YYYY-MM-DD or YYYYMMDD), and the source "
            "is configured with `file_date: name`",
        )
    data = read_landing_file(landing_file)
    if isinstance(data, str):
        return Inspection(None, data)
    if not data.strip(b"\xef\xbb\xbf\xff\xfe\r\n\t ").strip(b"\0"):
        return Inspection(None, "file is empty")
    if mapping.format in ("json", "jsonl"):
        return Inspection((), None)
    if mapping.format == "xlsx":
        return Inspection(("xlsx",), None)
    if not mapping.csv.header:
        lines = () if mapping.csv.encoding == "utf-16" else blank_lines(data)
        return Inspection(tuple(mapping.csv.columns or ()), None, lines)
    try:
        header = _decode_header(data, mapping.csv)
    except UnicodeDecodeError as error:
        return Inspection(
            None, f"header is not {mapping.csv.encoding} ({error.reason} at byte {error.start})"
        )
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        return Inspection(None, f"duplicate columns in header: {', '.join(duplicates)}")
    missing = missing_columns(mapping.source_columns(), header)
    if missing:
        return Inspection(
            None,
            f"does not match its mapping: column(s) {', '.join(missing)} missing; "
            f"header has: {', '.join(header)}",
        )
    lines = () if mapping.csv.encoding == "utf-16" else blank_lines(data)
    return Inspection(header, None, lines)


def _utf8_copies(files: list[LandingFile], encoding: str, folder: Path) -> list[ReadableFile]:
    copies = []
    for index, landing_file in enumerate(files):
        copy = folder / f"{index}.csv"
        # A streaming decode: the bytes are transcoded in chunks, not parsed into rows.
        with open_content(landing_file.path, landing_file.compression) as source, copy.open(
            "wb"
        ) as target:
            decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
            offset = 0
            try:
                while chunk := source.read(1 << 20):
                    target.write(decoder.decode(chunk).encode())
                    offset += len(chunk)
                target.write(decoder.decode(b"", final=True).encode())
            except UnicodeDecodeError as error:
                # Held back whole, like a file DuckDB cannot read: a wrong encoding is no row's
                # fault, and guessing another one would change every name in the file.
                raise duckdb.InvalidInputException(
                    f"not {encoding}: byte {offset + error.start} "
                    f"(0x{error.object[error.start]:02x}) {error.reason}"
                ) from error
        copies.append(ReadableFile(copy, landing_file.name, landing_file.file_date))
    return copies


def _read_csv(
    conn: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    header: tuple[str, ...],
    group: list[tuple[LandingFile, Inspection]],
    ingestion_id: str,
    folder: Path,
) -> list[str]:
    """Read CSV files into mapped_lines; returns the column names by position."""
    from sales_pipeline.ingestion.loader import MAX_FIELD_LENGTH

    options = mapping.csv
    files = [landing_file for landing_file, _ in group]
    if options.encoding in DUCKDB_ENCODINGS:
        read_files = readable_files(files, folder)
        encoding = options.encoding
    else:
        read_files = _utf8_copies(files, options.encoding, folder)
        encoding = "utf-8"
    by_name = {f.name: f for f in read_files}
    names = list(header)
    conn.execute(
        render(
            "ingestion/read_mapped_csv.sql",
            paths=[str(f.path) for f in read_files],
            header=options.header,
            width=len(names),
            delimiter=options.delimiter,
            quote=options.quote,
            escape=options.escape if options.escape is not None else options.quote,
            encoding=encoding,
        )
    )
    conn.execute(
        render(
            "ingestion/append_batch.sql",
            table="mapped_lines",
            files=read_files,
            blank_lines=[
                (str(by_name[landing_file.name].path), line)
                for landing_file, inspection in group
                for line in inspection.blank_lines
            ],
            positions=list(range(len(names))),
            ingestion_id=ingestion_id,
            max_field_length=MAX_FIELD_LENGTH,
            first_line=2 if options.header else 1,
        )
    )
    return names


def _read_xlsx(
    conn: duckdb.DuckDBPyConnection, mapping: Mapping, files: list[LandingFile], ingestion_id: str
) -> list[str]:
    """Excel sheets through calamine, handed to DuckDB column by column (a pandas frame, which
    DuckDB scans in place), then the same numbered batch as a CSV's. Line n is row n of the
    sheet, the header being row 1."""
    import pandas as pd
    from python_calamine import CalamineError, CalamineWorkbook

    # A numeric cell is a number, not text in the sheet's locale: for a column read with a
    # decimal comma, it is written with one, so that 1.15 stays 1.15 and is not taken for 115.
    comma_columns = {
        spec.column
        for spec in mapping.fields.values()
        if spec.column is not None and spec.number is not None and spec.number.decimal_comma
    }
    frames = []
    names: list[str] = []
    for landing_file in files:
        try:
            content = read_landing_file(landing_file)
            if isinstance(content, str):
                raise OSError(content)
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        except (CalamineError, ValueError, OSError) as error:
            raise duckdb.InvalidInputException(f"not an Excel workbook: {error}") from error
        sheet_name = mapping.xlsx.sheet or workbook.sheet_names[0]
        if sheet_name not in workbook.sheet_names:
            raise duckdb.InvalidInputException(
                f"no sheet {sheet_name!r}; sheets: {', '.join(workbook.sheet_names)}"
            )
        rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        if not rows:
            raise duckdb.InvalidInputException(f"sheet {sheet_name!r} is empty")
        header = [str(cell).strip() for cell in rows[0]]
        missing = missing_columns(mapping.source_columns(), header)
        if missing:
            raise duckdb.InvalidInputException(
                f"does not match its mapping: column(s) {', '.join(missing)} missing; "
                f"header has: {', '.join(header)}"
            )
        if names and header != names:
            raise duckdb.InvalidInputException("sheets of one batch must share their header")
        names = header
        body = rows[1:]
        columns = list(zip(*body, strict=False)) if body else [() for _ in header]
        frames.append(
            pd.DataFrame(
                {
                    "_file": pd.Series([landing_file.name] * len(body), dtype=object),
                    "_line": pd.Series(range(2, len(body) + 2), dtype="int64"),
                    "_file_date": pd.Series([landing_file.file_date] * len(body), dtype=object),
                    **{
                        f"c{i}": pd.Series(
                            [_cell_text(cell, header[i] in comma_columns) for cell in column],
                            dtype=object,
                        )
                        for i, column in enumerate(columns)
                    },
                }
            )
        )
    sheet = pd.concat(frames, ignore_index=True)  # noqa: F841 (scanned by DuckDB by name)
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE mapped_lines AS SELECT _file::VARCHAR AS _file, "
        "_line::BIGINT AS _line, _file_date::DATE AS _file_date, ? AS _ingestion_id, "
        "NULL::VARCHAR AS _error, NULL::VARCHAR AS _raw_line, "
        + ", ".join(f"c{i}::VARCHAR AS c{i}" for i in range(len(names)))
        + " FROM sheet",
        [ingestion_id],
    )
    return names


def _cell_text(cell: object, decimal_comma: bool = False) -> str | None:
    """A cell as text: whole numbers without '.0', dates in ISO form."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, float):
        return repr(cell).replace(".", ",") if decimal_comma else repr(cell)
    if hasattr(cell, "isoformat"):
        return cell.isoformat()  # type: ignore[no-any-return, attr-defined]
    return str(cell)


def land_mapped_rows(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    mapping: Mapping,
    header: tuple[str, ...],
    group: list[tuple[LandingFile, Inspection]],
    ingestion_id: str,
    landing_dir: Path,
) -> dict[str, int]:
    """Append a group of files' mapped rows to raw; returns the rows each file's filter left out."""
    from sales_pipeline.ingestion.loader import MAX_FIELD_LENGTH

    files = [landing_file for landing_file, _ in group]
    read_lookups(conn, mapping, landing_dir)
    with tempfile.TemporaryDirectory(prefix="sales_pipeline_") as folder:
        if mapping.format in ("csv", "xlsx"):
            if mapping.format == "csv":
                names = _read_csv(conn, mapping, header, group, ingestion_id, Path(folder))
            else:
                names = _read_xlsx(conn, mapping, files, ingestion_id)
            if mapping.unpivot is not None:
                names = unpivot_lines(conn, mapping, names)
            compiled = compile_mapping(mapping, csv_column_sql(names), csv_record_sql(names))
        else:
            read_files = readable_files(files, Path(folder))
            conn.execute(
                render(
                    "ingestion/read_mapped_json.sql",
                    paths=[str(f.path) for f in read_files],
                    files=read_files,
                    lines=mapping.format == "jsonl",
                    records_path=(
                        "$" + "".join(f'."{key}"' for key in mapping.json_.records.split("."))
                        if mapping.json_.records
                        else ""
                    ),
                    ingestion_id=ingestion_id,
                )
            )
            compiled = compile_mapping(mapping, json_column_sql, "lines._record::VARCHAR")
    if compiled.rep_identity is not None:
        ensure_identity_column(conn, source)
    if compiled.credit_split is not None:
        ensure_identity_column(conn, source, CREDIT_SPLIT_COLUMN)
    conn.execute(
        render(
            "ingestion/append_mapped.sql",
            table=source.raw_table,
            compiled=compiled,
            max_field_length=MAX_FIELD_LENGTH,
        )
    )
    return dict(
        conn.execute(
            "SELECT _file, count(*) FILTER (WHERE NOT _keep) FROM mapped_batch GROUP BY _file"
        ).fetchall()
    )

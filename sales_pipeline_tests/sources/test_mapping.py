"""The source configuration without Dagster: validation messages, and what a mapping lands in raw.

Fast tests of the vocabulary (docs/sources.md); the presets' end-to-end tests with real Dagster
runs are test_twilio.py, test_asterisk.py, test_ringcentral_aircall.py and test_crm_logged_calls.py.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sales_pipeline import contract
from sales_pipeline.contract import SOURCES
from sales_pipeline.definitions import build_definitions
from sales_pipeline.ingestion.loader import IngestionReport, ingest_source
from sales_pipeline.ingestion.mapped import configured_source
from sales_pipeline.sources import SourcesConfigError, load_sources_config
from sales_pipeline.sql import render
from sales_pipeline_tests.conftest import settings_for
from sales_pipeline_tests.packing import packed
from sales_pipeline_tests.sources.crm import write


def ingest(
    tmp_path: Path, config: str, files: dict[str, str | bytes], source: str = "calls"
) -> tuple[duckdb.DuckDBPyConnection, IngestionReport]:
    landing = tmp_path / "landing"
    landing.mkdir(exist_ok=True)
    for name, content in files.items():
        write(landing / name, content)
    write(tmp_path / "sources.yaml", config)
    entry = load_sources_config(tmp_path / "sources.yaml").sources[source]
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    conn.execute(render("macros.sql", contract=contract))
    report = ingest_source(
        conn, configured_source(SOURCES[source], entry), landing, "run-1", entry.mapping
    )
    return conn, report


def test_default_config_is_the_contract_layout() -> None:
    config = load_sources_config()
    assert config.is_default_layout
    for name, source in SOURCES.items():
        entry = config.sources[name]
        assert (entry.files, entry.file_date == "name") == (source.glob, source.daily), name
        assert configured_source(source, entry) == source


CONFIG_ERRORS = {
    "unknown top-level key": (
        "sourcess: {}\n",
        "sources.yaml, line 1: sourcess: unknown key",
    ),
    "unknown source": (
        "sources:\n  phone_calls: {files: x.csv, preset: contract}\n",
        "sources.yaml, line 2: sources.phone_calls: unknown source",
    ),
    "unknown preset": (
        "extends: default\nsources:\n  calls:\n    files: pbx/Master.csv\n"
        "    preset: asterisk_cdrx\n",
        "sources.yaml, line 5: sources.calls.preset: unknown preset 'asterisk_cdrx'",
    ),
    "misspelt key in a field": (
        "extends: default\nsources:\n  calls:\n    files: t/*.json\n    preset: twilio_calls_json\n"
        "    fields:\n      status:\n        column: status\n        mapp: {ANSWERED: completed}\n",
        "sources.yaml, line 9: sources.calls.fields.status.mapp: Extra inputs are not permitted",
    ),
    "column not among a headerless file's columns": (
        "extends: default\nsources:\n  calls:\n    files: pbx/Master.csv\n    file_date: none\n"
        "    preset: asterisk_cdr\n    timezone: UTC\n    fields:\n      duration: billsecs\n",
        "sources.yaml, line 9: sources.calls.fields.duration: column 'billsecs' is not among "
        "csv.columns (accountcode, src, dst,",
    ),
    "local times without a zone": (
        "extends: default\nsources:\n  calls:\n    files: pbx/Master.csv\n    file_date: none\n"
        "    preset: asterisk_cdr\n",
        "sources.calls: fields.start_time: format '%Y-%m-%d %H:%M:%S' has no UTC offset: give "
        "`timezone`",
    ),
    "unknown zone": (
        "extends: default\nsources:\n  calls:\n    files: pbx/Master.csv\n    preset: asterisk_cdr\n"
        "    timezone: Europe/Atlantis\n",
        "sources.yaml, line 6: sources.calls.timezone: unknown time zone 'Europe/Atlantis'",
    ),
    "field the contract does not have": (
        "extends: default\nsources:\n  calls:\n    files: t/*.json\n    preset: twilio_calls_json\n"
        "    fields:\n      caller: caller_name\n",
        "sources.yaml, line 7: sources.calls.fields.caller: 'caller' is no field of calls",
    ),
    "a contract field left unmapped": (
        "extends: default\nsources:\n  fx_rates:\n    files: erp/rates.csv\n    fields:\n"
        "      date: Date\n      currency: Currency\n",
        "sources.yaml, line 5: sources.fx_rates.fields: no mapping for rate",
    ),
    "two origins for one field": (
        "extends: default\nsources:\n  fx_rates:\n    files: erp/rates.csv\n    fields:\n"
        "      date: Date\n      currency: {column: Currency, constant: EUR}\n      rate: Rate\n",
        "sources.yaml, line 7: sources.fx_rates.fields.currency: give exactly one of column, "
        "columns, constant, concat, difference, when, lookup, first (got column, constant)",
    ),
    "invalid regular expression": (
        "extends: default\nsources:\n  fx_rates:\n    files: erp/rates.csv\n    fields:\n"
        "      date: {column: Date, extract: '(['}\n      currency: Currency\n      rate: Rate\n",
        "sources.yaml, line 6: sources.fx_rates.fields.date.extract: invalid regular expression",
    ),
    "regular expression DuckDB cannot run": (
        "extends: default\nsources:\n  fx_rates:\n    files: erp/rates.csv\n    fields:\n"
        "      date: {column: Date, extract: '(?<=on )x+'}\n      currency: Currency\n"
        "      rate: Rate\n",
        "sources.yaml, line 6: sources.fx_rates.fields.date.extract: regular expression "
        "'(?<=on )x+' is not supported by DuckDB (RE2)",
    ),
    "a JSON key path that is none": (
        "extends: default\nsources:\n  calls:\n    files: t/*.json\n    preset: twilio_calls_json\n"
        "    fields:\n      from: from..phoneNumber\n",
        "sources.yaml, line 6: sources.calls.fields: 'from..phoneNumber' is not a key path",
    ),
    "a source missing without extends": (
        "sources:\n  calls: {files: x/*.csv, preset: contract}\n",
        "sources.yaml, line 1: sources: no entry for sales_documents",
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIG_ERRORS))
def test_configuration_errors_name_file_line_and_key(tmp_path: Path, case: str) -> None:
    text, expected = CONFIG_ERRORS[case]
    write(tmp_path / "sources.yaml", text)
    with pytest.raises(SourcesConfigError) as error:
        load_sources_config(tmp_path / "sources.yaml")
    assert expected in str(error.value)
    assert str(tmp_path / "sources.yaml") in str(error.value) or "presets" in str(error.value)


def test_code_location_does_not_load_with_a_bad_configuration(tmp_path: Path) -> None:
    write(
        tmp_path / "sources.yaml", "extends: default\nsources:\n  calls: {files: x, preset: nope}\n"
    )
    settings = settings_for(tmp_path, tmp_path, SALES_SOURCES_CONFIG=str(tmp_path / "sources.yaml"))
    with pytest.raises(SourcesConfigError, match=r"line 3: sources\.calls\.preset: unknown preset"):
        build_definitions(settings)


TWILIO_CSV = (
    "extends: default\nsources:\n  calls:\n    files: twilio/*.csv\n    preset: twilio_calls_csv\n"
)
TWILIO_HEADER = (
    "sid,parent_call_sid,direction,from,to,status,start_time,end_time,duration,answered_by"
)


def test_a_file_that_does_not_match_its_preset_is_held_back_and_the_others_land(
    tmp_path: Path,
) -> None:
    conn, report = ingest(
        tmp_path,
        TWILIO_CSV,
        {
            "twilio/calls_2026-03-02.csv": TWILIO_HEADER + "\n"
            'CA1,,outbound-api,+1,+2,completed,"Mon, 02 Mar 2026 09:00:00 +0000",,5,human\n',
            # An export of other columns: no sid.
            "twilio/calls_2026-03-03.csv": "call_id,direction\nX,inbound\n",
        },
    )
    assert [(f.name, f.rows_read) for f in report.loaded] == [("twilio/calls_2026-03-02.csv", 1)]
    assert [(h.name, h.reason) for h in report.held_back] == [
        (
            "twilio/calls_2026-03-03.csv",
            "does not match its mapping: column(s) answered_by, duration, end_time, from, "
            "parent_call_sid, sid, start_time, status, to missing; header has: call_id, direction",
        )
    ]
    assert conn.execute("SELECT sid, start_time FROM raw.calls").fetchall() == [
        ("CA1", "2026-03-02T09:00:00.000000Z")
    ]


def test_a_header_in_another_case_matches_its_columns(tmp_path: Path) -> None:
    # Data Loader writes API names in capitals (ID, OWNERID): a column is found in any case
    # where the header spells it only once.
    conn, report = ingest(
        tmp_path,
        TWILIO_CSV,
        {
            "twilio/calls_2026-03-02.csv": TWILIO_HEADER.upper() + "\n"
            'CA1,,outbound-api,+1,+2,completed,"Mon, 02 Mar 2026 09:00:00 +0000",,5,human\n',
        },
    )
    assert report.held_back == []
    assert conn.execute("SELECT sid, status, duration FROM raw.calls").fetchall() == [
        ("CA1", "completed", "5")
    ]


def test_a_daily_file_without_a_date_in_its_name_is_held_back(tmp_path: Path) -> None:
    _, report = ingest(tmp_path, TWILIO_CSV, {"twilio/calls_latest.csv": TWILIO_HEADER + "\n"})
    assert "file name carries no valid date" in report.held_back[0].reason


def test_cdr_custom_default_layout(tmp_path: Path) -> None:
    """cdr_custom.conf.sample's Master.csv: clid first, accountcode after amaflags, no linkedid."""
    config = (
        "extends: default\nsources:\n  calls:\n    files: cdr-custom/Master.csv\n"
        "    file_date: none\n    preset: asterisk_cdr_custom\n    timezone: Europe/Athens\n"
    )
    line = (
        '"""Maria"" <201>","201","00302105550201","from-internal","PJSIP/201-00000001",'
        '"PJSIP/trunk-00000002","Dial","PJSIP/00302105550201@trunk,60","2026-03-02 11:00:00",'
        '"2026-03-02 11:00:05","2026-03-02 11:02:05","125","120","ANSWERED","DOCUMENTATION",'
        '"","1772442000.1",""\n'
    )
    conn, report = ingest(tmp_path, config, {"cdr-custom/Master.csv": line})
    assert report.rows_read == 1 and not report.held_back
    assert conn.execute(
        'SELECT _line, sid, parent_call_sid, direction, "from", "to", status, start_time, '
        "end_time, duration, answered_by, rep_identity FROM raw.calls"
    ).fetchall() == [
        (
            1,
            "1772442000.1",
            None,
            "outbound-dial",
            "201",
            "00302105550201",
            "completed",
            "2026-03-02T09:00:00.000000Z",
            "2026-03-02T09:02:05.000000Z",
            "120",
            None,
            "201",
        )
    ]


VOCABULARY = """\
extends: default
sources:
  calls:
    files: phone/export_*.csv
    csv: {delimiter: ";", encoding: cp1252}
    filter: {column: Kind, equals: call}
    fields:
      sid: Id
      parent_call_sid: {constant: ""}
      direction: {column: Direction, map: {"out*": outbound-dial, "in*": inbound}}
      from: From
      to: To
      # Derived: the system says only whether the call connected.
      status:
        when:
          - {if: {column: Connected, equals: "yes"}, then: {constant: completed}}
        else: {constant: no-answer}
      start_time: {column: StartedMs, timestamp: {format: epoch_milliseconds}}
      end_time: {column: Ended, timestamp: {format: "%d.%m.%Y %H:%M", timezone: Europe/Berlin}}
      duration: {column: TalkMs, number: {unit: milliseconds}}
      answered_by: {constant: ""}
  sales_documents:
    files: erp/orders_*.csv
    csv: {delimiter: ";"}
    fields:
      document_no: No
      document_type: {column: Type, map: {Auftrag: ORDER, Gutschrift: RETURN}}
      document_date: {column: Date, date: "%d.%m.%Y"}
      customer_no: Customer
      sales_rep_no: Rep
      currency: {constant: EUR}
      net_amount: {column: Amount, number: {decimal_comma: true, strip_currency: true}}
      status: {column: Status, map: {offen: OPEN, fakturiert: INVOICED, storniert: CANCELLED}}
      changed_at: {column: Changed, timestamp: {format: iso}}
"""


def test_vocabulary_on_calls(tmp_path: Path) -> None:
    export = (
        "Id;Kind;Direction;From;To;Connected;StartedMs;Ended;TalkMs;Note\n"
        "A1;call;OUTBOUND;+30 1;+30 2;yes;1772442000000;02.03.2026 10:02;61600;Caf\xe9\n"
        "A2;email;OUTBOUND;+30 1;+30 2;no;1772442000000;02.03.2026 10:02;0;not a call\n"
        "A3;Call;Inbound;+30 2;+30 1;no;not-a-time;02.03.2026 10:02;0;\n"
    ).encode("cp1252")
    conn, report = ingest(tmp_path, VOCABULARY, {"phone/export_20260302.csv": export})
    assert (report.rows_read, report.rows_filtered, report.rows_malformed) == (2, 1, 1)
    rows = conn.execute(
        "SELECT _line, _error, sid, direction, status, start_time, end_time, duration, "
        "_file_date, _raw_line FROM raw.calls ORDER BY _line"
    ).fetchall()
    assert rows[0][:9] == (
        2,
        None,
        "A1",
        "outbound-dial",
        "completed",
        "2026-03-02T09:00:00.000000Z",
        "2026-03-02T09:02:00.000000Z",
        "62",
        __import__("datetime").date(2026, 3, 2),
    )
    assert '"Note":"Café"' in rows[0][9]  # the vendor's record, decoded from cp1252
    assert rows[1][:3] == (
        4,
        "mapping: start_time 'not-a-time' is not a Unix time in milliseconds",
        "A3",
    )


def test_vocabulary_on_documents(tmp_path: Path) -> None:
    export = (
        "No;Type;Date;Customer;Rep;Amount;Status;Changed\n"
        "D1;Auftrag;02.03.2026;K1;E1;\u20ac 1.234,50;fakturiert;2026-03-02T10:00:00+01:00\n"
        "D2;GUTSCHRIFT;03.03.2026;K1;E1;12,00 EUR;offen;2026-03-03T10:00:00Z\n"
        "D3;Auftrag;31.02.2026;K1;E1;zwölf;offen;2026-03-03T10:00:00Z\n"
    )
    conn, _ = ingest(
        tmp_path, VOCABULARY, {"erp/orders_2026-03-03.csv": export}, source="sales_documents"
    )
    assert conn.execute(
        "SELECT document_no, document_type, document_date, net_amount, status, _error "
        "FROM raw.sales_documents ORDER BY _line"
    ).fetchall() == [
        ("D1", "ORDER", "2026-03-02", "1234.50", "INVOICED", None),
        ("D2", "RETURN", "2026-03-03", "12.00", "OPEN", None),
        (
            "D3",
            "ORDER",
            None,
            None,
            "OPEN",
            "mapping: document_date '31.02.2026' is not a date in the format %d.%m.%Y; "
            "net_amount 'zwölf' is not a number",
        ),
    ]


def xlsx(sheet_name: str, rows: list[list[object]]) -> bytes:
    """A minimal .xlsx (inline strings and numbers), written the way the format defines it."""
    import io
    import zipfile
    from xml.sax.saxutils import escape

    def cell(ref: str, value: object) -> str:
        if isinstance(value, int | float):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    body = "".join(
        f'<row r="{r}">'
        + "".join(cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row) if v is not None)
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>'
            f"{body}</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


XLSX_CONFIG = """\
extends: default
sources:
  fx_rates:
    files: finance/rates.xlsx
    format: xlsx
    xlsx: {sheet: Rates}
    fields:
      date: {column: Day, date: "%d/%m/%Y"}
      currency: Currency
      rate: {column: Rate, number: {decimal_comma: true}}
"""


def test_excel_sheet_lands_with_its_row_numbers(tmp_path: Path) -> None:
    sheet = xlsx(
        "Rates",
        [
            ["Day", "Currency", "Rate", "Note"],
            ["02/03/2026", "USD", "0,85", "from the bank"],
            ["02/03/2026", "GBP", 1.15, None],
            [None, None, None, None],
            ["03/03/2026", "USD", "n/a", None],
        ],
    )
    conn, report = ingest(tmp_path, XLSX_CONFIG, {"finance/rates.xlsx": sheet}, source="fx_rates")
    assert not report.held_back
    assert conn.execute(
        "SELECT _line, date, currency, rate, _error FROM raw.fx_rates ORDER BY _line"
    ).fetchall() == [
        (2, "2026-03-02", "USD", "0.85", None),
        (3, "2026-03-02", "GBP", "1.15", None),
        (4, None, None, None, None),
        (5, "2026-03-03", "USD", None, "mapping: rate 'n/a' is not a number"),
    ]


def test_excel_sheet_without_the_mapped_columns_is_held_back(tmp_path: Path) -> None:
    sheet = xlsx("Rates", [["Datum", "Currency", "Rate"], ["02/03/2026", "USD", "0,85"]])
    _, report = ingest(tmp_path, XLSX_CONFIG, {"finance/rates.xlsx": sheet}, source="fx_rates")
    assert [(h.name, h.reason) for h in report.held_back] == [
        (
            "finance/rates.xlsx",
            "unreadable as XLSX: does not match its mapping: column(s) Day missing; "
            "header has: Datum, Currency, Rate",
        )
    ]


TWILIO_JSON = "extends: default\nsources:\n  calls:\n    files: twilio/*.json\n    preset: twilio_calls_json\n"


def test_a_broken_json_page_is_held_back_and_the_others_land(tmp_path: Path) -> None:
    page = (
        '{"calls": [{"sid": "CA1", "parent_call_sid": null, "direction": "outbound-api", '
        '"from": "+1", "to": "+2", "status": "completed", '
        '"start_time": "Mon, 02 Mar 2026 09:00:00 +0000", "end_time": null, "duration": "5", '
        '"answered_by": null}], "page": 0}'
    )
    conn, report = ingest(
        tmp_path,
        TWILIO_JSON,
        {
            "twilio/calls_2026-03-02.json": page,
            "twilio/calls_2026-03-03.json": page.replace("CA1", "CA2")[:80],  # cut off mid-record
        },
    )
    assert [f.name for f in report.loaded] == ["twilio/calls_2026-03-02.json"]
    assert [h.name for h in report.held_back] == ["twilio/calls_2026-03-03.json"]
    assert report.held_back[0].reason.startswith("unreadable as JSON: ")
    assert conn.execute("SELECT sid, _line FROM raw.calls").fetchall() == [("CA1", 1)]


def test_the_landing_sensor_watches_the_configured_files(tmp_path: Path) -> None:
    from sales_pipeline.ingestion.landing import landing_digest
    from sales_pipeline.ingestion.mapped import configured_sources

    write(tmp_path / "sources.yaml", TWILIO_JSON)
    sources = configured_sources(load_sources_config(tmp_path / "sources.yaml"))
    before = landing_digest(tmp_path, sources)
    write(tmp_path / "twilio/calls_2026-03-02.json", "{}")
    assert landing_digest(tmp_path, sources) != before
    # The contract's layout does not see that file.
    assert landing_digest(tmp_path) == landing_digest(tmp_path / "nothing-here")


def test_an_identity_map_change_counts_as_a_landing_change(tmp_path: Path) -> None:
    from sales_pipeline.ingestion.landing import landing_digest

    before = landing_digest(tmp_path, [], also=["people/identity_map.csv"])
    write(tmp_path / "people/identity_map.csv", "email,phone_extension\nmaria@example.com,201\n")
    assert landing_digest(tmp_path, [], also=["people/identity_map.csv"]) != before


def test_a_file_not_in_its_configured_encoding_is_held_back(tmp_path: Path) -> None:
    header = "Id;Kind;Direction;From;To;Connected;StartedMs;Ended;TalkMs;Note\n"
    _, report = ingest(tmp_path, VOCABULARY, {
        # 0x81 is no character of cp1252.
        "phone/export_20260303.csv": header.encode() + b"A9;call;out;1;2;no;0;;0;\x81\n",
    })
    assert [(h.name, h.reason) for h in report.held_back] == [(
        "phone/export_20260303.csv",
        "unreadable as CSV: not cp1252: byte 88 (0x81) character maps to <undefined>",
    )]


TWILIO_PAGE = (
    '{"calls": [{"sid": "CA1", "parent_call_sid": null, "direction": "outbound-api", '
    '"from": "+1", "to": "+2", "status": "completed", '
    '"start_time": "Mon, 02 Mar 2026 09:00:00 +0000", "end_time": null, "duration": "5", '
    '"answered_by": null}], "page": 0}'
)


@pytest.mark.parametrize("how", ["gz", "zst", "zip"])
@pytest.mark.parametrize(
    ("config", "name", "source"),
    [
        pytest.param(VOCABULARY, "phone/export_20260302.csv", "calls", id="cp1252-csv"),
        pytest.param(TWILIO_JSON, "twilio/calls_2026-03-02.json", "calls", id="json"),
        pytest.param(XLSX_CONFIG, "finance/rates.xlsx", "fx_rates", id="xlsx"),
    ],
)
def test_a_compressed_delivery_lands_as_the_file_it_holds(
    tmp_path: Path, config: str, name: str, source: str, how: str
) -> None:
    data = {
        "calls": (
            "Id;Kind;Direction;From;To;Connected;StartedMs;Ended;TalkMs;Note\n"
            "A1;call;OUTBOUND;+30 1;+30 2;yes;1772442000000;02.03.2026 10:02;61600;Caf\xe9\n\n"
            "A3;Call;Inbound;+30 2;+30 1;no;not-a-time;02.03.2026 10:02;0;\n"
        ).encode("cp1252")
        if name.endswith(".csv")
        else TWILIO_PAGE.encode(),
        "fx_rates": xlsx("Rates", [["Day", "Currency", "Rate"], ["02/03/2026", "USD", "0,85"]]),
    }[source]
    packed_name, packed_data = packed(name, data, how)
    (tmp_path / "plain").mkdir()
    (tmp_path / "packed").mkdir()
    plain, plain_report = ingest(tmp_path / "plain", config, {name: data}, source)
    compressed, report = ingest(tmp_path / "packed", config, {packed_name: packed_data}, source)
    query = f"SELECT * EXCLUDE (_file, _ingestion_id) FROM raw.{source} ORDER BY _line"
    assert [f.name for f in report.loaded] == [packed_name]
    assert not report.held_back and not plain_report.held_back
    assert compressed.execute(query).fetchall() == plain.execute(query).fetchall()
    assert compressed.execute(f"SELECT DISTINCT _file FROM raw.{source}").fetchall() == [
        (packed_name,)
    ]


ROLES_CONFIG = (
    "extends: default\nsources:\n  team_memberships:\n    files: salesforce/User.csv\n"
    "    file_date: none\n    preset: salesforce_role_teams\n"
)


def test_a_changed_lookup_file_reads_its_source_again(tmp_path: Path) -> None:
    from sales_pipeline.ingestion.mapped import discover_configured
    from sales_pipeline_tests.sources import erp_split_fixtures as fx

    def teams(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
        return conn.execute(
            'SELECT "User__c", "Team__c", "Department__c" FROM raw.team_memberships ORDER BY 1'
        ).fetchall()

    # No UserRole export yet: the users wait for it, with the reason.
    conn, report = ingest(
        tmp_path, ROLES_CONFIG, {"salesforce/User.csv": fx.SALESFORCE_USERS}, "team_memberships"
    )
    assert [(h.name, h.reason) for h in report.held_back] == [
        (
            "salesforce/User.csv",
            "unreadable as CSV: lookup 'roles': no file matches salesforce/UserRole.csv",
        )
    ]
    conn.close()
    conn, report = ingest(
        tmp_path, ROLES_CONFIG, {"salesforce/UserRole.csv": fx.SALESFORCE_ROLES},
        "team_memberships",
    )
    assert [f.name for f in report.loaded] == ["salesforce/User.csv"]
    assert teams(conn) == [
        ("005A", "Athens North", "Greece"),
        ("005B", "New York", "New York"),
        ("005Z", "Athens North", "Greece"),
    ]
    # What the backfill's check and the sensor compute is what the ingestion recorded.
    config = load_sources_config(tmp_path / "sources.yaml")
    (recorded,) = conn.execute(
        "SELECT file_stat FROM raw.landed_files WHERE source = 'team_memberships'"
    ).fetchone()
    found = discover_configured(config, tmp_path / "landing")
    assert [f.stat_key for f in found if f.source.name == "team_memberships"] == [recorded]
    conn.close()
    # Nothing changed: nothing read.
    conn, report = ingest(tmp_path, ROLES_CONFIG, {}, "team_memberships")
    assert (report.loaded, report.unchanged) == ([], 1)
    conn.close()
    # A role renamed: the users are read again, with the new name.
    renamed = fx.SALESFORCE_ROLES.replace('"Athens North"', '"Athens Centre"')
    conn, report = ingest(
        tmp_path, ROLES_CONFIG, {"salesforce/UserRole.csv": renamed}, "team_memberships"
    )
    assert [f.name for f in report.loaded] == ["salesforce/User.csv"]
    assert teams(conn)[0] == ("005A", "Athens Centre", "Greece")
    conn.close()

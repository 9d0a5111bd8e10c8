"""Reports in the organisation's language (SALES_REPORT_LOCALE): the catalogs translate every
string the code and templates use, and a Greek report of the same data shows no English."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from babel.messages.pofile import read_po

from sales_pipeline.facts.metrics import DEFINITIONS
from sales_pipeline.partitions import GRAINS, MONTHLY
from sales_pipeline.reports.catalogs import TEMPLATE_PATH, extract
from sales_pipeline.reports.data import load_report_data
from sales_pipeline.reports.i18n import LOCALES, SOURCE_LOCALE, catalog_path, language
from sales_pipeline.reports.render import render_reports
from sales_pipeline.reports.statements import Sentences
from sales_pipeline.settings import SalesSettings, SettingsError
from sales_pipeline_tests.reports.handmade import ROSTER, insert, populate
from sales_pipeline_tests.reports.test_reports import materialize

PERIODS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
TRANSLATED = [locale for locale in LOCALES if locale != SOURCE_LOCALE]
# A rep active on days no team covered: the period index's data-quality section, with its dates.
UNPLACED = ("U01", "Uma Unplaced")
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w*\}")


def _catalog(locale: str):
    with catalog_path(locale).open("rb") as stream:
        return read_po(stream, locale=locale)


# -- the catalogs --------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_string_of_the_code_and_templates_is_translated(locale: str) -> None:
    used = extract()
    catalog = _catalog(locale)
    assert len(used) > 150  # the extraction found the templates and the code, not nothing
    untranslated, fuzzy, wrong_placeholders = [], [], []
    for message in used:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        strings = entry.string if entry is not None else None
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or not all(strings):
            untranslated.append(message.id)
            continue
        if entry.fuzzy:
            fuzzy.append(message.id)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        if any(sorted(PLACEHOLDER.findall(text)) != wanted for text in strings):
            wrong_placeholders.append(message.id)
    assert untranslated == []
    assert fuzzy == []
    assert wrong_placeholders == []
    # No translation is left over from strings the code no longer uses.
    assert {m.id for m in catalog if m.id} <= {m.id for m in used if m.id}
    assert not catalog.obsolete


def test_the_shipped_template_lists_the_strings_in_use() -> None:
    """messages.pot is what `python -m sales_pipeline.reports.catalogs update` writes: current."""
    with TEMPLATE_PATH.open("rb") as stream:
        shipped = read_po(stream)
    assert {m.id for m in shipped if m.id} == {m.id for m in extract() if m.id}


def test_metric_and_grain_definitions_are_extracted_for_translation() -> None:
    """The reports translate the definitions' own labels and descriptions: each is a msgid."""
    extracted = {m.id for m in extract() if m.id}
    wanted = {text for metric in DEFINITIONS for text in (metric.label, metric.description)}
    wanted |= {grain.label for grain in GRAINS}
    assert wanted - extracted == set()


def test_report_locale_setting() -> None:
    assert SalesSettings.from_env({}).report_locale == "en"
    assert SalesSettings.from_env({"SALES_REPORT_LOCALE": "EL"}).report_locale == "el"
    with pytest.raises(SettingsError, match=r"SALES_REPORT_LOCALE='fr' is not a shipped report "
                                            r"language \(one of: en, el\)"):
        SalesSettings.from_env({"SALES_REPORT_LOCALE": "fr"})


# -- the same data rendered in every language ---------------------------------------------------

@dataclass
class Rendered:
    warehouse: Path
    folders: dict[str, Path]  # locale -> reports dir


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    root = tmp_path_factory.mktemp("languages")
    settings = SalesSettings.from_env({
        "SALES_WAREHOUSE": str(root / "warehouse.duckdb"),
        "SALES_REPORTS_DIR": str(root / "el"),
        "SALES_HISTORY_START": "2025-01-01",
        "SALES_REPORT_LOCALE": "el",
    })
    with duckdb.connect(str(settings.warehouse)) as conn:
        populate(conn, MONTHLY, PERIODS)
        insert(conn, "staging.activities", [
            {"activity_date": day, "rep_id": UNPLACED[0], "rep_name": UNPLACED[1],
             "team": "Unassigned", "department": "Unassigned"}
            for day in (date(2026, 3, 2), date(2026, 3, 3))])
    # The Greek set through Dagster, as a deployment with SALES_REPORT_LOCALE=el renders it ...
    assert materialize(settings, "2026-01-01", "2026-03-01").success
    folders = {"el": root / "el"}
    # ... and every other language from the same marts.
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        data = load_report_data(conn, MONTHLY, PERIODS[0], date(2026, 4, 1))
    for locale in LOCALES:
        if locale != "el":
            folders[locale] = root / locale
            render_reports(data, folders[locale], "EUR", locale=locale)
    yield Rendered(settings.warehouse, folders)


def visible_text(path: Path) -> str:
    """What a reader can read: element text plus alt and title attributes; not styles, scripts,
    images' data or the source trace keys (identifiers, the same in every language)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<(style|script|code)\b.*?</\1>", " ", text, flags=re.DOTALL)
    attributes = " ".join(re.findall(r'\s(?:alt|title)="([^"]*)"', text))
    text = re.sub(r"<[^>]+>", " ", text) + " " + attributes
    return re.sub(r"\s+", " ", html.unescape(text))


NAMES = sorted({part for _, name, team, department in ROSTER for part in (name, team, department)}
               | set(UNPLACED), key=len, reverse=True)


def english_fragments() -> set[str]:
    """The English of every msgid, cut at its placeholders and markup: the pieces a report
    would show if a string went untranslated. Pieces without a word of three letters (a
    bracket, ' h') say nothing about the language."""
    pieces: set[str] = set()
    for message in extract():
        for text in (message.id if isinstance(message.id, tuple) else (message.id,)):
            for piece in re.split(r"%\(\w+\)s|\{\w*\}|<[^>]+>", text or ""):
                piece = piece.strip(" ,.;:()·")
                if re.search(r"[A-Za-z]{3}", piece):
                    pieces.add(piece)
    return pieces


def test_every_language_renders_the_same_files(rendered: Rendered) -> None:
    files = {locale: sorted(p.relative_to(folder) for p in folder.rglob("*.html"))
             for locale, folder in rendered.folders.items()}
    assert files["en"] and all(found == files["en"] for found in files.values())


@pytest.mark.parametrize("locale", TRANSLATED)
def test_a_translated_report_shows_no_english(rendered: Rendered, locale: str) -> None:
    fragments = english_fragments()
    # Words the translation keeps on purpose: CRM and document type names, the code's names.
    kept = {"CRM", "ORDER", "Meeting", "Visit", "Team_Membership__c", "docs/reports.md",
            "sales_pipeline", "talk_seconds / calls_connected"}
    pages = sorted(rendered.folders[locale].rglob("*.html"))
    english_pages = {p.relative_to(rendered.folders["en"]): visible_text(p)
                     for p in rendered.folders["en"].rglob("*.html")}
    seen_in_english: set[str] = set()
    for path in pages:
        text = visible_text(path)
        for name in NAMES:
            text = text.replace(name, " ")
        found = sorted(f for f in fragments
                       if f not in kept and re.search(rf"(?<![\w/]){re.escape(f)}(?![\w/])", text))
        assert found == [], path
        seen_in_english |= {f for f in fragments
                            if f in english_pages[path.relative_to(rendered.folders[locale])]}
    # The check has teeth: the English pages of the same data show hundreds of these pieces.
    assert len(seen_in_english) > 100


def test_greek_reports_read_greek_figures(rendered: Rendered) -> None:
    folder = rendered.folders["el"] / "monthly" / "2026-03-01"
    team = visible_text(folder / "team-field-north.html")
    assert "Μάρτιος 2026" in team and "Αναφορά ομάδας, τμήμα Field" in team
    assert "Επόμενος μήνας: τουλάχιστον" in team
    # Babel's Greek: a thousands dot, the euro sign after the amount (its no-break space reads
    # as a space here).
    assert re.search(r"\d\.\d{3} €", team) and not re.search(r"\d,\d{3} €", team)
    assert "EUR EUR" not in team
    index = visible_text(folder / "index.html")
    assert "Ποιότητα δεδομένων: δραστηριότητα χωρίς ομάδα" in index
    assert "Δευ 2 Μαρ 2026, Τρί 3 Μαρ 2026" in index
    assert "καμία συμμετοχή σε ομάδα στο CRM" in index
    assert '<html lang="el">' in (folder / "index.html").read_text(encoding="utf-8")
    root = visible_text(rendered.folders["el"] / "index.html")
    assert "Μηνιαίες" in root and "Ιανουάριος 2026" in root


def test_english_reports_show_the_marts_statements(rendered: Rendered) -> None:
    """The English sentence a report composes is the SQL's statement, on every plan row; the
    Greek one is composed from the same parts."""
    with duckdb.connect(str(rendered.warehouse), read_only=True) as conn:
        cursor = conn.execute("SELECT * FROM marts.action_plan_monthly")
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert {row["item"] for row in rows} == {"strength", "development", "commitment"}
    english = Sentences("monthly", "EUR", language("en"))
    greek = Sentences("monthly", "EUR", language("el"))
    for row in rows:
        assert english.statement(row) == row["statement"]
        assert greek.statement(row) != row["statement"]

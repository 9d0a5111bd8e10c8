"""Extracting the reports' strings and keeping the catalogs current (docs/reports.md, "Languages").

    python -m sales_pipeline.reports.catalogs update     # messages.pot, then merge every .po
    python -m sales_pipeline.reports.catalogs init de    # start a new language's catalog

Strings are found with Babel's extractors: gettext calls and `N_()` markers in the report code,
the action plans and the metric and grain definitions, `_()` and `{% trans %}` in the templates.
The same extraction is what the tests check the catalogs against, so a string added without a
translation fails a test rather than showing English in a translated report.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from sales_pipeline.reports.i18n import DOMAIN, LOCALE_DIR, LOCALES, SOURCE_LOCALE, catalog_path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
# Relative to the package: where the report strings are, and how to read each file.
METHOD_MAP = [
    ("reports/templates/**.html", "jinja2.ext:babel_extract"),
    ("reports/**.py", "python"),
    ("analysis/action_plans.py", "python"),
    # The metrics' and grains' labels and descriptions, defined once with their SQL.
    ("facts/metrics.py", "python"),
    ("partitions.py", "python"),
]
OPTIONS_MAP = {
    "reports/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                  "lstrip_blocks": "true"},
}
TEMPLATE_PATH = LOCALE_DIR / f"{DOMAIN}.pot"
# A fixed date keeps an unchanged catalog byte for byte the same after an update.
FIXED_DATE = datetime(2026, 1, 1)


def extract() -> Catalog:
    """Every translatable string of the reports, with where it is used."""
    catalog = Catalog(project="sales_pipeline", domain=DOMAIN, creation_date=FIXED_DATE,
                      fuzzy=False)
    for path, line, message, comments, context in extract_from_dir(
        PACKAGE_DIR, METHOD_MAP, OPTIONS_MAP, keywords=DEFAULT_KEYWORDS,
        comment_tags=("Translators:",), strip_comment_tags=True,
    ):
        catalog.add(message, None, [(f"sales_pipeline/{path}", line)],
                    auto_comments=comments, context=context)
    return catalog


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        # No line numbers: a catalog changes when its strings do, not whenever code moves.
        write_po(stream, catalog, width=100, sort_output=True, include_lineno=False)


def update() -> None:
    """Write messages.pot and merge it into every shipped language's catalog: new strings come
    in untranslated, changed ones fuzzy, removed ones obsolete, for a translator to settle."""
    template = extract()
    _write(TEMPLATE_PATH, template)
    for locale in LOCALES:
        if locale == SOURCE_LOCALE:
            continue
        with catalog_path(locale).open("rb") as stream:
            catalog = read_po(stream, locale=locale)
        catalog.update(template, update_creation_date=True)
        _write(catalog_path(locale), catalog)


def init(locale: str) -> None:
    """A new language's catalog, every string untranslated; then add it to i18n.LOCALES."""
    path = catalog_path(locale)
    if path.exists():
        raise SystemExit(f"{path} exists; `update` merges new strings into it")
    catalog = extract()
    catalog.locale = locale
    catalog.revision_date = FIXED_DATE
    _write(path, catalog)


def main(argv: list[str]) -> None:
    if argv[:1] == ["update"] and len(argv) == 1:
        update()
    elif argv[:1] == ["init"] and len(argv) == 2:
        init(argv[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

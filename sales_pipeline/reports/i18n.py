"""The reports' languages: gettext catalogs under `reports/locale/`, compiled in memory.

English is the source language (every msgid is the English text), so `en` needs no catalog.
Each other shipped language has `locale/<code>/LC_MESSAGES/messages.po`; it is compiled when
first used (babel.messages), so a checkout renders without a build step and tests leave the work
tree as they found it. docs/reports.md ("Languages") says how to add a string or a language.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE_LOCALE = "en"
# The languages a report can be rendered in (SALES_REPORT_LOCALE); each but the source has a
# catalog, and a test checks that it translates every string the code and templates use.
LOCALES: tuple[str, ...] = ("en", "el")


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


def catalog_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    if locale not in LOCALES:
        raise ValueError(f"no report language {locale!r}; shipped: {', '.join(LOCALES)}")
    if locale == SOURCE_LOCALE:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalog_path(locale).open("rb") as stream:
        catalog = read_po(stream, locale=locale)
    buffer = io.BytesIO()
    # Fuzzy entries are a translator's guess, not a translation: left out, like msgfmt does.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Language:
    """One report language: its code (for Babel) and its translations (for gettext)."""

    code: str

    @property
    def translations(self) -> gettext.NullTranslations:
        return translations(self.code)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: float) -> str:
        return self.translations.ngettext(singular, plural, round(count))


@cache
def language(locale: str = SOURCE_LOCALE) -> Language:
    translations(locale)  # fails early, with the shipped list, on an unknown code
    return Language(locale)

"""What a page says about its period's calendar: a running period "to date", and its holidays.

The variance mart carries each period's calendar (docs/analysis.md, "Complete periods"); this
module turns it into the words a sales director reads, in the page's language.
"""

from __future__ import annotations

from babel.lists import format_list

from sales_pipeline.reports import formatting as fmt
from sales_pipeline.reports.data import Row
from sales_pipeline.reports.i18n import Language

# Beyond this many holidays a page names the first ones and counts the rest.
NAMED_HOLIDAYS = 5


def is_running(calendar: Row | None) -> bool:
    """A period the data does not cover to its end yet. A page without a calendar row (a
    warehouse built before complete periods) is read as complete, as it was then."""
    return bool(calendar) and calendar["is_complete"] is False


def to_date_label(calendar: Row, lang: Language) -> str:
    """'to date (11 of 31 days)', beside the period's name."""
    return lang.gettext("to date ({elapsed} of {days} days)").format(
        elapsed=fmt.number(calendar["days_elapsed"], lang.code),
        days=fmt.number(calendar["days_in_period"], lang.code))


def running_note(calendar: Row, lang: Language) -> str:
    return lang.gettext(
        "This period is still running: the figures cover {elapsed} of its {days} days "
        "({working_elapsed} of {working} working days). Targets are pro-rated to the working "
        "days elapsed, and the previous period and last year are compared over the same number "
        "of days. No status, trend, cause or action plan is drawn until the period is complete."
    ).format(
        elapsed=fmt.number(calendar["days_elapsed"], lang.code),
        days=fmt.number(calendar["days_in_period"], lang.code),
        working_elapsed=fmt.number(calendar["working_days_elapsed"], lang.code),
        working=fmt.number(calendar["working_days"], lang.code))


def holiday_note(calendar: Row | None, lang: Language) -> str | None:
    """'This period had 3 working days: Thu 25 Dec 2025 and Fri 26 Dec 2025 were holidays (nobody
    in the organisation worked).' None when it had none."""
    holidays = list((calendar or {}).get("holidays") or [])
    if not holidays:
        return None
    named = [fmt.day(day, lang.code, weekday=True) for day in holidays[:NAMED_HOLIDAYS]]
    if len(holidays) > NAMED_HOLIDAYS:
        named.append(lang.ngettext("{count} more day", "{count} more days",
                                   len(holidays) - NAMED_HOLIDAYS).format(
            count=fmt.number(len(holidays) - NAMED_HOLIDAYS, lang.code)))
    text = lang.ngettext(
        "This period had {working} working days: {days} was a holiday (nobody in the "
        "organisation worked).",
        "This period had {working} working days: {days} were holidays (nobody in the "
        "organisation worked).",
        len(holidays))
    return text.format(working=fmt.number(calendar["working_days"], lang.code),
                       days=format_list(named, locale=lang.code))

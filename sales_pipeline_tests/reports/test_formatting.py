"""File names and numbers as the reports print them."""

from __future__ import annotations

from datetime import date

from sales_pipeline.partitions import MONTHLY, QUARTERLY, WEEKLY, YEARLY
from sales_pipeline.reports import formatting as fmt


def test_slugs_keep_letters_of_any_script_and_are_stable() -> None:
    assert fmt.slug("Field South / Coast") == "field-south-coast"
    assert fmt.slug("Inside East & Co") == "inside-east-co"
    assert fmt.slug("Αθήνα Βόρεια") == "αθήνα-βόρεια"
    assert fmt.slug("***") == fmt.slug("***") != fmt.slug("+++")
    assert fmt.slug("***").startswith("n")


def test_numbers_money_and_changes() -> None:
    assert fmt.number(1234.0) == "1,234"
    assert fmt.number(36.4) == "36.4"
    assert fmt.money(1234.56, "EUR") == "1,235 EUR"
    assert fmt.signed_percent(-0.25) == "\u221225%"
    assert fmt.signed_money(-1500, "EUR") == "\u22121,500 EUR"
    assert fmt.metric_value("talk_seconds", 5400, "EUR") == "1.5 h"
    assert fmt.metric_value("visits", None, "EUR") == fmt.MISSING


def test_period_arithmetic_and_labels() -> None:
    assert fmt.add_periods(WEEKLY, date(2026, 1, 5), -1) == date(2025, 12, 29)
    assert fmt.add_periods(MONTHLY, date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert fmt.add_periods(QUARTERLY, date(2026, 1, 1), 1) == date(2026, 4, 1)
    assert fmt.add_periods(YEARLY, date(2026, 1, 1), -4) == date(2022, 1, 1)
    assert fmt.period_label(WEEKLY, date(2026, 3, 2)) == "Week 10 of 2026 (from 2 Mar 2026)"
    assert fmt.period_label(QUARTERLY, date(2026, 4, 1)) == "Q2 2026"
    assert fmt.short_period_label(MONTHLY, date(2026, 3, 1)) == "Mar 26"


def test_attainment_is_shown_precisely_enough_to_agree_with_its_status() -> None:
    # Defaults: ahead from 110 %, on track from 95 %, at risk from 80 %.
    assert fmt.attainment(1.0995) == "109.9%"   # on track: "110%" would read as ahead
    assert fmt.attainment(0.9496) == "94.96%"   # at risk: "95%" and "95.0%" would read on track
    assert fmt.attainment(0.79996) == "79.996%"  # behind
    assert fmt.attainment(1.10) == "110%"       # ahead, exactly
    assert fmt.attainment(0.874) == "87%"       # nowhere near a threshold: no decimals
    assert fmt.attainment(None) == fmt.MISSING
    # The thresholds a run was configured with decide, not the defaults.
    assert fmt.attainment(0.8996, (0.90,)) == "89.96%"
    assert fmt.attainment(0.8996) == "90%"


# -- the same figures in Greek (SALES_REPORT_LOCALE=el): Babel's separators, signs, names ------

NBSP = "\u00a0"


def test_greek_numbers_money_and_changes() -> None:
    assert fmt.number(1234.0, "el") == "1.234"
    assert fmt.number(36.4, "el") == "36,4"
    # The catalog's money pattern: whole units, the symbol after the amount.
    assert fmt.money(1234.56, "EUR", "el") == f"1.235{NBSP}€"
    assert fmt.money(1234.56, "USD", "el") == f"1.235{NBSP}$"
    assert fmt.signed_percent(-0.25, "el") == "\u221225%"
    assert fmt.signed_money(-1500, "EUR", "el") == f"\u22121.500{NBSP}€"
    assert fmt.metric_value("talk_seconds", 5400, "EUR", "el") == "1,5 ώρ."
    assert fmt.metric_value("avg_call_seconds", 95, "EUR", "el") == "95 δευτ."
    assert fmt.metric_value("conversion", 0.171, "EUR", "el") == (
        "0,17 παραγγελίες ανά μονάδα δραστηριότητας")
    assert fmt.metric_value("visits", None, "EUR", "el") == fmt.MISSING
    assert fmt.metric_label("visits", "el") == "Επισκέψεις"
    assert fmt.compact(35_000, "el") == f"35{NBSP}χιλ."


def test_money_rounds_halves_away_from_zero_like_the_action_plan_sql() -> None:
    assert fmt.money(10_062.5, "EUR") == "10,063 EUR"
    assert fmt.money(-2_422.5, "EUR") == "-2,423 EUR"
    assert fmt.money(-0.4, "EUR") == "0 EUR"


def test_greek_period_labels_and_days() -> None:
    assert fmt.period_label(WEEKLY, date(2026, 3, 2), "el") == "Εβδομάδα 10 του 2026 (από 2 Μαρ 2026)"
    # A month on its own is named in the nominative, not the genitive of a date ("Μαρτίου").
    assert fmt.period_label(MONTHLY, date(2026, 3, 1), "el") == "Μάρτιος 2026"
    assert fmt.period_label(QUARTERLY, date(2026, 4, 1), "el") == "Τ2 2026"
    assert fmt.period_label(YEARLY, date(2026, 1, 1), "el") == "2026"
    assert fmt.short_period_label(WEEKLY, date(2026, 3, 2), "el") == "Ε10"
    assert fmt.short_period_label(MONTHLY, date(2026, 3, 1), "el") == "Μάρ 26"
    assert fmt.day(date(2026, 3, 2), "el", weekday=True) == "Δευ 2 Μαρ 2026"
    assert fmt.day(date(2026, 3, 2), weekday=True) == "Mon 2 Mar 2026"


def test_greek_attainment_keeps_the_threshold_rule() -> None:
    assert fmt.attainment(1.0995, locale="el") == "109,9%"
    assert fmt.attainment(0.9496, locale="el") == "94,96%"
    assert fmt.attainment(0.874, locale="el") == "87%"
    assert fmt.attainment(0.8996, (0.90,), "el") == "89,96%"

"""The command line explains itself: every command's --help lists what it reads from the
environment, with the defaults and formats the settings define."""

from __future__ import annotations

import pytest

from sales_pipeline.cli import LOCAL_DAGSTER_HOME, SAMPLE_VARIABLES, SOURCES_CHECK_VARIABLES, main
from sales_pipeline.settings import DEFAULTS, VARIABLES, SalesSettings

EVERY_SETTING = tuple(VARIABLES)


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "names", "dagster_home"),
    [
        ([], EVERY_SETTING, True),
        (["backfill"], EVERY_SETTING, True),
        (["sample"], SAMPLE_VARIABLES, False),
        (["sources"], SOURCES_CHECK_VARIABLES, False),
        (["sources", "check"], SOURCES_CHECK_VARIABLES, False),
    ],
)
def test_help_lists_the_variables_a_command_reads_with_their_defaults(
    argv: list[str], names: tuple[str, ...], dagster_home: bool,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = _help(argv, capsys)
    listed = [line.split(" [default: ")[0].strip() for line in text.splitlines()
              if " [default: " in line]
    assert listed == [*names, *(["DAGSTER_HOME"] if dagster_home else [])]
    for name in names:
        variable = VARIABLES[name]
        default = variable.default or f"empty: {variable.when_empty}"
        assert f"  {name} [default: {default}]\n" in text
    assert (f"  DAGSTER_HOME [default: {LOCAL_DAGSTER_HOME}]" in text) is dagster_home


def test_every_setting_says_what_it_means_and_what_empty_stands_for() -> None:
    for name, variable in VARIABLES.items():
        assert variable.meaning, name
        assert variable.default or variable.when_empty, name
    # The defaults the help shows are the ones the settings apply.
    settings = SalesSettings.from_env({})
    # An empty history start is taken from the data (history.py), which the help says.
    assert DEFAULTS["SALES_HISTORY_START"] == VARIABLES["SALES_HISTORY_START"].default == ""
    assert "landing files" in VARIABLES["SALES_HISTORY_START"].when_empty
    assert settings.timezone == VARIABLES["SALES_TIMEZONE"].default
    assert settings.published_warehouse.parent.name == "published"


def test_date_options_and_settings_name_their_format(capsys: pytest.CaptureFixture[str]) -> None:
    backfill = _help(["backfill"], capsys)
    for option in ("--start START", "--end END"):
        line = next(line for line in backfill.splitlines() if line.strip().startswith(option))
        assert "YYYY-MM-DD" in line
    for name in ("SALES_HISTORY_START", "SALES_AS_OF"):
        assert "YYYY-MM-DD" in VARIABLES[name].meaning
    assert "YYYY-MM-DD" in _help(["sample"], capsys)

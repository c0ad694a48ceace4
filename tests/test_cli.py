"""The command line: every command has help with an example and is in the README;
errors are one line with the documented exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from aduan.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(name):
    cmd = cli.commands[name]
    assert cmd.help, f"{name} has no help text"
    assert "Example:" in cmd.help, f"{name} help has no Example block"
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_documented_in_the_readme(name):
    assert f"aduan {name}" in README


def test_readme_starts_with_the_two_commands():
    head = README.split("## Untuk staf")[0]
    assert "make run" in head and "make test" in head


def test_missing_config_is_one_line_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "x.yaml"), "run"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "x.yaml" in result.output
    assert "Traceback" not in result.output


def test_run_prints_a_summary_and_check_passes(make_settings):
    s = make_settings("bpbd")
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", s.file, "init"]).exit_code == 0
    result = runner.invoke(cli, ["--config", s.file, "run", "--now", "2026-11-02T09:00"])
    assert result.exit_code == 0, result.output
    assert "aduan baru" in result.output
    result = runner.invoke(cli, ["--config", s.file, "check"])
    assert result.exit_code == 0, result.output
    assert result.output.count("[OK]") >= 6

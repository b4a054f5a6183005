"""The command line: formats, exit codes, and errors that name the file, never the content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from iptformulate import Formulation, examples
from iptformulate.cli import main
from iptformulate.render import FORMATS, available, extra


@pytest.mark.parametrize("fmt", FORMATS)
def test_formulate_an_example_in_every_format(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["formulate", "--example", "grief_widower", "--format", fmt])
    out, err = capsys.readouterr()
    if not available(fmt):  # its optional dependency is missing: a usage error naming the extra
        assert code == 2 and not out and f"iptformulate[{extra(fmt)}]" in err
        return
    assert code == 0 and "not a diagnosis" in out
    if fmt == "json":
        assert Formulation.model_validate(json.loads(out)).primary_focus == "grief"


def test_format_choices_are_the_registered_formats() -> None:
    with pytest.raises(SystemExit):
        main(["formulate", "--example", "grief_widower", "--format", "nope"])
    parser_help = subprocess.run(
        [sys.executable, "-m", "iptformulate", "formulate", "--help"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "{" + ",".join(FORMATS) + "}" in parser_help
    root = Path(__file__).resolve().parents[1]
    assert "--format " + "|".join(FORMATS) in (root / "docs" / "cli.md").read_text("utf-8")
    assert "# " + " | ".join(FORMATS) in (root / "README.md").read_text("utf-8")


def test_formulate_a_file_with_a_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(
        yaml.safe_dump(examples.load("bipolar_healthy_self").model_dump(mode="json")),
        encoding="utf-8",
    )
    assert main(["formulate", str(path), "--profile", "ipsrt", "--format", "json"]) == 0
    f = Formulation.model_validate(json.loads(capsys.readouterr().out))
    assert f.provenance.profile == "ipsrt" and "loss_of_healthy_self" in f.areas


def test_invalid_case_exits_3_and_keeps_content_out_of_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = examples.load("grief_widower").model_dump(mode="json")
    data["people"][0]["ring"] = 7
    data["people"][0]["name"] = "Zyxwv Secretname"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["formulate", str(path)]) == 3
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "grief_widower" in err and "people[0].ring" in err
    assert "Zyxwv" not in err


def test_unknown_profile_and_example_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["formulate", "--example", "grief_widower", "--profile", "freudian"]) == 2
    assert "freudian" in capsys.readouterr().err
    assert main(["formulate", "--example", "nobody"]) == 2


def test_examples_schema_and_rules_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["examples"]) == 0
    assert "grief_widower" in capsys.readouterr().out
    assert main(["schema", "case"]) == 0
    assert json.loads(capsys.readouterr().out)["title"]
    assert main(["schema", "formulation"]) == 0
    assert "focus" in json.loads(capsys.readouterr().out)["properties"]
    assert main(["rules", "list", "--profile", "ipsrt"]) == 0
    assert "HS001" in capsys.readouterr().out


def test_version_and_help_run_as_a_program() -> None:
    run = [sys.executable, "-m", "iptformulate", "--version"]
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert out.startswith("iptformulate ")
    helptext = subprocess.run(
        [sys.executable, "-m", "iptformulate", "formulate", "--help"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "examples:" in helptext


def test_command_line_turns_off_third_party_pydantic_plugins(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a plugin would see every validated case; the command line promises no telemetry
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    assert main(["examples"]) == 0
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "some_plugin")
    assert main(["examples"]) == 0
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "some_plugin"  # an explicit choice stays
    capsys.readouterr()

"""The project's set-up files agree with each other."""
from __future__ import annotations

import re

import yaml

from nns.config import ROOT


def test_environment_yml_has_the_same_pins_as_requirements():
    req = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
           if line.strip() and not line.startswith("#")]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == req


def test_every_requirement_is_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.match(r"^[A-Za-z0-9_.\-\[\]]+==[^=]+$", line), line


def test_readme_gives_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "make report" in text and "make test" in text
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_test_packages_are_pinned_apart_from_the_runtime_ones():
    def names(path):
        return {line.split("==")[0].lower() for line in (ROOT / path).read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    for line in (ROOT / "requirements-test.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.match(r"^[A-Za-z0-9_.\-\[\]]+==[^=]+$", line), line
    assert {"pytest", "hypothesis", "ruff", "import-linter"} <= names("requirements-test.txt")
    assert not names("requirements-test.txt") & names("requirements.txt")

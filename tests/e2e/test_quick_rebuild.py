"""An unchanged `nnsreport render` is answered from the files alone (nns.build.quick), and only when nothing changed.

Each test renders through the command line in this process, then renders again with the build itself replaced by
one that fails: where the quick answer is right the second run never reaches it; where something changed it must.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import nns.build.report as report
from helpers.data import hermetic, settings_file
from nns import layer
from nns.build import quick
from nns.build.cache import inputs_fingerprint, library_modules, render_inputs
from nns.build.plan import plan
from nns.cli import main
from nns.config import ROOT, Scope
from nns.registration.files import registration_files

FORBUND = "Väst"


@pytest.fixture
def project(tmp_path):
    """A settings file whose outputs, builds and commentary are this test's own; the first render done."""
    commentary = shutil.copytree(ROOT / "report" / "kommentarer", tmp_path / "kommentarer")
    settings = hermetic(tmp_path / "out", commentary=commentary)
    config = settings_file(settings, tmp_path / "nnsreport.toml")
    return config, settings


def render(config, capsys, *args) -> tuple[int, str, str]:
    code = main(["--config", str(config), "render", "--forbund", FORBUND, "--format", "html", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_build(monkeypatch):
    """The build, replaced by one that records that it was asked for (and then builds as before)."""
    calls = []
    real = report.build_report

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "build_report", counted)
    return calls


def _snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_unchanged_render_is_answered_without_building_and_prints_what_the_build_printed(project, capsys,
                                                                                               no_build):
    config, settings = project
    code, first, _ = render(config, capsys)
    assert code == 0 and len(no_build) == 1
    folder = settings.path("output_dir") / "2022" / "vast"
    before = _snapshot(folder)
    code, again, _ = render(config, capsys)
    assert code == 0 and len(no_build) == 1, "the unchanged report was built again"
    assert _snapshot(folder) == before
    assert "rendering oförändrad" in again
    # the same files and notes, in the same order; only the timing line differs
    assert first.splitlines()[:-1] == again.splitlines()[:-1]
    assert "notebooks körda" in again.splitlines()[-1]


@pytest.mark.parametrize("change", ["commentary", "output", "format", "epoch", "stamp"])
def test_anything_changed_goes_to_the_build(project, capsys, no_build, monkeypatch, change):
    config, settings = project
    assert render(config, capsys)[0] == 0
    folder = settings.path("output_dir") / "2022" / "vast"
    if change == "commentary":   # the national text the local report quotes is the analysts' to edit
        text = settings.path("commentary") / "2022" / "indikator-01.md"
        text.write_text(text.read_text(encoding="utf-8") + "\nEn mening till.\n", encoding="utf-8")
    elif change == "output":     # a report file edited by hand: the build finds the folder not whole
        with open(folder / "figures.csv", "a", encoding="utf-8") as fh:
            fh.write("1,,personal,1,samtliga,2022,,andel,99\n")
    elif change == "format":     # another request published into the same folder in between
        assert render(config, capsys, "--format", "html,pdf")[0] == 0
    elif change == "epoch":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    else:                        # a stamp that does not parse
        for stamp in (settings.path("build_dir") / quick.STAMP_DIR).glob("*.json"):
            stamp.write_text("{", encoding="utf-8")
    calls = len(no_build)
    code, _, _ = render(config, capsys)
    assert code == 0 and len(no_build) == calls + 1, f"{change}: the changed report was not built"
    assert not report.verify(folder)
    # and once built, the next render is quick again
    assert render(config, capsys)[0] == 0 and len(no_build) == calls + 1


def test_the_key_covers_every_file_the_build_reads(tmp_path):
    """Superset of the build's own keys: the notebooks' inputs, the render's, the manifest's (registration files,
    commentary), so that a quick answer never skips what a build would have redone."""
    settings = hermetic(tmp_path)
    agg = layer.load_aggregated(settings)
    root = ROOT
    covered = set(quick.input_files(settings))
    needed = set(render_inputs(root)) | set(library_modules(root / "lib"))
    needed |= {root / name for name in inputs_fingerprint(settings)}
    for scope in (Scope(2022), Scope(2022, FORBUND), Scope(2022, comparison=True)):
        for job in plan(settings, scope, agg.instrument):
            needed.add(job.notebook)
            needed |= {Path(p) for p in job.extra_inputs if Path(p).exists()}
    needed |= set(registration_files(settings.path("registration")))
    needed = {p.resolve() for p in needed if p.is_file()}
    assert needed - covered == set()
    # and every file of the library (a change to any of them is a change)
    assert {p.resolve() for p in (root / "lib").rglob("*.py")} <= covered


def test_the_key_changes_with_the_request_and_the_data(tmp_path):
    settings = hermetic(tmp_path)
    request = quick.request_of(settings, FORBUND, False, ("html",), None)
    key = quick.input_key(settings, request)
    assert key == quick.input_key(settings, request)
    assert key != quick.input_key(settings, quick.request_of(settings, FORBUND, False, ("html", "pdf"), None))
    assert key != quick.input_key(settings, quick.request_of(settings.replace(min_answers=6), FORBUND, False,
                                                             ("html",), None))
    layer_copy = shutil.copytree(settings.path("aggregated"), tmp_path / "aggregated")
    moved = settings.replace(aggregated=str(layer_copy))
    moved_key = quick.input_key(moved, quick.request_of(moved, FORBUND, False, ("html",), None))
    first = sorted(layer_copy.glob("*.csv"))[0]
    first.write_bytes(first.read_bytes() + b"\n")
    assert moved_key != quick.input_key(moved, quick.request_of(moved, FORBUND, False, ("html",), None))

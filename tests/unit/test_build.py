"""The build's plan, cache keys and kernel engine, without executing anything."""
from __future__ import annotations

from pathlib import Path

import papermill.clientwrap
from papermill.engines import papermill_engines

from helpers.data import hermetic
from nns.build import kernels
from nns.build.cache import library_modules
from nns.build.plan import build_root, output_dir, plan
from nns.config import ROOT, Scope
from nns.spec import parts


def test_papermill_is_extended_through_its_engine_registry_not_patched():
    assert papermill_engines.get_engine(kernels.ENGINE) is kernels.SharedKernelEngine
    execute = papermill.clientwrap.PapermillNotebookClient.execute
    assert execute.__module__ == "papermill.clientwrap" and execute.__qualname__ == "PapermillNotebookClient.execute"


def test_plan_follows_the_registry_and_writes_only_under_the_settings_folders(tmp_path, instrument):
    settings = hermetic(tmp_path)
    national = plan(settings, Scope(2022), instrument)
    local = plan(settings, Scope(2022, "Väst"), instrument)
    assert [j.name for j in national] == (["svarande"] + [f"indikator-{i:02d}" for i in range(1, 17)]
                                          + ["utveckling", "insamling", "avslut", "texter", "kallor", "bilagor", "kort"])
    assert [j.notebook.stem for j in national if not j.name.startswith("indikator")] == \
        [n for n in parts.notebooks_for(False) if n != parts.INDICATOR_NOTEBOOK]
    assert "bilagor" not in [j.name for j in local]
    for job in national + local:
        assert job.output.is_relative_to(tmp_path)
    assert build_root(settings, Scope(2022)) == tmp_path / "_build" / "2022" / "riket"
    assert output_dir(settings, Scope(2022, "Degerfors/Karlskoga")) == tmp_path / "2022" / "degerfors-karlskoga"


def test_the_notebook_cache_covers_what_notebooks_import_and_nothing_else():
    files = {str(p.relative_to(ROOT / "lib")) for p in library_modules(ROOT / "lib")}
    assert {"nnsreport.py", "nns/present/notebook.py", "nns/spec/parts.py", "nns/layer.py", "nns/__init__.py",
            "nns/spec/__init__.py"} <= files
    assert not {"nns/cli.py", "nns/registration/sheets.py", "nns/build/report.py", "nns/render/pdf.py"} & files


def test_library_modules_sees_an_edit(tmp_path):
    lib = tmp_path / "lib"
    (lib / "nns").mkdir(parents=True)
    (lib / "nns" / "__init__.py").write_text("")
    (lib / "nns" / "a.py").write_text("from nns import b\n")
    (lib / "nns" / "b.py").write_text("x = 1\n")
    (lib / "nns" / "c.py").write_text("x = 2\n")
    assert [p.name for p in library_modules(lib, ("nns.a",))] == ["__init__.py", "a.py", "b.py"]
    (lib / "nns" / "b.py").write_text("import nns.c\n")
    assert [Path(p).name for p in library_modules(lib, ("nns.a",))] == ["__init__.py", "a.py", "b.py", "c.py"]

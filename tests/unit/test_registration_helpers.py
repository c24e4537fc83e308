"""The registration test helpers are fair: a round trip through openpyxl or CSV reads the same."""
from __future__ import annotations

import pytest

from helpers.registration import (
    BASE,
    BASE_NAME,
    check,
    isolated_ingest,
    layer_of,
    messages,
    mutate_xlsx,
    same_layer,
    to_csv_dir,
)


def test_roundtrip_through_openpyxl_changes_nothing(tmp_path, instrument):
    """Mutating files with openpyxl is a fair test: a plain load and save is read identically."""
    copy = mutate_xlsx(BASE, tmp_path / "2022" / BASE_NAME, lambda wb: None)
    regs0, p0 = check([BASE], instrument)
    regs1, p1 = check([copy], instrument)
    assert p0.problems == [] and p1.problems == []
    assert same_layer(layer_of(instrument, regs0), layer_of(instrument, regs1))


def test_csv_export_reads_the_same(tmp_path, instrument):
    d = to_csv_dir(BASE, tmp_path / "2022" / BASE.stem)
    regs0, _ = check([BASE], instrument)
    regs1, p1 = check([d], instrument)
    assert messages(p1) == []
    assert same_layer(layer_of(instrument, regs0), layer_of(instrument, regs1))


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_isolated_ingest_writes_when_clean(tmp_path, instrument, delimiter):
    d = to_csv_dir(BASE, tmp_path / "src" / "2022" / BASE.stem, delimiter=delimiter)
    exc, before, after = isolated_ingest(tmp_path, instrument, [d])
    assert exc is None
    assert before != after  # a clean tree replaces the layer (here: with just two förbund)

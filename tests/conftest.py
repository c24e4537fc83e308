"""Shared fixtures: small hand-made data sets built through the real pipeline."""
from __future__ import annotations

import sys
from pathlib import Path

import os

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent

# Property tests are reproducible by default (CI must not find a new example at
# random and fail a clean submission); HYPOTHESIS_PROFILE=explore searches anew.
hypothesis_settings.register_profile("repeatable", derandomize=True, deadline=None)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
sys.path.insert(0, str(ROOT / "lib"))

import nnsreport as nr  # noqa: E402
from nns_instrument import load_instrument  # noqa: E402
from nns_registration import Registration, Row, aggregate, write_layer  # noqa: E402


@pytest.fixture(scope="session")
def instrument():
    return load_instrument()


@pytest.fixture(scope="session")
def settings():
    return nr.load_settings()


@pytest.fixture(scope="session")
def national_agg(settings):
    """The committed demo data."""
    return nr.load_aggregated(settings)


def row(background=None, **answers):
    """A registration row: row("Kvinna", q1=5, q2=None, q8="Ja")."""
    return Row(ident=None, background=background,
               answers={int(k[1:]): v for k, v in answers.items()})


@pytest.fixture(scope="session")
def national(tmp_path_factory):
    """The national 2022 report rendered from the committed demo data (HTML, PDF, figures)."""
    import nns_build

    out = tmp_path_factory.mktemp("output")
    settings = nr.load_settings().replace(output_dir=str(out))
    return nns_build.build_report(settings, nr.Scope(2022), workers=2)


@pytest.fixture
def make_agg(tmp_path, instrument, settings):
    """Build an Aggregated from hand-made registrations: make_agg([Registration, ...])."""
    def _make(registrations):
        layer = aggregate(instrument, registrations)
        d = tmp_path / f"layer{len(list(tmp_path.iterdir()))}"
        write_layer(layer, d)
        return nr.load_aggregated(settings, d)
    return _make


__all__ = ["Registration", "row"]

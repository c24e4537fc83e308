"""Shared fixtures. Every build a test makes writes under a temporary folder (hermetic settings)."""
from __future__ import annotations

import os
import signal
import threading

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir

from helpers.data import SESSION_DIR, hermetic
from nns import interrupt, layer
from nns.build.report import build_report
from nns.config import Scope
from nns.instrument import load_instrument
from nns.registration.aggregate import aggregate, write_layer

# Property tests are reproducible by default (CI must not find a new example at
# random and fail a clean submission); HYPOTHESIS_PROFILE=explore searches anew.
# No example database, and Hypothesis' own files in the session's folder: the tests leave nothing
# behind in the project tree.
set_hypothesis_home_dir(SESSION_DIR / "hypothesis")
hypothesis_settings.register_profile("repeatable", derandomize=True, deadline=None, database=None)
hypothesis_settings.register_profile("explore", deadline=None, database=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(scope="session")
def instrument():
    return load_instrument()


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    """The project's settings, writing only under a temporary folder."""
    return hermetic(tmp_path_factory.mktemp("settings"))


@pytest.fixture(scope="session")
def national_agg(settings):
    """The committed demo data."""
    return layer.load_aggregated(settings)


@pytest.fixture(scope="session")
def national(tmp_path_factory):
    """The national 2022 report rendered from the committed demo data (HTML, PDF, figures)."""
    return build_report(hermetic(tmp_path_factory.mktemp("output")), Scope(2022), workers=2)


@pytest.fixture
def make_agg(tmp_path, instrument, settings):
    """Build an Aggregated from hand-made registrations: make_agg([Registration, ...])."""
    def _make(registrations):
        d = tmp_path / f"layer{len(list(tmp_path.iterdir()))}"
        write_layer(aggregate(instrument, registrations), d)
        return layer.load_aggregated(settings, d)
    return _make


@pytest.fixture
def swallowed_ctrl_c():
    """Ctrl-C as the command line handles it (:func:`nns.interrupt.handle_interrupts`), and a function that
    presses it in code that swallows the KeyboardInterrupt, as a C extension may for an exception raised in code it
    called back (nns.interrupt). The test run's own handling of SIGINT is restored after."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are handled in the main thread")
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def press_and_swallow() -> bool:
        try:
            signal.raise_signal(signal.SIGINT)
            sum(range(10))   # the handler runs here, at the latest
        except KeyboardInterrupt:
            return True
        return False

    try:
        assert interrupt.handle_interrupts()
        yield press_and_swallow
    finally:
        signal.signal(signal.SIGINT, before)
        interrupt._PRESSED.clear()

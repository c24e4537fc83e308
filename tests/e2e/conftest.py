"""Every test under tests/e2e renders reports or runs external programs: marked ``e2e`` (slow)."""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)

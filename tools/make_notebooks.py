"""Write the report's notebook sources (notebooks/*.ipynb) from the registry of parts.

Run after adding or moving a part in lib/nns/spec/parts.py:
    .venv/bin/python tools/make_notebooks.py
"""
from pathlib import Path

import nbformat

from nns.build.notebooks import notebook_sources

ROOT = Path(__file__).resolve().parent.parent


def main():
    out = ROOT / "notebooks"
    out.mkdir(exist_ok=True)
    sources = notebook_sources()
    for stale in sorted(out.glob("*.ipynb")):
        if stale.name not in sources:
            stale.unlink()
            print("removed", stale)
    for name, nb in sources.items():
        nbformat.write(nb, out / name)
        print("wrote", out / name)


if __name__ == "__main__":
    main()

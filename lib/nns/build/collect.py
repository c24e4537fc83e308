"""What the executed notebooks recorded: figures.csv, tables/<table>.csv and the commentary shown."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from nns.fsio import write_text
from nns.present.records import MIME_META, printed_from_grid
from nns.spec.model import CSV_COLUMNS

__all__ = ["collect", "write_figures", "collect_texts", "write_texts"]


def _outputs(path: Path):
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            yield out, out.get("metadata", {}).get(MIME_META) or {}


def collect(notebooks: list[Path]) -> tuple[list[dict], list[dict]]:
    """(tables, charts) as recorded in the executed notebooks' output metadata, each once: a table or chart
    shown again (the short version repeats a few, :mod:`nns.spec.parts`) is the same record."""
    tables, charts = [], []
    seen = set()
    for path in notebooks:
        for _, meta in _outputs(path):
            kind = meta.get("kind")
            if kind not in ("table", "chart") or (kind, meta["number"]) in seen:
                continue
            seen.add((kind, meta["number"]))
            (tables if kind == "table" else charts).append(meta)
    return tables, charts


def write_figures(tables: list[dict], charts: list[dict], out_dir: Path) -> int:
    """figures.csv and tables/<table>.csv; returns the number of figures."""
    rows = [r for t in tables + charts for r in t["figures"]]
    fig = pd.DataFrame(rows, columns=CSV_COLUMNS)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text(out_dir / "figures.csv", fig.to_csv(index=False, lineterminator="\n"))
    tdir = out_dir / "tables"
    if tdir.exists():
        shutil.rmtree(tdir)
    tdir.mkdir()
    for t in tables:
        frame = printed_from_grid(t["grid"])
        name = t["number"].replace("/", "-")
        write_text(tdir / f"{name}.csv", frame.to_csv(index=False, lineterminator="\n"))
    return len(fig)


def collect_texts(notebooks: list[Path]) -> dict[str, str]:
    """The commentary shown in each indicator chapter ({'indikator-01': markdown}), from the executed notebooks."""
    out = {}
    for path in notebooks:
        for o, meta in _outputs(path):
            if meta.get("kind") == "commentary":   # the text itself (the Markdown wraps it for the PDF)
                md = o["data"].get("text/plain", o["data"]["text/markdown"])
                out[meta.get("name") or Path(path).stem] = ("".join(md) if isinstance(md, list) else md).strip() + "\n"
    return out


def write_texts(texts: dict[str, str], out_dir: Path) -> None:
    d = out_dir / "kommentarer"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    for name, text in sorted(texts.items()):
        write_text(d / f"{name}.md", text)

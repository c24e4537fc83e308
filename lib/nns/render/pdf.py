"""PDF through Typst: pandoc writes Typst with the project's template, Typst compiles it.

The tables and charts are Typst already (raw blocks the notebooks wrote, :mod:`nns.present.markup`);
the template is the one ``quarto render`` uses (``typst-template.typ`` and ``typst-show.typ``, read
through ``rapport.typ``). Typst compiles with a fixed timestamp, so that the same inputs give the
same bytes.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import typst

from nns.errors import RenderError

__all__ = ["PdfRenderer"]


def _font_paths() -> list[str]:
    """DejaVu Sans, the charts' font, from matplotlib's package data (found without importing matplotlib)."""
    package = importlib.util.find_spec("matplotlib").submodule_search_locations[0]
    return [str(Path(package) / "mpl-data" / "fonts" / "ttf")]


#: A chapter whose last page holds less than this (points below the top of the text) ends in a spill-over page.
SHORT_PAGE = 180.0
#: Charts are never narrowed below this width (percent).
MIN_SCALE = 70
#: How many times the layout is measured and changed at most.
ROUNDS = 5
#: The file (in the render's work folder) that holds the chart widths a round tries.
SCALES_FILE = "nns-skalor.json"


def spill_overs(marks: list[dict]) -> list[dict]:
    """The chapters that end with a few lines on a page of their own: {start, end, charts} per chapter.

    ``marks`` are the template's position marks in document order (kinds ``start``, ``chart``, ``slut``).

    >>> spill_overs([{"kind": "start", "page": 3, "y": 68}, {"kind": "chart", "id": "d1", "page": 3, "h": 200},
    ...              {"kind": "slut", "page": 4, "y": 100}])
    [{'start': 3, 'end': 4, 'y': 100, 'charts': [{'kind': 'chart', 'id': 'd1', 'page': 3, 'h': 200}], 'hook': False}]
    """
    out, chapter = [], None
    for m in marks:
        if m["kind"] == "start":
            chapter = {"start": m["page"], "charts": [], "hook": False}
        elif m["kind"] == "chart" and chapter is not None:
            chapter["charts"].append(m)
        elif m["kind"] == "krok" and chapter is not None:
            chapter["hook"] = True
        elif m["kind"] == "svans" and chapter is not None:
            chapter["tail"] = m
        elif m["kind"] == "slut" and chapter is not None:
            if m["page"] > chapter["start"] and m["y"] < SHORT_PAGE:
                out.append({"start": chapter["start"], "end": m["page"], "y": m["y"], "charts": chapter["charts"],
                            "hook": chapter["hook"], **({"tail": chapter["tail"]} if "tail" in chapter else {})})
            chapter = None
    return out


#: A chart's "scale" that moves it to the end of its chapter, after the text.
DEFERRED = 0
#: A chapter tail's "scale" that keeps it whole on one page (``#nns-tail``).
KEPT = 1


def narrowed(spills: list[dict], scales: dict[str, int], top: float = 68.0, slack: float = 24.0) -> dict[str, int]:
    """The next layout to try for each chapter that ends in a spill-over page:

    1. its charts on the page before its last narrowed by what the left-over lines need (a chart's height
       shrinks with its width), and if that was not quite enough, a little more — never below
       :data:`MIN_SCALE` (a readable chart matters more than a short page);
    2. where that is not enough and the chapter has an end (``#nns-chapter-end()``, as an indicator chapter
       has), its charts moved there, after the text: the last page holds the text's last lines and the
       chart, not a few lines alone;
    3. where that does not help either, the charts as they were (100: tried, keep);
    4. a chapter without charts to change (or with every way tried) keeps its tail (``#nns-tail``, an
       indicator's commentary) whole on its last page (:data:`KEPT`), when the tail starts on the page before:
       the page before ends a little early, the last page holds the whole commentary.

    Other charts stay as they were.

    >>> narrowed([{"end": 4, "y": 110, "charts": [{"id": "d1", "page": 3, "h": 300}]}], {})
    {'d1': 78}
    >>> narrowed([{"end": 4, "y": 80, "charts": [{"id": "d1", "page": 3, "h": 230}]}], {"d1": 78})
    {'d1': 73}
    >>> narrowed([{"end": 4, "y": 170, "charts": [{"id": "d1", "page": 3, "h": 200}], "hook": True}], {})
    {'d1': 0}
    >>> narrowed([{"end": 4, "y": 170, "charts": [{"id": "d1", "page": 3, "h": 200}]}], {})
    {'d1': 100}
    >>> narrowed([{"end": 4, "y": 170, "charts": [{"id": "d1", "page": 3, "h": 200}]}], {"d1": 0})
    {'d1': 100}
    >>> narrowed([{"end": 4, "y": 110, "charts": [], "tail": {"id": "indikator-04", "page": 3}}], {})
    {'indikator-04': 1}
    >>> narrowed([{"end": 4, "y": 110, "charts": [], "tail": {"id": "indikator-04", "page": 4}}], {})
    {}
    """
    out = dict(scales)
    for sp in spills:
        charts = [c for c in sp["charts"] if c["page"] == sp["end"] - 1] or sp["charts"]
        height = sum(c["h"] for c in charts)
        now = {c["id"]: scales.get(c["id"]) for c in charts}
        if not height or any(v == 100 for v in now.values()):   # no chart to change, or every way was tried
            tail = sp.get("tail")
            if tail and tail["page"] == sp["end"] - 1 and tail["id"] not in scales:
                out[tail["id"]] = KEPT
            continue
        if any(v == DEFERRED for v in now.values()):
            out.update({i: 100 for i in now})
            continue
        if any(v is not None for v in now.values()):     # narrowed before, and not quite enough
            wanted = {i: (v or 100) - 5 for i, v in now.items()}
        else:
            share = 1 - (sp["y"] - top + slack) / height
            wanted = {i: int(100 * share) for i in now}
        if min(wanted.values()) >= MIN_SCALE:
            out.update(wanted)
        else:
            out.update({i: DEFERRED if sp.get("hook") else 100 for i in now})
    return out


class PdfRenderer:
    """The report as PDF/UA-1: pandoc writes Typst with the project's template, Typst compiles it.

    Where a chapter would end with a few lines on a page of their own, its charts are narrowed just
    enough to pull them back (measured from the template's position marks, at most :data:`ROUNDS` times).
    """

    format = "pdf"
    suffix = "pdf"

    def writer(self, job) -> dict:
        return {"format": "typst", "template": str(job.templates / "rapport.typ"), "toc": True, "section_divs": False}

    def render(self, body: str, job) -> bytes:
        typ = job.work / "rapport.typ"
        typ.write_text(body, encoding="utf-8")
        # the widths tried are a file the template reads, its path the same in every round: Typst's inputs stay
        # the same, so a round lays out again only what the changed widths move (a changed input would make it
        # lay out the whole document again: measured 0.26 s against 0.09 s for the national report)
        tried = job.work / SCALES_FILE
        # one compiler for every round and the PDF: it finds the fonts once (a new one per call found them again,
        # about 20 ms a call) and reads the widths' file again each time it changes
        compiler = _typst(typ, job, lambda: typst.Compiler(str(typ), root=str(job.work), font_paths=_font_paths(),
                                                           ignore_system_fonts=True,
                                                           sys_inputs={"nns-skalor-fil": f"/{SCALES_FILE}"}))
        scales: dict[str, int] = {}
        for _ in range(ROUNDS):
            tried.write_text(json.dumps(scales, sort_keys=True), encoding="utf-8")
            marks = json.loads(_typst(typ, job, lambda: compiler.query("<nns-pos>", field="value")))
            narrower = narrowed(spill_overs(marks), scales)
            if narrower == scales:
                break
            scales = narrower
        else:   # every round changed the widths: the last ones, not yet measured, are the PDF's
            tried.write_text(json.dumps(scales, sort_keys=True), encoding="utf-8")
        job.layout.update(scales)
        return _typst(typ, job, lambda: compiler.compile(timestamp=int(job.when.timestamp()), pdf_standards=["ua-1"]))


def _typst(typ: Path, job, call):
    """``call()``, a Typst step on the report's source ``typ``; where Typst fails, its source and the chart widths
    it was trying are kept in the build folder (``rapport.failed.typ``, ``rapport.failed.skalor.json``), never in
    the report."""
    try:
        return call()
    except Exception as exc:  # typst raises its own error type with the message
        keep = Path(job.keep_failed) / "rapport.failed.typ"
        keep.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(typ, keep)
        tried = typ.parent / SCALES_FILE
        if tried.exists():
            shutil.copyfile(tried, keep.with_name("rapport.failed.skalor.json"))
        raise RenderError(f"Typst kunde inte sätta PDF:en: {exc}", where=str(keep)) from None

"""Comparing two rendered report versions, in the reader's terms.

Reads each version's ``figures.csv`` (every number, with where it stands in its
table), ``kommentarer/`` (the commentary as shown) and ``manifest.json`` (the
hash of every input), and lists:

* every changed number ("Tabell 7.1, Fråga 3 Deltagare - avslutsenkät, kvinnor:
  (Klart positivt) 82 % → 81 %"), and numbers added or removed;
* changed commentary, as a word diff;
* which inputs changed (registration files, instrument, commentary, code);
* a count of changes per table.

Examples
--------
>>> word_diff("Andelen har ökat tydligt", "Andelen har minskat tydligt")
'Andelen har [-ökat-]{+minskat+} tydligt'
"""
from __future__ import annotations

import difflib
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nns.errors import NNSError
from nns.fsio import write_atomic
from nns.spec.model import FIGURE_COLUMNS, PERCENT_STATS, PRINTED, UNPRINTED_STATS, display_value
from nns.text import fmt_int

KEY = [c for c in FIGURE_COLUMNS if c != "value"]

STAT_LABELS = {
    "n": "n", "negativt": "Negativt", "varken": "Varken eller", "positivt": "Positivt",
    "klart_positivt": "Klart positivt", "ja": "Ja", "nej": "Nej", "nyckeltal": "nyckeltal",
    "antal_svar": "antal svar", "antal_forbund": "antal förbund", "malpopulation": "målpopulation",
    "undersokt": "undersökt population", "undersokt_andel_mal": "undersökt i förhållande till mål",
    "andel_undersokt": "andel svar av undersökt", "andel_mal": "andel svar av mål",
    "antal_forbund_nationellt": "förbund nationellt", "andel_forbund": "andel förbund", "utveckling": "utveckling",
    "andel": "andel", "nytt_forbund": "nytt förbund",
    "ki_lag": "konfidensintervallets nedre gräns", "ki_hog": "konfidensintervallets övre gräns",
    "forandring_ki_lag": "förändringens konfidensintervall, nedre gräns",
    "forandring_ki_hog": "förändringens konfidensintervall, övre gräns",
    "tydlig_forandring": "tydlig förändring", "jamforda_matt": "jämförda mått", "tydlig_okning": "tydlig ökning",
    "tydlig_minskning": "tydlig minskning", "grans95_lag": "95 %-gränsens nedre del",
    "grans95_hog": "95 %-gränsens övre del", "grans998_lag": "99,8 %-gränsens nedre del",
    "grans998_hog": "99,8 %-gränsens övre del", "bedomning": "bedömning", "overspridning": "överspridning",
}
OUTCOMES = {"okning": "ökning", "varken": "varken ökning eller minskning", "minskning": "minskning"}
#: Statistics whose values are outcomes of a rule, shown in words.
OUTCOME_STATS = ("utveckling", "tydlig_forandring")


@dataclass
class Change:
    table: str
    where: str
    old: str | None
    new: str | None

    @property
    def kind(self) -> str:
        return "ändrad" if self.old is not None and self.new is not None else ("ny" if self.old is None else "borttagen")

    def __str__(self) -> str:
        label = table_label(self.table)
        if self.kind == "ändrad":
            return f"{label}, {self.where}: {self.old} → {self.new}"
        if self.kind == "ny":
            return f"{label}, {self.where}: nytt tal {self.new}"
        return f"{label}, {self.where}: borttaget (var {self.old})"


@dataclass
class DiffReport:
    old_dir: Path
    new_dir: Path
    changes: list[Change] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)        # name -> word diff
    inputs: dict[str, list[str]] = field(default_factory=dict)  # changed / added / removed
    files_differ: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (self.changes or self.texts or any(self.inputs.values()) or self.files_differ)

    def per_table(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.table] = out.get(c.table, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: _table_order(kv[0])))

    def text(self, limit: int = 0) -> str:
        lines = [f"Jämför {self.old_dir} (gammal) med {self.new_dir} (ny)."]
        if self.identical:
            lines.append("Versionerna är identiska: samma tal, samma text, samma indata.")
            return "\n".join(lines)
        if self.changes:
            lines.append(f"\n{len(self.changes)} tal skiljer sig:")
            shown = self.changes if not limit else self.changes[:limit]
            lines += [f"  {c}" for c in shown]
            if limit and len(self.changes) > limit:
                lines.append(f"  … och {len(self.changes) - limit} till.")
        else:
            lines.append("\nInga tal skiljer sig.")
        if self.texts:
            lines.append(f"\nÄndrad kommentartext ({len(self.texts)}):")
            for name, diff in self.texts.items():
                lines.append(f"  {name}: {diff}")
        changed_inputs = {k: v for k, v in self.inputs.items() if v}
        if changed_inputs:
            lines.append("\nÄndrade indata:")
            names = {"changed": "ändrad", "added": "ny", "removed": "borttagen"}
            for kind, files in changed_inputs.items():
                lines += [f"  {names[kind]}: {f}" for f in files[:15]]
                if len(files) > 15:
                    lines.append(f"  … och {len(files) - 15} {names[kind].rstrip('n')}a filer till.")
        if self.files_differ:
            lines.append("\nFiler som skiljer sig: " + ", ".join(self.files_differ))
        if self.changes:
            lines.append("\nÄndringar per tabell:")
            lines += [f"  {table_label(t)}: {n}" for t, n in self.per_table().items()]
        return "\n".join(lines)


def _table_order(table: str):
    t = table[1:] if table.startswith("D") else table
    parts = [int(p) if p.isdigit() else 0 for p in t.replace("B", "100.").split(".")]
    return (table.startswith("D"), parts, table)


def table_label(table: str) -> str:
    if table.startswith("D"):
        return f"Diagram {table[1:]}"
    if table.startswith("B") and table[1:].isdigit():
        return f"Bilaga {table[1:]}"
    return f"Tabell {table}"


def show(statistic: str, value) -> str:
    if value is None:
        return "(saknas)"
    if value in PRINTED:
        return PRINTED[value]
    if statistic in PERCENT_STATS and str(value).lstrip("-").isdigit():
        return f"{value}\u00a0%"
    if statistic in OUTCOME_STATS:
        return OUTCOMES.get(value, value)
    if statistic == "bedomning":
        return display_value(statistic, value).lower()
    if str(value).isdigit():
        return fmt_int(int(value))
    return str(value)


def _where(r) -> str:
    parts = [p for p in (r.get("row_group"), r.get("row")) if p]
    col = " ".join(p for p in (r.get("col_group"), r.get("col")) if p)
    stat = STAT_LABELS.get(r["statistic"], r["statistic"])
    if r.get("forbund"):
        parts.append(r["forbund"])
    where = ", ".join(parts)
    label = col or stat
    if r["statistic"] in ("nyckeltal", "antal_svar", *UNPRINTED_STATS) and r.get("year") and r.get("year") not in label:
        label = f"{r['year']} {label}"
    if r["statistic"] in UNPRINTED_STATS and col:   # recorded beside the printed number at this place
        label = f"{label}, {stat}"
    return f"{where}: {label}" if where else label


def read_figures(folder: Path) -> pd.DataFrame:
    path = folder / "figures.csv"
    if not path.exists():
        raise NNSError("figures.csv saknas; är det en renderad rapportmapp?", where=str(folder))
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def compare_figures(old: pd.DataFrame, new: pd.DataFrame) -> list[Change]:
    m = old.merge(new, on=KEY, how="outer", suffixes=("_old", "_new"), indicator=True)
    out = []
    for r in m.to_dict("records"):
        if r["_merge"] == "both" and r["value_old"] == r["value_new"]:
            continue
        side = "new" if r["_merge"] != "left_only" else "old"
        loc = {k: r.get(f"{k}_{side}", "") for k in ("row_group", "row", "col_group", "col")}
        loc.update({k: r[k] for k in KEY})
        old_v = show(r["statistic"], r["value_old"]) if r["_merge"] != "right_only" else None
        new_v = show(r["statistic"], r["value_new"]) if r["_merge"] != "left_only" else None
        out.append(Change(r["table"], _where(loc), old_v, new_v))
    out.sort(key=lambda c: (_table_order(c.table), c.where))
    return out


def word_diff(old: str, new: str) -> str:
    """A word diff: removed words in [-…-], added in {+…+}."""
    a, b = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(" ".join(a[i1:i2]))
        if op in ("delete", "replace"):
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if op in ("insert", "replace"):
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    text = " ".join(out)
    return text.replace("-] {+", "-]{+")


def _short_word_diff(old: str, new: str, context: int = 6) -> str:
    """The word diff around the changes only."""
    a, b = old.split(), new.split()
    pieces = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        before = " ".join(a[max(0, i1 - context):i1])
        after = " ".join(a[i2:i2 + context])
        change = ("[-" + " ".join(a[i1:i2]) + "-]" if i2 > i1 else "") + \
                 ("{+" + " ".join(b[j1:j2]) + "+}" if j2 > j1 else "")
        pieces.append(f"…{before} {change} {after}…")
    return " ".join(pieces)


def compare_texts(old_dir: Path, new_dir: Path) -> dict[str, str]:
    out = {}
    names = sorted({p.name for p in (old_dir / "kommentarer").glob("*.md")} |
                   {p.name for p in (new_dir / "kommentarer").glob("*.md")})
    for name in names:
        a = (old_dir / "kommentarer" / name)
        b = (new_dir / "kommentarer" / name)
        ta = a.read_text(encoding="utf-8") if a.exists() else ""
        tb = b.read_text(encoding="utf-8") if b.exists() else ""
        if ta.split() != tb.split():
            out[Path(name).stem] = _short_word_diff(ta, tb)
    return out


def compare_inputs(old_dir: Path, new_dir: Path) -> dict[str, list[str]]:
    def load(d):
        p = d / "manifest.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}
    a, b = load(old_dir).get("inputs", {}), load(new_dir).get("inputs", {})
    return {
        "changed": sorted(k for k in a.keys() & b.keys() if a[k] != b[k]),
        "added": sorted(b.keys() - a.keys()),
        "removed": sorted(a.keys() - b.keys()),
    }


def compare_dirs(old_dir: Path, new_dir: Path) -> DiffReport:
    """Everything that differs between two rendered versions of a report."""
    for d in (old_dir, new_dir):
        if not d.is_dir():
            raise NNSError("Mappen finns inte.", where=str(d))
    report = DiffReport(old_dir, new_dir)
    report.changes = compare_figures(read_figures(old_dir), read_figures(new_dir))
    report.texts = compare_texts(old_dir, new_dir)
    report.inputs = compare_inputs(old_dir, new_dir)
    if not report.changes and not report.texts:
        # same numbers and text: the files themselves should be identical too
        for name in ("rapport.html", "rapport.pdf"):
            a, b = old_dir / name, new_dir / name
            if a.exists() and b.exists() and a.read_bytes() != b.read_bytes():
                report.files_differ.append(name)
    return report


def write_html(report: DiffReport, new_dir: Path, target: Path) -> None:
    """A page with the new version's changed tables, changed cells highlighted, old value beside."""
    new = read_figures(new_dir)
    old = read_figures(report.old_dir)
    merged = new.merge(old[KEY + ["value"]], on=KEY, how="left", suffixes=("", "_old"))
    changed_tables = report.per_table()
    parts = [f"<h1>Ändringar: {html.escape(str(report.old_dir))} → {html.escape(str(new_dir))}</h1>",
             f"<p>{len(report.changes)} ändrade tal i {len(changed_tables)} tabeller och diagram."
             + (f" Ändrad kommentartext i {len(report.texts)} kapitel." if report.texts else "") + "</p>"]
    if changed_tables:
        parts.append("<ul>" + "".join(f'<li><a href="#{_id(t)}">{table_label(t)}</a>: {n}</li>'
                                      for t, n in changed_tables.items()) + "</ul>")
    for table in changed_tables:
        rows = merged[merged["table"] == table]
        parts.append(f'<h2 id="{_id(table)}">{table_label(table)}</h2>')
        cols = list(dict.fromkeys(zip(rows["col_group"], rows["col"])))
        rkeys = list(dict.fromkeys(zip(rows["row_group"], rows["row"], rows["forbund"])))
        head = "".join(f"<th>{html.escape(' '.join(p for p in c if p))}</th>" for c in cols)
        body = []
        last_group = None
        for rk in rkeys:
            if rk[0] != last_group and rk[0]:
                body.append(f'<tr class="grp"><td colspan="{len(cols) + 1}">{html.escape(rk[0])}</td></tr>')
                last_group = rk[0]
            cells = []
            sel = rows[(rows["row_group"] == rk[0]) & (rows["row"] == rk[1]) & (rows["forbund"] == rk[2])]
            by_col = {(r["col_group"], r["col"]): r for r in sel.to_dict("records")}
            for c in cols:
                r = by_col.get(c)
                if r is None:
                    cells.append("<td></td>")
                    continue
                v = html.escape(show(r["statistic"], r["value"]))
                o = r["value_old"]
                if isinstance(o, str) and o != r["value"]:
                    cells.append(f'<td class="chg">{v}<span class="old">var {html.escape(show(r["statistic"], o))}'
                                 "</span></td>")
                elif not isinstance(o, str):
                    cells.append(f'<td class="new">{v}<span class="old">ny</span></td>')
                else:
                    cells.append(f"<td>{v}</td>")
            label = rk[1] + (f" ({rk[2]})" if rk[2] else "")
            body.append(f"<tr><th>{html.escape(label)}</th>{''.join(cells)}</tr>")
        parts.append(f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
    if report.texts:
        parts.append("<h2>Ändrad kommentartext</h2>")
        for name, diff in report.texts.items():
            shown = html.escape(diff).replace("[-", '<del>').replace("-]", "</del>") \
                .replace("{+", "<ins>").replace("+}", "</ins>")
            parts.append(f"<h3>{html.escape(name)}</h3><p>{shown}</p>")
    changed_inputs = {k: v for k, v in report.inputs.items() if v}
    if changed_inputs:
        parts.append("<h2>Ändrade indata</h2><ul>" + "".join(
            f"<li>{k}: {html.escape(f)}</li>" for k, files in changed_inputs.items() for f in files) + "</ul>")
    page = f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Ändringar i rapporten</title>
<style>
body{{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222;font-size:14px}}
h1,h2{{color:#1f4e79}} table{{border-collapse:collapse;margin:1em 0;width:100%}}
th,td{{border-bottom:1px solid #ddd;padding:3px 6px;text-align:right}} th:first-child{{text-align:left}}
tr.grp td{{text-align:left;font-weight:bold;background:#f4f7fa}}
td.chg{{background:#ffe9a8;font-weight:bold}} td.new{{background:#dff3df}}
.old{{display:block;font-size:11px;font-weight:normal;color:#8a5a00}}
del{{background:#ffd6d6}} ins{{background:#d6f5d6;text-decoration:none}}
</style></head><body>
{''.join(parts)}
</body></html>
"""
    write_atomic(target, page.encode("utf-8"))


def _id(table: str) -> str:
    return "t-" + table.replace(".", "-")

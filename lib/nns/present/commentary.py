"""The year's editable texts, and the automatic drafts that stand in for them.

Each year has a folder ``report/kommentarer/<year>/`` (a förbund's texts in ``<year>/<slug>/``) with one
Markdown file per text: ``indikator-NN.md`` (the commentary of each indicator chapter) and, for the national
report, ``sammanfattning.md``, ``utveckling.md`` and ``avslutande.md`` (the discussion chapters). The analyst
writes them; a file that is missing, or that still starts with the draft mark (``nnsreport nytt-ar`` writes
such files), is replaced in the report by an automatic draft: sentences computed from the figures the report
shows (:mod:`nns.spec.claims`), in a box marked *Utkast*. So no text about the results is ever carried over
from an earlier year: it is this year's analyst's, or computed from this year's data.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nnsreport as nr
from nns.config import RIKET
from nns.present import markup
from nns.spec import claims
from nns.spec.context import Context
from nns.spec.tables import indicator_development
from nns.text import fmt_pct, fmt_signed, join_sv, nonbreaking, number_word

__all__ = ["DRAFT_MARK", "TEXTS", "Text", "text", "indicator_text", "text_path", "indicator_path", "is_draft",
           "missing_texts", "seed_texts", "draft", "indicator_draft", "key_points"]

#: The first line of a text file that is still an automatic draft (the report computes it anew).
DRAFT_MARK = "<!-- utkast: texten skapas automatiskt ur årets tal; ta bort den här raden när du skriver egen text -->"

DRAFT_NOTE = "*Utkast: texten är framtagen automatiskt ur tabellerna och har inte granskats.*"


@dataclass(frozen=True)
class Text:
    """One text of the year: its file name and what it is about (for the analyst)."""

    key: str
    about: str


#: The national report's discussion texts (the indicator commentaries are ``indikator-NN``).
TEXTS = {
    "sammanfattning": Text("sammanfattning", "Sammanfattningens bedömning av årets resultat"),
    "utveckling": Text("utveckling", "Kommentar kring utvecklingen på nationell nivå över åren"),
    "avslutande": Text("avslutande", "Avslutande diskussion: resultaten utifrån enkätfrågorna"),
    "indikatorer": Text("indikatorer", "Avslutande diskussion: resultaten utifrån indikatorerna"),
}


def _folder(ctx: Context) -> Path:
    base = ctx.settings.path("commentary") / str(ctx.year)
    return base / nr.slug(ctx.forbund) if ctx.local else base


def text_path(ctx: Context, key: str) -> Path:
    return _folder(ctx) / f"{key}.md"


def indicator_path(ctx: Context, ind) -> Path:
    return _folder(ctx) / f"indikator-{ind.number:02d}.md"


def is_draft(path: Path) -> bool:
    """Missing, or still the automatic draft (first line the draft mark)."""
    if not path.exists():
        return True
    first = path.read_text(encoding="utf-8").lstrip().split("\n", 1)[0].strip()
    return first == DRAFT_MARK


def _box(sentences: list[str]) -> str:
    return markup.box("utkast", f"{DRAFT_NOTE}\n\n{' '.join(sentences)}")


def text(ctx: Context, key: str) -> str:
    """A discussion text as the report shows it: the analyst's file, or the automatic draft."""
    path = text_path(ctx, key)
    if not is_draft(path):
        return nonbreaking(path.read_text(encoding="utf-8").strip()) + "\n"
    return _box(draft(ctx, key))


def indicator_text(ctx: Context, ind) -> str:
    """An indicator's commentary with its heading: the analyst's file, or the automatic draft."""
    if not ind.measures:
        return ""
    head = f"## Kommentar till resultatet {{#kommentar-{ind.number} .unlisted}}"
    path = indicator_path(ctx, ind)
    if not is_draft(path):
        return f"{head}\n\n{nonbreaking(path.read_text(encoding='utf-8').strip())}\n"
    return f"{head}\n\n{_box(indicator_draft(ctx, ind))}"


def missing_texts(ctx: Context) -> list[str]:
    """The year's texts still missing or in draft (file names without .md)."""
    names = [indicator_path(ctx, ind).stem for ind in ctx.ins.indicators
             if ind.measures and ctx.measures(ind) and is_draft(indicator_path(ctx, ind))]
    if not ctx.local:
        names += [key for key in TEXTS if is_draft(text_path(ctx, key))]
    return names


def seed_texts(ctx: Context) -> list[Path]:
    """Write the year's text files as marked drafts where none exists; returns the files written."""
    written = []
    has_data = ctx.year in ctx.agg.years
    targets = [(indicator_path(ctx, ind), indicator_draft(ctx, ind) if has_data and ctx.measures(ind) else [])
               for ind in nr.measured_indicators(ctx.ins, ctx.year)]
    if not ctx.local:
        targets += [(text_path(ctx, key), draft(ctx, key) if has_data else []) for key in TEXTS]
    for path, sentences in targets:
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        body = " ".join(sentences) if sentences else "(Årets tal är ännu inte inlästa; utkastet räknas fram när de är det.)"
        path.write_text(f"{DRAFT_MARK}\n\n{body}\n", encoding="utf-8")
        written.append(path)
    return written


# ---------------------------------------------------------------------------
# Automatic drafts: sentences computed from the figures shown
# ---------------------------------------------------------------------------

def _q(ctx: Context, qid: str) -> str:
    return ctx.ins.question_phrase(qid, ctx.year)


def _who(ctx: Context, survey_id: str) -> str:
    return ctx.ins.survey(survey_id).plural.lower()


def draft(ctx: Context, key: str) -> list[str]:
    """The automatic draft of a discussion text: computed sentences only."""
    return {"sammanfattning": _draft_summary, "utveckling": _draft_development,
            "avslutande": _draft_discussion, "indikatorer": lambda c: [indicator_extremes_sentence(c)]}[key](ctx)


def _draft_summary(ctx: Context) -> list[str]:
    out = [survey_order_sentence(ctx)]
    gap = gender_sentence(ctx)
    if gap:
        out.append(gap)
    out.append(indicator_extremes_sentence(ctx))
    return [s for s in out if s]


def _draft_development(ctx: Context) -> list[str]:
    return [s for s in (period_sentence(ctx), survey_order_sentence(ctx)) if s]


def _draft_discussion(ctx: Context) -> list[str]:
    out = []
    twins = twin_sentence(ctx)
    if twins:
        out.append(twins)
    gap = gender_sentence(ctx)
    if gap:
        out.append(gap)
    out.append(survey_order_sentence(ctx))
    return [s for s in out if s]


def survey_order_sentence(ctx: Context) -> str:
    """The respondent groups in order of their mean key figure this year (all their measures)."""
    levels = claims.survey_levels(ctx)
    if len(levels) < 2:
        return ""
    return _order(ctx, [f"{_who(ctx, lv.id)} ({fmt_pct(lv.mean)})" for lv in levels])


def _order(ctx: Context, parts: list[str]) -> str:
    if len(parts) == 2:
        return (f"Räknat som genomsnitt över gruppens frågor har {parts[0]} högre nyckeltal {ctx.year} än "
                f"{parts[1]}.")
    return (f"Räknat som genomsnitt över gruppens frågor har {parts[0]} högst nyckeltal {ctx.year}, därefter "
            f"{join_sv(parts[1:-1])}; lägst har {parts[-1]}.")


def gender_sentence(ctx: Context, points: int = 2) -> str:
    """How women's and men's key figures differ on the participant questions (where both are shown)."""
    gaps = claims.gender_gaps(ctx)
    if not gaps:
        return ""
    close = sum(1 for _, k, m in gaps if abs(k - m) <= points)
    qid, k, m = max(gaps, key=lambda g: (abs(g[1] - g[2]), -gaps.index(g)))
    head = (f"På {number_word(close)} av {number_word(len(gaps))} deltagarfrågor skiljer sig kvinnornas och "
            f"männens nyckeltal med högst {number_word(points)} procentenheter.")
    if abs(k - m) <= points:
        return head
    more, less = ("männen", "kvinnorna") if m > k else ("kvinnorna", "männen")
    return (f"{head} Störst är skillnaden för {_q(ctx, qid)}, där {more} svarar mer positivt "
            f"({fmt_pct(max(k, m))} mot {fmt_pct(min(k, m))} för {less}).")


def indicator_extremes_sentence(ctx: Context) -> str:
    """The indicators with the highest and lowest mean key figure, and whether all their measures are below half."""
    levels = claims.indicator_levels(ctx)
    if len(levels) < 2:
        return ""
    top, bottom = levels[0], levels[-1]
    ind = ctx.ins.indicator
    s = (f"Högst genomsnittligt nyckeltal har indikator {top.id} ({ind(top.id).short.lower()}, "
         f"{fmt_pct(top.mean)}) och lägst indikator {bottom.id} ({ind(bottom.id).short.lower()}, "
         f"{fmt_pct(bottom.mean)}).")
    if bottom.high < 50:
        s += (f" För indikator {bottom.id} är nyckeltalet under 50 % för {'måttet' if bottom.measures == 1 else 'alla mått'}.")
    return s


def period_sentence(ctx: Context) -> str:
    """How the measures in the line charts changed from their first comparable year (±2 points: no change)."""
    changes = claims.period_changes(ctx)
    if not changes:
        return ""
    up = sum(1 for c in changes if c.direction == "okning")
    down = sum(1 for c in changes if c.direction == "minskning")
    flat = len(changes) - up - down
    first = min(c.first_year for c in changes)
    return (f"Av de {number_word(len(changes))} mått som linjediagrammen visar har nyckeltalet sedan första "
            f"jämförbara mätningen (tidigast {first}) ökat med minst två procentenheter för "
            f"{_count(up)}, minskat lika mycket för {_count(down)} och förändrats mindre än så för {_count(flat)}.")


def _count(n: int) -> str:
    return "inget" if n == 0 else number_word(n, True)


def twin_sentence(ctx: Context) -> str:
    """Where participants during and after the support answer most differently (the same question in both)."""
    pairs = []
    for s in ctx.ins.surveys_in(ctx.year):
        if not s.participant:
            continue
        for q, v in ctx.ins.questions_asked(s.id, ctx.year):
            for other in ctx.ins.surveys_in(ctx.year):
                if other.participant and other.id > s.id:
                    twin = ctx.ins.question_by_number(other.id, ctx.year, v.number)
                    if twin is None or ctx.ins.indicator_of(twin.id) != ctx.ins.indicator_of(q.id):
                        continue
                    a, b = claims.key_figure(ctx, q.id, ctx.year), claims.key_figure(ctx, twin.id, ctx.year)
                    if a is not None and b is not None:
                        pairs.append((abs(b - a), q.id, twin.id, a, b))
    if not pairs:
        return ""
    _, qa, qb, a, b = max(pairs, key=lambda p: (p[0], -pairs.index(p)))
    sa, sb = (ctx.ins.survey(ctx.ins.question(x).survey) for x in (qa, qb))
    return (f"Störst skillnad mellan deltagarenkäterna har fråga {ctx.ins.question(qa).version(ctx.year).number}: "
            f"{fmt_pct(a)} {sa.in_text} och {fmt_pct(b)} {sb.in_text} "
            f"({fmt_signed(b - a)} procentenheter).")


def key_points(ctx: Context) -> list[str]:
    """"Resultat i korthet": computed bullet points.

    Each bullet says in its own words what a sentence elsewhere may say at length (the drafts above, the
    chapters' computed sentences): no bullet repeats a sentence printed elsewhere in the report.
    """
    ins, year = ctx.ins, ctx.year
    out = []
    levels = claims.survey_levels(ctx)
    participants = [lv for lv in levels if ins.survey(lv.id).participant]
    if participants:
        out.append("Deltagarnas nyckeltal är i genomsnitt " + join_sv(
            [f"{fmt_pct(lv.mean)} {ins.survey(lv.id).in_text}" for lv in participants]) + ".")
    inds = claims.indicator_levels(ctx)
    if len(inds) >= 2:
        top, bottom = inds[0], inds[-1]
        s = (f"Indikator {top.id} ({ins.indicator(top.id).short.lower()}) har det högsta genomsnittliga "
             f"nyckeltalet, {fmt_pct(top.mean)}, och indikator {bottom.id} "
             f"({ins.indicator(bottom.id).short.lower()}) det lägsta, {fmt_pct(bottom.mean)}")
        out.append(s + (", med alla mått under 50 %." if bottom.high < 50 and bottom.measures > 1 else
                        ", under 50 %." if bottom.high < 50 else "."))
    gaps = claims.gender_gaps(ctx)
    if gaps:
        close = sum(1 for _, k, m in gaps if abs(k - m) <= 2)
        qid, k, m = max(gaps, key=lambda g: (abs(g[1] - g[2]), -gaps.index(g)))
        s = (f"Kvinnor och män skiljer sig med högst två procentenheter i nyckeltal på {number_word(close)} av "
             f"{number_word(len(gaps))} deltagarfrågor")
        if abs(k - m) > 2:
            s += (f"; mest skiljer sig {_q(ctx, qid)} (kvinnor {fmt_pct(k)}, män {fmt_pct(m)})")
        out.append(s + ".")
    changes = claims.period_changes(ctx)
    if changes:
        up = sum(1 for c in changes if c.direction == "okning")
        down = sum(1 for c in changes if c.direction == "minskning")
        out.append(f"Sedan första jämförbara mätningen har {_count(up)} av de {number_word(len(changes))} mått som "
                   f"linjediagrammen visar ökat med minst två procentenheter och {_count(down)} minskat lika mycket.")
    developed = {}
    for ind in nr.measured_indicators(ins, year):
        for group in (nr.ALL, "kvinnor", "man"):
            outcome, _ = indicator_development(ctx, ind, group)
            if outcome is not None:
                developed.setdefault(group, []).append(outcome)
    total = developed.get(nr.ALL, [])
    if total:
        def some(n: int) -> str:   # indikator is common gender: "ingen", "en"
            return "ingen" if n == 0 else number_word(n)

        s = (f"Jämfört med {year - 1} har {some(total.count('okning'))} av {number_word(len(total))} indikatorer "
             f"ökat enligt regeln för sammanvägd utveckling och {some(total.count('minskning'))} minskat")
        women, men = developed.get("kvinnor", []), developed.get("man", [])
        if women and men:
            s += (f"; bland de {number_word(len(women))} med könsuppdelade mått har {some(women.count('okning'))} "
                  f"ökat för kvinnor och {some(men.count('okning'))} för män")
        out.append(s + ".")
    return out


# ---------------------------------------------------------------------------
# An indicator's draft
# ---------------------------------------------------------------------------

def indicator_draft(ctx: Context, ind) -> list[str]:
    """A few factual sentences from the figures: change, gender gap, the group that stands out."""
    ins = ctx.ins
    year, prev = ctx.year, ctx.year - 1
    measures = ctx.measures(ind)
    out = []
    changes = []
    for qid in measures:
        q = ins.question(qid)
        if q.compare_from(year) > prev:
            continue
        a, b = claims.key_figure(ctx, qid, prev), claims.key_figure(ctx, qid, year)
        if a is not None and b is not None:
            changes.append((abs(b - a), qid, a, b))
    kind = "positiva" if ind.key_figure == "positivt" else "klart positiva"
    if changes:
        _, qid, a, b = max(changes, key=lambda c: (c[0], -measures.index(c[1])))
        if a == b:
            out.append(f"Nyckeltalen är desamma som {prev} för alla mått.")
        else:
            verb = "ökat" if b > a else "minskat"
            out.append(f"Störst förändring sedan {prev} har {_q(ctx, qid)}, där andelen "
                       f"{kind} svar har {verb} från {fmt_pct(a)} till {fmt_pct(b)} "
                       f"({fmt_signed(b - a)} procentenheter).")
    else:
        out.append(f"Måtten kan inte jämföras med {prev}.")
    gaps = []
    for qid in measures:
        if not ins.survey(ins.question(qid).survey).participant:
            continue
        k, m = claims.key_figure(ctx, qid, year, "kvinnor"), claims.key_figure(ctx, qid, year, "man")
        if k is not None and m is not None:
            gaps.append((abs(k - m), qid, k, m))
    if gaps:
        gap, qid, k, m = max(gaps, key=lambda g: (g[0], -measures.index(g[1])))
        if gap <= 2:
            out.append("Kvinnor och män svarar nästan lika på alla deltagarfrågor.")
        else:
            out.append(f"Skillnaden mellan kvinnor och män är störst för {_q(ctx, qid)}: "
                       f"{fmt_pct(k)} av kvinnorna och {fmt_pct(m)} av männen.")
    levels = [(v, qid) for qid in measures if (v := claims.key_figure(ctx, qid, year)) is not None]
    surveys = {ins.question(q).survey for _, q in levels}
    if len(surveys) > 1:
        hi, lo = max(levels), min(levels)
        out.append(f"Högst nyckeltal har {_q(ctx, hi[1])} ({fmt_pct(hi[0])}) och lägst "
                   f"{_q(ctx, lo[1])} ({fmt_pct(lo[0])}).")
    if ctx.local:
        above = below = compared = 0
        for v, qid in levels:
            nat = claims.key_figure(ctx, qid, year, forbund=RIKET)
            if nat is None:
                continue
            compared += 1
            above += v > nat
            below += v < nat
        if compared == 1:
            where = "över" if above else "under" if below else "i nivå med"
            out.append(f"På det enda måttet som kan jämföras ligger förbundet {where} riket.")
        elif compared:
            out.append(f"Av {number_word(compared, True)} mått ligger förbundet över riket på "
                       f"{'inget' if not above else number_word(above, True)} och under riket på "
                       f"{'inget' if not below else number_word(below, True)}.")
        smallest = min((ctx.visible_groups(qid, year).get(nr.ALL, {}).get("n", 0) for _, qid in levels), default=0)
        if 0 < smallest < 30:
            out.append(f"Underlaget är litet (som minst {smallest} svar på en fråga), så en förändring kan bero på "
                       "enstaka svar.")
    return out


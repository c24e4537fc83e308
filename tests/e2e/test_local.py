"""Local reports: four kinds of förbund, anonymity in every output, names that are not paths."""
from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from helpers.data import hermetic, row
from nns import layer
from nns.build.batch import render_all
from nns.build.kernels import NotebookRunner
from nns.build.report import build_report
from nns.config import RIKET, ROOT, Scope
from nns.errors import UnknownForbundError
from nns.registration.model import Registration
from nns.spec import charts, parts, tables
from nns.spec.context import Context

EVERY_SURVEY = "Väst"
PARTICIPANTS_ONLY = "Göteborg"
TINY = "Samsund"
PATH_LIKE = "Degerfors/Karlskoga"


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    settings = hermetic(out)
    results = {}
    with NotebookRunner(ROOT) as runner:
        for name, formats in ((TINY, ("html", "pdf")), (EVERY_SURVEY, ("html",)), (PARTICIPANTS_ONLY, ("html",)),
                              (PATH_LIKE, ("html", "pdf"))):
            results[name] = build_report(settings, Scope(2022, name), formats, runner=runner)
    return settings, results


def figures(result) -> pd.DataFrame:
    return pd.read_csv(result.out_dir / "figures.csv", dtype=str, keep_default_na=False)


def test_output_folder_is_a_safe_slug(local):
    settings, results = local
    assert results[PATH_LIKE].out_dir == Path(settings.output_dir) / "2022" / "degerfors-karlskoga"
    assert (results[PATH_LIKE].out_dir / "rapport.pdf").exists()
    for r in results.values():
        assert r.out_dir.parent == Path(settings.output_dir) / "2022"


def test_name_on_title_page_and_running_header(local):
    from pypdf import PdfReader

    _, results = local
    pages = PdfReader(str(results[PATH_LIKE].out_dir / "rapport.pdf")).pages
    assert "Degerfors/Karlskoga" in pages[0].extract_text()
    assert "Degerfors/Karlskoga" in pages[5].extract_text()
    html = (results[PATH_LIKE].out_dir / "rapport.html").read_text(encoding="utf-8")
    assert "<title>Indikatorrapport 2022 – Degerfors/Karlskoga</title>" in html


def test_unknown_name_lists_the_closest_names(national_agg):
    with pytest.raises(UnknownForbundError) as exc:
        layer.find_forbund(national_agg, "Degerfors Karlskogga", 2022)
    assert "Degerfors/Karlskoga" in str(exc.value)
    assert layer.find_forbund(national_agg, "degerfors karlskoga", 2022) == "Degerfors/Karlskoga"


def test_local_tables_have_a_riket_column(local):
    _, results = local
    fig = figures(results[EVERY_SURVEY])
    t = fig[(fig.table == "5.1") & (fig.respondent == "deltagare_pagaende") & (fig.group == "samtliga")]
    assert set(t.forbund) == {EVERY_SURVEY, ""}
    riket = t[(t.forbund == "") & (t.statistic == "klart_positivt")]["value"].tolist()
    assert riket == ["78"]                                 # the national figure of table 5.1


def test_every_survey_forbund_has_every_indicator(local):
    _, results = local
    fig = figures(results[EVERY_SURVEY])
    tables = set(fig.table)
    for t in ("5.1", "7.2", "12.1", "13.2", "15.1", "19.2", "20", "21"):
        assert t in tables


@pytest.mark.parametrize("name", [EVERY_SURVEY, PARTICIPANTS_ONLY])
def test_the_chapter_jamfort_med_andra_forbund_shows_the_forbund_and_names_no_other(local, name, national_agg):
    _, results = local
    html = (results[name].out_dir / "rapport.html").read_text(encoding="utf-8")
    start = html.index('id="jamfort-med-andra-forbund"')
    chapter = html[start:html.index("<section", start + 1)]
    assert "Jämfört med andra förbund" in chapter and ">Tabell 22<" in chapter and ">Diagram 14<" in chapter
    assert "bedömning" in chapter
    others = [f for f in national_agg.forbund(2022) if f != name and f not in name]
    assert [f for f in others if re.search(rf"\b{re.escape(html_escape(f))}\b", chapter)] == []
    fig = figures(results[name])
    assert set(fig[fig.table == "22"]["forbund"]) == {name, ""}
    assert {"bedomning", "ki_lag", "grans998_hog"} <= set(fig[fig.table == "22"]["statistic"])


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def test_participant_only_forbund_leaves_out_other_surveys_and_says_so(local):
    _, results = local
    fig = figures(results[PARTICIPANTS_ONLY])
    mine = fig[(fig.forbund == PARTICIPANTS_ONLY) & (fig.table != "B1")]   # B1 is the national list
    used = mine[mine.value != "-"]                                          # "-": survey not used
    assert set(used.respondent) - {""} <= {"deltagare_pagaende", "deltagare_avslut"}
    assert not {"16.1", "17.1", "19.1"} & set(fig.table)          # indicators 13, 14, 16: no data
    html = (results[PARTICIPANTS_ONLY].out_dir / "rapport.html").read_text(encoding="utf-8")
    assert "Förbundet har inga svar på indikatorns frågor 2022" in html
    assert "användes inte" in html


def _recoverable(fig: pd.DataFrame, min_answers: int) -> list[str]:
    """Splits where a hidden group could be recovered by subtraction from samtliga."""
    problems = []
    n = fig[(fig.statistic.isin(["n", "antal_svar"])) & (fig.forbund != "") & (fig.group != "")]
    for key, rows in n.groupby(["table", "respondent", "question", "year"]):
        values = dict(zip(rows.group, rows.value))
        shown = {g: v for g, v in values.items() if g != "samtliga" and v.isdigit()}
        hidden = {g: v for g, v in values.items() if g != "samtliga" and not v.isdigit() and v != "-"}
        total = values.get("samtliga", "")
        if shown and hidden:
            problems.append(f"{key}: some groups shown, some hidden: {values}")
        if shown and total.isdigit():
            rest = int(total) - sum(int(v) for v in shown.values())
            if 0 < rest < min_answers:
                problems.append(f"{key}: the unshown remainder is {rest}")
        for g, v in shown.items():
            if int(v) < min_answers:
                problems.append(f"{key}: {g} shown with n={v}")
    return problems


@pytest.mark.parametrize("name", [TINY, EVERY_SURVEY, PARTICIPANTS_ONLY, PATH_LIKE])
def test_no_figure_from_fewer_than_five_answers_and_nothing_recoverable(local, name):
    settings, results = local
    fig = figures(results[name])
    assert _recoverable(fig, settings.min_answers) == []
    own = fig[(fig.forbund == name) & fig.table.str.match(r"^\d+\.\d$")]
    # every share in the förbund's own rows rests on at least min_answers answers
    n_by_row = own[own.statistic == "n"].set_index(["table", "respondent", "question", "group"])["value"]
    for (t, resp, q, g), n in n_by_row.items():
        shares = own[(own.table == t) & (own.respondent == resp) & (own.question == q) & (own.group == g)
                     & (own.statistic != "n")]["value"]
        if n.isdigit() and int(n) < settings.min_answers:
            raise AssertionError(f"{t} {resp} {q} {g}: n={n} shown")
        if not n.isdigit():
            assert set(shares) <= {"–", "-"}


def test_suppression_is_visible_and_the_same_in_every_output(local):
    _, results = local
    r = results[TINY]
    fig = figures(r)
    hidden = fig[(fig.forbund == TINY) & (fig.value == "–")]
    assert len(hidden) > 0, "Samsund has groups with fewer than five answers"
    # the same cells are hidden in tables/*.csv, the HTML and the PDF
    t = hidden.iloc[0]["table"]
    csv = (r.out_dir / "tables" / f"{t}.csv").read_text(encoding="utf-8")
    assert ".." in csv   # printed as official statistics mark a figure not shown
    html = (r.out_dir / "rapport.html").read_text(encoding="utf-8")
    assert "färre än 5 svar" in html
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(str(r.out_dir / "rapport.pdf")).pages)
    assert "färre än 5 svar" in re.sub(r"\s+", " ", text)


def _read_sheet(path: Path, sheet: str) -> list[dict]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[2:] if any(v is not None for v in r)]


def half_up(num: int, den: int) -> str:
    """Whole percent, rounded half up, with decimal arithmetic (independent of nnsreport.percent)."""
    from decimal import ROUND_HALF_UP, Decimal

    return str(int((Decimal(100 * num) / Decimal(den)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def test_cells_recomputed_by_hand_from_the_registration_file(local):
    """Väst's personal question 3 and closing-survey question 8, counted straight from its Excel file."""
    _, results = local
    fig = figures(results[EVERY_SURVEY])
    path = ROOT / "data" / "registration" / "2022" / "2022_vast.xlsx"
    personal = _read_sheet(path, "Personal")
    answers = [r["Fråga 3"] for r in personal if r["Fråga 3"] is not None]
    n = len(answers)
    kp = sum(1 for a in answers if a >= 5)
    pos = sum(1 for a in answers if a >= 4)

    def cell(table, resp, q, stat, group="samtliga"):
        sel = fig[(fig.table == table) & (fig.respondent == resp) & (fig.question == q) & (fig.group == group)
                  & (fig.statistic == stat) & (fig.forbund == EVERY_SURVEY) & (fig.year.isin(["2022"]))]
        return sel["value"].tolist()

    assert cell("12.1", "personal", "3", "n") == [str(n)]
    assert cell("12.1", "personal", "3", "klart_positivt") == [half_up(kp, n)]
    assert cell("12.1", "personal", "3", "positivt") == [half_up(pos, n)]
    avslut = _read_sheet(path, "Deltagare avslut")
    women = [r["Fråga 8"] for r in avslut if r["Kön"] == "Kvinna" and r["Fråga 8"] in ("Ja", "Nej")]
    yes = sum(1 for a in women if a == "Ja")
    assert cell("10.1", "deltagare_avslut", "8", "n", "kvinnor") == [str(len(women))]
    assert cell("10.1", "deltagare_avslut", "8", "ja", "kvinnor") == [half_up(yes, len(women))]


def test_batch_renders_each_forbund_reports_failures_and_writes_an_index(tmp_path):
    settings = hermetic(tmp_path)
    summary = render_all(settings, formats=("html",), workers=2, progress=False,
                                   forbund=[TINY, "Finnveden", "Inget sådant förbund"])
    assert [d[0] for d in summary.done] == ["Finnveden", TINY]
    assert len(summary.failed) == 1 and "Inget sådant förbund" in summary.failed[0][0]
    index = (tmp_path / "2022" / "index.html").read_text(encoding="utf-8")
    assert 'href="samsund/rapport.html"' in index and 'href="finnveden/rapport.html"' in index
    for name in ("kortversion.html", "presentation.pptx", "resultat.xlsx", "figures.csv"):
        assert f'href="samsund/{name}"' in index and f'href="finnveden/{name}"' in index
    assert 'href="samsund/kortversion.pdf"' not in index    # HTML only: no PDF, no link
    assert "Misslyckades" in index


def test_the_batch_executing_in_its_workers_gives_the_report_a_kernel_gives(local, tmp_path):
    """The batch's workers execute the notebooks in their own shell (nns.build.inprocess), the fixture's build in
    a kernel: every output is the same, byte for byte (the manifest and the render key name the notebooks'
    hashes, which hold their run's times)."""
    _, results = local
    summary = render_all(hermetic(tmp_path), formats=("html", "pdf"), workers=1, progress=False, forbund=[TINY])
    batch = Path(summary.done[0][1])
    kernel = results[TINY].out_dir

    def files(folder):
        return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
                if p.is_file() and p.name not in ("manifest.json", ".render-key")}

    made, expected = files(batch), files(kernel)
    assert len(expected) > 8 and {p.suffix for p in expected} >= {".pdf", ".html", ".pptx", ".xlsx", ".csv"}
    assert sorted(made) == sorted(expected)
    assert [p for p in expected if made[p] != expected[p]] == []


def test_riket_is_hidden_when_it_would_reveal_a_small_group(make_agg, settings):
    """When the rest of the nation has fewer than five answers, Riket minus the förbund would reveal them:
    the same cells are hidden in the national report, in the förbund's and in the other förbund's."""
    big = [row("Kommun", q1=6)] * 20 + [row("Försäkringskassan", q1=2)] * 3
    small = [row("Försäkringskassan", q1=6)]
    agg = make_agg([Registration("Stort", 2022, surveys={"remittent": big}),
                    Registration("Litet", 2022, surveys={"remittent": small})])
    ctx = Context(agg, Scope(2022, "Stort"), settings)
    # own: Försäkringskassan has 3 answers, so the employer split is hidden; and riket's samtliga (24) minus
    # Stort's (23) would give Litet's one answer: one of the two is hidden too
    assert not {"fk", "kommun"} & set(ctx.visible_groups("remittent.1", 2022))
    national = Context(agg, Scope(2022), settings)
    shown_riket = set(national.visible_groups("remittent.1", 2022))
    assert "fk" not in shown_riket                       # 4 answers in the nation
    assert not ({"samtliga"} <= shown_riket and "samtliga" in ctx.visible_groups("remittent.1", 2022))
    assert ctx.visible_groups("remittent.1", 2022, RIKET) == national.visible_groups("remittent.1", 2022)
    t = tables.indicator_tables(ctx, agg.instrument.indicator(3))[0].figures()
    assert set(t[(t.group == "fk") & (t.forbund == "")].value) == {"–"}
    # with enough answers elsewhere, riket is shown beside the förbund again
    other = [row("Kommun", q1=4)] * 10 + [row("Försäkringskassan", q1=3)] * 10
    agg2 = make_agg([Registration("Stort", 2022, surveys={"remittent": big}),
                     Registration("Annat", 2022, surveys={"remittent": other})])
    ctx2 = Context(agg2, Scope(2022, "Stort"), settings)
    assert {"fk", "kommun", "samtliga"} <= set(ctx2.visible_groups("remittent.1", 2022, RIKET))


def test_local_diagrams_keep_the_national_numbers(national_agg, settings):
    national = charts.all_charts(Context(national_agg, Scope(2022), settings))
    numbers = {ind: [c.number for c in specs] for ind, specs in national.items()}
    for name in ("Höglandet", "Fryksdalen", "Väst"):
        ctx = Context(national_agg, Scope(2022, name), settings)
        for ind, specs in charts.all_charts(ctx).items():
            assert set(c.number for c in specs) <= set(numbers[ind]), (name, ind)
        (diagram,) = parts.build(ctx, "avslut")
        assert diagram.number == "13"

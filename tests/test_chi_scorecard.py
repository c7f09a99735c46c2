"""The CHI scorecard: portfolio, trends, one account explained, same scores from raw exports."""
from __future__ import annotations

import numpy as np
import pytest

from cxkit.chi import ChiScorecard, load_model, style_bands
from cxkit.chi.scorecard import ARROWS, trend_arrow
from cxkit.errors import ParameterError
from cxkit.io import load

from .conftest import converts_in_libreoffice


@pytest.fixture(scope="module")
def tables(sample_dir):
    return load(sample_dir, tables=["accounts", "kpis"], optional=["contacts", "responses"])


@pytest.fixture(scope="module")
def card(tables):
    return ChiScorecard(n_boot=50, random_state=1).fit(tables)


def test_latest_period_covers_the_live_accounts(card, tables):
    acc = tables["accounts"]
    assert card.latest_period_ == "2025Q4" and card.previous_period_ == "2025Q3"
    active = set(acc.loc[acc["status"] == "active", "account_id"])
    assert active <= set(card.latest_.index)
    assert card.latest_["chi"].is_monotonic_increasing  # least healthy first
    row = card.latest_.dropna(subset=["change"]).iloc[0]
    assert row["change"] == pytest.approx(row["chi"] - row["previous"])
    seg = card.bands_by("segment")
    assert seg["accounts"].sum() == len(card.latest_.dropna(subset=["band"]))
    assert (seg[["red", "amber", "green"]].sum(axis=1) == seg["accounts"]).all()


def test_the_largest_drop_is_explained_exactly(card):
    drop = card.latest_["change"].idxmin()
    assert card.account_ == drop
    e = card.explain_
    assert e["contribution"].sum() == pytest.approx(e.attrs["change"], abs=1e-9)
    assert e.attrs["change"] == pytest.approx(card.latest_.loc[drop, "change"])
    hist = card.account_history()
    assert list(hist.index)[-1] == "chi" and hist.loc["chi", "2025Q4"] == pytest.approx(
        card.latest_.loc[drop, "chi"])


def test_headlines_and_key_results(card):
    text = " ".join(card.headlines())
    assert text.startswith("In 2025Q4 the median account health is")
    assert "Key accounts:" in text and " moved from " in text
    key = card.key_results()
    assert sum(key["bands"].values()) == card.latest_["band"].notna().sum()
    assert key["explained_account"] == card.account_


def test_scores_from_raw_exports_match_the_kpi_table(tables, sample_dir, card):
    derived = ChiScorecard(derive=True, n_boot=20, random_state=1).fit(tables, sample_dir)
    both = card.scores_.merge(derived.scores_, on=["account_id", "period"], suffixes=("", "_raw"))
    assert len(both) == len(card.scores_)
    ok = both["chi"].notna()
    # the KPI table is rounded to 3 decimals; CHI agrees to well under a point
    assert np.allclose(both.loc[ok, "chi"], both.loc[ok, "chi_raw"], atol=0.01)


def test_named_account_and_errors(tables):
    c = ChiScorecard(account_id="A00001", n_boot=20, random_state=1).fit(tables)
    assert c.account_ == "A00001"
    with pytest.raises(ParameterError, match="no kpis table"):
        ChiScorecard().fit({"accounts": tables["accounts"]})
    with pytest.raises(ParameterError, match="needs the data folder"):
        ChiScorecard(derive=True).fit(tables)


def test_trend_arrows_and_band_colours():
    assert [trend_arrow(x, 2) for x in (3, -3, 1, np.nan)] == [ARROWS["up"], ARROWS["down"],
                                                               ARROWS["flat"], ""]
    import pandas as pd
    html = style_bands(pd.DataFrame({"chi": [30.4, 60.0, 80.0, np.nan], "change": [1.0] * 4}),
                       load_model(), ["chi"], formats={"change": "{:+.1f}"}).to_html()
    assert "#f4b6b6" in html and "#ffe08a" in html and "#b7dfb0" in html
    assert ">30<" in html and "+1.0" in html and "—" in html


def test_workbook_is_formula_free_and_opens_in_libreoffice(card, tmp_path):
    import zipfile

    path = card.to_excel(tmp_path / "chi.xlsx")
    with zipfile.ZipFile(path) as z:
        assert not any("<f>" in z.read(n).decode() for n in z.namelist()
                       if n.startswith("xl/worksheets/"))
    converts_in_libreoffice(path, tmp_path)

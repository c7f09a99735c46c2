"""NPS: published reference values, intervals written out by hand, account weighting."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cxkit import nps
from cxkit.errors import ParameterError


def _scores(promoters, passives, detractors):
    return [10] * promoters + [8] * passives + [3] * detractors


def test_rocks_2016_worked_check():
    # Source: shared/reference/README.md, "Net Promoter Score": 40 % promoters,
    # 20 % detractors, n = 500 -> NPS 20, Wald 95 % interval +/- 6.6 (Rocks 2016,
    # arXiv 1601.07235: variance p + d - (p - d)^2).
    s = nps.estimate(_scores(200, 200, 100), method="wald")
    assert s.nps == pytest.approx(20.0)
    assert s.ci_high - s.nps == pytest.approx(6.6, abs=0.05)
    assert s.nps - s.ci_low == pytest.approx(6.6, abs=0.05)
    assert (s.promoters, s.passives, s.detractors) == pytest.approx((0.4, 0.4, 0.2))


def test_adjusted_wald_written_out():
    # Source: shared/reference/README.md (MeasuringU): add 3 to n and 0.75 to promoters
    # and detractors. n = 10 with 5 promoters and 2 detractors:
    # p = 5.75/13, d = 2.75/13, centre = 3/13, var = p + d - (p - d)^2, se = sqrt(var/13)
    p, d = 5.75 / 13, 2.75 / 13
    se = math.sqrt((p + d - (p - d) ** 2) / 13)
    s = nps.estimate(_scores(5, 3, 2))
    assert s.nps == pytest.approx(30.0)  # the observed score, not the adjusted centre
    assert s.se == pytest.approx(100 * se)
    assert s.ci_low == pytest.approx(100 * (3 / 13 - 1.959964 * se), abs=1e-4)
    assert s.ci_high == pytest.approx(100 * (3 / 13 + 1.959964 * se), abs=1e-4)


def test_interval_is_clipped_to_the_scale_and_all_promoters_still_has_width():
    s = nps.estimate([10] * 5)
    assert s.nps == 100 and s.ci_high == 100 and s.ci_low < 100


def test_weights_are_shares_and_kish_effective_n():
    scores = [10, 10, 3, 8]
    w = [2, 1, 1, 0]  # the 8 carries no weight
    s = nps.estimate(scores, weights=w, method="wald")
    assert s.promoters == pytest.approx(0.75) and s.detractors == pytest.approx(0.25)
    assert s.n == 3 and s.n_eff == pytest.approx(16 / 6)
    var = 0.75 + 0.25 - 0.5 ** 2
    assert s.se == pytest.approx(100 * math.sqrt(var / (16 / 6)))
    plain = nps.estimate([10, 10, 3])
    equal = nps.estimate([10, 10, 3], weights=[4, 4, 4])
    assert equal.se == pytest.approx(plain.se) and equal.nps == pytest.approx(plain.nps)


def test_missing_scores_are_ignored_and_bad_input_is_an_error():
    assert nps.estimate([10, None, np.nan, 3]).n == 2
    assert math.isnan(nps.estimate([]).nps)
    with pytest.raises(ParameterError, match="0–10"):
        nps.estimate([11, 5])
    with pytest.raises(ParameterError, match="method"):
        nps.estimate([5], method="exact")
    with pytest.raises(ParameterError, match="weights has 1 values for 2"):
        nps.estimate([5, 6], weights=[1])


def _two_sided_p(z):
    return 2 * (1 - 0.5 * (1 + math.erf(abs(z) / math.sqrt(2))))


def test_compare_written_out():
    # Source: shared/reference/README.md, "Net Promoter Score": two NPS values,
    # z = (NPS1 - NPS2) / sqrt(var1/n1 + var2/n2), var = p + d - (p - d)^2 (Rocks 2016).
    a, b = _scores(60, 0, 40), _scores(40, 0, 60)
    c = nps.compare(a, b, method="wald")
    se = math.sqrt(0.96 / 100 + 0.96 / 100)  # each: p + d - (p - d)^2 = 1 - 0.04
    assert c.difference == pytest.approx(40.0)
    assert c.z == pytest.approx(0.4 / se)
    assert c.p_value == pytest.approx(_two_sided_p(0.4 / se))


def test_compare_adjusted_wald_written_out():
    # Source: shared/reference/README.md, "Net Promoter Score" (MeasuringU): adjusted Wald
    # adds 3 to n and 0.75 to promoters and to detractors of each group before the
    # two-sample formula. The default, as for the intervals shown beside the test.
    a, b = _scores(6, 1, 3), _scores(3, 2, 5)  # n = 10 each: NPS +30 and -20
    pa, da, pb, db = 6.75 / 13, 3.75 / 13, 3.75 / 13, 5.75 / 13
    var = (pa + da - (pa - da) ** 2) / 13 + (pb + db - (pb - db) ** 2) / 13
    z = ((pa - da) - (pb - db)) / math.sqrt(var)
    c = nps.compare(a, b)
    assert c.method == "adjusted-wald" and c.difference == pytest.approx(50.0)
    assert c.z == pytest.approx(z) and c.p_value == pytest.approx(_two_sided_p(z))
    assert c.se == pytest.approx(100 * math.sqrt(var))
    centre = 100 * ((pa - da) - (pb - db))
    assert c.ci_low == pytest.approx(centre - 1.959964 * 100 * math.sqrt(var), abs=1e-4)
    # at n = 10 the plain test is the more liberal one
    assert nps.compare(a, b, method="wald").p_value < c.p_value
    with pytest.raises(ParameterError, match="method must be one of"):
        nps.compare(a, b, method="exact")


def test_by_group_and_by_period_flag_only_significant_changes():
    rng = np.random.default_rng(0)
    dates = pd.to_datetime(["2024-02-01"] * 400 + ["2024-05-01"] * 400 + ["2024-08-01"] * 400)
    ltr = np.r_[rng.choice(_scores(40, 40, 20), 400),   # NPS ~ 20
                rng.choice(_scores(42, 38, 20), 400),   # ~ 22: noise
                rng.choice(_scores(20, 40, 40), 400)]   # ~ -20: a real drop
    df = pd.DataFrame({"response_date": dates, "ltr": ltr, "seg": ["x", "y"] * 600})
    t = nps.by_period(df)
    assert list(t.index) == ["2024Q1", "2024Q2", "2024Q3"]
    assert not t.loc["2024Q2", "significant"] and t.loc["2024Q3", "significant"]
    assert t.loc["2024Q3", "change"] == pytest.approx(t.loc["2024Q3", "nps"] - t.loc["2024Q2", "nps"])
    g = nps.by_group(df, "seg")
    assert list(g.columns) == nps.COLUMNS and g["n"].sum() == 1200
    assert g.loc["x", "nps"] == pytest.approx(nps.estimate(df.loc[df.seg == "x", "ltr"]).nps)


@pytest.fixture
def portfolio():
    contacts = pd.DataFrame({"contact_id": ["c1", "c2", "c3", "c4", "c5"],
                             "role": ["decision maker", "user", "user", "influencer", "user"]})
    responses = pd.DataFrame({
        "account_id": ["A", "A", "A", "B", "B"],
        "contact_id": ["c1", "c2", "c3", "c4", "c5"],
        "ltr": [3, 10, 10, 9, 6]})
    return responses, contacts


def test_account_weighting_schemes(portfolio):
    r, c = portfolio
    # all responses: 3 promoters, 2 detractors of 5 -> +20
    assert nps.estimate(r["ltr"], nps.respondent_weights(r, c, "all")).nps == pytest.approx(20)
    # one vote per account: A = 2/3 promoters, 1/3 detractors; B = 1/2, 1/2
    w = nps.respondent_weights(r, c, "account")
    assert w.tolist() == pytest.approx([1 / 3] * 3 + [0.5] * 2)
    assert nps.estimate(r["ltr"], w).nps == pytest.approx(100 * ((2 / 3 + 1 / 2) - (1 / 3 + 1 / 2)) / 2)
    # decision maker first: A speaks through c1 (a detractor); B has none, so both count
    w = nps.respondent_weights(r, c, "decision_maker")
    assert w.tolist() == pytest.approx([1, 0, 0, 0.5, 0.5])
    acc = nps.account_nps(r, c, "decision_maker")
    assert acc.loc["A", "nps"] == -100 and acc.loc["B", "nps"] == 0
    assert acc.loc["A", "category"] == "detractor"
    # role weights within one vote per account: A = (2*3 + 10 + 10) / 4 = 6.5
    acc = nps.account_nps(r, c, "account", {"decision maker": 2, "influencer": 1, "user": 1})
    assert acc.loc["A", "mean_score"] == pytest.approx(6.5)
    assert acc.loc["A", "responses"] == 3 and acc.loc["A", "category"] == "detractor"
    with pytest.raises(ParameterError, match="unknown role"):
        nps.respondent_weights(r, c, "all", {"boss": 2})
    with pytest.raises(ParameterError, match="scheme"):
        nps.respondent_weights(r, c, "loudest")


def test_categories():
    assert nps.categories([0, 6, 7, 8, 9, 10, None]).tolist()[:6] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter"]

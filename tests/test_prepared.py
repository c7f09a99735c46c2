"""The portfolio fitted once per batch: slices, content keys, and the same plan either way."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxkit import io, prepared
from cxkit.errors import ParameterError
from cxkit.paths import project_root
from cxkit.planning import AccountPlan, KeyAccountPlanner, account_plan
from cxkit.planning.plan import welch_interval
from cxkit.planning.prepared import TABLES, OPTIONAL, portfolio_key, prepare_batch


@pytest.fixture(scope="module")
def planner(small_dir):
    return KeyAccountPlanner().fit(io.load(small_dir, tables=TABLES, optional=OPTIONAL))


def _views(plan: AccountPlan) -> dict:
    return {"header": plan.header(), "lenses": plan.lenses(), "drivers": plan.drivers(),
            "advocacy": plan.advocacy(), "coverage": plan.coverage(),
            "comments": plan.comments(), "objectives": plan.objectives(),
            "chi": plan.chi_history(), "key": plan.key_results(),
            "headlines": plan.headlines()}


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], pd.DataFrame):
            pd.testing.assert_frame_equal(a[k].reset_index(drop=True),
                                          b[k].reset_index(drop=True), check_exact=False,
                                          rtol=1e-12, obj=k)
        else:
            assert pd.Series([a[k]]).astype(str).tolist() == pd.Series([b[k]]).astype(str).tolist(), k


def test_welch_interval_matches_r():
    # R: t.test(mpg ~ am, data = mtcars) -> 95 percent confidence interval -11.280194 -3.209684
    # (R's datasets::mtcars, ../shared/reference/mtcars.csv)
    cars = pd.read_csv(Path(__file__).parent / "data" / "mtcars.csv")
    x, y = cars.loc[cars["am"] == 0, "mpg"], cars.loc[cars["am"] == 1, "mpg"]
    lo, hi = welch_interval(len(x), x.mean(), x.var(), len(y), y.mean(), y.var())
    assert (lo, hi) == pytest.approx((-11.280194, -3.209684), abs=5e-7)
    assert np.isnan(welch_interval(1, 5.0, 0.0, 10, 4.0, 1.0)[0])  # one answer: no interval


def test_drivers_compare_with_the_rest_of_the_portfolio_as_welch_does(planner):
    """The rest's moments come from the portfolio's less the account's (no pass over the
    other accounts): the same means and intervals as scipy on the answers themselves."""
    cfg = planner.config_
    heard = planner.answers_["account_id"].value_counts()
    for account in [heard.index[0], heard.index[len(heard) // 2], heard.index[-1]]:
        table = planner.account(account).drivers()
        mine = planner.answers_["account_id"] == account
        assert len(table) == len(planner.ratings_) > 3
        for driver, row in table.iterrows():
            x = planner.answers_.loc[mine, driver].dropna()
            y = planner.answers_.loc[~mine, driver].dropna()
            assert row["account"] == pytest.approx(x.mean(), nan_ok=True)
            assert row["portfolio"] == pytest.approx(y.mean())
            assert row["answers"] == len(x)
            if len(x) >= max(cfg.min_count, 2):
                ci = stats.ttest_ind(x, y, equal_var=False).confidence_interval(0.95)
                assert row["ci_low"] == pytest.approx(max(ci.low, -cfg.scale_max), rel=1e-9)
                assert row["ci_high"] == pytest.approx(min(ci.high, cfg.scale_max), rel=1e-9)
            else:
                assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])


def test_a_slice_gives_the_same_plan_as_the_whole_portfolio(planner):
    a = planner.accounts_.index
    heard = set(planner.answers_["account_id"])
    silent = [x for x in a if x not in heard]
    chosen = [a[0], a[len(a) // 2], *silent[:1], "NOT-A-CUSTOMER"]
    parts = dict(planner.slices(chosen))
    assert set(parts) == set(chosen) - {"NOT-A-CUSTOMER"}  # no slice for a non-customer
    assert silent, "the small portfolio has an account without feedback"
    for account, part in parts.items():
        assert len(part.accounts_) == 1 and set(part.answers_["account_id"]) <= {account}
        _same(_views(planner.account(account)), _views(part.account(account)))
    part = parts[a[0]]
    with pytest.raises(ParameterError, match="one account's slice"):
        part.headlines()
    with pytest.raises(ParameterError, match="one account's slice"):
        part.account("")  # the default account needs the whole portfolio


@pytest.fixture
def data(tmp_path, small_dir):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in TABLES + OPTIONAL:
        shutil.copy(io.find_table(small_dir, name), folder)
    return folder


def test_a_run_reads_its_share_only_under_the_content_key(planner, data, tmp_path,
                                                          monkeypatch):
    store = tmp_path / "prepared"
    account = planner.answers_["account_id"].iloc[0]  # a customer with feedback
    stored = prepare_batch(store, {"data_dir": str(data)}, [account, "NOT-A-CUSTOMER"])
    assert stored == 1
    alone = account_plan(data, account_id=account)  # no batch: fitted here
    assert prepared.used(store) == 0
    monkeypatch.setenv(prepared.ENV_VAR, str(store))
    read = account_plan(data, account_id=account)
    assert prepared.used(store) == 1  # read from the batch's share...
    _same(_views(alone), _views(read))  # ...and the same plan
    assert len(read.planner_.accounts_) == 1

    # one changed input file: another key, so the share is not read and the change shows
    key = portfolio_key(data)
    path = io.find_table(data, "responses")
    responses = pd.read_csv(path, dtype=str, keep_default_na=False)
    theirs = responses.index[responses["account_id"] == account]
    window = pd.to_datetime(responses.loc[theirs, "response_date"]) > (
        alone.planner_.plan_date_ - pd.DateOffset(months=12))
    responses.loc[theirs[window.to_numpy()], "ltr"] = "0"
    responses.to_csv(path, index=False)
    assert portfolio_key(data) != key
    for file_ in (store / key).glob("*.used"):
        file_.unlink()
    changed = account_plan(data, account_id=account)
    assert prepared.used(store) == 0
    assert changed.header()["nps"] == -100 != alone.header()["nps"]
    assert len(changed.planner_.accounts_) > 1  # fitted on the spot

    # a changed configuration file, or another setting, is another key too
    config = tmp_path / "planning.yaml"
    shutil.copy(project_root() / "params" / "planning.yaml", config)
    before = portfolio_key(data, config=str(config))
    config.write_text(config.read_text() + "\n# edited\n")
    assert portfolio_key(data, config=str(config)) not in (before, key)
    assert portfolio_key(data, period="M") != portfolio_key(data)
    assert portfolio_key(tmp_path / "nowhere") is None  # no files: nothing to key, fit says why


def test_a_digest_is_reused_only_for_the_same_bytes(tmp_path):
    import os

    path = tmp_path / "responses.csv"
    path.write_text("account_id,ltr\nA1,9\n")
    known = prepared.digests([path])
    assert prepared.file_digest(path, known) == prepared.file_digest(path)
    faked = {str(path): [*known[str(path)][:4], "from the batch"]}
    assert prepared.file_digest(path, faked) == "from the batch"  # unchanged: not read again
    # rewritten with the same size, its modification time set back: read again all the same
    stat = path.stat()
    path.write_text("account_id,ltr\nA1,0\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert prepared.file_digest(path, faked) == prepared.file_digest(path) != known[str(path)][4]

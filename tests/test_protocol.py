"""Every analysis follows the one protocol of docs/api.md (as scikit-learn's
``parametrize_with_checks`` does for estimators): a keyword-only constructor that only
stores its settings, ``fit(tables) -> self``, fitted attributes ending in ``_``,
``headlines``, ``summary``, ``key_results``, ``to_excel`` where there is a workbook and
``plot_*(ax=None) -> Axes``; nothing to show is an empty frame, never ``None``."""
from __future__ import annotations

import inspect
import json

import pytest

from cxkit.analysis import Analysis
from cxkit.board import BoardPack
from cxkit.chi import ChiScorecard
from cxkit.customer_math import CustomerMath
from cxkit.drivers import DriverAnalysis
from cxkit.errors import NotFittedError
from cxkit.io import OPTIONAL_TABLES, load
from cxkit.nps import NpsAnalysis
from cxkit.overview import Overview
from cxkit.planning import AccountPlan, KeyAccountPlanner, PortfolioPlan
from cxkit.prospects import ProspectProfiler
from cxkit.results import to_jsonable

# each analysis with quick settings for the sample
ANALYSES = [
    Overview(),
    NpsAnalysis(),
    DriverAnalysis(n_boot=20, random_state=1),
    ChiScorecard(n_boot=20, random_state=1),
    KeyAccountPlanner(),
    AccountPlan(),
    PortfolioPlan(segment="key"),
    CustomerMath(contradictions="show"),
    ProspectProfiler(),
    BoardPack(settings={"driver_analysis": {"n_boot": 20}, "chi_scorecard": {"n_boot": 20}}),
]


@pytest.fixture(scope="module")
def tables(sample_dir):
    return load(sample_dir, optional=OPTIONAL_TABLES)


def _id(a):
    return type(a).__name__


def test_every_analysis_class_is_checked():
    """A new subclass of Analysis in cxkit must be added to ANALYSES."""
    import importlib
    import pkgutil

    import cxkit
    for m in pkgutil.walk_packages(cxkit.__path__, "cxkit."):
        if not m.name.endswith("__main__"):
            importlib.import_module(m.name)

    def subclasses(c):
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)
    found = {c.__name__ for c in subclasses(Analysis) if c.__module__.startswith("cxkit.")}
    assert found == {_id(a) for a in ANALYSES}


@pytest.mark.parametrize("analysis", ANALYSES, ids=_id)
def test_constructor_is_keyword_only_and_only_stores_settings(analysis):
    cls = type(analysis)
    params = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"]
    assert params and all(p.kind == p.KEYWORD_ONLY for p in params)
    fresh = cls(**analysis.get_params())
    assert vars(fresh) == analysis.get_params()  # nothing but the settings, unchanged
    with pytest.raises(TypeError):
        cls(*[p.default for p in params][:1])
    with pytest.raises(NotFittedError, match="call fit"):
        fresh.headlines()
    assert repr(fresh).startswith(cls.__name__ + "(")


@pytest.mark.parametrize("analysis", [a for a in ANALYSES if type(a).settings_model],
                         ids=_id)
def test_declared_settings_are_constructor_settings(analysis):
    # a settings model names only real settings, and its defaults are the constructor's
    model = type(analysis).settings_model
    sig = inspect.signature(type(analysis).__init__).parameters
    for name, info in model.model_fields.items():
        assert name in sig and sig[name].default == info.default, name
    assert analysis.check_settings() is not None


@pytest.mark.parametrize("analysis", ANALYSES, ids=_id)
def test_fit_and_answers(analysis, tables, tmp_path):
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    a = type(analysis)(**analysis.get_params())
    settings = dict(vars(a))
    assert a.fit(tables) is a
    assert all(vars(a)[k] is v for k, v in settings.items())  # fit leaves settings alone
    fitted = {k: v for k, v in vars(a).items() if k not in settings}
    assert fitted and all(k.endswith("_") or k.startswith("_") for k in fitted), fitted.keys()
    assert not [k for k, v in fitted.items() if v is None], "None instead of an empty result"

    heads = a.headlines()
    assert isinstance(heads, list) and heads and all(isinstance(h, str) and h for h in heads)
    text = a.summary()
    assert isinstance(text, str) and text.startswith(a.title) and heads[0][:40] in text
    key = a.key_results()
    assert isinstance(key, dict) and key
    json.dumps(to_jsonable(key), allow_nan=False)

    plots = [n for n, f in inspect.getmembers(type(a), inspect.isfunction)
             if n.startswith("plot_")]
    assert plots, "an analysis shows at least one chart"
    for name in plots:
        _, ax = plt.subplots()
        assert getattr(a, name)(ax=ax) is ax, name
        assert isinstance(getattr(a, name)(), Axes), name
        plt.close("all")
    if hasattr(a, "to_excel"):
        path = a.to_excel(tmp_path / "out.xlsx")
        assert path.exists() and path.stat().st_size > 0

"""Client workbooks built from several tables of one analysis.

:func:`account_workbook`: the workbook of one key-account plan: summary, lenses,
objectives and the data behind them.

Written through :func:`cxkit.present.excel.write_workbook`: customers' comments are text, never
formulas; headers are frozen; % scores carry band colours; lenses, drivers and CHI get
native Excel charts.
"""
from __future__ import annotations

from .excel import write_workbook

#: number kinds of an objectives sheet: current and target are numbers in their ``unit``
OBJECTIVE_KINDS = {"current": "score", "target": "score"}


def account_workbook(plan, path):
    """Write ``plan`` (an :class:`~cxkit.planning.AccountPlan`) as an Excel workbook.

    Returns
    -------
    Path
    """
    from ..planning.lenses import lens_table

    cfg = plan.planner_.config_
    bands = cfg.score_bands
    lenses = plan.lenses()
    pct = ["value_pct", "value_pct_weighted", "obstacle_pct", "obstacle_pct_weighted"]
    drivers = plan.drivers().reset_index()
    chi = plan.chi_history()
    sheets = {"Summary": plan.headlines(),
              "Account": {k: (str(v) if k == "customer_since" else v)
                          for k, v in plan.header().items()},
              "Objectives": plan.objectives().drop(columns="item"),
              "Lenses": lens_table(lenses),
              "Drivers": drivers,
              "Advocacy": plan.advocacy(),
              "Coverage": plan.coverage(),
              "Comments": plan.comments(n=50),
              "CHI": chi,
              "Answers": plan.answers_.drop(columns=["key_weight"], errors="ignore")}
    band_spec = {"Lenses": (pct, bands.amber, bands.green)}
    if len(chi):
        model_bands = plan.planner_.chi_bands_
        band_spec["CHI"] = (["chi"], model_bands["amber"], model_bands["green"])
    charts = {"Lenses": [{"type": "bar", "title": "Lens scores, key-weighted (%)",
                          "categories": "lens",
                          "values": ["value_pct_weighted", "obstacle_pct_weighted"]}],
              "Drivers": [{"type": "bar", "title": "Ratings: this account against the portfolio",
                           "categories": "driver", "values": ["account", "portfolio"]}],
              "CHI": [{"type": "line", "title": "Customer Health Index", "categories": "period",
                       "values": ["chi"]}]}
    kinds = {"Drivers": {"account": "rating", "portfolio": "rating", "difference": "change",
                         "ci_low": "change", "ci_high": "change"},
             "Objectives": OBJECTIVE_KINDS}
    return write_workbook(path, sheets, percent={"Advocacy": ["share"]}, bands=band_spec,
                          charts=charts, kinds=kinds, currency=plan.currency)

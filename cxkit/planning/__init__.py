"""Key-account planning: key-weighted feedback, lenses, advocacy, coverage and objectives.

- :mod:`~cxkit.planning.config`: ``params/planning.yaml``, declared (:class:`PlanningConfig`)
  and checked on load (:func:`load_config`);
- :mod:`~cxkit.planning.keyweight`: key weight from tenure and interaction frequency,
  key-weighted means and credibility shrinkage (:func:`key_weight`, :func:`shrink`);
- :mod:`~cxkit.planning.lenses`: value delivery against obstacles, raw and key-weighted;
- :mod:`~cxkit.planning.advocacy`: the advocacy ladder and buying-influencer coverage;
- :mod:`~cxkit.planning.objectives`: rules that turn the data into objectives (MBOs);
- :mod:`~cxkit.planning.plan`: :class:`KeyAccountPlanner` and :class:`AccountPlan`;
- :mod:`~cxkit.planning.portfolio`: :class:`PortfolioPlan`, the accounts of one account
  manager or segment side by side;
- :mod:`~cxkit.planning.prepared`: :func:`account_plan`, one account's plan from the
  portfolio a batch fitted once (or fitted on the spot).

The client workbook of one account is written by :mod:`cxkit.present.workbooks`.
"""
from .advocacy import RUNGS, account_rungs, coverage, ladder, respondent_rungs
from .config import PlanningConfig, check_config, load_config
from .keyweight import key_weight, shrink, structure, weighted_mean
from .lenses import account_lenses, group_lenses, lens_table
from .objectives import objectives
from .plan import AccountPlan, KeyAccountPlanner, plot_lenses
from .portfolio import PortfolioPlan, plot_portfolio_lenses
from .prepared import account_plan

__all__ = ["AccountPlan", "account_plan", "KeyAccountPlanner", "PlanningConfig", "PortfolioPlan", "RUNGS", "account_lenses",
           "account_rungs", "check_config", "coverage", "group_lenses", "key_weight", "ladder",
           "lens_table", "load_config", "objectives", "plot_lenses", "plot_portfolio_lenses",
           "respondent_rungs", "shrink", "structure", "weighted_mean"]

"""Driver analysis: which experience drivers move likelihood to recommend and revenue,
how sure we are, and which measures a team can move.

- :mod:`~cxkit.drivers.importance`: :func:`relative_importance`, :func:`dominance_analysis`,
  :func:`bootstrap_importance`;
- :mod:`~cxkit.drivers.model`: :class:`DriverModel` (OLS or promoter logit, robust errors);
- :mod:`~cxkit.drivers.revenue`: :func:`account_periods`, :class:`RevenueLink`,
  :func:`category_economics`;
- :mod:`~cxkit.drivers.measures`: :func:`measure_links`;
- :mod:`~cxkit.drivers.priority`: :func:`performance`, :func:`priority_matrix` and plots;
- :mod:`~cxkit.drivers.prepare`: checks, missing ratings, correlations;
- :mod:`~cxkit.drivers.analysis`: :class:`DriverAnalysis`, all of it for the notebook.
"""
from .analysis import DEFAULT_MEASURES, DriverAnalysis
from .importance import (DominanceAnalysis, DriverImportance, bootstrap_importance,
                         dominance_analysis, relative_importance)
from .measures import measure_links
from .model import DriverModel
from .prepare import Prepared, prepare, weighted_corr
from .priority import (performance, plot_importance, plot_priority_matrix, priority_matrix,
                       quadrant_cuts)
from .revenue import RevenueLink, account_periods, category_economics

__all__ = ["DEFAULT_MEASURES", "DominanceAnalysis", "DriverAnalysis", "DriverImportance", "DriverModel", "Prepared", "RevenueLink", "account_periods",
           "bootstrap_importance", "category_economics", "dominance_analysis",
           "measure_links", "performance", "plot_importance",
           "plot_priority_matrix", "prepare", "priority_matrix", "quadrant_cuts", "relative_importance",
           "weighted_corr"]

"""Driver analysis: which experience drivers move likelihood to recommend, and how sure we are.

- :func:`relative_importance`, :func:`dominance_analysis`, :func:`bootstrap_importance`
  (:mod:`cxkit.drivers.importance`): each driver's share of the explained variance;
- :func:`prepare` (:mod:`cxkit.drivers.prepare`): checks, missing ratings, correlations.
"""
from .importance import (DominanceAnalysis, bootstrap_importance, dominance_analysis,
                         relative_importance)
from .prepare import Prepared, prepare, weighted_corr

__all__ = ["DominanceAnalysis", "Prepared", "bootstrap_importance", "dominance_analysis",
           "prepare", "relative_importance", "weighted_corr"]

"""Intervals every analysis shares: one home for each.

Examples
--------
>>> lo, hi = wilson([15], [50])
>>> round(float(lo[0]), 4), round(float(hi[0]), 4)
(0.191, 0.4375)
"""
from __future__ import annotations

import numpy as np


def wilson(k, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson interval of k successes in n (R's ``prop.test(correct = FALSE)``,
    statsmodels' ``proportion_confint(method="wilson")``); empty where n is 0. ``n`` may
    be an effective number of answers (not whole) where they are weighted."""
    from statsmodels.stats.proportion import proportion_confint

    k, n = np.asarray(k, float), np.asarray(n, float)
    lo, hi = proportion_confint(k, np.maximum(n, 1), alpha=1 - confidence, method="wilson")
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


__all__ = ["wilson"]

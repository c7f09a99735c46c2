"""Customer Health Index: a 0–100 health score per account from journey stages × KPIs.

- :mod:`~cxkit.chi.model`: the model in YAML (:func:`load_model`, :func:`from_dict`);
- :mod:`~cxkit.chi.score`: :func:`normalise`, :func:`score`, :func:`explain_change`;
- :mod:`~cxkit.chi.derive`: KPIs from raw exports by SQL in DuckDB (:func:`derive_kpis`);
- :mod:`~cxkit.chi.validate`: does CHI predict churn better than NPS alone
  (:func:`predictive_power`), and weights suggested by outcomes (:func:`suggest_weights`);
- :mod:`~cxkit.chi.scorecard`: :class:`ChiScorecard` (what the notebook reports) and plots.
"""
from .derive import derive_kpis, load_definitions
from .model import ChiModel, Kpi, Stage, from_dict, load_model
from .score import explain_change, kpi_terms, normalise, score
from .scorecard import ChiScorecard, kpi_wide, style_bands
from .validate import outcome_panel, predictive_power, suggest_weights

__all__ = ["ChiModel", "ChiScorecard", "Kpi", "Stage", "kpi_wide", "style_bands", "derive_kpis", "explain_change", "from_dict", "kpi_terms",
           "load_definitions", "load_model", "normalise", "outcome_panel", "predictive_power",
           "score", "suggest_weights"]

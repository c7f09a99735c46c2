"""Customer Health Index: a 0–100 health score per account from journey stages × KPIs.

- :mod:`~cxkit.chi.model`: the model in YAML (:func:`load_model`, :func:`from_dict`);
- :mod:`~cxkit.chi.score`: :func:`normalise`, :func:`score`, :func:`explain_change`
  (a :class:`ChiChange`);
- :mod:`~cxkit.chi.derive`: KPIs from raw exports by SQL in DuckDB (:func:`derive_kpis`);
- :mod:`~cxkit.chi.proof`: does CHI predict churn better than NPS alone
  (:func:`predictive_power`, a :class:`PredictivePower`), and weights suggested by
  outcomes (:func:`suggest_weights`);
- :mod:`~cxkit.chi.scorecard`: :class:`ChiScorecard` (what the notebook reports) and plots.
"""
from .derive import derive_kpis, load_definitions
from .model import ChiModel, Kpi, Stage, from_dict, load_model
from .proof import PredictivePower, outcome_panel, predictive_power, suggest_weights
from .score import ChiChange, explain_change, kpi_terms, normalise, score
from .scorecard import ChiScorecard

__all__ = ["ChiChange", "ChiModel", "ChiScorecard", "Kpi", "PredictivePower", "Stage",
           "derive_kpis", "explain_change", "from_dict", "kpi_terms", "load_definitions",
           "load_model", "normalise", "outcome_panel", "predictive_power", "score",
           "suggest_weights"]

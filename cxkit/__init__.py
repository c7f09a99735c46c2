"""cxkit: a Jupyter notebook analysis kit for B2B customer experience.

Every analysis follows one protocol (:mod:`cxkit.analysis`, ``docs/api.md``).
Modules, one per concept:

- :mod:`cxkit.io` — the data model; loading and validating input tables
- :mod:`cxkit.sample` — a seeded B2B sample portfolio with known truth
- :mod:`cxkit.overview` — what a data folder holds (the data overview notebook)
- :mod:`cxkit.params` — checking notebook parameters
- :mod:`cxkit.results` — key results of a notebook, saved as JSON
- :mod:`cxkit.present` — presentation: text summaries, labels, notebook display, HTML
  reports without code, workbooks
- :mod:`cxkit.runner` — running notebooks with papermill
- :mod:`cxkit.nps` — NPS with intervals; :mod:`cxkit.drivers` — driver analysis
- :mod:`cxkit.chi` — the Customer Health Index; :mod:`cxkit.planning` — key-account plans
- :mod:`cxkit.customer_math` — customers in and out, retention, cohorts
- :mod:`cxkit.clv` — contractual lifetime value (shifted-beta-geometric)
- :mod:`cxkit.prospects` — prospects that look like the best customers
- :mod:`cxkit.periods` — period labels shared by every table
- :mod:`cxkit.paths` — the project root and atomic writes
"""
from .errors import (CxkitError, CxkitWarning, DataError, NotFittedError, ParameterError,
                     RunError)

__version__ = "0.1.0"

__all__ = ["CxkitError", "CxkitWarning", "DataError", "NotFittedError", "ParameterError",
           "RunError", "__version__"]

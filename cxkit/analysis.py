"""The one protocol every cxkit analysis follows (see ``docs/api.md``).

An analysis is built like a scikit-learn estimator: a keyword-only constructor that only
stores its settings, ``fit(tables) -> self`` on the dict of validated tables
:func:`cxkit.io.load` returns, and fitted attributes ending in ``_``. A fitted analysis
answers the same way everywhere:

- ``headlines() -> list[str]``: the findings, in plain sentences;
- ``summary() -> str``: a text summary (statsmodels style): the title, the key numbers
  as a two-column table, the main tables, the findings;
- ``key_results() -> dict``: the numbers saved in the JSON file beside the report;
- ``to_excel(path) -> Path`` where there is a workbook, ``plot_*(ax=None) -> Axes``.

Results are documented DataFrames or small dataclasses; nothing to show is an empty
DataFrame, never ``None``.

Examples
--------
>>> from cxkit.overview import Overview
>>> Overview(period="Y")
Overview(period='Y')
>>> Overview().headlines()
Traceback (most recent call last):
...
cxkit.errors.NotFittedError: Overview is not fitted yet: call fit(tables) first
"""
from __future__ import annotations

import inspect

import pandas as pd

from .errors import NotFittedError

WIDTH = 78


class Analysis:
    """Base class: settings, ``repr``, the fitted check and the text summary.

    Subclasses set ``title``, implement ``fit``, ``headlines`` and ``key_results``, and may
    add tables to the summary by overriding :meth:`summary_tables`.
    """

    title = "Analysis"
    #: the settings that have rules beyond their type, declared as a
    #: :class:`cxkit.settings.Options` model and checked by :meth:`check_settings`
    settings_model = None

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind == p.KEYWORD_ONLY]

    def get_params(self) -> dict:
        """The settings given to the constructor, by name (scikit-learn's ``get_params``)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        shown = []
        for name, value in self.get_params().items():
            default = sig.parameters[name].default
            try:
                same = bool(value == default)
            except (TypeError, ValueError):
                same = False
            if not same:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    @property
    def is_fitted(self) -> bool:
        """Whether ``fit`` has run (some attribute ending in ``_`` is set)."""
        return any(k.endswith("_") and not k.startswith("_") for k in vars(self))

    def __getattr__(self, name: str):
        # only called for a missing attribute: a fitted one before fit means "fit first";
        # every method that reads a fitted attribute fails clearly through here
        # (private and IPython's _repr_*_ names are never fitted attributes)
        if name.endswith("_") and not name.startswith("_") and not self.is_fitted:
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(tables) "
                                 "first")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def check_settings(self):
        """Check the settings ``settings_model`` declares; ``fit`` calls it first.

        Returns the validated model (or None without one); raises a
        :class:`~cxkit.errors.ParameterError` naming each setting that breaks its rule.
        """
        if self.settings_model is None:
            return None
        params = self.get_params()
        return self.settings_model.parse({k: params[k] for k in self.settings_model.model_fields
                                          if k in params})

    # ------------------------------------------------------------------ the protocol
    def fit(self, tables: dict) -> "Analysis":  # pragma: no cover - each analysis has one
        raise NotImplementedError

    def headlines(self) -> list[str]:  # pragma: no cover
        raise NotImplementedError

    def key_results(self) -> dict:  # pragma: no cover
        raise NotImplementedError

    def summary_tables(self) -> dict[str, pd.DataFrame]:
        """The main tables of the text summary, by caption (none by default)."""
        return {}

    def summary(self) -> str:
        """A text summary: title, key numbers, main tables, findings (statsmodels style)."""
        from .present.text import summary_text
        return summary_text(self.title, self.key_results(), self.summary_tables(),
                            self.headlines(), WIDTH)


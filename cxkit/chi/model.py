"""The Customer Health Index model: journey stages, their KPIs, weights and bands.

A model is YAML (``params/chi_model.yaml``)::

    min_coverage: 0.5              # share of stage weight that must be present for a CHI
    bands: {amber: 50, green: 75}  # below amber is red
    stages:
      - name: onboarding
        weight: 2
        kpis:
          - name: days_to_go_live
            direction: lower_is_better          # or higher_is_better
            normalise: {method: scale, min: 10, max: 120}
          - name: training_completion_pct
            direction: higher_is_better
            normalise: {method: percentile}     # rank among accounts of the same period
          - name: onboarding_tickets
            direction: lower_is_better
            normalise: {method: targets, points: [[0, 100], [3, 60], [10, 0]]}

Normalising turns each raw KPI into 0–100, higher is healthier:

- ``scale``: clip to [min, max], then linear (reversed for lower_is_better);
- ``percentile``: 100 · (rank − 1) / (n − 1) among the rows of the same period, ties
  sharing their mean rank (reversed for lower_is_better; a lone row scores 50);
- ``targets``: straight lines between (value, score) points, flat beyond the ends; the
  scores must rise with the value for higher_is_better and fall for lower_is_better.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from pydantic import field_validator, model_validator

from ..yamlfile import read_yaml_mapping
from ..paths import resolve
from ..settings import Annotated, Field, Literal, Settings, child, dotted

DIRECTIONS = ("higher_is_better", "lower_is_better")
METHODS = ("scale", "percentile", "targets")
BAND_NAMES = ("red", "amber", "green")


@dataclass(frozen=True)
class Kpi:
    """One KPI of a stage and how it is normalised to 0–100."""

    name: str
    direction: str
    method: str
    min: float | None = None
    max: float | None = None
    points: tuple[tuple[float, float], ...] = ()

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"


@dataclass(frozen=True)
class Stage:
    """A journey stage: its weight and its KPIs."""

    name: str
    weight: float
    kpis: tuple[Kpi, ...]


@dataclass(frozen=True)
class ChiModel:
    """A validated health-index model. Build it with :func:`load_model` or :func:`from_dict`."""

    stages: tuple[Stage, ...]
    min_coverage: float = 0.5
    bands: dict = field(default_factory=lambda: {"amber": 50.0, "green": 75.0})
    source: str = "<model>"

    @property
    def kpi_names(self) -> list[str]:
        return [k.name for s in self.stages for k in s.kpis]

    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]

    def stage_of(self, kpi: str) -> str:
        for s in self.stages:
            if any(k.name == kpi for k in s.kpis):
                return s.name
        raise KeyError(kpi)

    def band(self, chi: float) -> str | None:
        """Red, amber or green for a CHI value (None when CHI is missing)."""
        if chi is None or np.isnan(chi):
            return None
        if chi >= self.bands["green"]:
            return "green"
        return "amber" if chi >= self.bands["amber"] else "red"


# --------------------------------------------------------------------------- the YAML, declared
class Normalise(Settings):
    """How a KPI becomes 0–100: ``method`` and its ``min``/``max`` or ``points``."""

    method: str
    min: float | None = None
    max: float | None = None
    points: list[Annotated[list[float], Field(min_length=2, max_length=2)]] | None = None

    def sorted_points(self) -> tuple[tuple[float, float], ...]:
        """The target points as (value, score) pairs, by value."""
        return tuple(sorted((v, sc) for v, sc in self.points or []))


class KpiSpec(Settings):
    """A KPI as written in the YAML."""

    name: str
    direction: Literal["higher_is_better", "lower_is_better"]
    normalise: Normalise

    @model_validator(mode="after")
    def _method(self):
        n = self.normalise
        if n.method not in METHODS:
            raise ValueError(f"unknown normalise method {n.method!r} (use {', '.join(METHODS)})")
        if n.method == "scale":
            if n.min is None or n.max is None:
                raise ValueError("the scale method needs min and max")
            if n.min >= n.max:
                raise ValueError(f"min ({n.min:g}) must be below max ({n.max:g})")
        if n.method == "targets":
            points = n.sorted_points()
            if len(points) < 2:
                raise ValueError("targets need at least two [value, score] points")
            bad = [sc for _, sc in points if not 0 <= sc <= 100]
            if bad:
                raise ValueError(f"target scores are 0–100, got {bad[0]:g}")
            values = [v for v, _ in points]
            if len(set(values)) < len(values):
                raise ValueError(f"two target points share the value "
                                 f"{next(v for v in values if values.count(v) > 1):g}")
            step = np.diff([sc for _, sc in points])
            rising = self.direction == "higher_is_better"
            if (rising and (step < 0).any()) or (not rising and (step > 0).any()):
                raise ValueError(f"target scores must {'rise' if rising else 'fall'} with the "
                                 f"value for {self.direction}")
        return self

    def kpi(self) -> Kpi:
        n = self.normalise
        points = n.sorted_points() if n.method == "targets" else ()
        lo, hi = (n.min, n.max) if n.method == "scale" else (None, None)
        return Kpi(self.name, self.direction, n.method, lo, hi, points)


class StageSpec(Settings):
    """A stage as written in the YAML."""

    name: str
    weight: Annotated[float, Field(gt=0)]
    kpis: list[KpiSpec]

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.kpis:
            raise ValueError("the stage is empty (no KPIs)")
        return self


class Bands(Settings):
    """Where CHI turns amber and green."""

    amber: float
    green: float

    @model_validator(mode="after")
    def _order(self):
        if not 0 <= self.amber < self.green <= 100:
            raise ValueError(f"must satisfy 0 <= amber < green <= 100 (amber {self.amber:g}, "
                             f"green {self.green:g})")
        return self


class ChiModelSpec(Settings):
    """The model file as declared; :func:`from_dict` builds a :class:`ChiModel` from it."""

    min_coverage: float = 0.5
    bands: Bands = Bands(amber=50, green=75)
    stages: Annotated[list[StageSpec], Field(min_length=1)]

    @field_validator("min_coverage")
    @classmethod
    def _coverage(cls, value):
        if not 0 < value <= 1:
            raise ValueError(f"must be in (0, 1], got {value:g}")
        return value

    @model_validator(mode="after")
    def _once(self):
        seen_stage, seen_kpi = set(), {}
        for stage in self.stages:
            if stage.name in seen_stage:
                raise ValueError(f"stage '{stage.name}' appears twice")
            seen_stage.add(stage.name)
            for k in stage.kpis:
                if k.name in seen_kpi:
                    raise ValueError(f"stage '{stage.name}', KPI '{k.name}': the KPI is already "
                                     f"in stage '{seen_kpi[k.name]}'")
                seen_kpi[k.name] = stage.name
        return self

    @classmethod
    def locate(cls, steps, raw, source):
        # stage 'support', KPI 'csat' rather than stages[0].kpis[0]
        place, rest, here = [source] if source else [], [], raw
        for before, step in zip([None, *steps], steps):
            here = child(here, step)
            if isinstance(step, int) and before in ("stages", "kpis"):
                name = here.get("name") if isinstance(here, dict) else None
                label = "stage" if before == "stages" else "KPI"
                place.append(f"{label} '{name}'" if name is not None else f"{before}[{step}]")
                rest = []
            else:
                rest.append(step)
        return ", ".join(place), dotted(rest)


def from_dict(raw: dict, source: str = "<model>") -> ChiModel:
    """Validate a model given as a dict (the parsed YAML).

    Raises
    ------
    ParameterError
        Naming the file, the stage and the KPI of every problem found.

    Examples
    --------
    >>> from_dict({"stages": [{"name": "support", "weight": 0, "kpis": [
    ...     {"name": "csat", "direction": "up", "normalise": {"method": "percentile"}}]}]},
    ...     "chi_model.yaml")
    Traceback (most recent call last):
    cxkit.errors.ParameterError: chi_model.yaml, stage 'support': weight must be above 0, got 0
    chi_model.yaml, stage 'support', KPI 'csat': direction must be one of higher_is_better, lower_is_better, not 'up'
    """
    spec = ChiModelSpec.parse(raw, source)
    stages = tuple(Stage(s.name, s.weight, tuple(k.kpi() for k in s.kpis))
                   for s in spec.stages)
    return ChiModel(stages, spec.min_coverage,
                    {"amber": spec.bands.amber, "green": spec.bands.green}, source)


def load_model(path: str | os.PathLike = "params/chi_model.yaml") -> ChiModel:
    """Read and validate a health-index model from YAML (relative to the project root).

    Raises
    ------
    ParameterError
        Naming the file, the stage and the KPI of the first problem found.

    Examples
    --------
    >>> m = load_model()
    >>> len(m.stages), len(m.kpi_names)
    (10, 30)
    """
    raw = read_yaml_mapping(resolve(path), "health-index model", str(path),
                            "a mapping with stages, min_coverage, bands")
    return from_dict(raw, str(path))

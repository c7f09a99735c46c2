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

from ..errors import ParameterError
from ..params import read_yaml_mapping
from ..paths import resolve

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


def _where(source, stage=None, kpi=None) -> str:
    parts = [source]
    if stage is not None:
        parts.append(f"stage '{stage}'")
    if kpi is not None:
        parts.append(f"KPI '{kpi}'")
    return ", ".join(parts)


def _number(value, what, where) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{where}: {what} must be a number, got {value!r}")
    return float(value)


def _kpi(raw, stage: str, source: str) -> Kpi:
    if not isinstance(raw, dict) or "name" not in raw:
        raise ParameterError(f"{_where(source, stage)}: each KPI needs a name "
                             f"(got {raw!r})")
    name = str(raw["name"])
    where = _where(source, stage, name)
    unknown = set(raw) - {"name", "direction", "normalise"}
    if unknown:
        raise ParameterError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    direction = raw.get("direction")
    if direction not in DIRECTIONS:
        raise ParameterError(f"{where}: direction must be higher_is_better or lower_is_better, "
                             f"got {direction!r}")
    norm = raw.get("normalise") or {}
    method = norm.get("method") if isinstance(norm, dict) else None
    if method not in METHODS:
        raise ParameterError(f"{where}: unknown normalise method {method!r} "
                             f"(use {', '.join(METHODS)})")
    if method == "scale":
        lo = _number(norm.get("min"), "min", where)
        hi = _number(norm.get("max"), "max", where)
        if lo >= hi:
            raise ParameterError(f"{where}: min ({lo:g}) must be below max ({hi:g})")
        return Kpi(name, direction, method, lo, hi)
    if method == "targets":
        pts = norm.get("points")
        if not isinstance(pts, list) or len(pts) < 2:
            raise ParameterError(f"{where}: targets need at least two [value, score] points")
        points = []
        for p in pts:
            if not isinstance(p, (list, tuple)) or len(p) != 2:
                raise ParameterError(f"{where}: a target point is [value, score], got {p!r}")
            v, sc = _number(p[0], "a target value", where), _number(p[1], "a target score", where)
            if not 0 <= sc <= 100:
                raise ParameterError(f"{where}: target scores are 0–100, got {sc:g}")
            points.append((v, sc))
        points.sort()
        values = [p[0] for p in points]
        if len(set(values)) < len(values):
            raise ParameterError(f"{where}: two target points share the value "
                                 f"{next(v for v in values if values.count(v) > 1):g}")
        scores = np.array([p[1] for p in points])
        step = np.diff(scores)
        rising = direction == "higher_is_better"
        if (rising and (step < 0).any()) or (not rising and (step > 0).any()):
            raise ParameterError(f"{where}: target scores must {'rise' if rising else 'fall'} "
                                 f"with the value for {direction}")
        return Kpi(name, direction, method, points=tuple(points))
    return Kpi(name, direction, method)


def from_dict(raw: dict, source: str = "<model>") -> ChiModel:
    """Validate a model given as a dict (the parsed YAML)."""
    if not isinstance(raw, dict):
        raise ParameterError(f"{source}: a model is a mapping with stages, min_coverage, bands")
    unknown = set(raw) - {"stages", "min_coverage", "bands"}
    if unknown:
        raise ParameterError(f"{source}: unknown setting(s) {', '.join(sorted(unknown))}")
    cov = _number(raw.get("min_coverage", 0.5), "min_coverage", source)
    if not 0 < cov <= 1:
        raise ParameterError(f"{source}: min_coverage must be in (0, 1], got {cov:g}")
    bands = raw.get("bands", {"amber": 50, "green": 75})
    if not isinstance(bands, dict) or set(bands) != {"amber", "green"}:
        raise ParameterError(f"{source}: bands needs exactly amber and green thresholds")
    amber = _number(bands["amber"], "bands.amber", source)
    green = _number(bands["green"], "bands.green", source)
    if not 0 <= amber < green <= 100:
        raise ParameterError(f"{source}: bands must satisfy 0 <= amber < green <= 100 "
                             f"(amber {amber:g}, green {green:g})")
    raw_stages = raw.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        raise ParameterError(f"{source}: the model has no stages")
    stages, seen_stage, seen_kpi = [], set(), {}
    for rs in raw_stages:
        if not isinstance(rs, dict) or "name" not in rs:
            raise ParameterError(f"{source}: each stage needs a name (got {rs!r})")
        name = str(rs["name"])
        where = _where(source, name)
        if name in seen_stage:
            raise ParameterError(f"{where}: the stage appears twice")
        seen_stage.add(name)
        unknown = set(rs) - {"name", "weight", "kpis"}
        if unknown:
            raise ParameterError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
        weight = _number(rs.get("weight"), "weight", where)
        if weight <= 0:
            raise ParameterError(f"{where}: weight must be above 0, got {weight:g}")
        raw_kpis = rs.get("kpis")
        if not isinstance(raw_kpis, list) or not raw_kpis:
            raise ParameterError(f"{where}: the stage is empty (no KPIs)")
        kpis = []
        for rk in raw_kpis:
            k = _kpi(rk, name, source)
            if k.name in seen_kpi:
                raise ParameterError(f"{_where(source, name, k.name)}: the KPI is already in "
                                     f"stage '{seen_kpi[k.name]}'")
            seen_kpi[k.name] = name
            kpis.append(k)
        stages.append(Stage(name, weight, tuple(kpis)))
    return ChiModel(tuple(stages), cov, {"amber": amber, "green": green}, source)


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

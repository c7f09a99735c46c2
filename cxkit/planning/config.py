"""The planning configuration (``params/planning.yaml``), declared and checked on load.

The settings are pydantic models (:mod:`cxkit.settings`): types, bounds, defaults and
the objective rules are declared once here. Every problem is reported with the
setting's path (``lenses[2].value``, ``objectives.rules[1].rule``), so a consultant
editing the YAML can find it.

Examples
--------
>>> from cxkit.planning import load_config
>>> cfg = load_config()
>>> cfg.key_weight.frequency["weekly"], [lens.name for lens in cfg.lenses][:1]
(1.0, ['Project delivery'])
>>> cfg.objectives.rules[0]
LensLower(rule='lens_lower', below=85.0, gain_points=10.0, owner=None, per_account=1)
"""
from __future__ import annotations

import os
from typing import Union

from pydantic import PrivateAttr, field_validator, model_validator

from ..yamlfile import read_yaml_mapping
from ..paths import resolve
from ..settings import Annotated, Field, Literal, Settings, between

Share = Annotated[float, between(0, 1)]
Percent = Annotated[float, between(0, 100)]
Positive = Annotated[float, Field(gt=0)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


class KeyWeight(Settings):
    """How long and how often a customer experiences us (``key_weight``)."""

    tenure_cap_years: Positive = 5.0
    tenure_floor: Share = 0.2
    frequency: Annotated[dict[str, Annotated[float, Field(gt=0, le=1)]],
                         Field(min_length=1)] = {"weekly": 1.0, "monthly": 0.6,
                                                 "quarterly": 0.3}


class Credibility(Settings):
    """How far a small account's scores are pulled toward its group (``credibility``)."""

    prior_strength: float | str = "auto"
    group: str = "segment"

    @field_validator("prior_strength")
    @classmethod
    def _auto_or_number(cls, value):
        if value == "auto" or (isinstance(value, float) and value >= 0):
            return value
        got = f"{value:g}" if isinstance(value, float) else repr(value)
        raise ValueError(f"must be 'auto' or a number at least 0, got {got}")


class ScoreBands(Settings):
    """Where a % score turns amber and green (``score_bands``)."""

    amber: Percent = 70.0
    green: Percent = 85.0

    @model_validator(mode="after")
    def _order(self):
        if self.amber >= self.green:
            raise ValueError(f"amber ({self.amber:g}) must be below green ({self.green:g})")
        return self


class Lens(Settings):
    """A cross-tab lens: a value question against an obstacle question."""

    name: str
    value: str
    obstacle: str
    owner: str = "account_manager"

    @field_validator("name", "value", "obstacle")
    @classmethod
    def _filled(cls, value):
        return _not_blank(value)

    @model_validator(mode="after")
    def _two_questions(self):
        if self.value == self.obstacle:
            raise ValueError(f"value and obstacle are the same question {self.value!r}")
        return self


class Advocacy(Settings):
    """The advocacy ladder (``advocacy``)."""

    satisfied_from: float | None = None  # None: from the recommend question's scale


class LensLower(Settings):
    """An objective to raise the lower side of a lens that scores below ``below`` %."""

    rule: Literal["lens_lower"]
    below: Percent = 85.0
    gain_points: Percent = 10.0
    owner: str | None = None  # None: the lens's owner
    per_account: Annotated[int, Field(ge=1)] = 1


class Engagement(Settings):
    """An objective to contact accounts more often, up to ``target``."""

    rule: Literal["engagement"]
    target: str
    segments: list[str] | None = None  # None: every segment
    owner: str = "account_manager"


class AdvocacyPlay(Settings):
    """An objective to turn a reference account into an advocate."""

    rule: Literal["advocacy_play"]
    target: Percent = 50.0  # % of respondents recommending unprompted
    owner: str = "account_manager"


class ChiFalling(Settings):
    """A recovery plan for an account whose CHI fell ``periods`` periods in a row."""

    rule: Literal["chi_falling"]
    periods: Annotated[int, Field(ge=1)] = 2
    gain_points: Percent = 10.0  # target: back to before the fall, at most this far up
    owner: str = "account_manager"


class Coverage(Settings):
    """An objective to hear from each of ``roles``."""

    rule: Literal["coverage"]
    roles: list[str]
    owner: str = "account_manager"


Rule = Annotated[Union[LensLower, Engagement, AdvocacyPlay, ChiFalling, Coverage],
                 Field(discriminator="rule")]


class Objectives(Settings):
    """The objective rules and when objectives fall due (``objectives``)."""

    horizon_months: Annotated[int, Field(gt=0)] = 6
    rules: list[Rule] = []


class PlanningConfig(Settings):
    """The planning configuration, with every default filled in.

    Attributes mirror ``params/planning.yaml``: ``key_weight``, ``credibility``,
    ``scale_max`` and ``scale_min`` (empty: the data's scale, :meth:`for_data`), ``window_months``, ``flag_points``, ``min_count``, ``score_bands``, ``lenses``,
    ``advocacy``, ``objectives``; ``source`` is the file it was read from.
    """

    key_weight: KeyWeight = KeyWeight()
    credibility: Credibility = Credibility()
    scale_max: Positive | None = None  # None: the ratings' scale, as the data declares it
    scale_min: float | None = None
    window_months: Annotated[int, Field(gt=0)] = 12
    flag_points: Annotated[float, Field(ge=0)] = 5.0
    min_count: Annotated[int, Field(ge=2)] = 5
    score_bands: ScoreBands = ScoreBands()
    lenses: list[Lens] = []
    advocacy: Advocacy = Advocacy()
    objectives: Objectives = Objectives()
    _source: str = PrivateAttr("the planning configuration")
    tags = ("rule",)  # objectives.rules[i] is a union tagged by its rule

    @model_validator(mode="after")
    def _lens_names_once(self):
        seen = set()
        for i, lens in enumerate(self.lenses):
            if lens.name in seen:
                raise ValueError(f"lenses[{i}].name: {lens.name!r} is used twice")
            seen.add(lens.name)
        return self

    @property
    def source(self) -> str:
        """The file the configuration was read from."""
        return self._source

    def for_data(self, responses) -> "PlanningConfig":
        """The configuration with the rating scale filled in from the data.

        ``scale_min`` and ``scale_max`` become the lens questions' scale as the data folder
        declares it (0–10 unless ``cxkit.yaml`` says otherwise); ``advocacy.satisfied_from``
        becomes 7 on a 0–10 or 1–10 recommend question (every answer but a detractor's),
        else its top two boxes. Values the configuration gives are kept, and checked
        against the data's scale.

        Raises
        ------
        ParameterError
            Where a given value clashes with the declared scale, naming the file.
        """
        from ..errors import ParameterError
        from ..io.datamodel import rating_scale

        questions = sorted({getattr(lens, s) for lens in self.lenses
                            for s in ("value", "obstacle")} & set(responses.columns))
        scales = {rating_scale(responses, q) for q in questions}
        if len(scales) > 1:
            raise ParameterError(f"{self.source}: the lens questions are on different scales "
                                 f"({', '.join(sorted(map(str, scales)))}); a % score "
                                 "compares them on one")
        scale = scales.pop() if scales else rating_scale(responses, "ltr")
        if self.scale_max is not None and self.scale_max != scale.high and questions:
            raise ParameterError(f"{self.source}: scale_max is {self.scale_max:g}, but the data "
                                 f"folder reads the ratings on the {scale} scale; remove "
                                 "scale_max (it follows the data)")
        ltr = rating_scale(responses, "ltr")
        satisfied = self.advocacy.satisfied_from
        if satisfied is None:
            satisfied = 7.0 if ltr.allows_nps else float(ltr.top_two[0])
        elif not ltr.low <= satisfied <= ltr.high:
            raise ParameterError(f"{self.source}: advocacy.satisfied_from is {satisfied:g}, "
                                 f"outside the {ltr} scale of the recommend question")
        out = self.model_copy(update={
            "scale_max": float(self.scale_max if self.scale_max is not None else scale.high),
            "scale_min": float(self.scale_min if self.scale_min is not None else scale.low),
            "advocacy": self.advocacy.model_copy(update={"satisfied_from": float(satisfied)})})
        out._source = self.source
        return out

    def pct(self, mean):
        """A mean rating as a % score: (mean − scale_min) / (scale_max − scale_min) × 100
        (after :meth:`for_data`; 0–10 before)."""
        low = 0.0 if self.scale_min is None else self.scale_min
        high = 10.0 if self.scale_max is None else self.scale_max
        return (mean - low) / (high - low) * 100


def check_config(raw: dict | PlanningConfig, source: str = "<planning>") -> PlanningConfig:
    """Validate a planning configuration (a mapping) and fill in the defaults.

    Raises
    ------
    ParameterError
        Naming the file and the setting's path.

    Examples
    --------
    >>> check_config({"key_weight": {"tenure_floor": 1.5}, "colour": "red"}, "planning.yaml")
    Traceback (most recent call last):
    cxkit.errors.ParameterError: planning.yaml: unknown setting 'colour' (known: key_weight, credibility, scale_max, scale_min, window_months, flag_points, min_count, score_bands, lenses, advocacy, objectives)
    >>> check_config({"objectives": {"rules": [{"rule": "coverage"}]}}, "planning.yaml")
    Traceback (most recent call last):
    cxkit.errors.ParameterError: planning.yaml: objectives.rules[0]: rule 'coverage' needs 'roles'
    """
    if isinstance(raw, PlanningConfig):
        return raw
    cfg = PlanningConfig.parse(raw, source)
    cfg._source = source
    return cfg


def load_config(path: str | os.PathLike = "params/planning.yaml") -> PlanningConfig:
    """Read and check the planning configuration (relative paths from the project root)."""
    raw = read_yaml_mapping(resolve(path), "planning configuration", str(path))
    return check_config(raw, str(path))

"""Settings declared as pydantic models, with errors a consultant can act on.

The YAML files a consultant edits (the health-index model, the planning rules, the KPI
definitions) and the settings of the analyses are declared as subclasses of
:class:`Settings`: pydantic checks types, required keys, bounds and choices, and the
few rules pydantic cannot say (min below max, a KPI in one stage only) are validators
on the model. :func:`Settings.parse` turns pydantic's errors into one
:class:`~cxkit.errors.ParameterError` that names the file, the place in it and the
offending value, one problem per line.

Conventions (pydantic's strict mode): nothing is converted, so ``"3"`` is not a number
and ``true`` is not 1; a whole number is accepted where a decimal is declared. Unknown
keys are refused with the list of the known ones.

Examples
--------
>>> class Band(Settings):
...     amber: Annotated[float, Field(ge=0)] = 50
...     colour: Literal["red", "green"] = "red"
>>> Band.parse({"amber": 60}).amber
60.0
>>> Band.parse({"amber": -1, "colour": "blue"}, "bands.yaml")
Traceback (most recent call last):
cxkit.errors.ParameterError: bands.yaml: amber: must be at least 0, got -1
bands.yaml: colour: must be one of red, green, not 'blue'
>>> Band.parse({"amber": 60, "colour_": "red"}, "bands.yaml")
Traceback (most recent call last):
cxkit.errors.ParameterError: bands.yaml: unknown setting 'colour_' (known: amber, colour)
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Callable, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, \
    model_validator

from .errors import ParameterError

__all__ = ["Settings", "Options", "between", "child", "dotted", "Annotated", "Field", "Literal",
           "BOUNDS", "out_of_bounds"]

#: the range of each number a notebook takes, by parameter name (a parameter means the same
#: in every notebook that declares it): ``(lowest, highest, what it counts)``; the lowest
#: is excluded where a rate of 0 means nothing (a discount rate, a confidence level)
BOUNDS: dict[str, tuple[float, float, str]] = {
    "company_wide": (0, 1, "a share"), "top": (1, 10_000, "rows"),
    "trend_threshold": (0, 100, "CHI points"), "n_boot": (0, 100_000, "resamples"),
    "random_state": (0, 2**32 - 1, "a seed"), "margin": (0, 1, "a share of revenue"),
    "discount_rate": (0, 1, "a rate a year"), "followup_days": (0, 3650, "days"),
    "confidence": (0, 1, "a level"), "top_n": (1, 100, "drivers"),
    "comments": (0, 1000, "comments"), "n_rules": (1, 50, "rules"), "max_depth": (1, 10,
                                                                          "conditions")}
_OPEN_LOW = ("discount_rate", "confidence")  # above the lowest, not at it
_OPEN_HIGH = ("confidence",)


def out_of_bounds(name: str, value) -> str:
    """Why ``value`` is outside parameter ``name``'s range (:data:`BOUNDS`), or ``""``.

    >>> out_of_bounds("followup_days", 1_000_000)
    'is 1,000,000; it must be from 0 to 3650 (days)'
    >>> out_of_bounds("discount_rate", 1e308), out_of_bounds("discount_rate", 0.1)
    ('is 1e+308; it must be above 0 and at most 1 (a rate a year)', '')
    """
    if name not in BOUNDS or isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    low, high, unit = BOUNDS[name]
    above = value > low if name in _OPEN_LOW else value >= low
    below = value < high if name in _OPEN_HIGH else value <= high
    if above and below:  # NaN fails both
        return ""
    lo = f"above {low:g}" if name in _OPEN_LOW else f"from {low:g}"
    hi = (f"below {high:g}" if name in _OPEN_HIGH else
          f"at most {high:g}" if name in _OPEN_LOW else f"to {high:g}")
    joined = f"{lo} and {hi}" if name in _OPEN_LOW else f"{lo} {hi}"
    shown = f"{value:,}" if isinstance(value, int) else f"{value:g}"
    return f"is {shown}; it must be {joined} ({unit})"


class Settings(BaseModel):
    """Base of every declared setting: strict, frozen, unknown keys refused by name.

    Subclasses may override :meth:`locate` to say where a problem is in their own terms
    (``stage 'support', KPI 'csat'`` rather than ``stages[0].kpis[0]``).
    """

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")
    #: keys that tag a union of models inside this one (``rule`` of an objective rule):
    #: pydantic puts the tag in an error's place, and the message says it instead
    tags: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _known_settings(cls, data):
        if isinstance(data, dict):
            unknown = [k for k in data if k not in cls.model_fields]
            if unknown:
                raise ValueError(f"unknown setting {unknown[0]!r} (known: "
                                 f"{', '.join(cls.model_fields)})")
        return data

    @classmethod
    def parse(cls, raw: Any, source: str = ""):
        """Validate ``raw`` (the parsed YAML); a :class:`ParameterError` naming ``source``."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise ParameterError(describe(exc, raw, source, cls)) from None

    @classmethod
    def locate(cls, steps: list, raw: Any, source: str) -> tuple[str, str]:
        """Where a problem is: ``(place, field)``; the message reads ``place: field text``.

        ``steps`` is the path into ``raw`` (keys and list positions). The default names
        the whole path as the place: ``planning.yaml: lenses[1].value``.
        """
        return ": ".join(p for p in (source, dotted(steps)) if p), ""


class Options(Settings):
    """Settings given in code, as keyword arguments (an analysis's settings, or
    ``Definitions(lost="revenue")``): a problem reads ``lost must be one of ...``.

    The constructor raises :class:`ParameterError` rather than pydantic's error. Never
    nest an ``Options`` in another model: pydantic calls a custom ``__init__`` for it and
    the place of a problem would be lost.
    """

    def __init__(self, /, **data):
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ParameterError(describe(exc, data, "", type(self))) from None

    @classmethod
    def locate(cls, steps: list, raw: Any, source: str) -> tuple[str, str]:
        """The setting's name starts the sentence: ``margin must be between 0 and 1``."""
        return source, dotted(steps)


def dotted(steps: list) -> str:
    """``["lenses", 1, "value"]`` as ``lenses[1].value``."""
    out = ""
    for s in steps:
        out += f"[{s}]" if isinstance(s, int) else (f".{s}" if out else str(s))
    return out


def child(value: Any, step) -> Any:
    """``value[step]`` for a key of a mapping or a position in a list, else None."""
    if isinstance(value, dict):
        return value.get(step)
    if isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
        return value[step]
    return None


def between(low: float, high: float) -> Callable:
    """A validator: the number must lie in [low, high] (one message for both bounds)."""
    def check(value):
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}, got {value:g}")
        return value
    return AfterValidator(check)


# --------------------------------------------------------------------------- messages
def _words(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected) or [expected]


_TYPES = {"float_type": "a number", "int_type": "a whole number", "int_from_float":
          "a whole number", "bool_type": "true or false", "string_type": "text",
          "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type":
          "a mapping", "list_type": "a list", "tuple_type": "a list", "finite_number":
          "a finite number"}
_BOUNDS = {"greater_than": ("gt", "above"), "greater_than_equal": ("ge", "at least"),
           "less_than": ("lt", "below"), "less_than_equal": ("le", "at most")}


def _text(err: dict) -> str:
    kind, ctx, got = err["type"], err.get("ctx") or {}, err.get("input")
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"])).removeprefix("Assertion failed, ")
    if kind in _TYPES:
        return f"must be {_TYPES[kind]}, got {got!r}"
    if kind in _BOUNDS:
        key, word = _BOUNDS[kind]
        return f"must be {word} {ctx[key]:g}, got {got!r}"
    if kind == "literal_error":
        return f"must be one of {', '.join(_words(ctx['expected']))}, not {got!r}"
    if kind == "too_short":
        return f"must have at least {ctx['min_length']} item(s), got {ctx['actual_length']}"
    if kind == "too_long":
        return f"must have at most {ctx['max_length']} item(s), got {ctx['actual_length']}"
    if kind == "union_tag_not_found":
        return f"needs {_words(ctx['discriminator'])[0]!r}"
    if kind == "union_tag_invalid":
        return (f"unknown {_words(ctx['discriminator'])[0]} {ctx['tag']!r} (known: "
                f"{', '.join(_words(ctx['expected_tags']))})")
    return err["msg"]


def _walk(loc: tuple, raw: Any, tags=()) -> tuple[list, str]:
    """The steps of ``loc`` that are in ``raw`` (a tagged union's tag is not) and the tag
    sentence (``rule 'engagement'``) if one was skipped."""
    steps, here, tag = [], raw, ""
    for part in loc:
        if isinstance(here, dict) and part in here:
            steps.append(part)
            here = here[part]
        elif isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here):
            steps.append(part)
            here = here[part]
        elif isinstance(here, dict) and any(here.get(k) == part for k in tags):
            key = next(k for k in tags if here.get(k) == part)  # a tagged union's tag
            tag = f"{key} {part!r} "
        else:
            steps.append(part)
            here = None
    return steps, tag


def describe(exc: ValidationError, raw: Any, source: str, model: type) -> str:
    """pydantic's errors as lines of ``place: field text`` (placed by ``model.locate``)."""
    lines = []
    for err in exc.errors():
        steps, tag = _walk(err["loc"], raw, model.tags)
        if err["type"] == "missing":
            name, steps = steps[-1], steps[:-1]
            text = f"{tag}needs {name!r}"
        elif err["type"] == "union_tag_invalid":
            text = _text(err)
            steps = steps + _words(err["ctx"]["discriminator"])[:1]
        else:
            text = _text(err)
        place, field = model.locate(steps, raw, source)
        line = f"{field} {text}" if field else text
        lines.append(f"{place}: {line}" if place else line)
    return "\n".join(dict.fromkeys(lines))

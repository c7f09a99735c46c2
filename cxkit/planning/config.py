"""The planning configuration (``params/planning.yaml``), checked on load.

Every problem is reported with the setting's path (``lenses[2].value``,
``objectives.rules[1].rule``), so a consultant editing the YAML can find it.

Examples
--------
>>> from cxkit.planning import load_config
>>> cfg = load_config()
>>> cfg["key_weight"]["frequency"]["weekly"], [l["name"] for l in cfg["lenses"]][:1]
(1.0, ['Project delivery'])
"""
from __future__ import annotations

import copy
import os

from ..errors import ParameterError
from ..params import read_yaml_mapping
from ..paths import resolve

DEFAULTS = {
    "key_weight": {"tenure_cap_years": 5.0, "tenure_floor": 0.2,
                   "frequency": {"weekly": 1.0, "monthly": 0.6, "quarterly": 0.3}},
    "credibility": {"prior_strength": "auto", "group": "segment"},
    "scale_max": 10.0,
    "window_months": 12,
    "flag_points": 5.0,
    "score_bands": {"amber": 70.0, "green": 85.0},
    "lenses": [],
    "advocacy": {"satisfied_from": 7.0},
    "objectives": {"horizon_months": 6, "rules": []},
}
RULES = {
    # rule: (allowed keys, required keys)
    "lens_lower": ({"below", "gain_points", "owner", "per_account"}, set()),
    "engagement": ({"segments", "target", "owner"}, {"target"}),
    "advocacy_play": ({"owner"}, set()),
    "chi_falling": ({"periods", "owner"}, set()),
    "coverage": ({"roles", "owner"}, {"roles"}),
}


def _number(value, where, low=None, high=None, above=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{where}: expected a number, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high) or \
            (above is not None and value <= above):
        bounds = (f"above {above:g}" if above is not None else
                  f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}")
        raise ParameterError(f"{where}: must be {bounds}, got {value!r}")
    return float(value)


def _merge(raw: dict, defaults: dict, where: str) -> dict:
    out = copy.deepcopy(defaults)
    for key, value in raw.items():
        if key not in defaults:
            raise ParameterError(f"{where}: unknown setting {key!r} (known: "
                                 f"{', '.join(defaults)})")
        if isinstance(defaults[key], dict) and key not in ("frequency",):
            if not isinstance(value, dict):
                raise ParameterError(f"{where}{key}: expected a mapping")
            out[key] = _merge(value, defaults[key], f"{where}{key}.")
        else:
            out[key] = value
    return out


def check_config(raw: dict, source: str = "<planning>") -> dict:
    """Validate a planning configuration (a mapping) and fill in the defaults.

    Raises
    ------
    ParameterError
        Naming the file and the setting's path.
    """
    cfg = _merge(raw, DEFAULTS, f"{source}: ")
    w = f"{source}: "
    kw = cfg["key_weight"]
    _number(kw["tenure_cap_years"], w + "key_weight.tenure_cap_years", above=0)
    _number(kw["tenure_floor"], w + "key_weight.tenure_floor", 0, 1)
    if not isinstance(kw["frequency"], dict) or not kw["frequency"]:
        raise ParameterError(w + "key_weight.frequency: expected a mapping of frequency to "
                             "factor")
    for name, factor in kw["frequency"].items():
        _number(factor, f"{w}key_weight.frequency.{name}", above=0)
        if factor > 1:
            raise ParameterError(f"{w}key_weight.frequency.{name}: must be at most 1, got "
                                 f"{factor!r}")
    ps = cfg["credibility"]["prior_strength"]
    if ps != "auto":
        _number(ps, w + "credibility.prior_strength", low=0)
    _number(cfg["scale_max"], w + "scale_max", above=0)
    _number(cfg["window_months"], w + "window_months", above=0)
    _number(cfg["flag_points"], w + "flag_points", low=0)
    sb = cfg["score_bands"]
    _number(sb["amber"], w + "score_bands.amber", 0, 100)
    _number(sb["green"], w + "score_bands.green", 0, 100)
    if sb["amber"] >= sb["green"]:
        raise ParameterError(f"{w}score_bands: amber ({sb['amber']:g}) must be below green "
                             f"({sb['green']:g})")
    _number(cfg["advocacy"]["satisfied_from"], w + "advocacy.satisfied_from", low=0)
    if not isinstance(cfg["lenses"], list):
        raise ParameterError(w + "lenses: expected a list of lenses")
    names = set()
    for i, lens in enumerate(cfg["lenses"]):
        where = f"{w}lenses[{i}]"
        if not isinstance(lens, dict):
            raise ParameterError(f"{where}: expected a mapping with name, value, obstacle")
        unknown = set(lens) - {"name", "value", "obstacle", "owner"}
        if unknown:
            raise ParameterError(f"{where}: unknown setting {sorted(unknown)[0]!r}")
        for key in ("name", "value", "obstacle"):
            if not isinstance(lens.get(key), str) or not lens[key].strip():
                raise ParameterError(f"{where}.{key}: missing")
        if lens["value"] == lens["obstacle"]:
            raise ParameterError(f"{where}: value and obstacle are the same question "
                                 f"{lens['value']!r}")
        if lens["name"] in names:
            raise ParameterError(f"{where}.name: {lens['name']!r} is used twice")
        names.add(lens["name"])
        lens.setdefault("owner", "account_manager")
    obj = cfg["objectives"]
    _number(obj["horizon_months"], w + "objectives.horizon_months", above=0)
    if not isinstance(obj["rules"], list):
        raise ParameterError(w + "objectives.rules: expected a list of rules")
    for i, rule in enumerate(obj["rules"]):
        where = f"{w}objectives.rules[{i}]"
        if not isinstance(rule, dict) or rule.get("rule") not in RULES:
            got = rule.get("rule") if isinstance(rule, dict) else rule
            raise ParameterError(f"{where}.rule: unknown rule {got!r} (known: "
                                 f"{', '.join(RULES)})")
        allowed, required = RULES[rule["rule"]]
        unknown = set(rule) - allowed - {"rule"}
        if unknown:
            raise ParameterError(f"{where}: unknown setting {sorted(unknown)[0]!r} for rule "
                                 f"{rule['rule']!r}")
        missing = required - set(rule)
        if missing:
            raise ParameterError(f"{where}: rule {rule['rule']!r} needs {sorted(missing)[0]!r}")
        for key in ("below", "gain_points"):
            if key in rule:
                _number(rule[key], f"{where}.{key}", 0, 100)
        if "per_account" in rule:
            _number(rule["per_account"], f"{where}.per_account", low=1)
        if "periods" in rule:
            _number(rule["periods"], f"{where}.periods", low=1)
    cfg["source"] = source
    return cfg


def load_config(path: str | os.PathLike = "params/planning.yaml") -> dict:
    """Read and check the planning configuration (relative paths from the project root)."""
    raw = read_yaml_mapping(resolve(path), "planning configuration", str(path))
    return check_config(raw, str(path))

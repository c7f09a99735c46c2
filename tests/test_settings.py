"""Declared settings (cxkit.settings): pydantic's checks, told in cxkit's words."""
import re

import pytest

from cxkit.customer_math import CustomerMath, Definitions
from cxkit.errors import ParameterError
from cxkit.planning import check_config
from cxkit.prospects import BestDefinition, ProspectProfiler
from cxkit.settings import Annotated, Field, Literal, Options, Settings, between


class Inner(Settings):
    share: Annotated[float, between(0, 1)] = 0.5


class Outer(Settings):
    name: str
    inner: Inner = Inner()
    items: list[Inner] = []
    kind: Literal["a", "b", "c"] = "a"


def test_every_problem_is_one_line_with_its_place():
    raw = {"inner": {"share": 2}, "items": [{"share": 0.1}, {"share": "x"}], "kind": "d"}
    with pytest.raises(ParameterError) as err:
        Outer.parse(raw, "f.yaml")
    assert str(err.value).splitlines() == [
        "f.yaml: needs 'name'",
        "f.yaml: inner.share: must be between 0 and 1, got 2",
        "f.yaml: items[1].share: must be a number, got 'x'",
        "f.yaml: kind: must be one of a, b, c, not 'd'"]


def test_strict_types_and_unknown_keys():
    assert Outer.parse({"name": "n", "inner": {"share": 1}}).inner.share == 1.0  # int for float
    for bad, message in [({"name": 3}, "name: must be text, got 3"),
                         ({"name": "n", "inner": {"share": True}},
                          "inner.share: must be a number, got True"),
                         ({"name": "n", "inner": []}, "inner: must be a mapping, got []"),
                         ({"name": "n", "colour": 1},
                          "unknown setting 'colour' (known: name, inner, items, kind)"),
                         ("text", "must be a mapping, got 'text'")]:
        with pytest.raises(ParameterError, match=f"^{re.escape(message)}$"):
            Outer.parse(bad)


def test_settings_are_frozen():
    o = Outer.parse({"name": "n"})
    with pytest.raises(Exception):
        o.name = "m"


def test_options_name_the_setting_in_the_sentence():
    class Opts(Options):
        gap: Annotated[int, Field(ge=1)] = 1

    with pytest.raises(ParameterError, match="^gap must be at least 1, got 0$"):
        Opts(gap=0)
    with pytest.raises(ParameterError, match="^gap must be a whole number, got 1.5$"):
        Opts.parse({"gap": 1.5})


def test_a_tagged_rule_names_its_kind():
    with pytest.raises(ParameterError) as err:
        check_config({"objectives": {"rules": [{"rule": "chi_falling", "periods": 0},
                                               {"owner": "x"}, {"rule": "coverage"}]}}, "p.yaml")
    assert str(err.value).splitlines() == [
        "p.yaml: objectives.rules[0].periods: must be at least 1, got 0",
        "p.yaml: objectives.rules[1]: needs 'rule'",
        "p.yaml: objectives.rules[2]: rule 'coverage' needs 'roles'"]


def test_the_rules_defaults_are_declared():
    cfg = check_config({"objectives": {"rules": [{"rule": "lens_lower"},
                                                 {"rule": "chi_falling"}]}})
    lower, falling = cfg.objectives.rules
    assert (lower.below, lower.gain_points, lower.per_account, lower.owner) == (85, 10, 1, None)
    assert (falling.periods, falling.owner) == (2, "account_manager")
    assert cfg.window_months == 12 and cfg.key_weight.frequency["quarterly"] == 0.3


def test_analysis_settings_are_checked_at_fit(sample_dir):
    with pytest.raises(ParameterError) as err:
        CustomerMath(margin=1.5, discount_rate=0, followup_days=-1).fit({})
    assert str(err.value).splitlines() == ["margin must be between 0 and 1, got 1.5",
                                           "discount_rate must be above 0, got 0",
                                           "followup_days must be at least 0, got -1"]
    with pytest.raises(ParameterError, match="^folds must be at least 2, got 1$"):
        ProspectProfiler(folds=1).fit({})
    with pytest.raises(ParameterError, match="^min_leaf must be at most 0.5, got 0.6$"):
        ProspectProfiler(min_leaf=0.6).check_settings()


def test_code_built_settings_raise_parameter_errors():
    with pytest.raises(ParameterError, match="^reactivation_in_nrr must be true or false"):
        Definitions(reactivation_in_nrr="yes")
    assert BestDefinition({"chi": "green"}, "any").combine == "any"
    with pytest.raises(ParameterError, match="^best_combine must be all or any, not 'both'"):
        BestDefinition({"chi": "green"}, "both")


def test_a_value_that_looks_like_a_tag_is_not_one():
    # a lens called "value" missing its value question: the place is the lens, not a tag
    with pytest.raises(ParameterError, match=r"^p.yaml: lenses\[0\]: needs 'value'$"):
        check_config({"lenses": [{"name": "value", "obstacle": "b"}]}, "p.yaml")

"""Which ratings are drivers, and what the findings say of them, on survey data shaped
for the purpose: an outcome item among the ratings, a driver that goes against
recommendation once the others are held equal, a crowded priority matrix."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxkit.drivers import DriverAnalysis
from cxkit.drivers.choice import NAMED, choose_drivers
from cxkit.drivers.priority import AGAINST, performance, plot_priority_matrix, priority_matrix
from cxkit.io import load
from cxkit.present.findings import priority_sentence


def _survey(tmp_path, n=600, seed=3) -> dict:
    """Three drivers; ``overlap`` measures much what ``quality`` does, and once quality
    is held equal its own part lowers the rating (a suppressor): on its own it rises
    with recommending, in the model it goes against it."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(7, 1.5, n)
    overlap = quality + rng.normal(0, 0.7, n)
    speed = rng.normal(6.5, 1.5, n)
    ltr = 1.2 * quality - 0.6 * overlap + 0.5 * speed + rng.normal(0, 1.0, n) - 1.5
    clip = lambda v: np.clip(np.round(v), 0, 10).astype(int)  # noqa: E731
    frame = pd.DataFrame({"response_id": [f"R{i}" for i in range(n)],
                          "response_date": pd.Timestamp("2025-03-01")
                          + pd.to_timedelta(rng.integers(0, 200, n), "D"),
                          "ltr": clip(ltr), "quality": clip(quality), "overlap": clip(overlap),
                          "speed": clip(speed), "overall_satisfaction": clip(ltr + 0.3)})
    frame.to_csv(tmp_path / "responses.csv", index=False)
    return load(tmp_path, tables=["responses"])


def test_a_driver_correlating_above_0_8_is_kept_and_named():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 11, 400).astype(float)
    r = pd.DataFrame({"response_id": range(400), "ltr": y,
                      "advocacy_index": y, "would_praise": np.clip(y + rng.normal(0, 1, 400), 0, 10),
                      "delivery": rng.integers(0, 11, 400)})
    c = choose_drivers(r, "ltr")
    assert c.left_out["reason"].to_dict() == {"advocacy_index": NAMED}
    assert c.drivers == ["would_praise", "delivery"]
    independent = np.corrcoef(r["would_praise"], y)[0, 1]
    assert independent > 0.8 and c.outcome_like["r"].to_dict() == pytest.approx(
        {"would_praise": independent})
    assert any("'would_praise' correlates" in s and "probably another outcome measure" in s
               for s in c.sentences())
    named = choose_drivers(r, "ltr", ["advocacy_index", "delivery"])  # named: kept as named
    assert named.drivers == ["advocacy_index", "delivery"] and named.left_out.empty
    assert list(named.outcome_like.index) == ["advocacy_index"]


def test_a_driver_going_against_recommendation_is_said_once_and_never_fix_now(tmp_path):
    tables = _survey(tmp_path)
    a = DriverAnalysis(n_boot=50, random_state=2).fit(tables)
    assert a.choice_.left_out.index.tolist() == ["overall_satisfaction"]
    coef = a.model_.coef_.loc["overlap"]
    assert coef["ci_high"] < 0  # the model's interval is below zero
    assert list(a.against_.index) == ["overlap"] and a.against_.loc["overlap", "r"] > 0
    assert a.matrix_.loc["overlap", "quadrant"] == AGAINST
    assert a.directions()["overlap"] == "lowers" and a.directions()["quality"] == "raises"
    heads = " ".join(a.headlines())
    assert "Overlap rises with likelihood to recommend on its own, but goes against it" in heads
    assert "check the question wording" not in heads
    assert "overlap" not in a.key_results()["fix_now"]
    assert a.key_results()["goes_against"] == ["overlap"]


def test_a_negative_coefficient_within_noise_says_nothing(tmp_path):
    rng = np.random.default_rng(5)
    n = 300
    base = rng.normal(7, 1.5, n)
    frame = pd.DataFrame({"response_id": range(n), "response_date": "2025-05-01",
                          "ltr": np.clip(np.round(base + rng.normal(0, 1, n)), 0, 10),
                          "a": np.clip(np.round(base + rng.normal(0, 1, n)), 0, 10),
                          "b": np.clip(np.round(base + rng.normal(0, 1, n)), 0, 10),
                          "noise": rng.integers(0, 11, n)})
    frame.to_csv(tmp_path / "responses.csv", index=False)
    a = DriverAnalysis(n_boot=30, random_state=1).fit(load(tmp_path, tables=["responses"]))
    row = a.model_.coef_.loc["noise"]
    if row["coef"] < 0:  # whatever its sign, its interval spans zero
        assert row["ci_low"] < 0 < row["ci_high"]
    assert a.directions()["noise"] == "not clear" and a.against_.empty
    assert "goes against" not in " ".join(a.headlines())


def test_fix_now_is_said_in_words_that_survive_rounding():
    imp = pd.DataFrame({"importance": [0.3, 0.2, 0.1], "share": [0.5, 1 / 3, 1 / 6]},
                       index=pd.Index(["a", "b", "c"], name="driver"))
    # 'a' at 7.55 and the median 7.58 both show as 7.6: no "below the median of 7.6"
    data = pd.DataFrame({"a": [7.5, 7.6] * 5, "b": [7.58] * 10, "c": [8.0] * 10})
    m = priority_matrix(imp, performance(data, list("abc")))
    text = priority_sentence(m)
    assert text == (f"Fix now: a (rated {m.loc['a', 'performance']:.1f}): important, and "
                    "among the lower-rated half of the 3 drivers.")
    assert m.loc["a", "quadrant"] == "fix now"
    # an important driver rated low whose effect is not clear is left to monitor
    unclear = priority_matrix(imp, performance(data, list("abc")),
                              pd.Series({"a": "not clear", "b": "raises", "c": "raises"}))
    assert unclear.loc["a", "quadrant"] == "monitor"
    assert priority_sentence(unclear).startswith("No important driver")


def test_labels_of_a_crowded_priority_matrix_do_not_overlap():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rng = np.random.default_rng(4)
    names = [f"Q{i} A question as long as a survey tool prints it" for i in range(1, 20)]
    share = rng.dirichlet(np.ones(19))
    m = pd.DataFrame({"share": share, "performance": rng.normal(7.4, 0.15, 19)},
                     index=pd.Index(names, name="driver"))
    m["performance_ci_low"], m["performance_ci_high"] = m["performance"] - .1, m["performance"] + .1
    m["quadrant"] = "monitor"
    ax = plot_priority_matrix(m)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    marks = [t for t in ax.texts if t.get_text().isdigit()]
    assert sorted(int(t.get_text()) for t in marks) == list(range(1, 20))
    boxes = [t.get_window_extent(renderer) for t in marks]
    overlaps = [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                if boxes[i].overlaps(boxes[j])]
    assert overlaps == []
    key = next(t.get_text() for t in ax.texts if t.get_text().startswith("1  Q1"))
    assert all(f"{k}  Q{k} " in key for k in range(1, 20))  # every name, as written
    plt.close(fig)

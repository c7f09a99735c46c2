"""``cxkit init DIR``: a first ``cxkit.yaml`` for a folder of a client's exports.

It reads the headers and the values of every table file in the folder and writes what
it guesses, for the consultant to check line by line:

- which file is which table (by the file's name, else by its columns; a lone export is
  taken for the survey responses);
- the column mapping: the file's names that read as cxkit's (``Q1_LTR`` → ``ltr``,
  ``RespID`` → ``response_id``), each with why it was guessed;
- the scales from the ranges the ratings take (1–10, 1–7, 0–10...), and the codes that
  sit outside every plausible scale (−99, 999) as ``missing``;
- free-text columns as ``text``, other loyalty items (satisfaction, loyalty) as
  ``not_drivers``;
- ``date_format`` where a date column reads either way round.

It never overwrites a ``cxkit.yaml`` that is there.
"""
from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..paths import resolve
from .datamodel import name_words, names_outcome
from .dates import parse_dates
from .folder import CODE_LIKE, DESCRIPTION
from .folder import display as _display
from .schemas import TABLES
from .tables import SUFFIXES, read_raw

#: scales a rating may be on, most specific first (a 0–100 one is declared by hand: ages
#: and tenures in months take such ranges too)
SCALES = ((1, 5), (1, 7), (0, 10))
#: words in a column's name that say it is likelihood to recommend
RECOMMEND = ("recommend", "ltr", "nps", "promot")
TEXT_WORDS = ("comment", "verbatim", "open", "why", "reason", "text", "feedback", "remark")
#: cxkit's field -> words any of which, with "id" where it is an id, names it
FIELD_WORDS = {
    "response_id": (("resp", "response", "record", "submission", "interview"), True),
    "account_id": (("account", "company", "customer", "client", "org"), True),
    "contact_id": (("contact", "respondent", "person", "participant", "panelist"), True),
    "response_date": (("date", "submitted", "completed", "timestamp", "start", "end"), False),
}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).casefold()).strip("_")


@dataclass
class Guess:
    """What :func:`guess_table` made of one file."""

    table: str
    file: str
    why: str
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # own -> (cxkit, why)
    scales: dict[str, str] = field(default_factory=dict)  # own name or default -> "1-7"
    missing: list = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    not_drivers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    date_format: str = ""


def _table_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.name.lower().endswith(SUFFIXES)
                  and not p.name.startswith((".", "~$")))


def _table_of(path: Path, header: list[str], taken: set[str], only: bool) -> tuple[str, str]:
    """The table a file holds, and why that guess."""
    stem = _norm(path.name.split(".")[0])
    for name in TABLES:  # named after it, in any case or spelling of separators
        if stem == name or stem.rstrip("s") == name.rstrip("s"):
            return name, "named after it"
    best, score = "", 0.0
    cols = {_norm(c) for c in header}
    for name, spec in TABLES.items():
        if name in taken:
            continue
        required = [f.name for f in spec.fields if f.required]
        hits = sum(1 for r in required if r in cols)
        if required and hits / len(required) > score:
            best, score = name, hits / len(required)
    if score >= 0.5:
        return best, f"{score:.0%} of its required columns are there"
    words = set(name_words(path.name))
    if "responses" not in taken and (only or words & {"survey", "responses", "response",
                                                      "nps", "feedback", "export"}):
        return "responses", ("the only export in the folder, taken for the survey responses"
                             if only else "its name says survey")
    return "", "not one of cxkit's tables"


def _numbers(col: pd.Series) -> pd.Series:
    text = col.astype("string").str.strip()
    return pd.to_numeric(text.where(text.ne("")), errors="coerce")


def _scale_of(values: pd.Series) -> tuple[tuple[int, int] | None, list[float]]:
    """The scale a column of numbers looks like, and the codes outside it."""
    v = values.dropna()
    if v.empty or (v % 1 != 0).any():
        return None, []
    codes = sorted(set(v[v.isin(CODE_LIKE)]))
    rest = v[~v.isin(CODE_LIKE)]
    if rest.nunique() < 3:  # a flag or a code of two values is not a rating
        return None, []
    lo, hi = rest.min(), rest.max()
    for a, b in SCALES:  # the narrowest scale the values fit, with a value above the last
        if lo >= a and hi <= b and (b == 5 or hi > {7: 5, 10: 7}[b]):
            if (a, b) == (0, 10) and lo >= 1:
                a = 1  # no 0 given: read as 1-10 (for the consultant to check)
            return (a, b), [c for c in codes if not a <= c <= b]
    return None, []


def guess_table(path: Path, taken: set[str], only: bool) -> Guess | None:
    """Guess what one export holds (None where it is not a table cxkit reads)."""
    raw = read_raw(path)
    header = list(raw.columns)
    table, why = _table_of(path, header, taken, only)
    if not table:
        return None
    g = Guess(table, path.name, why)
    spec = TABLES[table]
    fields = [f.name for f in spec.fields]
    used: set[str] = set()
    # names that are cxkit's already, in another case or spelling
    for c in header:
        n = _norm(c)
        if n in fields and n not in used:
            if c != n:
                g.columns[c] = (n, "the same name")
            used.add(n)
    numbers = {c: _numbers(raw[c]) for c in header}
    numeric = {c for c in header
               if numbers[c].notna().sum() >= 0.9 * max(raw[c].notna().sum(), 1)
               and raw[c].notna().any()}
    scales = {c: _scale_of(numbers[c]) for c in numeric} if table == "responses" else {}
    ratings = [c for c in header if c in scales and scales[c][0] is not None]
    for f, (words, is_id) in FIELD_WORDS.items():
        if f not in fields or f in used:
            continue
        for c in header:
            if c in g.columns or _norm(c) in fields:
                continue
            w = set(name_words(c))
            name_hit = any(any(x.startswith(k) for x in w) for k in words)
            if name_hit and (not is_id or w & {"id", "no", "number", "key", "code"}):
                if f == "response_date" and c in numeric:
                    continue
                g.columns[c] = (f, f"its name reads as {f.replace('_', ' ')}")
                used.add(f)
                break
    if table == "responses":
        if "response_id" not in used:  # a bare "ID" of a survey export is the response's
            bare = [c for c in header if _norm(c) in ("id", "no", "nr") and c not in g.columns]
            if bare:
                g.columns[bare[0]] = ("response_id", "the export's id column")
                used.add("response_id")
        _guess_responses(g, raw, header, fields, used, numeric, ratings)
    # scales and codes of the ratings
    found = {}
    codes = set()
    for c in ratings:
        (a, b), cs = scales[c]
        found[c] = f"{a}-{b}"
        codes |= set(cs)
    if found:
        common = max(set(found.values()), key=list(found.values()).count)
        g.scales["default"] = common
        for c, s in found.items():
            if s != common:
                g.scales[c] = s
    g.missing = sorted(codes)
    # dates that read either way round
    for own, (target, _) in list(g.columns.items()) + [(c, (c, "")) for c in header]:
        spec_field = spec.field(target)
        if spec_field is None or spec_field.kind != "date" or own not in raw.columns:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            _, problems = parse_dates(raw[own])
        if any("either" in p.message or "day-first or month-first" in p.message
               for p in problems):
            g.date_format = "DD/MM/YYYY"
            g.notes.append(f"{own}: its dates read either way round (03/04/2024); "
                           "date_format says day first: change it to MM/DD/YYYY if the "
                           "export is American")
        break
    missing = [f.name for f in spec.fields if f.required and f.name not in used
               and f.name not in {t for t, _ in g.columns.values()} and f.derive is None
               and not (table == "responses" and f.name == "ltr")]  # said above
    if missing:
        g.notes.append("no column found for " + ", ".join(missing)
                       + ": map the file's own name to it under columns")
    return g


def _guess_responses(g: Guess, raw: pd.DataFrame, header, fields, used, numeric, ratings):
    if "ltr" not in used:
        for c in ratings:
            if any(any(w.startswith(k) for w in name_words(c)) for k in RECOMMEND):
                g.columns[c] = ("ltr", "its name says recommend")
                used.add("ltr")
                break
    ltr_own = next((c for c, (t, _) in g.columns.items() if t == "ltr"),
                   "ltr" if "ltr" in header else None)
    if ltr_own is None:
        g.notes.append("no likelihood-to-recommend question found: map it to ltr under "
                       "columns")
    for c in ratings:
        if c == ltr_own or c in g.columns:
            continue
        if names_outcome(c):
            g.not_drivers.append(c)
    comment_taken = "comment" in used
    for c in header:
        if c in numeric or c in g.columns or _norm(c) in fields:
            continue
        text = raw[c].dropna().astype(str)
        if text.empty:
            continue
        long = text.str.len().mean() > 25 or text.nunique() > 0.5 * len(text) > 20
        named = any(any(w.startswith(k) for w in name_words(c)) for k in TEXT_WORDS)
        if named and not comment_taken and long:
            g.columns[c] = ("comment", "free text whose name says comment")
            used.add("comment")
            comment_taken = True
        elif long or named:
            g.text.append(c)


def _q(name) -> str:
    """A name as YAML reads it back exactly (a JSON string is a YAML scalar)."""
    return json.dumps(str(name), ensure_ascii=False)


def _value(v) -> str:
    if isinstance(v, str):
        return _q(v)
    return f"{v:g}" if isinstance(v, float) else str(v)


def starter(data_dir: str | os.PathLike) -> tuple[str, list[Guess], list[str]]:
    """The text of a starter ``cxkit.yaml`` for a folder, the guesses, and the files it
    could not place."""
    folder = resolve(data_dir)
    if not folder.is_dir():
        raise DataError(f"{_display(folder)}: data folder not found")
    files = _table_files(folder)
    if not files:
        raise DataError(f"{_display(folder)}: no CSV, Parquet or Excel file in the folder")
    guesses, unplaced, taken = [], [], set()
    for path in files:
        g = guess_table(path, taken, only=len(files) == 1)
        if g is None:
            unplaced.append(path.name)
            continue
        taken.add(g.table)
        guesses.append(g)
    lines = [f"# How cxkit reads this folder: written by `cxkit init` from the files' headers",
             "# and values. Check every line, then run `cxkit validate` on the folder.",
             "tables:"]
    for g in guesses:
        lines.append(f"  {g.table}:")
        lines.append(f"    file: {_q(g.file)}  # {g.why}")
        if g.columns:
            lines.append("    columns:  # the file's name: cxkit's")
            for own, (target, why) in g.columns.items():
                lines.append(f"      {_q(own)}: {target}  # {why}")
        if g.scales:
            lines.append("    scale:  # from the range the ratings take")
            for c, s in g.scales.items():
                lines.append(f"      {_q(c) if c != 'default' else 'default'}: {s}")
        if g.missing:
            lines.append(f"    missing: [{', '.join(_value(v) for v in g.missing)}]  "
                         "# codes outside every plausible scale: no answer")
        if g.not_drivers:
            lines.append(f"    not_drivers: [{', '.join(_q(c) for c in g.not_drivers)}]  "
                         "# other loyalty items: outcomes, not drivers")
        if g.text:
            lines.append(f"    text: [{', '.join(_q(c) for c in g.text)}]  # free text")
        for note in g.notes:
            lines.append(f"    # check: {note}")
    formats = {g.date_format for g in guesses if g.date_format}
    if formats:
        lines.append(f"date_format: {formats.pop()}  # see the check lines above")
    for name in unplaced:
        lines.append(f"# {name}: not recognised as one of cxkit's tables; add it under "
                     "tables with its file: if it is one")
    return "\n".join(lines) + "\n", guesses, unplaced


def write_starter(data_dir: str | os.PathLike) -> tuple[Path, list[Guess], list[str]]:
    """Write the starter ``DIR/cxkit.yaml`` (atomically); never over an existing one."""
    folder = resolve(data_dir)
    target = folder / DESCRIPTION
    if target.exists():
        raise DataError(f"{_display(target)}: already there; cxkit init never overwrites it "
                        "(edit it, or remove it to start again)")
    text, guesses, unplaced = starter(folder)
    tmp = folder / f".{DESCRIPTION}.{os.getpid()}.tmp"
    try:
        tmp.write_text(text, encoding="utf-8")
        if target.exists():  # written meanwhile by someone else: keep theirs
            raise DataError(f"{_display(target)}: already there; cxkit init never "
                            "overwrites it")
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target, guesses, unplaced


__all__ = ["Guess", "guess_table", "starter", "write_starter"]

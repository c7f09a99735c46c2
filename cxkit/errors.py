"""Errors that cxkit raises for problems a user can fix.

Every cxkit error carries one clear message. In a notebook it is shown without a
Python traceback (IPython calls ``_render_traceback_``), and the command line
prints it on one line and exits non-zero.
"""
from __future__ import annotations

import unicodedata


def visible(text: str) -> str:
    """``text`` with control and format characters shown as escapes, for a terminal.

    Names and values from the data end up in messages; an ANSI escape sequence or a
    right-to-left override in a column header must be shown, not obeyed. Line breaks
    are kept (they separate problems).

    Examples
    --------
    >>> visible("col \\x1b[31mred\\x1b[0m\\tx\\u202e")
    'col \\\\x1b[31mred\\\\x1b[0m\\\\tx\\\\u202e'
    """
    text = str(text)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch == "\n" or ch.isprintable() or unicodedata.category(ch) == "Zs":
            out.append(ch)
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return "".join(out)


def listing(items, limit: int = 12) -> str:
    """The first ``limit`` items, joined, and how many more: ``"a, b and 3 more"``; a
    message names what there is without running on for a page.

    >>> listing(["a", "b", "c"], limit=2)
    'a, b and 1 more'
    """
    items = [str(i) for i in items]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


class CxkitError(Exception):
    """Base class: a problem with the user's input, parameters or set-up."""

    def _render_traceback_(self):  # IPython hook: show the message, not the stack
        return [visible(f"{type(self).__name__}: {self}")]


class DataError(CxkitError, ValueError):
    """An input table is missing, unreadable or breaks its schema."""


class ParameterError(CxkitError, ValueError):
    """A notebook parameter is unknown, of the wrong type or out of range."""


class RunError(CxkitError, RuntimeError):
    """A notebook run failed; the message names the cell and its error."""


class KernelDied(RunError):
    """A notebook's kernel died while it ran (killed by the system: out of memory is the
    usual cause); a batch runs the account again once."""


class NotFittedError(CxkitError, AttributeError):
    """An analysis was asked for results before ``fit(tables)`` ran."""


class CxkitWarning(UserWarning):
    """Something was done about a problem in the input (a driver left out, a matrix repaired).

    The same text is kept with the result (``notes``), so a report can show it.
    """

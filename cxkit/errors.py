"""Errors that cxkit raises for problems a user can fix.

Every cxkit error carries one clear message. In a notebook it is shown without a
Python traceback (IPython calls ``_render_traceback_``), and the command line
prints it on one line and exits non-zero.
"""
from __future__ import annotations


class CxkitError(Exception):
    """Base class: a problem with the user's input, parameters or set-up."""

    def _render_traceback_(self):  # IPython hook: show the message, not the stack
        return [f"{type(self).__name__}: {self}"]


class DataError(CxkitError, ValueError):
    """An input table is missing, unreadable or breaks its schema."""


class ParameterError(CxkitError, ValueError):
    """A notebook parameter is unknown, of the wrong type or out of range."""


class RunError(CxkitError, RuntimeError):
    """A notebook run failed; the message names the cell and its error."""


class CxkitWarning(UserWarning):
    """Something was done about a problem in the input (a driver left out, a matrix repaired).

    The same text is kept with the result (``notes``), so a report can show it.
    """

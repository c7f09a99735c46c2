"""Which tables each report needs and uses: declared once, for every notebook.

A notebook loads the tables its :class:`Report` names (``io.load(data_dir,
**reports.tables_of("driver_analysis"))``); ``cxkit validate DIR`` says per report
whether the folder can run it; ``cxkit run`` refuses a report whose required table is
missing before a kernel starts; the board pack gives each detailed report's analysis
the tables its notebook loads.

Examples
--------
>>> REPORTS["driver_analysis"].needs
('responses',)
>>> readiness({"responses", "revenue"})["customer_math"]
'needs accounts'
"""
from __future__ import annotations

from dataclasses import dataclass

from .io.schemas import OPTIONAL_TABLES, TABLES


@dataclass(frozen=True)
class Report:
    """A report (one notebook): the tables it cannot run without, and those it uses
    where the data folder has them."""

    name: str
    needs: tuple[str, ...]
    uses: tuple[str, ...] = ()

    def __post_init__(self):
        unknown = [t for t in (*self.needs, *self.uses) if t not in TABLES]
        if unknown:
            raise ValueError(f"{self.name}: unknown table(s) {unknown}")

    def missing(self, present) -> list[str]:
        """The tables it needs that are not in ``present``."""
        return [t for t in self.needs if t not in set(present)]


REPORTS: dict[str, Report] = {r.name: r for r in (
    Report("data_overview", ("responses",), ("accounts", "contacts", *OPTIONAL_TABLES)),
    Report("driver_analysis", ("responses",), ("accounts", "contacts", "revenue",
                                               "operations")),
    Report("chi_scorecard", ("accounts", "kpis"), ("contacts", "responses", "revenue",
                                                   "crm_opportunities")),
    Report("customer_math", ("accounts", "revenue"), ("lost_customers", "responses",
                                                      "contacts", "followups", "complaints",
                                                      "kpis")),
    Report("key_account_plan", ("accounts", "responses"), ("contacts", "revenue", "kpis")),
    Report("portfolio_plan", ("accounts", "responses"), ("contacts", "revenue", "kpis")),
    Report("prospect_profiling", ("accounts", "responses", "contacts"),
           ("prospects", "kpis", "revenue", "lost_customers")),
    Report("board_pack", ("accounts",), ("contacts", "responses", "revenue", "kpis",
                                         "operations", "lost_customers", "followups",
                                         "complaints", "prospects", "crm_opportunities")),
)}


def tables_of(report: str) -> dict[str, list[str]]:
    """The ``tables`` and ``optional`` arguments of :func:`cxkit.io.load` for a report."""
    r = REPORTS[report]
    return {"tables": list(r.needs), "optional": list(r.uses)}


def readiness(present) -> dict[str, str]:
    """Per report, ``"can run"`` or what it would need, for the tables ``present``."""
    out = {}
    for name, r in REPORTS.items():
        missing = r.missing(present)
        out[name] = "can run" if not missing else "needs " + " and ".join(missing)
    return out


def markdown() -> str:
    """The registry as a Markdown table (kept in docs/data-model.md)."""
    rows = ["| report | needs | uses where present |", "|---|---|---|"]
    for r in REPORTS.values():
        rows.append(f"| `{r.name}` | {', '.join(f'`{t}`' for t in r.needs)} | "
                    f"{', '.join(f'`{t}`' for t in r.uses) or '—'} |")
    return "\n".join(rows)


__all__ = ["Report", "REPORTS", "tables_of", "readiness", "markdown"]

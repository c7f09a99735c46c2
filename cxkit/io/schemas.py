"""The cxkit data model: one declarative spec per input table.

The specs are the single source of truth for the tables every notebook reads.
They build the pandera schemas that validate a table when it is loaded
(:func:`pandera_schema`), the referential checks between tables, and the column
tables in ``docs/data-model.md`` (:func:`markdown`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

# Field kinds and what they mean.
KINDS = {
    "id": "text identifier",
    "text": "free text",
    "category": "one of a fixed set (case and spaces are normalised)",
    "int": "whole number",
    "number": "number",
    "score": "rating on the 0–10 scale",
    "date": "date (ISO 8601 preferred, e.g. 2024-03-31)",
    "bool": "yes/no (true/false, yes/no, y/n, 1/0)",
    "period": "period label: 2024Q1 (quarter), 2024-03 (month) or 2024 (year)",
}

PERIOD_PATTERN = r"^\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?$"
ROLES = ("decision maker", "influencer", "user")
SEGMENTS = ("key", "growth", "standard")
FREQUENCIES = ("weekly", "monthly", "quarterly")
STATUSES = ("active", "lost")
SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True)
class Field:
    """One column of a table."""

    name: str
    kind: str
    doc: str
    required: bool = True
    nullable: bool = False
    unique: bool = False
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    parent: str | None = None  # "accounts.account_id": each value must exist there
    blank_is_missing: bool = True  # False where empty means something (an active account)
    derive: str | None = None  # where a file has no such column: "row" (the file's row
    #                            number) or the column it copies (each respondent its own account)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r} for field {self.name!r}")


@dataclass(frozen=True)
class RowRule:
    """A rule across columns; ``bad(df)`` returns a boolean mask of offending rows."""

    columns: tuple[str, ...]
    description: str
    bad: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class TableSpec:
    """The schema of one input table."""

    name: str
    doc: str
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()  # columns that together identify a row
    extra: str | None = None  # kind that every column not listed must have ("score", "number")
    extra_doc: str = ""
    required: bool = False  # must be present in every data folder
    rules: tuple[RowRule, ...] = field(default_factory=tuple)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def extra_columns(self, columns) -> list[str]:
        """Columns of a loaded table beyond the listed ones (drivers, measures)."""
        known = set(self.columns)
        return [c for c in columns if c not in known]


def _id(name, doc, **kw):
    return Field(name, "id", doc, **kw)


_ACCOUNT = dict(parent="accounts.account_id")

TABLES: dict[str, TableSpec] = {}


def _add(spec: TableSpec) -> None:
    TABLES[spec.name] = spec


_add(TableSpec(
    "accounts",
    "One row per customer account (the B2B customer company).",
    (
        _id("account_id", "Account identifier.", unique=True),
        Field("name", "text", "Account name."),
        Field("industry", "text", "Industry of the account."),
        Field("employees", "int", "Number of employees.", min=1),
        Field("region", "text", "Sales region."),
        Field("segment", "category", "Account segment.", values=SEGMENTS),
        Field("customer_since", "date", "Date the account became a customer."),
        Field("account_manager", "text", "Account manager who owns the relationship."),
        Field("project_manager", "text", "Project manager who delivers to the account.",
              required=False, nullable=True),
        Field("interaction_frequency", "category",
              "How often we are in contact with the account.", values=FREQUENCIES),
        Field("status", "category", "Whether the account is still a customer.", values=STATUSES),
        Field("lost_date", "date", "Date the account was lost; empty while active.", nullable=True,
              blank_is_missing=False),
    ),
    required=True,
    rules=(
        RowRule(("status", "lost_date"), "status 'lost' has no lost_date, or 'active' has one",
                lambda d: (d["status"].eq("lost") & d["lost_date"].isna())
                | (d["status"].eq("active") & d["lost_date"].notna())),
        RowRule(("customer_since", "lost_date"), "lost_date is before customer_since",
                lambda d: d["lost_date"].notna() & (d["lost_date"] < d["customer_since"])),
    ),
))

_add(TableSpec(
    "contacts",
    "Survey respondents: the people at each account who give feedback.",
    (
        _id("contact_id", "Contact identifier.", unique=True),
        _id("account_id", "Account the contact works for.", **_ACCOUNT),
        Field("role", "category", "Buying-influencer role.", values=ROLES),
    ),
    required=True,
))

_add(TableSpec(
    "responses",
    "Survey responses: one row per completed relationship survey.",
    (
        _id("response_id", "Response identifier; without it, the file's row number.",
            unique=True, derive="row"),
        _id("account_id", "Account of the respondent; without it, each respondent is its "
            "own account.", derive="response_id", **_ACCOUNT),
        _id("contact_id", "Respondent; without it, the response's own id.",
            parent="contacts.contact_id", derive="response_id"),
        Field("response_date", "date", "Date the survey was completed."),
        Field("ltr", "score", "Likelihood to recommend (the NPS question), 0–10 (or the "
              "scale `cxkit.yaml` declares); empty where the respondent did not answer it.",
              nullable=True),
        Field("prompted_advocacy", "bool",
              "Willing to act as a reference account when asked.", required=False, nullable=True),
        Field("unprompted_advocacy", "bool",
              "Has recommended us unasked in the last 12 months.", required=False, nullable=True),
        Field("comment", "text", "Free-text comment (customer's own words).",
              required=False, nullable=True, blank_is_missing=False),
    ),
    extra="score",
    extra_doc=("Every other column of numbers on the rating scale (0–10, or as `cxkit.yaml` "
               "declares) is a driver rating, empty where the respondent skipped the "
               "question, e.g. `product_quality`, `data_accuracy`, `pm_expertise`, "
               "`support_responsiveness`, `shipping_confidence`, `ease_of_doing_business`, "
               "`value_for_money`, `communication`. A column of text (open answers, "
               "names) is kept as text, and a column of other numbers (age, tenure in "
               "months) as numbers, not ratings; `cxkit.yaml` can say so for any column "
               "(`text`, `not_drivers`)."),
    required=True,
))

_add(TableSpec(
    "revenue",
    "Revenue per account and period.",
    (
        _id("account_id", "Account.", **_ACCOUNT),
        Field("period", "period", "Period the revenue was booked in."),
        Field("revenue", "number", "Revenue in the period, in the reporting currency, net of "
              "credit notes. A negative value (more credited than invoiced) is allowed: "
              "customer math counts the period as one without revenue and lists the credit; "
              "growth and revenue links skip it."),
    ),
    key=("account_id", "period"),
))

_add(TableSpec(
    "kpis",
    "Customer Health Index KPI observations, long format: one row per account, period and KPI.",
    (
        _id("account_id", "Account.", **_ACCOUNT),
        Field("period", "period", "Period observed."),
        Field("kpi", "text", "KPI name, as named in the health-index model."),
        Field("value", "number", "Raw (not normalised) KPI value."),
    ),
    key=("account_id", "period", "kpi"),
))

_add(TableSpec(
    "operations",
    "Operational measures a team can move, by account and period.",
    (
        _id("account_id", "Account.", **_ACCOUNT),
        Field("period", "period", "Period measured."),
    ),
    key=("account_id", "period"),
    extra="number",
    extra_doc=("Every other column is a numeric measure (empty where not measured), e.g. "
               "`on_time_shipment_pct`, `expedited_shipment_pct`, `ticket_resolution_hours`, "
               "`data_error_rate_pct`, `pm_meetings`."),
))

_add(TableSpec(
    "complaints",
    "Complaints logged against an account.",
    (
        _id("complaint_id", "Complaint identifier.", unique=True),
        _id("account_id", "Account.", **_ACCOUNT),
        Field("complaint_date", "date", "Date the complaint was logged."),
        Field("category", "text", "What the complaint was about."),
        Field("severity", "category", "Severity.", values=SEVERITIES, required=False),
        Field("resolution_days", "number", "Days to resolve; empty while open.",
              min=0, required=False, nullable=True, blank_is_missing=False),
    ),
))

_add(TableSpec(
    "lost_customers",
    "Accounts lost, with the primary reason from the departing-customer conversation.",
    (
        _id("account_id", "Account lost.", unique=True, **_ACCOUNT),
        Field("lost_date", "date", "Date the account was lost."),
        Field("primary_reason", "text", "Primary reason given in the departing-customer conversation."),
        Field("revenue_lost", "number", "Annual revenue lost with the account.",
              min=0, nullable=True),
    ),
))

_add(TableSpec(
    "followups",
    "Follow-ups of survey feedback (closing the loop): one row per call, visit or e-mail "
    "back to the customer.",
    (
        _id("followup_id", "Follow-up identifier.", unique=True),
        _id("account_id", "Account followed up.", **_ACCOUNT),
        _id("response_id", "Survey response followed up; empty where the follow-up was "
            "logged against the account only.", parent="responses.response_id",
            required=False, nullable=True, blank_is_missing=False),
        Field("followup_date", "date", "Date of the follow-up."),
        Field("outcome", "text", "What came of it (call held, issue fixed, no answer...).",
              required=False, nullable=True, blank_is_missing=False),
    ),
))

_add(TableSpec(
    "prospects",
    "Prospects to profile against the best customers.",
    (
        _id("prospect_id", "Prospect identifier.", unique=True),
        Field("name", "text", "Company name."),
        Field("industry", "text", "Industry; empty where unknown (scored on the rest).",
              nullable=True),
        Field("employees", "int", "Number of employees; empty where unknown.", min=1,
              nullable=True),
        Field("region", "text", "Region; empty where unknown.", nullable=True),
        Field("decision_makers", "int", "Known contacts in a decision-maker role.",
              min=0, required=False),
        Field("influencers", "int", "Known contacts in an influencer role.", min=0, required=False),
        Field("users", "int", "Known contacts in a user role.", min=0, required=False),
    ),
))

# ----------------------------------------------------------------- raw sources of the KPIs
_add(TableSpec(
    "web_events",
    "Raw export from marketing automation and web analytics: one row per event.",
    (
        _id("account_id", "Account the visitor or recipient belongs to.", **_ACCOUNT),
        Field("event_date", "date", "Date of the event."),
        Field("event_type", "text", "web_visit, newsletter_sent, newsletter_open, "
                                    "content_download, demo_request, pricing_page_view, "
                                    "event_attended, ..."),
    ),
))

_add(TableSpec(
    "crm_opportunities",
    "Raw CRM export: one row per sales opportunity.",
    (
        _id("opportunity_id", "Opportunity identifier.", unique=True),
        _id("account_id", "Account.", **_ACCOUNT),
        Field("created_date", "date", "Date the opportunity was opened."),
        Field("close_date", "date", "Date it was won or lost; empty while open.", nullable=True,
              blank_is_missing=False),
        Field("status", "category", "Outcome so far.", values=("open", "won", "lost")),
        Field("amount", "number", "Opportunity value.", min=0),
        Field("discount_pct", "number", "Discount granted, % (won deals).", min=0, max=100,
              required=False, nullable=True, blank_is_missing=False),
        Field("source", "text", "Lead source (referral, inbound, ...).", required=False,
              nullable=True),
    ),
    rules=(
        RowRule(("status", "close_date"), "a won or lost opportunity has no close_date",
                lambda d: d["status"].isin(["won", "lost"]) & d["close_date"].isna()),
        RowRule(("created_date", "close_date"), "close_date is before created_date",
                lambda d: d["close_date"] < d["created_date"]),
    ),
))

_add(TableSpec(
    "support_tickets",
    "Raw support-desk export: one row per ticket.",
    (
        _id("ticket_id", "Ticket identifier.", unique=True),
        _id("account_id", "Account.", **_ACCOUNT),
        Field("opened_at", "date", "Date and time the ticket was opened."),
        Field("first_response_at", "date", "Date and time of the first answer; empty if none yet.",
              nullable=True, blank_is_missing=False),
        Field("resolved_at", "date", "Date and time resolved; empty while open.", nullable=True,
              blank_is_missing=False),
        Field("category", "text", "Ticket category (onboarding, how-to, defect, billing, ...)."),
        Field("csat", "int", "Satisfaction rating 1–5 given on closing; empty if not rated.",
              min=1, max=5, required=False, nullable=True, blank_is_missing=False),
    ),
    rules=(
        RowRule(("opened_at", "first_response_at"), "first_response_at is before opened_at",
                lambda d: d["first_response_at"] < d["opened_at"]),
        RowRule(("opened_at", "resolved_at"), "resolved_at is before opened_at",
                lambda d: d["resolved_at"] < d["opened_at"]),
    ),
))

_add(TableSpec(
    "erp_invoices",
    "Raw ERP export: one row per invoice.",
    (
        _id("invoice_id", "Invoice identifier.", unique=True),
        _id("account_id", "Account invoiced.", **_ACCOUNT),
        Field("invoice_date", "date", "Invoice date."),
        Field("due_date", "date", "Payment due date."),
        Field("paid_date", "date", "Date paid; empty while unpaid.", nullable=True,
              blank_is_missing=False),
        Field("amount", "number", "Invoice amount.", min=0),
        Field("disputed", "bool", "Whether the customer disputed the invoice."),
    ),
    rules=(
        RowRule(("invoice_date", "due_date"), "due_date is before invoice_date",
                lambda d: d["due_date"] < d["invoice_date"]),
    ),
))

_add(TableSpec(
    "product_usage",
    "Raw product-analytics export: one row per account and month.",
    (
        _id("account_id", "Account.", **_ACCOUNT),
        Field("month", "period", "Month, e.g. 2024-03."),
        Field("licensed_users", "int", "Licensed users (seats).", min=0),
        Field("active_users", "int", "Users active in the month.", min=0),
        Field("logins", "int", "Logins in the month.", min=0),
        Field("features_used", "int", "Features used in the month.", min=0),
        Field("features_available", "int", "Features the account's plan includes.", min=1),
    ),
    key=("account_id", "month"),
    rules=(
        RowRule(("active_users", "licensed_users"), "active_users exceeds licensed_users",
                lambda d: d["active_users"] > d["licensed_users"]),
        RowRule(("features_used", "features_available"), "features_used exceeds features_available",
                lambda d: d["features_used"] > d["features_available"]),
    ),
))

REQUIRED_TABLES = tuple(n for n, s in TABLES.items() if s.required)
OPTIONAL_TABLES = tuple(n for n, s in TABLES.items() if not s.required)
RAW_SOURCE_TABLES = ("web_events", "crm_opportunities", "support_tickets", "erp_invoices",
                     "product_usage")


# --------------------------------------------------------------------------- pandera
_DTYPES = {
    "id": str, "text": str, "category": str, "period": str,
    "int": "Int64", "number": "float64", "score": "float64",
    "date": "datetime64[ns]", "bool": "boolean",
}


def _checks(f: Field) -> list[pa.Check]:
    import pandera.pandas as pa  # here, not at the top: importing it takes 0.4 s

    checks = []
    # a score's scale is the data folder's to declare: checked on reading (io.tables)
    if f.values:
        checks.append(pa.Check.isin(list(f.values), error=f"not one of {', '.join(f.values)}"))
    if f.kind == "period":
        checks.append(pa.Check.str_matches(PERIOD_PATTERN,
                                           error="not a period like 2024Q1, 2024-03 or 2024"))
    if f.min is not None:
        checks.append(pa.Check.ge(f.min, error=f"below the minimum {f.min:g}"))
    if f.max is not None:
        checks.append(pa.Check.le(f.max, error=f"above the maximum {f.max:g}"))
    return checks


def _column(f: Field) -> pa.Column:
    import pandera.pandas as pa

    # Empty text is not a value: an id or name that is blank counts as missing.
    return pa.Column(_DTYPES[f.kind], checks=_checks(f), nullable=f.nullable, unique=f.unique,
                     required=f.required, coerce=True, name=f.name)


def pandera_schema(spec: TableSpec, columns, extra_kinds=None) -> pa.DataFrameSchema:
    """Build the pandera schema of ``spec`` for a table with these ``columns``.

    Extra columns (driver ratings, measures) are typed by ``spec.extra``, or by
    ``extra_kinds`` (column to kind) where reading found them to be text or numbers.
    """
    import pandera.pandas as pa

    cols = {f.name: _column(f) for f in spec.fields}
    if spec.extra:
        for c in spec.extra_columns(columns):
            kind = (extra_kinds or {}).get(c, spec.extra)
            cols[c] = _column(Field(c, kind, "", nullable=True))
    return pa.DataFrameSchema(cols, unique=list(spec.key) or None, strict=False,
                              name=spec.name)


# --------------------------------------------------------------------------- docs
def markdown() -> str:
    """The column tables of the data model, as Markdown (kept in docs/data-model.md)."""
    out = ["Types: " + "; ".join(f"**{k}**: {v}" for k, v in KINDS.items()) + ".\n"]
    for spec in TABLES.values():
        need = "required in every data folder" if spec.required else "optional"
        out.append(f"### `{spec.name}` ({need})\n\n{spec.doc}\n")
        out.append("| column | type | required | empty allowed | rules | meaning |")
        out.append("|---|---|---|---|---|---|")
        for f in spec.fields:
            rules = []
            if f.unique:
                rules.append("unique")
            if f.values:
                rules.append(" / ".join(f.values))
            if f.min is not None:
                rules.append(f"≥ {f.min:g}")
            if f.max is not None:
                rules.append(f"≤ {f.max:g}")
            if f.kind == "score":
                rules.append("0–10 unless declared")
            if f.parent:
                rules.append(f"must exist in `{f.parent}`")
            out.append(f"| `{f.name}` | {f.kind} | {'yes' if f.required else 'no'} | "
                       f"{'yes' if f.nullable else 'no'} | {'; '.join(rules)} | {f.doc} |")
        if spec.key:
            out.append(f"\nEach ({', '.join(spec.key)}) appears once.")
        if spec.extra_doc:
            out.append(f"\n{spec.extra_doc}")
        for r in spec.rules:
            out.append(f"\nRejected: rows where {r.description}.")
        out.append("")
    return "\n".join(out)


__all__ = ["Field", "TableSpec", "RowRule", "TABLES", "REQUIRED_TABLES", "OPTIONAL_TABLES",
           "RAW_SOURCE_TABLES", "KINDS",
           "pandera_schema", "markdown"]

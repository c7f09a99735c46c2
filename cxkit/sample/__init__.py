"""The sample B2B portfolio with known truth (see :mod:`cxkit.sample.portfolio`).

- :mod:`cxkit.sample.portfolio` — accounts, contacts, responses, revenue, operations,
  complaints, lost customers, prospects, and the truth they are built on;
- :mod:`cxkit.sample.sources` — the raw source exports (CRM, ERP, support, product usage,
  marketing and web) and the health-index KPIs derived from them.
"""
from .portfolio import (AWKWARD, DEFAULT_ACCOUNTS, DEFAULT_SEED, DRIVERS, Portfolio, generate,
                        write)

__all__ = ["AWKWARD", "DEFAULT_ACCOUNTS", "DEFAULT_SEED", "DRIVERS", "Portfolio", "generate",
           "write"]

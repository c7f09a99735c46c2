"""The sample B2B portfolio with known truth (see :mod:`cxkit.sample.generator`).

- :mod:`cxkit.sample.generator` — accounts, contacts, responses, revenue, operations,
  complaints, lost customers, prospects, and the truth they are built on;
- :mod:`cxkit.sample.sources` — the raw source exports (CRM, ERP, support, product usage,
  marketing and web) and the health-index KPIs derived from them.
"""
from .generator import (AWKWARD, DEFAULT_ACCOUNTS, DEFAULT_SEED, DRIVERS, SampleData, generate,
                        write)

__all__ = ["AWKWARD", "DEFAULT_ACCOUNTS", "DEFAULT_SEED", "DRIVERS", "SampleData", "generate",
           "write"]

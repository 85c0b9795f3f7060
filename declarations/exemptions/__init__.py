"""Exemptions followed after the declaration (issue 9), one module per concern:

- ``claims``: what an article claims (keys of ``Article.attributes``), the franchise codes with
  conditions, the error they raise;
- ``checks``: registration — conditional franchise codes (2013 school supplies, 0040 FM6SS, 0164
  minimum duty of non-profit bodies, 2059 solar panel inputs), codes replaced by another
  (2006/2025 → 2015), quota codes (1086 fish feed), investment conventions, investment goods
  imported VAT-exempt, alcohol and the transitional clause of CDII art. 13 — every unmet
  condition reported at once, naming what is missing;
- ``duties``: the duties of an exempted article through the tariff engine — a quota split
  (two quotes merged), DI/VAT exemption of convention goods, VAT exemption of investment goods
  (the engine's ``TaxExemption``);
- ``plan``: liquidation — quota consumption under a row lock, the guarantees checked, the
  follow-up records (quota allocations, assets under the 60-month rule);
- ``reliquidation``: the exempted articles' duties at re-liquidation, nothing consumed;
- ``services``: follow-up writes — conditions, conventions, guarantees and their release,
  regularisation on early disposal, warehouse abandonment/destruction;
- ``selectors``: the "to watch" list for staff, the regularisation schedule.

The rules themselves are pure functions in ``tariff.exemption_rules``; the dates the laws apply
from are their ``FinanceLaw`` rows (``tariff.selectors.law_in_force_from``).
"""

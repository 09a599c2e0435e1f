"""Deterministic demo data (a Django app of its own, above every other app; `build.demo_build` is the entry): a realistic region (or the whole country) built from one seed.

`demo_build` plans a region as plain data from `random.Random(f"rammeaftale-demo:{seed}:{region code}")`
(no global random, no clock; the P/L-like index has its own seeded stream) and writes it in one
`transaction.atomic`:

- through the audited services, one event each: reference data and rulebook agreements (idempotent), a demo
  agreement for demo years no agreement covers (`agreement_create(is_demo=True)`), the private operators
  (`private_operator_create`) and the demo users (`accounts.services.user_create`);
- in bulk, for speed at national scale (about 7,000 offers): offers, their paragraphs and target groups,
  capacities, categories, services and tariffs (`bulk_create`), and synthetic EANs for the region and its
  municipalities that have none (`bulk_update`). These rows are recorded by ONE audit event `demo.built` per
  region (region, seed, scale, years, counts), not one per row: the demo is a bulk job, like the reference
  data load. The national scale builds in seconds this way (numbers in the command's output and the bench).

This year's and last year's tariffs are calculated from demo budgets (`budgets.py`) through the same
`tariffs.services.tariff_calculation_build` as `tariff_budget_calculate`, and stored in bulk with their budgets,
approvals, actual occupancy and explanations; the demo's P/L-like rates go into the P/L table as examples.

How prices, numbers and names are drawn is in `demo/DEMO.md`.
"""

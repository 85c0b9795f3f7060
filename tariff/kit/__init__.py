"""The project's shared kit: what every app builds on, with no customs rule in it.

Money and rates (``money``), effective-dated rows (``validity``), named business rules and their
checker (``business_rules``), domain errors and their API shape (``errors``, ``api``), roles and
permissions (``roles``, ``permissions``, ``pages``), form fields, tables and lists, safe
spreadsheets, import-export building blocks (``resources``), audit history, PDF, uploads, text
checks, French numbers and the SQL helpers of the hot paths (``sql``).

It lives under ``tariff`` because ``tariff`` is the bottom layer of the fixed layout, but it is
not the tariff domain: **the kit imports no domain code** — nothing from ``tariff`` outside
``tariff.kit``, nor from ``declarations``, ``exchange``, ``litigation`` or ``config``
(``tariff/tests/test_kit_layering.py`` checks every import, at module level or inside a function).
"""

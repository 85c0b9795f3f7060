"""The finance laws the code names, by the code of their ``FinanceLaw`` row
(``tariff/data/finance_laws.csv``). Their dates are never written in code: read them with
``tariff.selectors.law_in_force_from`` (the date a law applies from) or ``finance_law``
(the row, for the law a line is traced to). Part of the tariff domain, no import."""

BASE_TARIFF = "BASE"  # Tarif de base (LF 25-00 art. 4 §I and earlier quotités, as amended)
LF_2022 = "LF-76-21"  # Loi de finances n° 76-21 for 2022 (circ. 6255/210)
LF_2024 = "LF-55-23"  # Loi de finances n° 55-23 for 2024 (circ. 6522/210)

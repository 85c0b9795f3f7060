"""drf-spectacular extensions the project needs in one place (imported by config.urls).

The bank API's ``BankTokenAuthentication`` subclasses DRF's ``TokenAuthentication``; without
its own scheme name both would be published as the component ``tokenAuth`` (drf-spectacular
W001, which ``check --deploy --fail-level WARNING`` turns into a failure). Same header, same
format: a separate name keeps the schema exact.
"""
from drf_spectacular.authentication import TokenScheme


class BankTokenScheme(TokenScheme):
    target_class = "exchange.api.authentication.BankTokenAuthentication"
    name = "bankTokenAuth"
    match_subclasses = True
    priority = 1

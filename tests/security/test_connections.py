"""A database connection the server terminated is replaced before the next request uses it
(CONN_HEALTH_CHECKS): no 500 (issue 19)."""
import psycopg
import pytest
from django.core.signals import request_started
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_terminated_connection_costs_no_request(client, broker_user):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: pg_terminate_backend")
    client.force_login(broker_user)
    assert client.get("/declarations/").status_code == 200
    pid = connection.connection.info.backend_pid  # the persistent connection (CONN_MAX_AGE)
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"], dbname=db["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    # What Django's WSGI handler does before each request (its test client leaves it out): with
    # CONN_HEALTH_CHECKS the dead connection is found and replaced, without them it is kept.
    request_started.send(sender=None)
    assert client.get("/declarations/").status_code == 200
    assert connection.connection.info.backend_pid != pid

import pytest

from .factories import BankFactory, ImporterFactory, bank_user_for, broker, domiciled_commitment


@pytest.fixture
def bank_a(db):
    return BankFactory(code="bmce", name="Banque A")


@pytest.fixture
def bank_b(db):
    return BankFactory(code="awb", name="Banque B")


@pytest.fixture
def agent_a(bank_a):
    return bank_user_for(bank_a, "agent-a")


@pytest.fixture
def agent_b(bank_b):
    return bank_user_for(bank_b, "agent-b")


@pytest.fixture
def staff(db):
    return broker()


@pytest.fixture
def importer(db):
    return ImporterFactory(name="Atlas Equipement SA")


@pytest.fixture
def commitment(agent_a, importer):
    """Domiciled at bank A: 1,000,000 MAD, contract advance rate 30 %."""
    return domiciled_commitment(bank_user=agent_a, importer=importer)


@pytest.fixture
def make_commitment(agent_a):
    def make(**kwargs):
        return domiciled_commitment(bank_user=kwargs.pop("bank_user", agent_a), **kwargs)

    return make

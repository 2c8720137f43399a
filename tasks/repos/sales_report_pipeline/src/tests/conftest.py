from datetime import date
from decimal import Decimal

import pytest

from ledgerreport import load_samples


@pytest.fixture(scope="session")
def samples():
    return load_samples()


@pytest.fixture
def make_record():
    def make(region="US-East", amount="10.00", day=date(2024, 1, 1), **extra):
        record = {"region": region, "amount": Decimal(amount), "date": day, "branch": extra.pop("branch", "Boston"), "product": "x", "quantity": 1}
        record.update(extra)
        return record

    return make

from datetime import date

import pytest

from billing import Subscription, TaxTable, load_catalog


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


@pytest.fixture
def taxes():
    return TaxTable.default()


@pytest.fixture
def subscribe(catalog):
    def make(plan_code="pro-monthly", anchor=date(2024, 1, 15), seats=1, region="US-OR", **kwargs):
        return Subscription(f"sub-{plan_code}", "acme", catalog[plan_code], anchor, seats=seats, region=region, **kwargs)

    return make

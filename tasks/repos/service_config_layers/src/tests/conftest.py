import pytest

BILLING = """
[service]
name = billing
port = 8081
tags = payments, critical

[headers]
X-Team = payments

[upstream:ledger]
url = http://ledger.internal:9000
timeout = 5s
retry.attempts = 5

[upstream:fx-rates]
url = https://fx.example.com/v2
"""

SEARCH = """
[service]
name = search
port = 8082

[upstream:index]
url = http://index.internal:7700
timeout = 250ms
"""

SHARED = """
[service]
log_level = warning

[limits]
max_body = 2MB
"""


@pytest.fixture
def billing_text():
    return BILLING


@pytest.fixture
def search_text():
    return SEARCH


@pytest.fixture
def shared_text():
    return SHARED

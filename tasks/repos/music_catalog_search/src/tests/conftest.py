import pytest

from minisearch import Searcher, load_albums


@pytest.fixture(scope="module")
def albums():
    return load_albums()


@pytest.fixture
def searcher(albums):
    # A fresh searcher per test: indexes are mutable and tests add and remove documents.
    return Searcher.from_documents(albums)

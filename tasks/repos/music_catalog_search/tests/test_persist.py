import pytest

from minisearch import Searcher
from minisearch.persist import dumps, loads


def test_round_trip_gives_the_same_results(searcher):
    again = Searcher(loads(dumps(searcher.index)))
    for query in ('"piano trio"', "cafe", "artist:reed", "jazz -live"):
        assert again.ids(query) == searcher.ids(query)


def test_saved_settings_survive(searcher):
    loaded = loads(dumps(searcher.index))
    assert loaded.analyzer.settings("title").boost == 2.0
    assert len(loaded) == 24


@pytest.mark.parametrize("text", ["{", "[]", '{"format": "other"}', '{"format": "minisearch-index", "version": 99}'])
def test_not_an_index(text):
    with pytest.raises(ValueError):
        loads(text)

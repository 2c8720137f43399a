from minisearch.facets import decade_counts, filter_by_tag, tag_counts
from minisearch.suggest import Suggester, edit_distance


def test_edit_distance():
    assert edit_distance("piano", "paino") == 1
    assert edit_distance("jazz", "jaz") == 1
    assert edit_distance("ballads", "salads") == 2
    assert edit_distance("rock", "classical") == 3


def test_did_you_mean(searcher):
    suggester = Suggester(searcher.index)
    assert suggester.did_you_mean("paino trio") == "piano trio"
    assert suggester.did_you_mean("piano trio") is None


def test_facets_over_results(searcher):
    ids = searcher.ids("piano")
    assert tag_counts(searcher.index, ids, top=2) == [("jazz", 4), ("piano trio", 2)]
    assert decade_counts(searcher.index, ids) == [("1950s", 1), ("2010s", 4)]
    assert filter_by_tag(searcher.index, ids, "Classical") == ["a06"]

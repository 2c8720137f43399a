def test_single_word_finds_every_album_with_it(searcher):
    assert sorted(searcher.ids("piano")) == ["a01", "a06", "a08", "a12", "a13"]


def test_phrase_must_be_adjacent(searcher):
    assert searcher.ids('"piano trio"') == ["a01", "a08"]


def test_field_restriction(searcher):
    assert searcher.ids("artist:reed") == ["a09", "a14"] or searcher.ids("artist:reed") == ["a14", "a09"]


def test_exclusion(searcher):
    assert "a18" not in searcher.ids("jazz -live")


def test_band_whose_name_is_all_short_words(searcher):
    assert sorted(searcher.ids("those who were")) == ["a04", "a05"]


def test_title_in_plural(searcher):
    assert searcher.ids("title:ballads") == ["a02"]
    assert searcher.ids("ballads")[0] == "a02"


def test_rarer_word_weighs_more(searcher):
    # "guitar" is in fewer descriptions than "jazz" is in: an album that has both words once
    # outranks one that mentions jazz alone.
    assert searcher.ids("jazz OR guitar", limit=4) == ["a22", "a12", "a13", "a02"]


def test_snippet_marks_the_match(searcher):
    hit = searcher.search("lighthouse")[0]
    assert hit.doc_id == "a05"
    assert "[lighthouse]" in hit.snippet

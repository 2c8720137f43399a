import pytest

from minisearch import load_documents
from minisearch.corpus import document_from_record
from minisearch.highlight import mark, snippet
from minisearch.stemming import stem
from minisearch.text import fold
from minisearch.tokenize import tokenize


def test_token_offsets():
    tokens = list(tokenize("Blue  Engines, live"))
    assert [(t.text, t.position, t.start, t.end) for t in tokens] == [("Blue", 0, 0, 4), ("Engines", 1, 6, 13), ("live", 2, 15, 19)]


def test_underscores_split_words():
    assert [t.text for t in tokenize("a_b")] == ["a", "b"]


@pytest.mark.parametrize(
    "word, expected",
    [("tunes", "tune"), ("matches", "match"), ("dropped", "drop"), ("quickly", "quick"), ("bass", "bass"), ("the", "the"), ("ragas", "raga")],
)
def test_stem_cases(word, expected):
    assert stem(word) == expected


def test_fold_ligature():
    assert fold("ﬁddle") == "fiddle"


def test_mark_overlapping_spans():
    assert mark("abcdef", [(0, 2), (1, 3), (4, 6)]) == "[ab]cd[ef]"


def test_snippet_window():
    text = " ".join(f"w{i}" for i in range(60))
    start = text.index("w40")
    out = snippet(text, [(start, start + 3)], width=40)
    assert out.startswith("... ") and out.endswith(" ...") and "[w40]" in out


def test_snippet_without_spans():
    assert snippet("short", []) == "short"


def test_record_lists_join():
    doc = document_from_record({"id": 7, "title": "T", "tags": ["a", "b"], "year": 1999})
    assert doc.doc_id == "7" and doc.fields["tags"] == "a, b" and doc.meta == {"year": 1999}


def test_record_needs_id():
    with pytest.raises(ValueError):
        document_from_record({"title": "x"})


def test_load_documents_reports_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "1", "title": "ok"}\n{broken\n')
    with pytest.raises(ValueError, match=":2:"):
        load_documents(path)


def test_catalogue_size(albums):
    assert len(albums) == 24


def test_suggestions_rank_by_distance_then_popularity(searcher):
    from minisearch.suggest import Suggester

    suggester = Suggester(searcher.index)
    assert suggester.candidates("jaz", 1) == ["jazz"]
    assert suggester.candidates("Jazz") == ["jazz"]
    assert suggester.did_you_mean('"paino trio"') is None


def test_decades_skip_missing_years(searcher):
    from minisearch.facets import decade_counts

    assert decade_counts(searcher.index, ["a09", "a04", "a05"]) == [("1960s", 1), ("1970s", 2)]

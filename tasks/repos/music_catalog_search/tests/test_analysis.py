from minisearch import Analyzer
from minisearch.stemming import stem
from minisearch.text import fold
from minisearch.tokenize import words


def test_fold_strips_accents_and_case():
    assert fold("Café") == "cafe"
    assert fold("STRASSE") == fold("straße")


def test_tokenize_keeps_apostrophes():
    assert words("Kowal's piano, rock'n'roll!") == ["Kowal's", "piano", "rock'n'roll"]


def test_stemmer():
    assert [stem(w) for w in ["recordings", "ballads", "swinging", "matches", "jazz"]] == ["record", "ballad", "swing", "match", "jazz"]


def test_body_drops_stop_words_and_stems():
    assert Analyzer().terms("The drums of the night", "body") == ["drum", "night"]


def test_title_keeps_every_word():
    assert Analyzer().terms("The Drums of the Night", "title") == ["the", "drums", "of", "the", "night"]

from rle import decode, encode


def test_encode_mixed_runs():
    assert encode("aaabcc") == "3a1b2c"


def test_encode_empty():
    assert encode("") == ""


def test_decode_mixed_runs():
    assert decode("3a1b2c") == "aaabcc"


def test_round_trip_word():
    assert decode(encode("bookkeeper")) == "bookkeeper"

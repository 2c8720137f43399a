import random

import pytest

from buffer import TextBuffer


def test_empty_edits_are_not_recorded():
    buffer = TextBuffer("text")
    buffer.insert(2, "")
    assert buffer.delete(1, 1) == ""
    assert not buffer.can_undo
    buffer.insert(0, ">")
    buffer.undo()
    buffer.delete(3, 3)
    buffer.insert(4, "")
    assert buffer.can_redo
    assert buffer.redo() and buffer.text == ">text"


def test_single_undo_reverts_the_last_real_edit():
    buffer = TextBuffer("abc")
    buffer.insert(1, "X")
    buffer.delete(2, 2)
    assert buffer.undo()
    assert buffer.text == "abc"


def test_redo_cleared_by_delete_too():
    buffer = TextBuffer("abcdef")
    buffer.delete(0, 2)
    buffer.undo()
    buffer.delete(4, 6)
    assert not buffer.can_redo
    assert not buffer.redo()
    assert buffer.text == "abcd"
    assert buffer.undo() and buffer.text == "abcdef"
    assert not buffer.undo()


def test_invalid_positions_change_nothing():
    buffer = TextBuffer("abc")
    for args in [(-1, 2), (0, 4), (2, 1), (-3, -1), (4, 4)]:
        with pytest.raises(IndexError):
            buffer.delete(*args)
    for position in (-1, -3, 4):
        with pytest.raises(IndexError):
            buffer.insert(position, "Z")
    assert buffer.text == "abc"
    assert not buffer.can_undo


def test_edges_of_the_text():
    buffer = TextBuffer()
    buffer.insert(0, "end")
    buffer.insert(3, "!")
    buffer.insert(0, "the ")
    assert buffer.text == "the end!"
    assert buffer.delete(0, len(buffer.text)) == "the end!"
    assert buffer.text == ""
    assert buffer.undo() and buffer.text == "the end!"


def test_flags():
    buffer = TextBuffer("x")
    assert not buffer.can_undo and not buffer.can_redo
    buffer.insert(1, "y")
    assert buffer.can_undo and not buffer.can_redo
    buffer.undo()
    assert not buffer.can_undo and buffer.can_redo


def test_random_editing_session_against_history_of_texts():
    rng = random.Random(2468)
    buffer = TextBuffer("seed")
    history = ["seed"]
    position = 0
    for _ in range(2000):
        roll = rng.random()
        text = buffer.text
        if roll < 0.35:
            at = rng.randrange(len(text) + 1)
            chars = rng.choice(["", "a", "bc", "xyz"])
            buffer.insert(at, chars)
            if chars:
                history[position + 1 :] = [text[:at] + chars + text[at:]]
                position += 1
        elif roll < 0.6:
            start = rng.randrange(len(text) + 1)
            end = rng.randrange(start, len(text) + 1)
            assert buffer.delete(start, end) == text[start:end]
            if end > start:
                history[position + 1 :] = [text[:start] + text[end:]]
                position += 1
        elif roll < 0.8:
            assert buffer.undo() == (position > 0)
            position = max(position - 1, 0)
        else:
            assert buffer.redo() == (position < len(history) - 1)
            position = min(position + 1, len(history) - 1)
        assert buffer.text == history[position]
        assert buffer.can_undo == (position > 0)
        assert buffer.can_redo == (position < len(history) - 1)

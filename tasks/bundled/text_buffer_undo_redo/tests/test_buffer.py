import pytest

from buffer import TextBuffer


def test_insert_and_delete():
    buffer = TextBuffer("hello world")
    buffer.insert(5, ",")
    assert buffer.text == "hello, world"
    assert buffer.delete(0, 7) == "hello, "
    assert buffer.text == "world"


def test_undo_and_redo():
    buffer = TextBuffer("abc")
    buffer.insert(3, "def")
    buffer.delete(0, 1)
    assert buffer.undo() and buffer.text == "abcdef"
    assert buffer.undo() and buffer.text == "abc"
    assert not buffer.undo()
    assert buffer.redo() and buffer.text == "abcdef"


def test_new_edit_discards_redo():
    buffer = TextBuffer("abc")
    buffer.insert(0, "X")
    buffer.undo()
    buffer.insert(3, "Y")
    assert not buffer.redo()
    assert buffer.text == "abcY"


def test_negative_position_is_rejected():
    buffer = TextBuffer("abc")
    with pytest.raises(IndexError):
        buffer.insert(-1, "Z")
    assert buffer.text == "abc"

import pytest

from min_stack import MinStack


def test_push_pop_peek():
    stack = MinStack()
    stack.push(3)
    stack.push(5)
    assert stack.peek() == 5
    assert stack.pop() == 5
    assert len(stack) == 1


def test_minimum_follows_pops():
    stack = MinStack()
    for value in (5, 3, 7, 1):
        stack.push(value)
    assert stack.minimum() == 1
    stack.pop()
    assert stack.minimum() == 3


def test_repeated_minimum():
    stack = MinStack()
    for value in (4, 2, 2):
        stack.push(value)
    stack.pop()
    assert stack.minimum() == 2


def test_empty_stack():
    stack = MinStack()
    assert not stack
    with pytest.raises(IndexError):
        stack.pop()

import random

import pytest

from min_stack import MinStack


def test_minimum_after_popping_one_of_many_equal_minimums():
    stack = MinStack()
    for value in (9, 1, 5, 1, 1):
        stack.push(value)
    stack.pop()
    stack.pop()
    assert stack.minimum() == 1
    stack.pop()
    assert stack.minimum() == 1
    stack.pop()
    assert stack.minimum() == 9


def test_all_equal_values():
    stack = MinStack()
    for _ in range(4):
        stack.push(7)
    for remaining in (3, 2, 1):
        stack.pop()
        assert stack.minimum() == 7
        assert len(stack) == remaining
    stack.pop()
    with pytest.raises(IndexError):
        stack.minimum()


def test_strings_and_floats():
    stack = MinStack()
    for word in ("pear", "apple", "apple", "zebra"):
        stack.push(word)
    stack.pop()
    stack.pop()
    assert stack.minimum() == "apple"
    numbers = MinStack()
    for value in (0.5, -1.25, -1.25, 3.0):
        numbers.push(value)
    numbers.pop()
    numbers.pop()
    assert numbers.minimum() == -1.25


def test_errors_on_empty_stack_and_reuse():
    stack = MinStack()
    for method in (stack.pop, stack.peek, stack.minimum):
        with pytest.raises(IndexError):
            method()
    stack.push(2)
    assert stack and stack.pop() == 2 and not stack
    with pytest.raises(IndexError):
        stack.minimum()
    stack.push(8)
    assert stack.minimum() == 8


def test_random_operations_against_a_list():
    rng = random.Random(77)
    stack, model = MinStack(), []
    for step in range(5000):
        if model and rng.random() < 0.45:
            assert stack.pop() == model.pop(), step
        else:
            value = rng.randrange(6)
            stack.push(value)
            model.append(value)
        assert len(stack) == len(model)
        if model:
            assert stack.minimum() == min(model), step
            assert stack.peek() == model[-1]

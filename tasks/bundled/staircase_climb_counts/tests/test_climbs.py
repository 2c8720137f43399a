import pytest

from climbs import count_climbs, count_climbs_avoiding


def test_small_staircases():
    assert count_climbs(3, [1, 2]) == 3
    assert count_climbs(4, [1, 2]) == 5
    assert count_climbs(5, [2, 3]) == 2


def test_zero_stairs():
    assert count_climbs(0, [1, 2]) == 1


def test_broken_stair():
    assert count_climbs_avoiding(4, [1, 2], broken=[2]) == 1


def test_invalid_arguments():
    with pytest.raises(ValueError):
        count_climbs(-1, [1])
    with pytest.raises(ValueError):
        count_climbs(3, [0, 1])


def test_sixty_stairs():
    assert count_climbs(60, [1, 2]) == 2_504_730_781_961

from datetime import timedelta

import pytest

from roomsched import Policy, Scheduler, load_rooms

MONDAY = "2024-05-06"  # a Monday; the tests book the week of May 6th, 2024


@pytest.fixture
def rooms():
    return load_rooms()


@pytest.fixture
def scheduler(rooms):
    return Scheduler(rooms)


@pytest.fixture
def buffered(rooms):
    """Facilities want 10 minutes between meetings to air the room."""
    return Scheduler(rooms, Policy(buffer=timedelta(minutes=10)))


@pytest.fixture
def day():
    return MONDAY

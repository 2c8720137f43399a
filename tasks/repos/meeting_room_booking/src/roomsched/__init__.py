"""Meeting-room booking."""

from roomsched.booking import Booking
from roomsched.errors import BookingConflict, InvalidBooking, PolicyViolation, RoomschedError, UnknownRoom
from roomsched.policies import Policy
from roomsched.rooms import Room, load_rooms
from roomsched.scheduler import Scheduler
from roomsched.timeutil import Span, parse_time

__all__ = [
    "Booking",
    "BookingConflict",
    "InvalidBooking",
    "Policy",
    "PolicyViolation",
    "Room",
    "RoomschedError",
    "Scheduler",
    "Span",
    "UnknownRoom",
    "load_rooms",
    "parse_time",
]

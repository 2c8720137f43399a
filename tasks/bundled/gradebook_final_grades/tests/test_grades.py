from grades import CategoryPolicy, Roster, class_report, final_grade, round_half_up

POLICY = {"homework": CategoryPolicy(0.4, drop_lowest=1), "exam": CategoryPolicy(0.6)}


def make_roster():
    roster = Roster()
    for name in ("Ana", "Ben"):
        roster.add_student(name)
    for score in (80, 90, 100):
        roster.record("Ana", "homework", score)
    roster.record("Ana", "exam", 90)
    for score in (60, 70):
        roster.record("Ben", "homework", score)
    roster.record("Ben", "exam", 75)
    return roster


def test_final_grade_drops_lowest_homework():
    assert final_grade(make_roster(), "Ana", POLICY) == 92.0


def test_report_is_the_same_when_printed_twice():
    roster = make_roster()
    first = class_report(roster, POLICY)
    assert first == ["Ana: 92.0 A", "Ben: 73.0 C"]
    assert class_report(roster, POLICY) == first


def test_rounding_half_up():
    assert round_half_up(89.95) == 90.0
    assert round_half_up(79.85) == 79.9


def test_missing_category_is_left_out():
    roster = Roster()
    roster.add_student("Cy")
    roster.record("Cy", "exam", 80)
    assert final_grade(roster, "Cy", POLICY) == 80.0

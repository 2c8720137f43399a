import random

import pytest

from recipes import Ingredient, canonical_unit, convert, format_list, from_base, scale, shopping_list, to_base, unit_kind


def test_conversions_are_exact():
    assert to_base(1, "tsp") == 4.92892159375
    assert to_base(3, "tsp") == pytest.approx(14.78676478125, rel=1e-12)
    assert convert(3, "tsp", "tbsp") == pytest.approx(1.0, rel=1e-12)
    assert convert(16, "oz", "lb") == pytest.approx(1.0, rel=1e-12)
    assert convert(0.01, "g", "kg") == pytest.approx(1e-5, rel=1e-12)
    assert from_base(to_base(0.123, "oz"), "oz") == pytest.approx(0.123, rel=1e-12)


def test_units_and_aliases():
    assert canonical_unit(" Tablespoons ") == "tbsp"
    assert canonical_unit("LBS") == "lb"
    assert canonical_unit("Liter") == "l"
    assert unit_kind("pieces") == "count"
    with pytest.raises(ValueError):
        canonical_unit("handful")
    with pytest.raises(ValueError):
        convert(1, "cup", "g")


def test_scale_returns_new_ingredients():
    recipe = [Ingredient("sugar", 100, "g"), Ingredient("vanilla", 1, "tsp")]
    half = scale(recipe, 0.5)
    triple = scale(recipe, 3)
    assert recipe == [Ingredient("sugar", 100, "g"), Ingredient("vanilla", 1, "tsp")]
    assert half == [Ingredient("sugar", 50, "g"), Ingredient("vanilla", 0.5, "tsp")]
    assert triple == [Ingredient("sugar", 300, "g"), Ingredient("vanilla", 3, "tsp")]
    half[0].quantity = 1
    assert recipe[0].quantity == 100
    with pytest.raises(ValueError):
        scale(recipe, 0)


def test_small_amounts_are_not_lost():
    entries = shopping_list([Ingredient("saffron", 0.01, "g")] * 5)
    assert entries[0].quantity == pytest.approx(0.05, rel=1e-9)
    assert format_list(entries) == ["0.05 g saffron"]
    pinch = shopping_list([Ingredient("chili", 1 / 8, "tsp"), Ingredient("chili", 1 / 8, "tsp")])
    assert pinch[0].quantity == pytest.approx(0.25, rel=1e-9)


def test_merge_by_name_and_kind_keeps_first_name_and_unit():
    entries = shopping_list(
        [Ingredient(" Butter ", 2, "tbsp"), Ingredient("sugar", 1, "cup")],
        [Ingredient("butter", 100, "g"), Ingredient("BUTTER", 1, "tsp")],
        [Ingredient("sugar", 8, "tablespoons")],
    )
    assert [(e.name, e.unit) for e in entries] == [(" Butter ", "tbsp"), ("sugar", "cup"), ("butter", "g")]
    assert entries[0].quantity == pytest.approx(2 + 1 / 3, rel=1e-9)
    assert entries[1].quantity == pytest.approx(1.5, rel=1e-9)
    assert entries[2].quantity == pytest.approx(100, rel=1e-9)


def test_party_planning_scenario():
    cookies = [Ingredient("flour", 2.25, "cups"), Ingredient("butter", 8, "oz"), Ingredient("egg", 2, "pieces"), Ingredient("salt", 1, "tsp")]
    first_party = scale(cookies, 3)
    second_party = scale(cookies, 2)
    entries = shopping_list(first_party, second_party)
    assert format_list(entries) == ["11.25 cup flour", "40 oz butter", "10 piece egg", "5 tsp salt"]


def test_random_merges_are_exact_sums():
    rng = random.Random(321)
    units = ["ml", "l", "tsp", "tbsp", "cup"]
    for _ in range(200):
        items = [Ingredient("water", round(rng.uniform(0.01, 3), 3), rng.choice(units)) for _ in range(rng.randrange(1, 8))]
        entry = shopping_list(items)[0]
        expected_ml = sum(to_base(item.quantity, item.unit) for item in items)
        assert to_base(entry.quantity, entry.unit) == pytest.approx(expected_ml, rel=1e-9)
        assert expected_ml == pytest.approx(sum(item.quantity * {"ml": 1, "l": 1000, "tsp": 4.92892159375, "tbsp": 14.78676478125, "cup": 236.5882365}[item.unit] for item in items), rel=1e-12)


def test_format_quantities():
    entries = [Ingredient("a", 0.333333, "cup"), Ingredient("b", 2.0, "g"), Ingredient("c", 0.004, "g"), Ingredient("d", 10.10, "ml")]
    assert format_list(entries) == ["0.33 cup a", "2 g b", "0 g c", "10.1 ml d"]

from recipes import Ingredient, convert, format_list, scale, shopping_list


def test_convert_cups_to_ml():
    assert convert(1, "cup", "ml") == 236.5882365


def test_merge_same_ingredient():
    entries = shopping_list([Ingredient("flour", 1, "cup")], [Ingredient("Flour", 0.5, "cups")])
    assert format_list(entries) == ["1.5 cup flour"]


def test_teaspoons_add_up():
    entries = shopping_list([Ingredient("salt", 1, "tsp")], [Ingredient("salt", 2, "teaspoons")])
    assert format_list(entries) == ["3 tsp salt"]


def test_scaling_a_recipe_twice():
    pancakes = [Ingredient("egg", 2, "piece"), Ingredient("milk", 1, "cup")]
    scale(pancakes, 2)
    doubled = scale(pancakes, 2)
    assert doubled == [Ingredient("egg", 4, "piece"), Ingredient("milk", 2, "cup")]

"""The commands' argument checks (domain/validation.py) and the request fields at the edge
(api/fields.py): strict, bounded first, linear, and nothing unstorable gets through."""

from __future__ import annotations

from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from api.fields import Flag, FormFlag, Id, Items, Text, Whole, unstorable_path
from domain import validation as v
from domain.errors import ValidationFailed

ANY = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)


@given(ANY)
def test_text_accepts_only_what_can_be_stored(value: str) -> None:
    try:
        cleaned = v.text("name", value)
    except ValidationFailed as refused:
        assert list(refused.details) == ["name"]
        return
    assert cleaned == cleaned.strip() and cleaned
    cleaned.encode("utf-8")  # no lone surrogate
    assert "\x00" not in cleaned


@pytest.mark.parametrize("value", [5, 5.0, True, ["a"], {"a": 1}, b"bytes"])
def test_text_coerces_nothing(value: object) -> None:
    with pytest.raises(ValidationFailed):
        v.text("name", value)


def test_a_list_is_refused_by_its_length_before_its_items_are_read() -> None:
    """The last item would be refused on its own; the length is what is named."""
    with pytest.raises(ValidationFailed) as refused:
        v.texts("tags", [f"t{i}" for i in range(101)] + [5])
    assert "at most 100 items" in refused.value.details["tags"][0]


def test_lists_keep_their_order_without_repeats() -> None:
    assert v.texts("tags", ["b", "a", " b ", "c", "a"]) == ["b", "a", "c"]
    with pytest.raises(ValidationFailed):
        v.texts("tags", "not a list")


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, None, "false"])
def test_a_flag_is_a_boolean_only(value: object) -> None:
    with pytest.raises(ValidationFailed):
        v.flag("consent", value)
    assert v.flag("consent", True) is True and v.flag("consent", False) is False


def test_ids_are_uuid_strings_in_a_bounded_list() -> None:
    one = uuid4()
    assert v.uuids("ids", [str(one), str(one)]) == [one]
    for bad in ([], [5], ["nope"], "x", [str(uuid4())] * 1001):
        with pytest.raises(ValidationFailed):
            v.uuids("ids", bad)


class Body(Schema):
    name = Text(max_length=10)
    flag = Flag()
    form_flag = FormFlag()
    count = Whole()
    ids = Items(Id(), max_items=2)


@pytest.mark.parametrize("body, field", [
    ({"flag": "yes"}, "flag"), ({"flag": 1}, "flag"), ({"form_flag": "yes"}, "form_flag"),
    ({"count": "7"}, "count"), ({"count": 7.0}, "count"), ({"count": True}, "count"),
    ({"ids": [str(uuid4())] * 3}, "ids"), ({"ids": [5]}, "ids"), ({"name": "x" * 11}, "name"),
    ({"name": "nul\x00"}, "name"), ({"name": "half \ud800"}, "name"),
])
def test_the_edge_fields_refuse_what_they_do_not_describe(body: dict, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Body().load(body)
    assert field in refused.value.messages


def test_the_edge_fields_take_what_they_describe() -> None:
    one = str(uuid4())
    loaded = Body().load({"name": "Ann", "flag": False, "form_flag": "true", "count": 7,
                          "ids": [one]})
    assert loaded["form_flag"] is True and loaded["count"] == 7 and str(loaded["ids"][0]) == one


def test_a_body_is_searched_whole_for_unstorable_strings() -> None:
    assert unstorable_path({"a": [{"b": "fine"}, {"c": "bad\x00"}]}) == "a.1.c"
    assert unstorable_path({"k\ud800": 1}) == "_schema"
    assert unstorable_path({"a": ["x", 1, None, {"y": ["z"]}]}) is None

import pytest
from django.core.exceptions import ValidationError

from apps.core.api import StrictBooleanField, _apply_alias


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("false", False), ("0", False)],
)
def test_strict_boolean_parses(raw, expected):
    assert StrictBooleanField().to_python(raw) is expected


@pytest.mark.parametrize("raw", ["", None])
def test_strict_boolean_empty_means_unset(raw):
    assert StrictBooleanField().to_python(raw) is None


@pytest.mark.parametrize("raw", ["yes", "on", "2", "<b>"])
def test_strict_boolean_rejects_word(raw):
    with pytest.raises(ValidationError) as caught:
        StrictBooleanField().clean(raw)

    assert repr(raw) in caught.value.messages[0]
    assert "true or false" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("free_percent", "free_percent_value"),
        ("-free_percent", "-free_percent_value"),
        ("name", "name"),
        ("-name", "-name"),
    ],
)
def test_ordering_alias_applied(term, expected):
    assert _apply_alias(term, {"free_percent": "free_percent_value"}) == expected

import pytest

from whatsapp.numbers import is_bsuid, normalize


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("4915100000001", "4915100000001"),
        ("+49 151 0000 0001", "4915100000001"),
        ("+49 (0)151-0000-0001", "4915100000001"),
        ("16505551234", "16505551234"),
        ("+39 06 1234 5678", "390612345678"),  # Italy keeps its leading zero
    ],
)
def test_normalize(raw, digits):
    assert normalize(raw) == digits


@pytest.mark.parametrize("raw", ["", "abc", "+", "0", "DE.4711"])
def test_normalize_rejects_non_numbers(raw):
    with pytest.raises(ValueError):
        normalize(raw)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("DE.1349120865530274191", True),
        ("US.ENT.11815799212886844830", True),
        ("US.abcDEF123", True),
        ("4915100000001", False),
        ("de.123", False),
        ("DE.", False),
        ("DE.12 3", False),
        ("DE." + "1" * 129, False),
        (None, False),
    ],
)
def test_is_bsuid(value, expected):
    assert is_bsuid(value) is expected

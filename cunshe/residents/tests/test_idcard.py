from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cunshe.residents import idcard


def test_known_valid_number_parses_with_sex_and_birth_date():
    number = idcard.make("220182", date(1965, 3, 9), 21, "F")
    parsed = idcard.parse(number)
    assert parsed.birth_date == date(1965, 3, 9)
    assert parsed.sex == "F"
    assert parsed.region_code == "220182"


def test_lower_case_x_and_spaces_are_normalised():
    first17 = "11010519491231002"
    number = first17 + idcard.check_character(first17)
    assert number.endswith("X")
    assert idcard.parse(" " + number.lower()[:10] + " " + number.lower()[10:]).value == number


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("22018219650309", "18位"),
        ("22018219650309004A", "最后一位"),
        ("220182196502300041", "不存在"),
        ("220182290001010041", "不合理"),
    ],
)
def test_bad_numbers_say_why(raw, reason):
    with pytest.raises(idcard.IdNumberError, match=reason):
        idcard.parse(raw)


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    seq=st.integers(0, 499),
    sex=st.sampled_from(["M", "F"]),
    pos=st.integers(0, 16),
    delta=st.integers(1, 9),
)
def test_any_single_digit_typo_is_caught_by_the_check_character(born, seq, sex, pos, delta):
    number = idcard.make("220182", born, seq, sex)
    assert idcard.parse(number).sex == sex
    digits = list(number)
    digits[pos] = str((int(digits[pos]) + delta) % 10)
    with pytest.raises(idcard.IdNumberError):
        idcard.parse("".join(digits))

"""Unified social credit codes: what registration accepts, refuses, or lets an admin override."""

import string

from hypothesis import assume, given
from hypothesis import strategies as st

from services.kit.pure import uscc
from services.kit.pure.uscc import UsccCheck

# GB 32100 characters: digits and capitals without I, O, S, V, Z.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
FORBIDDEN_LETTERS = "IOSVZ"

first17 = st.builds(
    lambda head, body: head + body,
    st.text(string.digits, min_size=8, max_size=8),
    st.text(ALPHABET, min_size=9, max_size=9),
)
valid_codes = first17.map(uscc.with_check_character)


def test_known_real_code_is_valid():
    assert uscc.check("914403001922038216") is UsccCheck.VALID
    assert uscc.registering_region("914403001922038216") == "440300"


@given(valid_codes)
def test_every_completed_code_is_valid(code):
    assert uscc.check(code) is UsccCheck.VALID


@given(valid_codes, st.sampled_from(ALPHABET))
def test_another_check_character_fails_only_the_checksum(code, replacement):
    assume(replacement != code[-1])
    assert uscc.check(code[:-1] + replacement) is UsccCheck.CHECKSUM_FAILED


@given(valid_codes, st.integers(min_value=1, max_value=17))
def test_wrong_length_is_malformed(code, cut):
    assert uscc.check(code[:-cut]) is UsccCheck.MALFORMED
    assert uscc.check(code + code[:cut]) is UsccCheck.MALFORMED


@given(valid_codes.filter(lambda code: any(c.isalpha() for c in code)))
def test_lowercase_is_malformed(code):
    assert uscc.check(code.lower()) is UsccCheck.MALFORMED


@given(valid_codes, st.integers(min_value=8, max_value=17), st.sampled_from(FORBIDDEN_LETTERS))
def test_letters_outside_the_alphabet_are_malformed(code, position, letter):
    assert uscc.check(code[:position] + letter + code[position + 1 :]) is UsccCheck.MALFORMED


def test_surrounding_space_and_non_strings_are_malformed():
    assert uscc.check(" 914403001922038216") is UsccCheck.MALFORMED
    assert uscc.check("91440300192203821 ") is UsccCheck.MALFORMED
    assert uscc.check(None) is UsccCheck.MALFORMED
    assert uscc.check(914403001922038216) is UsccCheck.MALFORMED

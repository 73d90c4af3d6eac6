"""ID numbers at rest: encrypted with a key from the settings, looked up by a keyed hash, masked
6 + 4; no key, no service."""

import pytest

from services.kit.pii import IdProtector, MissingKey, masked

NUMBER = "622223199001011232"
SECRET = "a-test-secret-that-is-long-enough-1234"


def test_the_number_is_encrypted_and_comes_back_only_with_the_same_key():
    stored = IdProtector(SECRET).protect(NUMBER)
    assert NUMBER not in repr(stored)
    assert IdProtector(SECRET).reveal(stored["id_encrypted"]) == NUMBER
    with pytest.raises(MissingKey):
        IdProtector(SECRET + "-other").reveal(stored["id_encrypted"])


def test_the_lookup_key_is_stable_and_depends_on_the_secret():
    assert IdProtector(SECRET).lookup_key(NUMBER) == IdProtector(SECRET).lookup_key(NUMBER)
    assert IdProtector(SECRET).lookup_key(NUMBER) != IdProtector(SECRET + "x").lookup_key(NUMBER)


def test_masked_shows_the_first_six_and_the_last_four():
    assert masked(NUMBER) == "622223********1232"


@pytest.mark.parametrize("secret", ["", "short"])
def test_no_usable_key_no_protector(secret):
    with pytest.raises(MissingKey):
        IdProtector(secret)

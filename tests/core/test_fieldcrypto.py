from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from kasumi.core import fieldcrypto


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_sealed_values_round_trip_and_hide_the_plaintext(number):
    sealed = fieldcrypto.seal(number, b"ctx")
    assert number.encode() not in sealed
    assert fieldcrypto.unseal(sealed, b"ctx") == number


def test_sealing_is_randomised_but_the_lookup_digest_is_stable():
    assert fieldcrypto.seal("123", b"ctx") != fieldcrypto.seal("123", b"ctx")
    assert fieldcrypto.lookup_digest("123", b"ctx") == fieldcrypto.lookup_digest("123", b"ctx")
    assert fieldcrypto.lookup_digest("123", b"ctx") != fieldcrypto.lookup_digest("123", b"other")


def test_a_value_sealed_for_one_column_cannot_be_read_as_another():
    sealed = fieldcrypto.seal("123", b"a")
    with pytest.raises(InvalidTag):
        fieldcrypto.unseal(sealed, b"b")


def test_tampered_ciphertext_is_refused():
    sealed = bytearray(fieldcrypto.seal("123456789012", b"ctx"))
    sealed[-1] ^= 1
    with pytest.raises(InvalidTag):
        fieldcrypto.unseal(bytes(sealed), b"ctx")


@given(st.lists(st.text(alphabet="0123456789", min_size=12, max_size=12), max_size=20))
def test_bulk_sealer_and_digester_agree_with_the_single_value_functions(numbers):
    seal = fieldcrypto.sealer(b"ctx")
    digest = fieldcrypto.lookup_digester(b"ctx")
    sealed = [seal(n) for n in numbers]
    assert [fieldcrypto.unseal(s, b"ctx") for s in sealed] == numbers
    assert len({s[1:13] for s in sealed}) == len(sealed)  # a fresh nonce per value
    assert [digest(n) for n in numbers] == [fieldcrypto.lookup_digest(n, b"ctx") for n in numbers]

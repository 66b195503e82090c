"""Kennziffern: the short codes staff see instead of a phone number.

Random, not derived from the number, so a code reveals nothing and a resident who
subscribes again gets a new one. Six characters from an alphabet without look-alikes
(0/O, 1/I) give about a billion codes: collisions stay rare even for a large city, and
the caller retries on the unique constraint when one happens.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 6


def new_code() -> str:
    return "K-" + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))

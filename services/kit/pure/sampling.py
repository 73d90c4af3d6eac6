"""Reproducible random samples (双随机): the same seed over the same population draws the same
sample, so the seed is recorded with every draw and anyone can redraw it."""

import random
from collections.abc import Iterable


def seeded_sample(population: Iterable[str], size: int, seed: int) -> list[str]:
    """`size` identifiers (at most the whole population) drawn with `seed`, in sorted order.

    The population is sorted first, so the draw depends on what is in it, not on the order a
    store happened to return it in.
    """
    pool = sorted(population)
    return sorted(random.Random(seed).sample(pool, min(size, len(pool))))

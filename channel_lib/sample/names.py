"""Made-up company names of the sample (partners and customers) and weighted choices."""

from __future__ import annotations

import numpy as np

WORDS_A = (
    "North",
    "Blue",
    "Summit",
    "Cedar",
    "Harbor",
    "Iron",
    "Silver",
    "Prairie",
    "Atlas",
    "Pioneer",
    "Granite",
    "Coastal",
    "Evergreen",
    "Redwood",
    "Beacon",
    "Falcon",
    "Lakeside",
    "Meridian",
    "Orchard",
    "Quartz",
    "Sterling",
    "Horizon",
    "Canyon",
    "Delta",
    "Aurora",
)
WORDS_B = (
    "Systems",
    "Logistics",
    "Health",
    "Foods",
    "Energy",
    "Labs",
    "Retail",
    "Works",
    "Analytics",
    "Manufacturing",
    "Media",
    "Freight",
    "Dental",
    "Legal",
    "Builders",
    "Pharma",
    "Textiles",
    "Robotics",
    "Finance",
    "Hotels",
)
SUFFIXES = ("Inc.", "LLC", "Ltd", "GmbH", "Group", "Co.", "S.A.", "Pty Ltd")
PARTNER_WORDS = {
    "DIST": ("Distribution", "Supply", "Wholesale"),
    "RES": ("IT Solutions", "Integrators", "Technology Partners", "Consulting"),
    "ONL": ("Marketplace", "Online", "Store"),
    "MSP": ("Managed Services", "Cloud Services", "Networks"),
}


def company_names(rng: np.random.Generator, n: int, b_words: tuple[str, ...]) -> list[str]:
    a = rng.integers(0, len(WORDS_A), n)
    b = rng.integers(0, len(b_words), n)
    s = rng.integers(0, len(SUFFIXES), n)
    return [f"{WORDS_A[i]} {b_words[j]} {SUFFIXES[k]}" for i, j, k in zip(a, b, s, strict=True)]


def weighted_choice(
    rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int
) -> list[str]:
    names = [o[0] for o in options]
    p = np.array([o[1] for o in options])
    return [names[i] for i in rng.choice(len(names), size=n, p=p / p.sum())]

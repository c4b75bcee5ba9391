"""The identity score: pairwise precision, recall and F1, worked out by hand."""

from __future__ import annotations

import pytest

from scripts.identity import score

TRUTH = [
    ("email:a@x.com", "P1"),
    ("crm_customer_id:c1", "P1"),
    ("anonymous_id:a1", "P1"),
    ("email:b@x.com", "P2"),
    ("crm_customer_id:c2", "P2"),
]


def test_perfect_resolution():
    predicted = {node: person for node, person in TRUTH}
    result = score(TRUTH, predicted)
    assert (result.precision, result.recall, result.f1, result.mixed_clusters) == (1, 1, 1, 0)


def test_an_unlinked_identifier_costs_recall_only():
    # a1 has no edge: it is its own cluster. True pairs: 3 (P1) + 1 (P2) = 4; found: 1 + 1.
    predicted = {
        "email:a@x.com": "K1",
        "crm_customer_id:c1": "K1",
        "email:b@x.com": "K2",
        "crm_customer_id:c2": "K2",
    }
    result = score(TRUTH, predicted)
    assert result.precision == 1.0
    assert result.recall == pytest.approx(2 / 4)
    assert result.in_graph == 4


def test_merging_two_people_costs_precision():
    predicted = {node: "K" for node, _ in TRUTH}  # everyone in one cluster: 10 pairs, 4 right
    result = score(TRUTH, predicted)
    assert result.precision == pytest.approx(4 / 10)
    assert result.recall == 1.0
    assert result.mixed_clusters == 1
    assert result.f1 == pytest.approx(2 * 0.4 / 1.4)

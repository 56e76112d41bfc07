"""Scores on 20, severity normalisation and aggregation, on hand-computed examples."""

from decimal import Decimal

import pytest

from laureat.review.normalisation import (
    CriterionWeight,
    ReviewScore,
    aggregate,
    normalise,
    weighted_score,
)

CRITERIA = {
    "needs": CriterionWeight(Decimal("30"), 5),
    "innovation": CriterionWeight(Decimal("70"), 10),
}


def test_weighted_score_on_20_uses_weights_and_each_scale() -> None:
    # 20 * (30 * 4/5 + 70 * 5/10) / 100 = 20 * (24 + 35) / 100 = 11.8
    assert weighted_score({"needs": 4, "innovation": 5}, CRITERIA) == pytest.approx(11.8)


def test_weighted_score_full_marks_is_20() -> None:
    assert weighted_score({"needs": 5, "innovation": 10}, CRITERIA) == pytest.approx(20.0)


def test_weighted_score_missing_criterion_raises() -> None:
    with pytest.raises(KeyError):
        weighted_score({"needs": 4}, CRITERIA)


def test_normalise_removes_a_reviewer_severity() -> None:
    # Reviewer "severe" marks everything 4 points below "lenient", same ordering.
    reviews = [
        ReviewScore("a", "lenient", 16.0),
        ReviewScore("b", "lenient", 12.0),
        ReviewScore("a", "severe", 12.0),
        ReviewScore("b", "severe", 8.0),
    ]
    # Pool: mean 12, population std = sqrt(((4)^2+0+0+(4)^2)/4) = sqrt(8).
    # Each reviewer: std 2, z = +1 for "a" and -1 for "b": a -> 12 + sqrt(8), b -> 12 - sqrt(8).
    result = normalise(reviews)
    root8 = 8**0.5
    assert result[("a", "lenient")] == pytest.approx(12 + root8)
    assert result[("a", "severe")] == pytest.approx(12 + root8)
    assert result[("b", "lenient")] == pytest.approx(12 - root8)
    assert result[("b", "severe")] == pytest.approx(12 - root8)


def test_normalise_single_review_is_shifted_by_the_reviewer_offset() -> None:
    reviews = [
        ReviewScore("a", "r1", 10.0),
        ReviewScore("b", "r1", 14.0),
        ReviewScore("a", "once", 6.0),
    ]
    # Pool mean = 10; "once" has mean 6: shifted by +4 -> 10.
    assert normalise(reviews)[("a", "once")] == pytest.approx(10.0)


def test_normalise_clips_to_the_scale() -> None:
    reviews = [
        ReviewScore("a", "r1", 20.0),
        ReviewScore("b", "r1", 0.0),
        ReviewScore("c", "r2", 19.0),
        ReviewScore("d", "r2", 18.0),
        ReviewScore("e", "r3", 0.0),
    ]
    values = normalise(reviews).values()
    assert min(values) >= 0.0
    assert max(values) <= 20.0


def test_aggregate_mean_median_and_disagreement_flag() -> None:
    reviews = [
        ReviewScore("a", "r1", 18.0),
        ReviewScore("a", "r2", 6.0),
        ReviewScore("a", "r3", 15.0),
        ReviewScore("b", "r1", 12.0),
        ReviewScore("b", "r2", 12.0),
        ReviewScore("b", "r3", 13.0),
    ]
    result = aggregate(reviews, disagreement_threshold=3.0)
    assert result["a"].mean == pytest.approx(13.0)
    assert result["a"].median == pytest.approx(15.0)
    # population std of (18, 6, 15) = sqrt((25 + 49 + 4) / 3) = sqrt(26) ~ 5.10 > 3
    assert result["a"].std == pytest.approx(26**0.5)
    assert result["a"].disagreement is True
    assert result["b"].disagreement is False
    assert result["b"].count == 3

from __future__ import annotations

import pytest

from perdure._sdk.values import Duration
from perdure.errors import ValidationError


def test_default_is_zero() -> None:
    assert Duration().to_seconds() == 0


def test_negative_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Duration(-1)


@pytest.mark.parametrize(
    ("made", "seconds"),
    [
        (Duration.from_seconds(5.9), 5),
        (Duration.from_minutes(1.5), 90),
        (Duration.from_minutes(0.01), 0),
        (Duration.from_hours(2), 7200),
        (Duration.from_days(0.5), 43200),
    ],
)
def test_constructors_truncate(made: Duration, seconds: int) -> None:
    assert made.seconds == seconds


def test_frozen_and_comparable() -> None:
    assert Duration(3) == Duration.from_seconds(3)
    with pytest.raises(AttributeError):
        Duration(3).seconds = 4  # type: ignore[misc]

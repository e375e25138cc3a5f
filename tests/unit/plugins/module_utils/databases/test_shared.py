"""What the databases share: timestamps read back whatever way a database stored them."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import read_timestamp


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (1606484978123, datetime(2020, 11, 27, 13, 49, 38, 123000, tzinfo=UTC)),
        ("1606484978123", datetime(2020, 11, 27, 13, 49, 38, 123000, tzinfo=UTC)),
        ("2020-11-27 13:49:38", datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC)),
        ("2020-11-27T13:49:38.5+01:00", datetime(2020, 11, 27, 12, 49, 38, 500000, tzinfo=UTC)),
        ("2020-11-27T13:49:38Z", datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC)),
        (b"2020-11-27 13:49:38", datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC)),
        (datetime(2020, 11, 27, 13, 49, 38), datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC)),
        (
            datetime(2020, 11, 27, 14, 49, 38, tzinfo=timezone(timedelta(hours=1))),
            datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC),
        ),
        (None, None),
    ],
)
def test_read_timestamp_any_storage(stored, expected):
    assert read_timestamp(stored) == expected


def test_unreadable_timestamp_is_an_error():
    with pytest.raises(ValueError, match="unreadable timestamp"):
        read_timestamp("yesterday")

"""The adapters' memory of recent deliveries: a platform's repeat is dropped before any work."""

from bot.platforms.repeats import RecentDeliveries


def test_a_delivery_is_new_once_and_seen_after():
    recent = RecentDeliveries("slack")
    assert recent.seen("Ev1") is False
    assert recent.seen("Ev1") is True
    assert recent.seen("Ev1") is True
    assert recent.seen("Ev2") is False


def test_the_oldest_delivery_is_forgotten_first():
    recent = RecentDeliveries("telegram", remembered=3)
    for delivery in ("1", "2", "3", "4"):
        assert recent.seen(delivery) is False
    assert recent.seen("1") is False  # forgotten when "4" came; remembered again now
    assert [recent.seen(d) for d in ("3", "4", "1")] == [True, True, True]
    assert recent.seen("2") is False


def test_each_adapter_remembers_its_own():
    slack, telegram = RecentDeliveries("slack"), RecentDeliveries("telegram")
    assert slack.seen("42") is False
    assert telegram.seen("42") is False


def test_a_repeat_is_logged_with_its_platform_and_id(caplog):
    recent = RecentDeliveries("telegram")
    recent.seen("update-7")
    with caplog.at_level("INFO", logger="bot.platforms.repeats"):
        recent.seen("update-7")
    (record,) = caplog.records
    assert record.getMessage() == "repeated_delivery_dropped"
    assert (record.platform, record.delivery_id) == ("telegram", "update-7")

"""Noticing a platform's repeat of a delivery before any work is done for it."""

import logging
from collections import OrderedDict

log = logging.getLogger(__name__)

REMEMBERED = 10_000


class RecentDeliveries:
    """The ids of the deliveries this process took last. A platform sends one again when it
    thinks it was lost (Slack retries an event, Telegram a webhook call, a button is pressed
    twice); memory of recent ids drops the repeat early. Across instances and restarts, the
    database's claim on each delivery is what makes a repeat harmless."""

    def __init__(self, platform: str, remembered: int = REMEMBERED) -> None:
        self.platform = platform
        self.remembered = remembered
        self._ids: OrderedDict[str, None] = OrderedDict()

    def seen(self, delivery_id: str) -> bool:
        """Whether `delivery_id` came before; if not, it is remembered from now on, and the
        oldest id forgotten once `remembered` are kept."""
        if delivery_id in self._ids:
            log.info(
                "repeated_delivery_dropped",
                extra={"platform": self.platform, "delivery_id": delivery_id},
            )
            return True
        self._ids[delivery_id] = None
        if len(self._ids) > self.remembered:
            self._ids.popitem(last=False)
        return False

"""The neutral incoming message every platform adapter produces."""

from dataclasses import dataclass


@dataclass(frozen=True)
class IncomingImage:
    """An image sent with the message; `content` is None when it was too big to fetch."""

    content: bytes | None
    declared_size: int
    filename: str = ""


@dataclass(frozen=True)
class Incoming:
    platform: str  # "slack" | "telegram" | "console"
    user_id: str  # the platform's own id
    chat_id: str
    text: str  # "log 12km cycle", with or without the slash
    delivery_id: str  # event_id / update_id: the key that makes a repeat harmless
    display_name: str | None = None
    timezone: str | None = None  # an IANA name when the platform tells it
    image: IncomingImage | None = None

    @property
    def delivery_key(self) -> str:
        return f"{self.platform}:{self.delivery_id}"

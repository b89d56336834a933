"""What every handler is given: the caller, their season, the clock and a transaction."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import Config
from bot.messages import Incoming
from storage.models import Participant


@dataclass
class Context:
    session: Session
    config: Config
    season_id: int
    incoming: Incoming
    participant: Participant
    now: datetime
    is_admin: bool

    @property
    def zone(self) -> ZoneInfo:
        return caller_zone(self.participant.timezone, self.incoming, self.config)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


def caller_zone(own_setting: str | None, incoming: Incoming, config: Config) -> ZoneInfo:
    """The caller's own setting, else what the platform says, else the season's zone."""
    for name in (own_setting, incoming.timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ValueError, KeyError):
                continue
    return config.season.timezone

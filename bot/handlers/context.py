"""What every handler is given: the caller, their season, the clock and a transaction."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import i18n
from bot.config import Config
from bot.domain.public_names import Named, public_name
from bot.handlers.registry import Caller
from bot.messages import Incoming
from bot.replies import Reply, Text, ToParticipant
from storage.models import Participant, Team
from storage.season_store import CallerStore


@dataclass
class Context:
    session: Session
    config: Config
    season_id: int
    incoming: Incoming
    participant: Participant
    now: datetime
    is_admin: bool

    @cached_property
    def store(self) -> CallerStore:
        """The season's data, asked for and changed as this caller, at `now`."""
        return CallerStore(self.session, self.season_id, self.now, self.participant.id)

    @property
    def team(self) -> Team | None:
        """The caller's team this season, if they are in one; the store looks it up again
        once the caller creates, joins or leaves a team."""
        return self.store.my_team

    @property
    def caller(self) -> Caller:
        """Who the caller is, for the permission check."""
        team = self.team
        return Caller(
            is_admin=self.is_admin,
            is_member=self.store.has_joined(),
            is_captain=team is not None and team.captain_id == self.participant.id,
        )

    def name_of(self, person: Named, participant_id: int) -> str:
        """How the caller sees someone's name: their own as it is, anyone else's as everyone
        else sees it (`public_name`)."""
        if participant_id == self.participant.id:
            return self.participant.display_name
        return public_name(person, self.config.privacy.names)

    @cached_property
    def language(self) -> str:
        """The language the caller reads: see `reply_language`."""
        return reply_language(self.participant.language, self.incoming, self.config)

    def language_of(self, person: Participant | None) -> str:
        """The language someone else reads a message to them in: their own choice, else the
        default (their platform's is known only when they write)."""
        own = person.language if person is not None else None
        return own if own in self.config.languages.shipped else self.config.languages.default

    def tell(self, participant_id: int, text: Callable[[], str]) -> list[Reply]:
        """A direct message to a participant on each of their accounts, written (`text()`) in
        their own language; none for someone with no account left."""
        person = self.store.participant(participant_id)
        accounts = self.store.accounts_of(participant_id)
        if person is None or not accounts:
            return []
        with i18n.using(self.language_of(person)):
            return [Reply((Text(text()),), ToParticipant(accounts))]

    @property
    def zone(self) -> ZoneInfo:
        return caller_zone(self.participant.timezone, self.incoming, self.config)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


def reply_language(own_setting: str | None, incoming: Incoming, config: Config) -> str:
    """The caller's own choice (`language`), else the shipped language nearest to what the
    platform says, else `[languages] default`."""
    shipped = config.languages.shipped
    if own_setting in shipped:
        return own_setting
    return i18n.nearest(incoming.language, shipped) or config.languages.default


def caller_zone(own_setting: str | None, incoming: Incoming, config: Config) -> ZoneInfo:
    """The caller's own setting, else what the platform says, else the season's zone."""
    for name in (own_setting, incoming.timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ValueError, KeyError):
                continue
    return config.season.timezone

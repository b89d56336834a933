"""One person's own data across every season: what `mydata` hands them."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import (
    Activity,
    AuditEntry,
    Ballot,
    Charity,
    Membership,
    Participant,
    PhotoEntry,
    PlatformAccount,
    Season,
    SeasonOutcome,
    Team,
)


@dataclass(frozen=True)
class TeamTime:
    """A stretch in a team: the team's own figures only, never a teammate's."""

    season: str
    team: str
    team_total_m: int
    joined: Membership
    captain_now: bool


@dataclass(frozen=True)
class PersonalData:
    participant: Participant
    accounts: list[PlatformAccount]
    teams: list[TeamTime]
    activities: list[tuple[str, Activity]]  # (season, activity), removed ones included
    votes: list[tuple[str, str, Ballot]]  # (season, charity, ballot)
    photos: list[tuple[str, PhotoEntry, bool]]  # (season, entry, whether it won)
    admin_actions: list[AuditEntry]


def personal_data(session: Session, pid: int) -> PersonalData:
    """Everything held about participant `pid`, oldest first within each kind."""
    participant = session.get_one(Participant, pid)
    accounts = session.scalars(
        select(PlatformAccount)
        .where(PlatformAccount.participant_id == pid)
        .order_by(PlatformAccount.id)
    )
    teams = session.execute(
        select(Season.name, Team, Membership)
        .join(Team, Team.id == Membership.team_id)
        .join(Season, Season.id == Membership.season_id)
        .where(Membership.participant_id == pid)
        .order_by(Membership.joined_at, Membership.id)
    )
    activities = session.execute(
        select(Season.name, Activity)
        .join(Season, Season.id == Activity.season_id)
        .where(Activity.participant_id == pid)
        .order_by(Activity.id)
    )
    votes = session.execute(
        select(Season.name, Charity.name, Ballot)
        .join(Season, Season.id == Ballot.season_id)
        .join(Charity, Charity.id == Ballot.charity_id)
        .where(Ballot.participant_id == pid)
        .order_by(Ballot.season_id)
    )
    photos = session.execute(
        select(Season.name, PhotoEntry, SeasonOutcome.photo_id == PhotoEntry.id)
        .join(Season, Season.id == PhotoEntry.season_id)
        .outerjoin(SeasonOutcome, SeasonOutcome.season_id == PhotoEntry.season_id)
        .where(PhotoEntry.participant_id == pid)
        .order_by(PhotoEntry.id)
    )
    actions = session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == pid).order_by(AuditEntry.id)
    )
    return PersonalData(
        participant,
        list(accounts),
        [
            TeamTime(
                season,
                team.name,
                team.total_m,
                membership,
                membership.left_at is None and team.captain_id == pid,
            )
            for season, team, membership in teams
        ],
        [(season, activity) for season, activity in activities],
        [(season, charity, ballot) for season, charity, ballot in votes],
        [(season, entry, bool(won)) for season, entry, won in photos],
        list(actions),
    )

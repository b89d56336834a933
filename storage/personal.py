"""One person's own data across every season: what `mydata` hands them, and what `forgetme`
and the retention job erase."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, delete, func, select, update
from sqlalchemy.orm import Session

from storage.models import (
    Activity,
    ActivityFile,
    AuditEntry,
    Ballot,
    Charity,
    LinkCode,
    Membership,
    Participant,
    PendingUpload,
    PhotoEntry,
    PlatformAccount,
    Pledge,
    Reminder,
    ReminderSent,
    Season,
    SeasonOutcome,
    Team,
)
from storage.repository import next_captain


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
    # (season, activity, the file it came from), removed ones included
    activities: list[tuple[str, Activity, ActivityFile | None]]
    votes: list[tuple[str, str, Ballot]]  # (season, charity, ballot)
    photos: list[tuple[str, PhotoEntry, bool]]  # (season, entry, whether it won)
    admin_actions: list[AuditEntry]
    file_waiting: PendingUpload | None  # sent without its kind, not logged yet
    pledges: list[tuple[str, Pledge]]  # (season, pledge)
    reminder: Reminder | None


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
        select(Season.name, Activity, ActivityFile)
        .join(Season, Season.id == Activity.season_id)
        .outerjoin(ActivityFile, ActivityFile.activity_id == Activity.id)
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
        [(season, activity, file) for season, activity, file in activities],
        [(season, charity, ballot) for season, charity, ballot in votes],
        [(season, entry, bool(won)) for season, entry, won in photos],
        list(actions),
        session.get(PendingUpload, pid),
        [
            (season, pledge)
            for season, pledge in session.execute(
                select(Season.name, Pledge)
                .join(Season, Season.id == Pledge.season_id)
                .where(Pledge.participant_id == pid)
            )
        ],
        session.get(Reminder, pid),
    )


Image = tuple[str, str]  # (sha256, media type): a file in the media directory


def forget_participant(session: Session, participant_id: int, now: datetime) -> list[Image]:
    """`forgetme`: erase one participant's personal data, and take them out of their team
    (see `_forget`)."""
    who = select(Participant.id).where(Participant.id == participant_id)
    _leave_teams(session, who, now)
    return _forget(session, who, now)


def forget_season(session: Session, season_id: int, now: datetime) -> tuple[int, list[Image]]:
    """The retention job: erase everyone not erased yet who took part in no other season
    (admins and people who only looked included); how many, and the images to delete. The
    season's teams keep their members, as "a former participant" each."""
    elsewhere = select(Membership.id).where(
        Membership.participant_id == Participant.id, Membership.season_id != season_id
    )
    who = select(Participant.id).where(Participant.forgotten_at.is_(None), ~elsewhere.exists())
    people = session.scalar(select(func.count()).select_from(who.subquery())) or 0
    return people, _forget(session, who, now)


def _leave_teams(session: Session, who: Select[tuple[int]], now: datetime) -> None:
    """End the current memberships of the people `who` selects; each team they leave
    recounts its members, and a captain's place passes as `next_captain` says."""
    teams = list(
        session.scalars(
            select(Membership.team_id).where(
                Membership.participant_id.in_(who), Membership.left_at.is_(None)
            )
        )
    )
    if not teams:
        return
    session.execute(
        update(Membership)
        .where(Membership.participant_id.in_(who), Membership.left_at.is_(None))
        .values(left_at=now)
    )
    staying = select(Membership.participant_id).where(
        Membership.team_id == Team.id, Membership.left_at.is_(None)
    )
    session.execute(
        update(Team)
        .where(Team.id.in_(teams))
        .values(
            member_count=staying.with_only_columns(func.count()).scalar_subquery(),
            captain_id=case(
                (Team.captain_id.in_(who), next_captain(Team.id)),
                else_=Team.captain_id,
            ),
        )
        .execution_options(synchronize_session=False)
    )


def _forget(session: Session, who: Select[tuple[int]], now: datetime) -> list[Image]:
    """Erase the personal data of the participants `who` selects: their names, accounts,
    time zone, language and country, the times of their files, their pledges and reminders,
    and their photo entries that did not win. Their logs, totals, votes and team places
    stay, under an id and nobody's name, so every total and the company's gift are unchanged.
    The images no entry uses any more, to delete from disk once committed."""
    winners = select(SeasonOutcome.photo_id).where(SeasonOutcome.photo_id.is_not(None))
    gone = session.execute(
        delete(PhotoEntry)
        .where(PhotoEntry.participant_id.in_(who), PhotoEntry.id.not_in(winners))
        .returning(PhotoEntry.sha256, PhotoEntry.media_type)
    ).all()
    session.execute(delete(PlatformAccount).where(PlatformAccount.participant_id.in_(who)))
    # When someone recorded: the day of each log stays, the hour and the file do not.
    session.execute(delete(ActivityFile).where(ActivityFile.participant_id.in_(who)))
    session.execute(delete(PendingUpload).where(PendingUpload.participant_id.in_(who)))
    session.execute(delete(Pledge).where(Pledge.participant_id.in_(who)))
    session.execute(delete(Reminder).where(Reminder.participant_id.in_(who)))
    session.execute(delete(ReminderSent).where(ReminderSent.participant_id.in_(who)))
    session.execute(delete(LinkCode).where(LinkCode.participant_id.in_(who)))
    session.execute(
        update(Participant)
        .where(Participant.id.in_(who))
        .values(
            display_name="",
            timezone=None,
            language=None,
            country=None,
            hidden=False,
            forgotten_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    images = {(sha256, media_type) for sha256, media_type in gone}
    still_used = set(
        session.scalars(
            select(PhotoEntry.sha256).where(PhotoEntry.sha256.in_([s for s, _ in images]))
        )
    )
    return sorted(image for image in images if image[0] not in still_used)

"""Queries and updates the handlers need; running totals move in the same transaction as logs."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.domain.names import name_key
from storage import logbook
from storage.logbook import KIND_COLUMNS
from storage.models import (
    Activity,
    AuditEntry,
    CountryTotal,
    DailyTotal,
    Delivery,
    Membership,
    Participant,
    ParticipantTotal,
    PhotoEntry,
    PlatformAccount,
    PostLedger,
    RankBucket,
    Season,
    Team,
    TeamMemberTotal,
)


def upsert_into(session: Session, table: Any) -> Any:
    """An INSERT that knows ON CONFLICT on both SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def for_update(statement: Any) -> Any:
    """Row locks on PostgreSQL; SQLite's immediate transactions already serialise writers."""
    return statement.with_for_update()


# -- deliveries ------------------------------------------------------------------------------


def claim_delivery(session: Session, key: str, now: datetime) -> bool:
    """Record a platform delivery; False when it was handled before."""
    return key in logbook.claim_deliveries(session, [key], now)


def forget_deliveries(session: Session, before: datetime) -> int:
    """Drop the deliveries handled before `before`; how many were dropped."""
    return session.execute(delete(Delivery).where(Delivery.handled_at < before)).rowcount


# -- seasons and participants ------------------------------------------------------------------


def upsert_season(session: Session, **fields: Any) -> int:
    """The season row for this name, created or brought in line with the configuration."""
    season = session.scalar(select(Season).where(Season.name == fields["name"]))
    if season is None:
        season = Season(**fields)
        session.add(season)
    else:
        for key, value in fields.items():
            setattr(season, key, value)
    session.flush()
    return season.id


DISPLAY_NAME_LENGTH = Participant.__table__.c.display_name.type.length


def account_participant(
    session: Session, platform: str, external_id: str, display_name: str, now: datetime
) -> Participant:
    """The participant behind a platform account, created on first contact."""
    display_name = clean_name(display_name)
    participant = _account_owner(session, platform, external_id)
    if participant is not None:
        if display_name and participant.display_name != display_name:
            participant.display_name = display_name
        return participant
    participant = Participant(display_name=display_name or external_id, created_at=now)
    session.add(participant)
    session.flush()
    session.add(
        PlatformAccount(platform=platform, external_id=external_id, participant_id=participant.id)
    )
    session.flush()
    return participant


def _account_owner(session: Session, platform: str, external_id: str) -> Participant | None:
    return session.scalar(
        select(Participant)
        .join(PlatformAccount, PlatformAccount.participant_id == Participant.id)
        .where(PlatformAccount.platform == platform, PlatformAccount.external_id == external_id)
    )


def known_participant(
    session: Session, platform: str, external_id: str, display_name: str
) -> Participant | None:
    """The participant behind an account, when it exists and its name needs no update;
    reads only."""
    participant = _account_owner(session, platform, external_id)
    display_name = clean_name(display_name)
    if participant is None or (display_name and participant.display_name != display_name):
        return None
    return participant


def chosen_language(session: Session, platform: str, external_id: str) -> str | None:
    """The reply language an account's participant chose, if any; reads only."""
    return session.scalar(
        select(Participant.language)
        .join(PlatformAccount, PlatformAccount.participant_id == Participant.id)
        .where(PlatformAccount.platform == platform, PlatformAccount.external_id == external_id)
    )


def clean_name(name: str) -> str:
    """A platform's display name as one printable line that fits its column."""
    if not name.isprintable():
        name = "".join(c if c.isprintable() else " " for c in name)
    return " ".join(name.split())[:DISPLAY_NAME_LENGTH]


def accounts_of(session: Session, participant_id: int) -> tuple[tuple[str, str], ...]:
    return accounts_of_each(session, [participant_id]).get(participant_id, ())


def accounts_of_each(
    session: Session, participant_ids: Sequence[int]
) -> dict[int, tuple[tuple[str, str], ...]]:
    """(platform, id) of each participant's accounts, in the order they were made; one
    query for however many (ten thousand 19:30 nudges), in chunks the drivers take."""
    found: dict[int, list[tuple[str, str]]] = {}
    for start in range(0, len(participant_ids), 5_000):
        rows = session.execute(
            select(
                PlatformAccount.participant_id,
                PlatformAccount.platform,
                PlatformAccount.external_id,
            )
            .where(PlatformAccount.participant_id.in_(participant_ids[start : start + 5_000]))
            .order_by(PlatformAccount.id)
        )
        for pid, platform, external_id in rows:
            found.setdefault(pid, []).append((platform, external_id))
    return {pid: tuple(accounts) for pid, accounts in found.items()}


def lock_participant(session: Session, participant_id: int) -> None:
    """Serialise one participant's changes (a double-tapped /log, a log racing an undo).
    SQLite's immediate transactions already run one at a time."""
    if session.get_bind().dialect.name == "sqlite":
        return
    session.execute(for_update(select(Participant.id).where(Participant.id == participant_id)))


# -- teams -------------------------------------------------------------------------------------


def current_team(session: Session, season_id: int, participant_id: int) -> Team | None:
    return session.scalar(
        select(Team)
        .join(Membership, Membership.team_id == Team.id)
        .where(
            Membership.season_id == season_id,
            Membership.participant_id == participant_id,
            Membership.left_at.is_(None),
        )
    )


def team_by_key(session: Session, season_id: int, key: str, *, lock: bool = False) -> Team | None:
    statement = select(Team).where(Team.season_id == season_id, Team.name_key == key)
    return session.scalar(for_update(statement) if lock else statement)


def team_names(session: Session, season_id: int) -> list[str]:
    return list(session.scalars(select(Team.name).where(Team.season_id == season_id)))


def create_team(
    session: Session, season_id: int, name: str, key: str, captain_id: int, now: datetime
) -> Team:
    team = Team(
        season_id=season_id,
        name=name,
        name_key=key,
        captain_id=captain_id,
        member_count=0,
        run_m=0,
        walk_m=0,
        cycle_m=0,
        total_m=0,
        created_at=now,
    )
    session.add(team)
    session.flush()
    return team


def add_member(session: Session, team: Team, participant_id: int, now: datetime) -> None:
    session.add(
        Membership(
            season_id=team.season_id, team_id=team.id, participant_id=participant_id, joined_at=now
        )
    )
    team.member_count += 1
    ensure_participant_total(session, team.season_id, participant_id)
    session.flush()


def remove_member(session: Session, team: Team, participant_id: int, now: datetime) -> None:
    """End the membership; if the captain leaves, the member with the most km for the team
    takes over (the longest-standing among equals)."""
    session.execute(
        update(Membership)
        .where(
            Membership.team_id == team.id,
            Membership.participant_id == participant_id,
            Membership.left_at.is_(None),
        )
        .values(left_at=now)
    )
    team.member_count -= 1
    if team.captain_id == participant_id:
        team.captain_id = session.scalar(select(next_captain(team.id)))
    session.flush()


def next_captain(team_id: Any) -> Any:
    """Who captains a team after its captain: the current member with the most km for it,
    the longest-standing among equals. A scalar query; `team_id` may be a column."""
    contributed = func.coalesce(
        select(TeamMemberTotal.total_m)
        .where(
            TeamMemberTotal.team_id == Membership.team_id,
            TeamMemberTotal.participant_id == Membership.participant_id,
        )
        .scalar_subquery(),
        0,
    )
    return (
        select(Membership.participant_id)
        .where(Membership.team_id == team_id, Membership.left_at.is_(None))
        .order_by(contributed.desc(), Membership.joined_at, Membership.id)
        .limit(1)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class Person:
    """A participant as far as their name goes, read with a query's other columns."""

    display_name: str
    hidden: bool
    forgotten: bool


def _person(display_name: str, hidden: bool, forgotten_at: datetime | None) -> Person:
    return Person(display_name, bool(hidden), forgotten_at is not None)


def _person_columns(table: Any = Participant) -> tuple[Any, Any, Any]:
    """The columns `_person` takes, of the participant table or an alias of it."""
    columns = getattr(table, "c", table)
    return columns.display_name, columns.hidden, columns.forgotten_at


@dataclass(frozen=True)
class MemberRow:
    participant_id: int
    person: Person
    total_m: int
    is_captain: bool


def team_members(session: Session, team: Team) -> list[MemberRow]:
    """Current members and what each contributed to this team, biggest first."""
    rows = session.execute(
        select(
            Participant.id,
            *_person_columns(),
            func.coalesce(TeamMemberTotal.total_m, 0),
        )
        .join(Membership, Membership.participant_id == Participant.id)
        .outerjoin(
            TeamMemberTotal,
            (TeamMemberTotal.team_id == team.id)
            & (TeamMemberTotal.participant_id == Participant.id),
        )
        .where(Membership.team_id == team.id, Membership.left_at.is_(None))
        .order_by(func.coalesce(TeamMemberTotal.total_m, 0).desc(), Participant.display_name)
    )
    return [
        MemberRow(pid, _person(name, hidden, gone), int(total), pid == team.captain_id)
        for pid, name, hidden, gone, total in rows
    ]


def team_of_member_named(
    session: Session, season_id: int, key: str, shown: Callable[[Person], str]
) -> Team | None:
    """The team of the one current member whose shown name has the comparison key `key`."""
    rows = session.execute(
        select(Team, *_person_columns())
        .join(Membership, Membership.team_id == Team.id)
        .join(Participant, Participant.id == Membership.participant_id)
        .where(Membership.season_id == season_id, Membership.left_at.is_(None))
    ).all()
    teams = [
        team
        for team, name, hidden, gone in rows
        if name_key(shown(_person(name, hidden, gone))) == key
    ]
    return teams[0] if len(teams) == 1 else None


def person_totals(session: Session, season_id: int) -> dict[int, int]:
    rows = session.execute(
        select(ParticipantTotal.participant_id, ParticipantTotal.total_m).where(
            ParticipantTotal.season_id == season_id
        )
    )
    return {pid: int(total) for pid, total in rows}


def team_above(session: Session, team: Team) -> Team | None:
    return session.scalar(
        select(Team)
        .where(Team.season_id == team.season_id, Team.total_m > team.total_m)
        .order_by(Team.total_m, Team.name_key)
        .limit(1)
    )


def team_rank(session: Session, team: Team) -> int:
    return logbook.season_ranks(session, team.season_id, [], [team.total_m]).of_team[team.total_m]


def season_counts(session: Session, season_id: int) -> tuple[int, int]:
    """How many participants (everyone who has been in a team this season) and teams."""
    ranks = logbook.season_ranks(session, season_id, [], [], count_people=True)
    assert ranks.person_count is not None  # asked for
    return ranks.person_count, ranks.team_count


def top_teams(session: Session, season_id: int, limit: int) -> Sequence[Team]:
    return session.scalars(
        select(Team)
        .where(Team.season_id == season_id)
        .order_by(Team.total_m.desc(), Team.name_key)
        .limit(limit)
    ).all()


# -- activities and running totals -------------------------------------------------------------


def ensure_participant_total(session: Session, season_id: int, participant_id: int) -> None:
    statement = upsert_into(session, ParticipantTotal).values(
        season_id=season_id, participant_id=participant_id, run_m=0, walk_m=0, cycle_m=0, total_m=0
    )
    session.execute(statement.on_conflict_do_nothing())


def remove_activity(
    session: Session, activity: Activity, removed_by: int, reason: str, now: datetime
) -> None:
    """Soft-delete an activity and take its distance back out of every running total."""
    activity.deleted_at = now
    activity.deleted_by = removed_by
    activity.delete_reason = reason
    session.flush()
    move = logbook.Move(
        activity.participant_id, activity.team_id, activity.kind, activity.day, -activity.distance_m
    )
    logbook.move_totals(session, activity.season_id, [move])


def day_total(session: Session, season_id: int, participant_id: int, day: date, kind: str) -> int:
    total = session.scalar(
        select(DailyTotal.distance_m).where(
            DailyTotal.season_id == season_id,
            DailyTotal.participant_id == participant_id,
            DailyTotal.day == day,
            DailyTotal.kind == kind,
        )
    )
    return total or 0


def latest_activity(session: Session, season_id: int, participant_id: int) -> Activity | None:
    return session.scalar(
        select(Activity)
        .where(
            Activity.season_id == season_id,
            Activity.participant_id == participant_id,
            Activity.deleted_at.is_(None),
        )
        .order_by(Activity.id.desc())
        .limit(1)
    )


def activity_by_id(session: Session, season_id: int, activity_id: int) -> Activity | None:
    return session.scalar(
        select(Activity).where(Activity.season_id == season_id, Activity.id == activity_id)
    )


# -- personal totals ---------------------------------------------------------------------------


def participant_total(session: Session, season_id: int, participant_id: int) -> ParticipantTotal:
    row = session.get(ParticipantTotal, (season_id, participant_id))
    return row or _nothing_yet(season_id, participant_id)


def _nothing_yet(season_id: int, participant_id: int) -> ParticipantTotal:
    return ParticipantTotal(
        season_id=season_id, participant_id=participant_id, run_m=0, walk_m=0, cycle_m=0, total_m=0
    )


@dataclass(frozen=True)
class Standing:
    """A participant's season totals, current team, how much of that team's total is theirs,
    and on how many days they logged."""

    totals: ParticipantTotal
    team: Team | None
    contributed_m: int
    days_active: int


def standing(session: Session, season_id: int, participant_id: int) -> Standing:
    """What `me` shows of a participant, in one statement."""
    days_active = (
        select(func.count(func.distinct(DailyTotal.day)))
        .where(
            DailyTotal.season_id == season_id,
            DailyTotal.participant_id == Participant.id,
            DailyTotal.distance_m > 0,
        )
        .scalar_subquery()
    )
    totals, team, contributed_m, days = session.execute(
        select(ParticipantTotal, Team, TeamMemberTotal.total_m, days_active)
        .select_from(Participant)
        .outerjoin(
            ParticipantTotal,
            (ParticipantTotal.season_id == season_id)
            & (ParticipantTotal.participant_id == Participant.id),
        )
        .outerjoin(
            Membership,
            (Membership.season_id == season_id)
            & (Membership.participant_id == Participant.id)
            & Membership.left_at.is_(None),
        )
        .outerjoin(Team, Team.id == Membership.team_id)
        .outerjoin(
            TeamMemberTotal,
            (TeamMemberTotal.team_id == Team.id)
            & (TeamMemberTotal.participant_id == Participant.id),
        )
        .where(Participant.id == participant_id)
    ).one()
    return Standing(
        totals or _nothing_yet(season_id, participant_id), team, int(contributed_m or 0), days
    )


def person_rank(session: Session, season_id: int, total_m: int) -> int:
    return logbook.season_ranks(session, season_id, [total_m], []).of_person[total_m]


def person_standing(session: Session, season_id: int, total_m: int) -> tuple[int, int]:
    """The rank that goes with a participant's season total, and out of how many."""
    ranks = logbook.season_ranks(session, season_id, [total_m], [], count_people=True)
    assert ranks.person_count is not None  # asked for
    return ranks.of_person[total_m], ranks.person_count


def has_joined(session: Session, season_id: int, participant_id: int) -> bool:
    """Whether the participant has been in a team this season."""
    return session.get(ParticipantTotal, (season_id, participant_id)) is not None


@dataclass(frozen=True)
class PersonRow:
    participant_id: int
    person: Person
    team_name: str | None
    total_m: int


def top_people(
    session: Session, season_id: int, limit: int, *, named_only: bool = False
) -> list[PersonRow]:
    """The people with the most km, each with their current team (if any), in one query;
    `named_only` leaves out the hidden and the forgotten, as the web board does."""
    named = (Participant.hidden.is_(False), Participant.forgotten_at.is_(None))
    return _people(
        session,
        season_id,
        named if named_only else (),
        (ParticipantTotal.total_m.desc(), Participant.display_name),
        limit,
    )


def people_around(
    session: Session, season_id: int, participant_id: int, total_m: int, each: int
) -> tuple[list[PersonRow], list[PersonRow]]:
    """The `each` people just ahead of a participant and the `each` just behind, in ranking
    order (most km first, then the earlier participant): a keyset read of the total's index,
    never a scan of everyone."""
    total, pid = ParticipantTotal.total_m, ParticipantTotal.participant_id
    # The bare bound is what the index can start from; the rest only breaks ties.
    ahead = _people_query(
        season_id,
        (total >= total_m, or_(total > total_m, and_(total == total_m, pid < participant_id))),
        (total.asc(), pid.desc()),
        each,
    ).add_columns(literal(True).label("ahead"))
    behind = _people_query(
        season_id,
        (total <= total_m, or_(total < total_m, and_(total == total_m, pid > participant_id))),
        (total.desc(), pid.asc()),
        each,
    ).add_columns(literal(False).label("ahead"))
    # Both sides in one round trip; each side's order is made again here.
    rows = session.execute(union_all(select(ahead.subquery()), select(behind.subquery()))).all()
    found = {
        side: sorted(
            (_person_row(row[:-1]) for row in rows if bool(row[-1]) == side),
            key=lambda p: (-p.total_m, p.participant_id),
        )
        for side in (True, False)
    }
    return found[True], found[False]


def _people(
    session: Session,
    season_id: int,
    conditions: tuple[Any, ...],
    order: tuple[Any, ...],
    limit: int,
) -> list[PersonRow]:
    rows = session.execute(_people_query(season_id, conditions, order, limit)).all()
    return [_person_row(row) for row in rows]


def _people_query(
    season_id: int, conditions: tuple[Any, ...], order: tuple[Any, ...], limit: int
) -> Any:
    """People ranked by their totals, each with their current team's name: looked up for
    the rows shown only (a join would make SQLite pair every member with their team first)."""
    current_team = (
        select(Team.name)
        .join(Membership, Membership.team_id == Team.id)
        .where(
            Membership.season_id == season_id,
            Membership.participant_id == ParticipantTotal.participant_id,
            Membership.left_at.is_(None),
        )
        .scalar_subquery()
    )
    return (
        select(
            ParticipantTotal.participant_id,
            *_person_columns(),
            current_team.label("team_name"),
            ParticipantTotal.total_m,
        )
        .join(Participant, Participant.id == ParticipantTotal.participant_id)
        .where(ParticipantTotal.season_id == season_id, *conditions)
        .order_by(*order)
        .limit(limit)
    )


def _person_row(row: Any) -> PersonRow:
    pid, name, hidden, gone, team, total = row
    return PersonRow(pid, _person(name, hidden, gone), team, int(total))


@dataclass(frozen=True)
class SeasonSums:
    run_m: int
    walk_m: int
    cycle_m: int

    @property
    def total_m(self) -> int:
        return self.run_m + self.walk_m + self.cycle_m


def season_sums(session: Session, season_id: int) -> SeasonSums:
    """Season distance per kind, summed from the teams' running totals."""
    run, walk, cycle = session.execute(
        select(
            func.coalesce(func.sum(Team.run_m), 0),
            func.coalesce(func.sum(Team.walk_m), 0),
            func.coalesce(func.sum(Team.cycle_m), 0),
        ).where(Team.season_id == season_id)
    ).one()
    return SeasonSums(int(run), int(walk), int(cycle))


@dataclass(frozen=True)
class CountryRow:
    code: str
    people: int
    total_m: int


def country_totals(session: Session, season_id: int) -> list[CountryRow]:
    """Each country's participants this season and their km, most km first."""
    rows = session.execute(
        select(CountryTotal.country, CountryTotal.people, CountryTotal.total_m)
        .where(CountryTotal.season_id == season_id, CountryTotal.people > 0)
        .order_by(CountryTotal.total_m.desc(), CountryTotal.country)
    ).all()
    return [CountryRow(code, int(people), int(total)) for code, people, total in rows]


def _rebuild_country_totals(session: Session, season_id: int) -> None:
    """Count the countries again from the totals (the triggers keep them in step)."""
    session.execute(delete(CountryTotal).where(CountryTotal.season_id == season_id))
    session.execute(
        insert(CountryTotal).from_select(
            ["season_id", "country", "people", "total_m"],
            select(
                ParticipantTotal.season_id,
                Participant.country,
                func.count(),
                func.sum(ParticipantTotal.total_m),
            )
            .join(Participant, Participant.id == ParticipantTotal.participant_id)
            .where(ParticipantTotal.season_id == season_id, Participant.country.is_not(None))
            .group_by(ParticipantTotal.season_id, Participant.country),
        )
    )


# -- photos ------------------------------------------------------------------------------------


def photo_entries(session: Session, season_id: int) -> list[tuple[PhotoEntry, Participant]]:
    """Every photo entered in the season, each with its author, in the order entered."""
    rows = session.execute(
        select(PhotoEntry, Participant)
        .join(Participant, Participant.id == PhotoEntry.participant_id)
        .where(PhotoEntry.season_id == season_id)
        .order_by(PhotoEntry.id)
    )
    return [(entry, author) for entry, author in rows]


def photo_entries_of(session: Session, season_id: int, participant_id: int) -> list[PhotoEntry]:
    """One participant's photo entries in the season, in the order entered."""
    return list(
        session.scalars(
            select(PhotoEntry)
            .where(PhotoEntry.season_id == season_id, PhotoEntry.participant_id == participant_id)
            .order_by(PhotoEntry.id)
        )
    )


def add_photo_entry(
    session: Session,
    season_id: int,
    participant_id: int,
    *,
    sha256: str,
    media_type: str,
    size_bytes: int,
    title: str | None,
    now: datetime,
) -> PhotoEntry:
    """Enter a photo whose image is already stored under its SHA-256."""
    entry = PhotoEntry(
        season_id=season_id,
        participant_id=participant_id,
        sha256=sha256,
        media_type=media_type,
        size_bytes=size_bytes,
        title=title,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    return entry


# -- the post ledger ---------------------------------------------------------------------------


def claim_post(session: Session, season_id: int, key: str, now: datetime) -> bool:
    """Claim a post before sending it; False when someone (a restart, another instance,
    an admin) already did."""
    statement = upsert_into(session, PostLedger).values(
        key=key, season_id=season_id, claimed_at=now
    )
    claimed = statement.on_conflict_do_nothing(index_elements=["key"]).returning(PostLedger.key)
    return session.execute(claimed).scalar() is not None


def claimed_keys(session: Session, season_id: int, prefix: str) -> list[str]:
    return list(
        session.scalars(
            select(PostLedger.key).where(
                PostLedger.season_id == season_id, PostLedger.key.startswith(prefix)
            )
        )
    )


def post_claimed_at(session: Session, key: str) -> datetime | None:
    return session.scalar(select(PostLedger.claimed_at).where(PostLedger.key == key))


def mark_post_sent(session: Session, key: str, now: datetime) -> None:
    session.execute(update(PostLedger).where(PostLedger.key == key).values(sent_at=now))


def release_post(session: Session, key: str) -> bool:
    """Give up the claim of a post that reached no chat, so that it may be claimed again;
    False when there was no unsent claim to give up."""
    released = delete(PostLedger).where(PostLedger.key == key, PostLedger.sent_at.is_(None))
    return session.execute(released.returning(PostLedger.key)).scalar() is not None


# -- admin -------------------------------------------------------------------------------------


def audit(session: Session, season_id: int, actor_id: int, action: str, detail: str, now: datetime):
    session.add(
        AuditEntry(season_id=season_id, actor_id=actor_id, action=action, detail=detail, at=now)
    )


@dataclass(frozen=True)
class ExportRow:
    activity: Activity
    participant: Person
    team: str
    removed_by: Person | None


def export_rows(session: Session, season_id: int) -> list[ExportRow]:
    """Every activity of the season, removed ones included, oldest first."""
    remover = Participant.__table__.alias("remover")
    rows = session.execute(
        select(Activity, *_person_columns(), Team.name, remover.c.id, *_person_columns(remover))
        .join(Participant, Participant.id == Activity.participant_id)
        .join(Team, Team.id == Activity.team_id)
        .outerjoin(remover, remover.c.id == Activity.deleted_by)
        .where(Activity.season_id == season_id)
        .order_by(Activity.id)
    ).all()
    return [
        ExportRow(
            row[0],
            _person(*row[1:4]),
            row[4],
            None if row[5] is None else _person(*row[6:9]),
        )
        for row in rows
    ]


def _kind_sums(live: Any, key: Any) -> Any:
    """Distance per kind and in all, grouped by `key` (a participant or a team)."""
    per_kind = [
        func.sum(
            case((live.c.kind == column.removesuffix("_m"), live.c.distance_m), else_=0)
        ).label(column)
        for column in KIND_COLUMNS
    ]
    return (
        select(key.label("key"), *per_kind, func.sum(live.c.distance_m).label("total_m"))
        .group_by(key)
        .subquery()
    )


def rebuild_totals(session: Session, season_id: int) -> None:
    """Recompute every running total of a season from its activities (bulk loads, repairs)."""
    team_ids = select(Team.id).where(Team.season_id == season_id).scalar_subquery()
    session.execute(delete(DailyTotal).where(DailyTotal.season_id == season_id))
    session.execute(delete(TeamMemberTotal).where(TeamMemberTotal.team_id.in_(team_ids)))
    session.execute(
        update(ParticipantTotal)
        .where(ParticipantTotal.season_id == season_id)
        .values(run_m=0, walk_m=0, cycle_m=0, total_m=0)
    )
    live = (
        select(Activity)
        .where(Activity.season_id == season_id, Activity.deleted_at.is_(None))
        .subquery()
    )
    session.execute(
        insert(DailyTotal).from_select(
            ["season_id", "participant_id", "day", "kind", "distance_m"],
            select(
                live.c.season_id,
                live.c.participant_id,
                live.c.day,
                live.c.kind,
                func.sum(live.c.distance_m),
            ).group_by(live.c.season_id, live.c.participant_id, live.c.day, live.c.kind),
        )
    )
    session.execute(
        insert(TeamMemberTotal).from_select(
            ["team_id", "participant_id", "total_m"],
            select(live.c.team_id, live.c.participant_id, func.sum(live.c.distance_m)).group_by(
                live.c.team_id, live.c.participant_id
            ),
        )
    )
    # Sum once per person and per team, then update from those sums (UPDATE ... FROM).
    session.execute(
        update(Team)
        .where(Team.season_id == season_id)
        .values(run_m=0, walk_m=0, cycle_m=0, total_m=0)
    )
    people = _kind_sums(live, live.c.participant_id)
    session.execute(
        update(ParticipantTotal)
        .where(
            ParticipantTotal.season_id == season_id,
            ParticipantTotal.participant_id == people.c.key,
        )
        .values({column: people.c[column] for column in (*KIND_COLUMNS, "total_m")})
    )
    teams = _kind_sums(live, live.c.team_id)
    session.execute(
        update(Team)
        .where(Team.id == teams.c.key)
        .values({column: teams.c[column] for column in (*KIND_COLUMNS, "total_m")})
    )
    _rebuild_rank_buckets(session, season_id)
    _rebuild_country_totals(session, season_id)
    session.expire_all()


def _rebuild_rank_buckets(session: Session, season_id: int) -> None:
    """Count the rank buckets again from the totals (the triggers keep them in step; a
    repair makes sure)."""
    session.execute(delete(RankBucket).where(RankBucket.season_id == season_id))
    for of_team, ranked in ((0, ParticipantTotal), (1, Team)):
        for width in (logbook.FINE_M, logbook.COARSE_M):
            bucket = ranked.total_m // width
            session.execute(
                insert(RankBucket).from_select(
                    ["season_id", "of_team", "width_m", "bucket", "members"],
                    select(
                        ranked.season_id,
                        literal(of_team),
                        literal(width),
                        bucket,
                        func.count(),
                    )
                    .where(ranked.season_id == season_id)
                    .group_by(ranked.season_id, bucket),
                )
            )

"""One season's data, asked for the way the handlers ask: a store bound to one session, one
season and the clock, and, for a command, to the person who sent it. The queries themselves
live in `repository`, `charity_vote` and `logbook`; this is what the handlers see of them."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from sqlalchemy.orm import Session

from storage import (
    activity_files,
    charity_vote,
    linking,
    logbook,
    milestones,
    personal,
    pledges,
    reminders,
    snapshots,
)
from storage import repository as repo
from storage.models import (
    Activity,
    Ballot,
    Charity,
    LinkCode,
    Participant,
    ParticipantTotal,
    PhotoEntry,
    Reminder,
    SeasonOutcome,
    Team,
)


@dataclass
class SeasonStore:
    """What anyone may ask of the season or do to it: the commands and the scheduled posts."""

    session: Session
    season_id: int
    now: datetime

    # -- people and teams ------------------------------------------------------------------------

    def participant(self, participant_id: int) -> Participant | None:
        return self.session.get(Participant, participant_id)

    def accounts_of(self, participant_id: int) -> tuple[tuple[str, str], ...]:
        """(platform, id) of each of the participant's accounts, to reach them directly."""
        return repo.accounts_of(self.session, participant_id)

    def accounts_of_each(
        self, participant_ids: list[int]
    ) -> dict[int, tuple[tuple[str, str], ...]]:
        """`accounts_of` for many at once; one with no account is left out."""
        return repo.accounts_of_each(self.session, participant_ids)

    def lock_participant(self, participant_id: int) -> None:
        """Until the transaction ends, that participant's logs and removals wait for this one."""
        repo.lock_participant(self.session, participant_id)

    def team(self, key: str, *, lock: bool = False) -> Team | None:
        """The team whose name has this key (`name_key`); locked until the transaction ends
        if asked, so that its members can be counted and changed safely."""
        return repo.team_by_key(self.session, self.season_id, key, lock=lock)

    def team_by_id(self, team_id: int) -> Team | None:
        team = self.session.get(Team, team_id)
        return team if team is not None and team.season_id == self.season_id else None

    def rename_team(self, team: Team, name: str, key: str) -> None:
        team.name, team.name_key = name, key
        self.session.flush()

    def make_captain(self, team: Team, participant_id: int) -> None:
        team.captain_id = participant_id
        self.session.flush()

    def remove_from_team(self, team: Team, participant_id: int) -> None:
        """End someone's membership; their km stay with the team, as when they leave."""
        self.lock_participant(participant_id)
        repo.remove_member(self.session, team, participant_id, self.now)

    def team_of_member_named(self, key: str, shown: Callable[[repo.Person], str]) -> Team | None:
        """The team of the one current member whose name, as `shown` writes it, has this
        comparison key (`name_key`), if exactly one has."""
        return repo.team_of_member_named(self.session, self.season_id, key, shown)

    def team_names(self) -> list[str]:
        return repo.team_names(self.session, self.season_id)

    def members(self, team: Team) -> list[repo.MemberRow]:
        """A team's current members and what each contributed to it, biggest first."""
        return repo.team_members(self.session, team)

    # -- rankings and totals ---------------------------------------------------------------------

    def top_teams(self, limit: int) -> Sequence[Team]:
        return repo.top_teams(self.session, self.season_id, limit)

    def top_people(self, limit: int, *, named_only: bool = False) -> list[repo.PersonRow]:
        return repo.top_people(self.session, self.season_id, limit, named_only=named_only)

    def people_around(
        self, participant_id: int, total_m: int, each: int
    ) -> tuple[list[repo.PersonRow], list[repo.PersonRow]]:
        """The people just ahead of a participant and just behind (`repository.people_around`)."""
        return repo.people_around(self.session, self.season_id, participant_id, total_m, each)

    def team_rank(self, team: Team) -> int:
        return repo.team_rank(self.session, team)

    def person_rank(self, total_m: int) -> int:
        """The rank that goes with a participant's season total."""
        return repo.person_rank(self.session, self.season_id, total_m)

    def person_standing(self, total_m: int) -> tuple[int, int]:
        """The rank that goes with a participant's season total, and out of how many."""
        return repo.person_standing(self.session, self.season_id, total_m)

    def ranks(
        self,
        person_totals: Iterable[int],
        team_totals: Iterable[int],
        *,
        count_people: bool = False,
    ) -> logbook.Ranks:
        """The ranks that go with these season totals of people and of teams, together; and
        how many people are ranked, if asked."""
        return logbook.season_ranks(
            self.session, self.season_id, person_totals, team_totals, count_people=count_people
        )

    def sums(self) -> repo.SeasonSums:
        """The season's distance per kind."""
        return repo.season_sums(self.session, self.season_id)

    def headcount(self) -> tuple[int, int]:
        """How many participants (everyone who has been in a team) and teams."""
        return repo.season_counts(self.session, self.season_id)

    # -- activities ------------------------------------------------------------------------------

    def activity(self, activity_id: int) -> Activity | None:
        """One of the season's activities, removed or not."""
        return repo.activity_by_id(self.session, self.season_id, activity_id)

    def export_rows(self) -> list[repo.ExportRow]:
        return repo.export_rows(self.session, self.season_id)

    # -- the charity vote ------------------------------------------------------------------------

    def outcome(self) -> SeasonOutcome:
        """Where the vote and the photo competition stand, for reading; never writes."""
        return charity_vote.outcome(self.session, self.season_id)

    def locked_outcome(self) -> SeasonOutcome:
        """The outcome to change, or to keep unchanged until the transaction ends."""
        return charity_vote.locked_outcome(self.session, self.season_id)

    def charities(self) -> list[Charity]:
        """The ballot, in the order the charities were added."""
        return charity_vote.charities(self.session, self.season_id)

    def charity(self, key: str) -> Charity | None:
        """The charity whose name has this key, even if it was taken off the ballot."""
        return charity_vote.charity_by_key(self.session, self.season_id, key)

    def charity_name(self, charity_id: int | None) -> str | None:
        return charity_vote.charity_name(self.session, charity_id)

    def add_charity(self, name: str, key: str) -> Charity:
        """Put a charity on the ballot (back on it, if it was taken off)."""
        return charity_vote.add_charity(self.session, self.season_id, name, key, self.now)

    def vote_counts(self) -> list[charity_vote.Count]:
        """Votes per charity on the ballot, most first."""
        return charity_vote.counts(self.session, self.season_id)

    # -- photos ----------------------------------------------------------------------------------

    def photo(self, photo_id: int) -> PhotoEntry | None:
        """One of the season's photo entries."""
        entry = self.session.get(PhotoEntry, photo_id)
        return entry if entry is not None and entry.season_id == self.season_id else None

    def photo_entries(self) -> list[tuple[PhotoEntry, Participant]]:
        """Every entry with its author, in the order entered."""
        return repo.photo_entries(self.session, self.season_id)

    # -- the post ledger -------------------------------------------------------------------------

    def claim_post(self, key: str) -> bool:
        """Claim a post before sending it; False when it was claimed before."""
        return repo.claim_post(self.session, self.season_id, key, self.now)

    def claimed_keys(self, prefix: str) -> list[str]:
        """The keys of the posts claimed so far whose keys start with `prefix`."""
        return repo.claimed_keys(self.session, self.season_id, prefix)

    def mark_post_sent(self, key: str) -> None:
        repo.mark_post_sent(self.session, key, self.now)

    def person_totals(self) -> dict[int, int]:
        """Every participant's season metres."""
        return repo.person_totals(self.session, self.season_id)

    def team_of(self, participant_id: int) -> Team | None:
        return repo.current_team(self.session, self.season_id, participant_id)

    def country_totals(self) -> list[repo.CountryRow]:
        return repo.country_totals(self.session, self.season_id)

    def team_changes_since(self, day: date) -> list[snapshots.TeamChange]:
        """Each team now beside how the latest daily post before `day` showed it."""
        return snapshots.changes_since(self.session, self.season_id, day)

    def ranks_before(self, day: date, team_ids: list[int]) -> dict[int, int]:
        """These teams' ranks as the latest daily post before `day` showed them."""
        return snapshots.ranks_before(self.session, self.season_id, day, team_ids)

    def team_above(self, team: Team) -> Team | None:
        """The team with the least km more than this one's."""
        return repo.team_above(self.session, team)

    def snapshot_teams(self, day: date) -> None:
        """Keep every team's rank and km as the day's post shows them."""
        snapshots.take(self.session, self.season_id, day)

    def pledges(self) -> list[pledges.PledgeRow]:
        """Every pledge of the season, biggest first."""
        return pledges.rows(self.session, self.season_id)

    def pledged_total(self) -> Decimal:
        """What the employees' pledges come to."""
        return pledges.total(self.session, self.season_id)

    def forget_everyone(self) -> tuple[int, list[personal.Image]]:
        """Erase the personal data of everyone in the season and of no other season: how many
        people, and the images to delete (`personal.forget_season`)."""
        return personal.forget_season(self.session, self.season_id, self.now)

    def post_claimed_at(self, key: str) -> datetime | None:
        return repo.post_claimed_at(self.session, key)


@dataclass
class CallerStore(SeasonStore):
    """The season as the person behind one command sees it and changes it: their team,
    totals, vote and photos, and the audit trail of what they did."""

    caller_id: int

    def my_data(self) -> personal.PersonalData:
        """Everything held about the caller, in every season."""
        return personal.personal_data(self.session, self.caller_id)

    def forget_me(self) -> list[tuple[str, str]]:
        """Erase the caller's personal data (`personal.forget`); the images to delete."""
        return personal.forget_participant(self.session, self.caller_id, self.now)

    def audit(self, action: str, detail: str = "") -> None:
        """Record that the caller did `action` now."""
        repo.audit(self.session, self.season_id, self.caller_id, action, detail, self.now)

    # -- the caller's team -----------------------------------------------------------------------

    @cached_property
    def my_team(self) -> Team | None:
        """The caller's team, if they are in one: looked up once, and again after they
        create, join or leave one."""
        return repo.current_team(self.session, self.season_id, self.caller_id)

    def has_joined(self) -> bool:
        """Whether the caller has been in a team this season, even if they left it since."""
        return repo.has_joined(self.session, self.season_id, self.caller_id)

    def create_team(self, name: str, key: str) -> Team:
        """A new team, captained by the caller, who joins it."""
        team = repo.create_team(self.session, self.season_id, name, key, self.caller_id, self.now)
        self.join(team)
        return team

    def join(self, team: Team) -> None:
        repo.add_member(self.session, team, self.caller_id, self.now)
        self._team_changed()

    def leave(self, team: Team) -> None:
        """End the caller's membership; if they were captain, the member with the most km for
        the team takes over."""
        repo.remove_member(self.session, team, self.caller_id, self.now)
        self._team_changed()

    def _team_changed(self) -> None:
        self.__dict__.pop("my_team", None)

    # -- the caller's activities and totals ------------------------------------------------------

    def lock_caller(self) -> None:
        """Until the transaction ends, the caller's other logs and removals wait for this one."""
        self.lock_participant(self.caller_id)

    def my_latest_activity(self) -> Activity | None:
        """The caller's latest activity that is not removed."""
        return repo.latest_activity(self.session, self.season_id, self.caller_id)

    def remove_activity(self, activity: Activity, reason: str) -> None:
        """Soft-delete an activity, removed by the caller, and take it out of every total. Its
        owner may send its file again; nobody may send a file the admins removed."""
        repo.remove_activity(self.session, activity, self.caller_id, reason, self.now)
        if activity.participant_id == self.caller_id:
            activity_files.taken_back(self.session, activity.id)

    def my_day_total(self, day: date, kind: str) -> int:
        """The metres of `kind` the caller has logged on `day`."""
        return repo.day_total(self.session, self.season_id, self.caller_id, day, kind)

    def record_activity(
        self, team_id: int, kind: str, distance_m: int, day: date, source_key: str
    ) -> logbook.Recorded:
        """Log an activity for the caller, moving every total; its id, totals and ranks."""
        new = logbook.NewActivity(self.caller_id, team_id, kind, distance_m, day, source_key)
        return logbook.record_activities(self.session, self.season_id, [new], self.now)[0]

    def my_active_days(self, since: date, until: date) -> set[date]:
        """The days from `since` to `until` on which the caller has a log."""
        return milestones.active_days(self.session, self.season_id, self.caller_id, since, until)

    def claim_milestones(self, names: list[str]) -> list[str]:
        """Of the milestones the caller reached, those they were not told of before."""
        fresh = milestones.claim(
            self.session, self.season_id, [(self.caller_id, name) for name in names], self.now
        )
        return [name for name in names if (self.caller_id, name) in fresh]

    # -- the caller's other accounts -------------------------------------------------------------

    def new_link_code(self, platform: str) -> str:
        return linking.new_code(self.session, self.caller_id, platform, self.now)

    def link_code_owner(self, code: str) -> LinkCode | None:
        return linking.code_owner(self.session, code, self.now)

    def use_link_code(self, code: str) -> None:
        linking.use_code(self.session, code)

    def merge_into(self, keep: int, team_id: int | None) -> None:
        """The caller becomes part of participant `keep` (`linking.merge`)."""
        self.lock_participant(keep)
        self.lock_caller()
        linking.merge(self.session, self.season_id, keep, self.caller_id, team_id, self.now)
        self.session.expire_all()
        self._team_changed()

    def totals_of(self, participant_id: int) -> int:
        return repo.participant_total(self.session, self.season_id, participant_id).total_m

    # -- the caller's reminders ------------------------------------------------------------------

    def my_reminder(self) -> Reminder | None:
        return reminders.of(self.session, self.caller_id)

    def set_reminder(self, minute: int | None, weekly: bool) -> None:
        reminders.ask(self.session, self.caller_id, minute, weekly, self.now)

    def stop_reminders(self) -> bool:
        return reminders.stop(self.session, self.caller_id)

    # -- the caller's pledge ---------------------------------------------------------------------

    def my_pledge(self) -> pledges.PledgeRow | None:
        found = pledges.rows(self.session, self.season_id, self.caller_id)
        return found[0] if found else None

    def pledge(self, fixed: Decimal | None, per_km: Decimal | None) -> None:
        """Record the caller's pledge, replacing an earlier one."""
        pledges.pledge(self.session, self.season_id, self.caller_id, fixed, per_km, self.now)

    def withdraw_pledge(self) -> bool:
        return pledges.withdraw(self.session, self.season_id, self.caller_id)

    # -- the caller's activity files -------------------------------------------------------------

    def file_seen(self, sha256: str) -> activity_files.SeenFile | None:
        """The log made from this file before, by anyone, unless its owner took it back."""
        return activity_files.seen(self.session, self.season_id, sha256)

    def my_overlapping_file(self, started_at: datetime, ended_at: datetime) -> int | None:
        """The id of the caller's standing log from a file whose time overlaps this one."""
        return activity_files.overlapping(
            self.session, self.season_id, self.caller_id, started_at, ended_at
        )

    def record_file(self, activity_id: int, facts: activity_files.FileFacts) -> None:
        """Keep the file's facts with its log; the caller is no longer asked about it."""
        activity_files.record(self.session, self.season_id, self.caller_id, activity_id, facts)
        activity_files.drop_held(self.session, self.caller_id, facts.sha256)

    def hold_file(self, facts: activity_files.FileFacts) -> None:
        """Keep the caller's file until they say its kind."""
        activity_files.hold(self.session, self.season_id, self.caller_id, facts, self.now)

    def take_held_file(self) -> activity_files.FileFacts | None:
        """The file the caller sent last without its kind, if recent; no longer held."""
        return activity_files.take_held(self.session, self.season_id, self.caller_id, self.now)

    def my_totals(self) -> ParticipantTotal:
        """The caller's season distance per kind (all zero before their first log)."""
        return repo.participant_total(self.session, self.season_id, self.caller_id)

    def my_standing(self) -> repo.Standing:
        """The caller's totals, team, share of it and days active, together."""
        return repo.standing(self.session, self.season_id, self.caller_id)

    # -- the caller's vote and photos ------------------------------------------------------------

    def my_ballot(self) -> Ballot | None:
        return charity_vote.ballot_of(self.session, self.season_id, self.caller_id)

    def vote_for(self, charity: Charity) -> None:
        """Record or change the caller's vote."""
        charity_vote.cast(self.session, self.season_id, self.caller_id, charity.id, self.now)

    def my_photos(self) -> list[PhotoEntry]:
        """The caller's photo entries, in the order entered."""
        return repo.photo_entries_of(self.session, self.season_id, self.caller_id)

    def enter_photo(
        self, *, sha256: str, media_type: str, size_bytes: int, title: str | None
    ) -> PhotoEntry:
        """Enter the caller's photo, its image already stored under its SHA-256."""
        return repo.add_photo_entry(
            self.session,
            self.season_id,
            self.caller_id,
            sha256=sha256,
            media_type=media_type,
            size_bytes=size_bytes,
            title=title,
            now=self.now,
        )

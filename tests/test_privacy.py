"""Privacy: people see what is kept about them, take a copy, erase it, and hide from the
boards; the retention job erases everyone's personal data once the season is long over."""

import asyncio
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app import Secrets, start_bot
from bot.config import ConfigError, parse_config
from bot.domain.public_names import first_initial
from bot.handlers import posts
from bot.messages import IncomingFile
from bot.platforms.console import Console
from bot.platforms.outbox import Outbox
from bot.render.plain import render
from bot.replies import Attachment, Buttons, ToCaller
from bot.schedule import PostSchedule
from bot.startup import open_challenge
from storage import media
from storage.models import (
    AuditEntry,
    Ballot,
    Base,
    Membership,
    Participant,
    PhotoEntry,
    PlatformAccount,
)
from storage.season_store import SeasonStore
from tests.conftest import LONDON, Chat, Clock, make_config, open_chat, season_settings


def test_privacy_defaults_to_the_admins_full_names_and_90_days(tmp_path: Path) -> None:
    config = parse_config(
        {"season": season_settings(), "database": {"url": "sqlite://"}}, tmp_path / "c.toml"
    )
    assert config.privacy.contact == ""
    assert config.privacy.asked == "the challenge admins"
    assert config.privacy.names == "full"
    assert config.privacy.retention_days == 90


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("names", "nickname", '"first_initial" or "full"'),
        ("retention_days", -1, "a whole number of days, 0 or more"),
        ("contact", 7, 'whom to ask, such as "csr@example.com"'),
    ],
)
def test_a_wrong_privacy_setting_names_its_key(tmp_path: Path, key, value, expected) -> None:
    with pytest.raises(ConfigError) as caught:
        make_config("sqlite://", tmp_path, privacy={key: value})
    assert f"privacy.{key}: expected {expected}" in str(caught.value)


def test_privacy_says_what_is_kept_why_who_sees_it_how_long_and_whom_to_ask(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    config = make_config(
        database_url, tmp_path, privacy={"contact": "csr@example.com", "retention_days": 30}
    )
    with open_chat(config, clock) as chat:
        said = chat.say("newcomer", "/privacy")
    assert "display name" in said and "time zone" in said and "every log" in said
    assert "Why:" in said and "Who sees it:" in said
    assert "30 days after the season ends (on 01 Oct 2021)" in said
    assert "ask csr@example.com" in said
    assert "Never the text of your messages" in said


def test_privacy_without_retention_says_the_data_is_kept(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    config = make_config(database_url, tmp_path, privacy={"retention_days": 0})
    with open_chat(config, clock) as chat:
        said = chat.say("newcomer", "/privacy")
    assert "kept until you erase it" in said and "ask the challenge admins" in said


NAMES = {"anna": "Anna Keller", "ben": "Ben Ortiz", "cara": "Cara Lind", "ada": "Ada Admin"}


def said(chat, user: str, text: str) -> str:
    """What `user` is told, sent under their display name."""
    return chat.say(user, text, display_name=NAMES.get(user, user))


def a_season_with_people(chat) -> None:
    """Anna Keller captains Red Rockets with Ben Ortiz; Cara Lind captains Blue Bears."""
    chat.make_admin("ada")
    for user, command in (
        ("anna", "/newteam Red Rockets"),
        ("ben", "/join Red Rockets"),
        ("cara", "/newteam Blue Bears"),
    ):
        said(chat, user, command)
    said(chat, "anna", "/log 12 km run")
    said(chat, "ben", "/log 5 km walk")
    said(chat, "cara", "/log 30 km cycle")


def everything_others_see(chat, viewer: str = "ada") -> str:
    """Every reply, post and file where others' names appear, as `viewer` and an admin."""
    replies = [
        said(chat, viewer, "/standings people"),
        said(chat, viewer, "/team Red Rockets"),
        said(chat, "ada", "/admin photos list"),
    ]
    for reply in chat.send("ada", "/admin export", display_name="Ada Admin"):
        for part in reply.parts:
            if isinstance(part, Attachment):
                replies.append(part.content.decode())
    with Session(chat.engine) as session:
        store = SeasonStore(session, chat.dispatcher.season_id, chat.clock())
        for post in (
            posts._leaderboard(store, chat.dispatcher.config, date(2021, 7, 15)),
            posts._final_report(store, chat.dispatcher.config),
        ):
            replies.append(render(post))
    return "\n".join(replies)


def test_a_hidden_person_is_nowhere_under_their_name_and_their_km_still_count(chat) -> None:
    a_season_with_people(chat)
    before = said(chat, "cara", "/totals")
    assert "You are hidden" in said(chat, "anna", "/hide")

    seen = everything_others_see(chat)
    assert "Anna" not in seen and "Keller" not in seen
    assert "hidden participant" in seen
    assert ",run,12000,hidden participant,Red Rockets," in seen
    assert "Ben Ortiz" in seen and "Cara Lind" in seen
    assert said(chat, "cara", "/totals") == before
    assert "Red Rockets: 17 km" in said(chat, "ben", "/team")
    # She still sees herself.
    assert "Anna Keller: 12 km" in said(chat, "anna", "/me")
    assert "Anna Keller (captain)" in said(chat, "anna", "/team")
    assert "You are hidden" in said(chat, "anna", "/privacy")

    assert "shown under your name again" in said(chat, "anna", "/show")
    assert "Anna Keller" in said(chat, "cara", "/standings people")


def test_hide_twice_and_show_when_shown_say_so(chat) -> None:
    assert "not hidden" in chat.say("dan", "/show")
    chat.say("dan", "/hide")
    assert "already hidden" in chat.say("dan", "/hide")


def test_first_initial_names_are_all_others_see(database_url: str, tmp_path: Path, clock) -> None:
    config = make_config(database_url, tmp_path, privacy={"names": "first_initial"})
    with open_chat(config, clock) as chat:
        a_season_with_people(chat)
        seen = everything_others_see(chat)
        assert "Keller" not in seen and "Ortiz" not in seen and "Lind" not in seen
        assert "Anna K." in seen and "Ben O." in seen
        assert "Cara Lind" in said(chat, "cara", "/standings people")
        assert "Cara Lind: 30 km" in said(chat, "cara", "/me")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Anna Keller", "Anna K."),
        ("Anna", "Anna"),
        ("anna maria von keller", "anna K."),
        ("Zoë 🚴 Øberg", "Zoë Ø."),
    ],
)
def test_first_initial(name: str, shown: str) -> None:
    assert first_initial(name) == shown


def send_photo(chat, user: str, title: str, colour: str) -> str:
    """`user` enters a real JPEG in the photo competition."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, format="JPEG")
    content = buffer.getvalue()

    async def download(limit: int) -> bytes:
        return content

    file = IncomingFile("photo.jpg", len(content), 5.0, download)
    return chat.say(user, f"/photo {title}", display_name=NAMES.get(user, user), file=file)


def my_data(chat, user: str) -> dict:
    (reply,) = chat.send(user, "/mydata", display_name=NAMES.get(user, user))
    (attachment,) = [part for part in reply.parts if isinstance(part, Attachment)]
    assert isinstance(reply.audience, ToCaller)
    assert attachment.media_type == "application/json"
    return json.loads(attachment.content)


def test_mydata_holds_everything_about_the_caller_and_nothing_about_anyone_else(chat) -> None:
    a_season_with_people(chat)
    said(chat, "ada", "/admin charity add WWF")
    said(chat, "ada", "/admin charity add Oxfam")
    said(chat, "ada", "/admin vote open")
    said(chat, "ben", "/vote WWF")
    said(chat, "ben", "/timezone Europe/Madrid")
    said(chat, "ben", "/log 2 km run")
    said(chat, "ben", "/undo")
    said(chat, "ada", "/admin remove 2 duplicate")
    assert "Entered photo #1" in send_photo(chat, "ben", "Sunrise", "red")

    data = my_data(chat, "ben")
    text = json.dumps(data)
    assert data["participant"]["display_name"] == "Ben Ortiz"
    assert data["participant"]["time_zone"] == "Europe/Madrid"
    assert data["accounts"] == [{"platform": "console", "id": "ben"}]
    (team,) = data["teams"]
    assert team["team"] == "Red Rockets" and team["team_total_m"] == 12000
    assert [(a["id"], a["distance_m"], a["removed_by"]) for a in data["activities"]] == [
        (2, 5000, "an admin"),
        (4, 2000, "you"),
    ]
    assert data["votes"][0]["charity"] == "WWF"
    (photo,) = data["photos"]
    assert photo["title"] == "Sunrise" and photo["won"] is False
    for other in ("Anna", "Keller", "Cara", "Lind", "Ada", "Blue Bears", "12 km run"):
        assert other not in text
    assert all(a["id"] not in (1, 3) for a in data["activities"])  # Anna's and Cara's


def test_the_console_saves_mydata_under_exports(chat, config, tmp_path: Path) -> None:
    output = io.StringIO()
    console = Console(chat.dispatcher, config, output, files_dir=tmp_path / "exports")
    console.user = "Ben"
    chat.loop.run(console.handle_line("/newteam Red Rockets"), "newteam")
    chat.loop.run(console.handle_line("/mydata"), "mydata")
    (saved,) = (tmp_path / "exports").glob("mydata-*.json")
    assert json.loads(saved.read_text())["teams"][0]["team"] == "Red Rockets"
    assert f"Saved {saved.name} to {saved}" in output.getvalue()


def every_value(engine) -> list[str]:
    """Every cell of every table, as text."""
    with Session(engine) as session:
        return [
            str(value)
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))
            for value in row
            if value is not None
        ]


def participants(chat) -> int:
    return chat.scalar(select(func.count()).select_from(Participant))


def test_forgetme_asks_first_and_changes_nothing_until_confirmed(chat) -> None:
    a_season_with_people(chat)
    (reply,) = chat.send("anna", "/forgetme", display_name="Anna Keller")
    (buttons,) = [part for part in reply.parts if isinstance(part, Buttons)]
    assert buttons.buttons[0].command == "forgetme confirm"
    assert "Anna Keller" in every_value(chat.engine)
    assert "cannot be undone" in render(reply)


def test_forgetme_erases_the_person_and_keeps_their_km_for_the_team(chat, config) -> None:
    a_season_with_people(chat)
    said(chat, "anna", "/timezone Europe/Madrid")
    assert "Entered photo #1" in send_photo(chat, "anna", "Sunrise", "red")
    assert "Entered photo #2" in send_photo(chat, "anna", "Sunset", "blue")
    said(chat, "ada", "/admin photos winner 1")
    (won, lost) = (
        media.media_path(config.photos.media_dir, e.sha256, e.media_type) for e in entries(chat)
    )
    totals = said(chat, "cara", "/totals")
    before_people = participants(chat)

    done = chat.send("anna", "/forgetme confirm", "forget-1", display_name="Anna Keller")
    assert "your name, accounts and time zone are erased" in render(done[0])

    values = every_value(chat.engine)
    for trace in ("Anna", "Keller", "anna", "Europe/Madrid"):
        assert not [value for value in values if trace in value], trace
    assert not lost.exists() and won.exists()
    assert said(chat, "cara", "/totals") == totals
    team = said(chat, "ben", "/team")
    assert "Red Rockets: 17 km" in team and "Ben Ortiz (captain)" in team
    assert "Former members contributed 12 km" in team
    assert "a former participant" in said(chat, "cara", "/standings people")
    with Session(chat.engine) as session:
        store = SeasonStore(session, chat.dispatcher.season_id, chat.clock())
        report = render(posts._final_report(store, chat.dispatcher.config))
    assert "Sunrise, by a former participant" in report
    assert "EUR 4" in report  # 47 km at EUR 0.10, as before

    # The same delivery again changes nothing and creates nobody.
    assert chat.send("anna", "/forgetme confirm", "forget-1", display_name="Anna Keller") == []
    assert participants(chat) == before_people
    # A new message from the same account is a newcomer.
    assert "Join a team first" in said(chat, "anna", "/me")
    assert participants(chat) == before_people + 1
    assert "hidden participant" not in said(chat, "anna", "/privacy")


def entries(chat) -> list[PhotoEntry]:
    with Session(chat.engine) as session:
        return list(session.scalars(select(PhotoEntry).order_by(PhotoEntry.id)))


class NoChats:
    """The retention job posts nothing; an outbox still needs somewhere to send."""

    async def open_direct(self, user_id: str) -> str:
        return user_id

    async def post_text(self, chat_id: str, reply) -> None:
        raise AssertionError("nothing is posted")

    async def post_file(self, chat_id: str, attachment) -> None:
        raise AssertionError("nothing is posted")

    async def was_posted(self, chat_id: str, post_key: str) -> bool | None:
        return None


def schedule_for(chat, clock: Clock) -> PostSchedule:
    outbox = Outbox(chat.dispatcher.config, first_backoff_s=0.01)
    outbox.register("slack", NoChats())
    dispatcher = chat.dispatcher
    return PostSchedule(dispatcher.config, dispatcher.sessions, dispatcher.season_id, outbox, clock)


ERASE_AT = datetime(2021, 11, 30, 0, 0, tzinfo=LONDON)  # 90 days after 31 Aug 2021 is over


async def test_a_whole_season_then_the_retention_job_leaves_no_one_and_every_total(
    chat, config, clock: Clock
) -> None:
    a_season_with_people(chat)
    for user, text in (
        ("ada", "/admin charity add WWF"),
        ("ada", "/admin charity add Oxfam"),
        ("ada", "/admin vote open"),
        ("anna", "/vote WWF"),
        ("cara", "/vote Oxfam"),
        ("cara", "/timezone Europe/Madrid"),
        ("ben", "/log 3 km run yesterday"),
        ("anna", "/delete 1"),
        ("anna", "/log 11 km run"),
        ("cara", "/hide"),
        ("zoe", "/totals"),  # only looked
    ):
        said(chat, user, text)
    send_photo(chat, "anna", "Sunrise", "red")
    send_photo(chat, "ben", "Sunset", "blue")
    said(chat, "ada", "/admin photos winner 1")
    (won, lost) = (
        media.media_path(config.photos.media_dir, e.sha256, e.media_type) for e in entries(chat)
    )
    said(chat, "ben", "/forgetme confirm")
    totals = said(chat, "viewer", "/totals")
    standings = said(chat, "viewer", "/standings")
    members = current_members(chat)
    audit = audit_rows(chat)

    schedule = schedule_for(chat, clock)
    clock.now = ERASE_AT - timedelta(minutes=1)
    assert await schedule.erase_personal_data() is None
    assert "Anna Keller" in every_value(chat.engine)
    clock.now = ERASE_AT + timedelta(minutes=1)
    assert await schedule.erase_personal_data() == 5  # anna, cara, ada, zoe, viewer
    assert await schedule.erase_personal_data() is None  # once per season

    values = every_value(chat.engine)
    for trace in ("Anna", "Keller", "Ben", "Ortiz", "Cara", "Lind", "Ada", "Europe/Madrid"):
        assert not [value for value in values if trace in value], trace
    for account in ("anna", "ben", "cara", "ada", "zoe", "viewer"):
        assert account not in values
    with Session(chat.engine) as session:
        people = session.scalars(select(Participant)).all()
        assert len(people) == 6
        assert all(p.forgotten and p.display_name == "" and p.timezone is None for p in people)
        assert session.scalar(select(func.count()).select_from(PlatformAccount)) == 0
        assert [e.title for e in session.scalars(select(PhotoEntry))] == ["Sunrise"]
        assert session.scalar(select(func.count()).select_from(Ballot)) == 2
    assert audit_rows(chat) == audit
    assert current_members(chat) == members  # the season's teams keep their shape
    assert won.exists() and not lost.exists()
    assert said(chat, "viewer", "/totals") == totals
    assert "49 km" in totals and "EUR 4 " in totals  # 49 km at EUR 0.10, rounded down
    now = said(chat, "viewer", "/standings")
    assert now.split("\n")[1:] == standings.split("\n")[1:]  # members, km/member included
    team_now = said(chat, "viewer", "/team Red Rockets")
    assert "Red Rockets: 19 km" in team_now and "a former participant" in team_now
    people_now = said(chat, "viewer", "/standings people")
    assert "a former participant" in people_now and "hidden" not in people_now


async def test_two_instances_erase_once(chat, config, clock: Clock) -> None:
    a_season_with_people(chat)
    other_dispatcher, other_engine = open_challenge(config, clock)
    other = Chat(other_dispatcher, other_engine, clock)
    clock.now = ERASE_AT + timedelta(hours=1)
    try:
        results = await asyncio.gather(
            schedule_for(chat, clock).erase_personal_data(),
            schedule_for(other, clock).erase_personal_data(),
        )
    finally:
        other_engine.dispose()
    assert sorted(results, key=str) == [3, None]
    assert "Anna Keller" not in every_value(chat.engine)


async def test_a_restart_after_the_retention_time_erases_then_never_again(
    chat, clock: Clock
) -> None:
    a_season_with_people(chat)
    clock.now = ERASE_AT + timedelta(days=3)
    schedule = schedule_for(chat, clock)
    await schedule.catch_up_missed()
    assert "Anna Keller" not in every_value(chat.engine)
    said(chat, "anna", "/privacy")  # a newcomer now
    await schedule_for(chat, clock).catch_up_missed()
    assert "Anna Keller" in every_value(chat.engine)


def test_no_retention_means_no_erasure_job(database_url, tmp_path: Path, clock: Clock) -> None:
    config = make_config(database_url, tmp_path, privacy={"retention_days": 0})
    assert config.privacy.erase_at(config.season) is None


def audit_rows(chat) -> list[tuple]:
    with Session(chat.engine) as session:
        return [tuple(row) for row in session.execute(select(AuditEntry.__table__))]


def current_members(chat) -> list[tuple[int, int]]:
    with Session(chat.engine) as session:
        rows = session.execute(
            select(Membership.team_id, Membership.participant_id).where(
                Membership.left_at.is_(None)
            )
        )
        return sorted(map(tuple, rows))


async def test_the_erasure_is_a_job_of_the_running_bot(database_url, tmp_path: Path, clock) -> None:
    config = make_config(database_url, tmp_path)
    bot = await start_bot(config, Secrets(), clock)
    try:
        runs = bot.schedule.next_runs()
        await asyncio.sleep(0.1)  # the catch-up started beside the jobs: nothing to catch up
    finally:
        await bot.stop()
    assert datetime.fromisoformat(runs["erase_personal_data"]) == ERASE_AT

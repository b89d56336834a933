"""The charity vote and the photo competition, through the real dispatcher and database."""

import io
from datetime import datetime

import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.messages import FetchedFile
from bot.render.plain import render
from bot.replies import Attachment, Buttons, Table, ToAnnouncementChats
from storage.models import Ballot, PhotoEntry
from tests.conftest import LONDON, make_config


def picture(kind: str = "JPEG", colour: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=kind)
    return buffer.getvalue()


def image(content: bytes, name: str = "photo.jpg") -> FetchedFile:
    return FetchedFile(content, len(content), name)


@pytest.fixture
def config(database_url, tmp_path):
    return make_config(database_url, tmp_path, photos={"media_dir": str(tmp_path / "media")})


@pytest.fixture
def members(chat):
    chat.say("alice", "/newteam Red Rockets")
    chat.say("bob", "/join Red Rockets")
    chat.say("carol", "/newteam Blue Bears")
    chat.make_admin("admin")
    return chat


def ballot_with(chat, *names: str) -> None:
    for name in names:
        assert "Added" in chat.say("admin", f"/admin charity add {name}")


# -- the charity vote -----------------------------------------------------------------------


def test_opening_the_vote_announces_a_button_per_charity(members):
    ballot_with(members, "WWF", "Red Cross", "Médecins Sans Frontières")
    replies = members.send("admin", "/admin vote open")
    (announcement,) = [r for r in replies if r.audience == ToAnnouncementChats()]
    (buttons,) = [p for p in announcement.parts if isinstance(p, Buttons)]
    assert [b.label for b in buttons.buttons] == ["WWF", "Red Cross", "Médecins Sans Frontières"]
    assert [b.command for b in buttons.buttons] == ["vote #1", "vote #2", "vote #3"]


def test_votes_are_counted_one_per_person_changes_included(members):
    ballot_with(members, "WWF", "Red Cross", "Oxfam")
    members.say("admin", "/admin vote open")
    assert "Your vote: WWF." in members.say("alice", "/vote wwf")
    assert "Your vote: Red Cross." in members.say("bob", "/vote #2")
    assert "Your vote: WWF (changed)." in members.say("bob", "/vote WWF")
    assert "Your vote: Oxfam." in members.say("carol", "/vote oxfam")
    replies = members.send("admin", "/admin vote close")
    result = render(replies[0])
    (tally,) = [part for part in replies[0].parts if isinstance(part, Table)]
    assert {("WWF", "2"), ("Oxfam", "1"), ("Red Cross", "0")} <= set(tally.rows)
    assert "WWF wins and receives the donation." in result
    assert "The vote is closed: WWF receives the donation." in members.say("alice", "/vote")


def test_a_double_pressed_vote_button_counts_once(members):
    ballot_with(members, "WWF", "Oxfam")
    members.say("admin", "/admin vote open")
    members.send("alice", "vote #1", delivery_id="press-1")
    assert members.send("alice", "vote #1", delivery_id="press-1") == []
    assert members.scalar(select(func.count()).select_from(Ballot)) == 1


def test_the_tally_is_not_shown_while_the_vote_is_open(members):
    ballot_with(members, "WWF", "Oxfam")
    members.say("admin", "/admin vote open")
    members.say("alice", "/vote WWF")
    ballot = members.say("bob", "/vote")
    assert "You have not voted yet." in ballot and "WWF" in ballot
    assert "votes" not in ballot and "1 vote" not in ballot  # no tally, no column of counts


def test_a_misspelled_charity_gets_did_you_mean_and_no_vote(members):
    ballot_with(members, "WWF", "Red Cross")
    members.say("admin", "/admin vote open")
    reply = members.say("alice", "/vote red crss")
    assert "red crss is not on the ballot. Did you mean Red Cross?" in reply
    assert "Example: /vote Red Cross" in reply
    assert members.scalar(select(func.count()).select_from(Ballot)) == 0


def test_voting_before_the_open_and_after_the_close_is_refused(members):
    ballot_with(members, "WWF", "Oxfam")
    assert "The vote is not open yet" in members.say("alice", "/vote WWF")
    members.say("admin", "/admin vote open")
    members.say("admin", "/admin vote close")
    assert "The vote is closed; the admins are settling a tie." in members.say("alice", "/vote WWF")
    assert members.scalar(select(func.count()).select_from(Ballot)) == 0


def test_a_tie_is_announced_as_a_tie_and_an_admin_settles_it(members):
    ballot_with(members, "WWF", "Oxfam", "Red Cross")
    members.say("admin", "/admin vote open")
    members.say("alice", "/vote WWF")
    members.say("bob", "/vote Oxfam")
    result = render(members.send("admin", "/admin vote close")[0])
    assert "It's a tie between WWF and Oxfam; the admins will settle it." in result
    assert "is not one of the tied charities" in members.say(
        "admin", "/admin vote winner Red Cross"
    )
    replies = members.send("admin", "/admin vote winner oxfam")
    assert replies[0].audience == ToAnnouncementChats()
    assert "The tie is settled: Oxfam receives the donation." in render(replies[0])
    assert "Oxfam already won" in members.say("admin", "/admin vote winner WWF")


def test_admin_vote_commands_from_a_participant_are_refused_with_no_effect(members):
    ballot_with(members, "WWF", "Oxfam")
    assert "Only the challenge admins can do that." in members.say("alice", "/admin vote open")
    assert "Only the challenge admins" in members.say("alice", "/admin charity add Evil Corp")
    assert "The vote is not open yet" in members.say("bob", "/vote WWF")


def test_the_ballot_needs_two_charities_and_is_fixed_once_open(members):
    ballot_with(members, "WWF")
    assert "at least two charities" in members.say("admin", "/admin vote open")
    ballot_with(members, "Oxfam")
    members.say("admin", "/admin vote open")
    assert "can't change now" in members.say("admin", "/admin charity add Late Charity")
    assert "already opened" in members.say("admin", "/admin vote open")


def test_the_final_report_names_the_winning_charity(members, clock):
    ballot_with(members, "WWF", "Oxfam")
    members.say("admin", "/admin vote open")
    members.say("alice", "/vote Oxfam")
    members.say("admin", "/admin vote close")
    members.say("alice", "/log 50 km cycle")
    assert "(EUR 0.10 per km) to Oxfam. Thank you all!" in final_report(members)


def test_a_final_report_without_a_vote_or_km_names_no_charity_and_no_zero_gift(members):
    report = final_report(members)
    assert "No km were logged, so there is no donation this time." in report
    assert "chosen by vote" not in report and "EUR 0 " not in report


def final_report(members) -> str:
    """The text of the report `/admin finish` posts to the announcement chats."""
    (report,) = [
        reply
        for reply in members.send("admin", "/admin finish confirm")
        if reply.audience == ToAnnouncementChats()
    ]
    return render(report)


# -- the photo competition -------------------------------------------------------------------


def entries(chat) -> int:
    return chat.scalar(select(func.count()).select_from(PhotoEntry))


def test_a_real_jpeg_and_png_are_entered_and_stored_under_their_sha256(members, config):
    jpeg, png = picture("JPEG"), picture("PNG", "blue")
    reply = members.say("alice", "/photo Sunrise over the Taff", fetched=image(jpeg))
    assert "Entered photo #1 Sunrise over the Taff in the competition (1 of 3)." in reply
    assert "Entered photo #2" in members.say("alice", "/photo", fetched=image(png, "x.png"))
    stored = sorted(path.suffix for path in config.photos.media_dir.iterdir())
    assert stored == [".jpg", ".png"]
    own = members.say("alice", "/photos")
    assert "#1  Sunrise over the Taff" in own and "#2  (no title)" in own


def test_a_text_file_named_jpg_is_refused(members):
    reply = members.say("alice", "/photo Fake", fetched=image(b"just some text\n", "fake.jpg"))
    assert "That file is not a picture I can read; send a JPEG, PNG or WebP photo." in reply
    assert "Example: /photo Sunrise over the Taff" in reply
    assert entries(members) == 0


def test_a_gif_is_refused_by_its_content(members):
    reply = members.say("alice", "/photo Animated", fetched=image(picture("GIF"), "a.jpg"))
    assert "That is a GIF image; send a JPEG, PNG or WebP photo." in reply
    assert entries(members) == 0


def test_an_oversized_file_is_refused(members):
    big = picture("PNG") + b"\0" * (10 * 1024 * 1024)
    assert "over 10 MB" in members.say("alice", "/photo Huge", fetched=image(big, "big.png"))
    too_big_to_fetch = FetchedFile(None, 25 * 1024 * 1024, "huge.jpg")
    assert "over 10 MB" in members.say("alice", "/photo Huge", fetched=too_big_to_fetch)
    assert entries(members) == 0


def test_the_same_photo_twice_and_more_than_three_are_refused(members):
    members.say("alice", "/photo One", fetched=image(picture(colour="red")))
    assert "You already entered this photo." in members.say(
        "alice", "/photo Again", fetched=image(picture(colour="red"))
    )
    members.say("alice", "/photo Two", fetched=image(picture(colour="green")))
    members.say("alice", "/photo Three", fetched=image(picture(colour="blue")))
    reply = members.say("alice", "/photo Four", fetched=image(picture(colour="white")))
    assert "You have entered 3 photos, the most allowed." in reply
    assert entries(members) == 3


def test_a_photo_command_without_an_image_explains(members):
    reply = members.say("alice", "/photo Sunrise")
    assert "Send the photo itself, with the command as its caption." in reply


def test_the_winning_photo_is_announced_with_its_image(members):
    jpeg = picture("JPEG", "orange")
    members.say("bob", "/photo Sunset ride", fetched=image(jpeg))
    listing = members.say("admin", "/admin photos list")
    assert "1  bob  Sunset ride" in listing
    replies = members.send("admin", "/admin photos winner 1")
    announcement = replies[0]
    assert announcement.audience == ToAnnouncementChats()
    assert "Sunset ride, by bob." in render(announcement)
    (attachment,) = [p for p in announcement.parts if isinstance(p, Attachment)]
    assert attachment.content == jpeg and attachment.media_type == "image/jpeg"
    assert "already won" in members.say("admin", "/admin photos winner 1")
    assert "competition is over" in members.say("alice", "/photo Late", fetched=image(picture()))
    assert "Photo of the season: Sunset ride, by bob." in final_report(members)


def test_a_non_admin_cannot_pick_the_winner(members):
    members.say("bob", "/photo Sunset ride", fetched=image(picture()))
    assert "Only the challenge admins" in members.say("bob", "/admin photos winner 1")
    assert "Only the challenge admins" in members.say("bob", "/admin photos list")


async def test_the_scheduled_vote_close_announces_the_result(database_url, tmp_path, clock):
    from tests.conftest import open_chat
    from tests.test_schedule import RecordingChats, schedule_for

    config = make_config(database_url, tmp_path, schedule={"vote_closes": "2021-07-20 12:00"})
    with open_chat(config, clock) as chat:
        chat.say("alice", "/newteam Red Rockets")
        chat.make_admin("admin")
        ballot_with(chat, "WWF", "Oxfam")
        chat.say("admin", "/admin vote open")
        chat.say("alice", "/vote WWF")
        chats = RecordingChats()
        clock.now = datetime(2021, 7, 20, 12, 0, 1, tzinfo=LONDON)
        assert await schedule_for(chat, chats, clock).close_vote() is True
        assert await schedule_for(chat, chats, clock).close_vote() is False
    (text,) = chats.texts("C0123456789")
    assert "WWF wins and receives the donation." in text


async def test_the_console_enters_a_photo_from_a_file_path(members, config, tmp_path):
    from bot.platforms.console import Console

    path = tmp_path / "sunrise.png"
    path.write_bytes(picture("PNG", "yellow"))
    output = io.StringIO()
    console = Console(members.dispatcher, config, output, files_dir=tmp_path / "exports")
    await console.handle_line("/as alice")
    await console.handle_line(f"/photo Sunrise over the Taff {path}")
    assert "Entered photo #1 Sunrise over the Taff in the competition (1 of 3)." in (
        output.getvalue()
    )
    assert entries(members) == 1


def test_a_vote_by_the_number_the_ballot_shows(members):
    ballot_with(members, "WWF", "Oxfam")
    members.say("admin", "/admin vote open")
    ballot = members.say("alice", "/vote")
    assert "1. WWF" in ballot and "2. Oxfam" in ballot
    assert "Your vote: Oxfam." in members.say("alice", "/vote 2")
    assert "There is no charity 9 on the ballot" in members.say("alice", "/vote #9")


def test_a_closed_vote_says_so_once(members):
    ballot_with(members, "WWF", "Oxfam")
    members.say("admin", "/admin vote open")
    members.say("admin", "/admin vote close")  # nobody voted: a tie
    reply = members.say("alice", "/vote WWF")
    assert reply.count("The vote is closed") == 1

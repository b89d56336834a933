"""Activity files on the real adapters: a Garmin FIT, a Strava GPX and a TCX sent as a Telegram
document or shared in the Slack DM are logged with their distance; a file that names no sport
is asked about with buttons, and the press logs it on any instance."""

from datetime import UTC, datetime

from storage.models import Activity
from tests.test_slack import buttons_in, press, share_in_dm, slack, slack_api  # noqa: F401
from tests.test_telegram import ALICE, BOB, GROUP, telegram, telegram_api  # noqa: F401
from tests.track_files import fit_file, gpx_file, gzipped, tcx_file

MORNING = datetime(2021, 7, 15, 6, 30, tzinfo=UTC)  # the test clock's day
AFTERNOON = datetime(2021, 7, 15, 13, 0, tzinfo=UTC)


# -- Telegram --------------------------------------------------------------------------------


async def test_a_garmin_fit_sent_in_the_private_chat_needs_no_command(telegram):  # noqa: F811
    await telegram.ask(ALICE, "/newteam Red Rockets")
    fit = fit_file(km=42.3, start=MORNING, minutes=100)
    reply = await telegram.reply_to(telegram.send_image(ALICE, fit, file_name="Morning_Ride.fit"))
    assert reply["text"].startswith("Logged #1 from your file: 42.3 km cycle on Thu 15 Jul 2021.")
    assert "Moving time 1:40:00, 25.4 km/h." in reply["text"]
    assert telegram.count(Activity) == 1


async def test_a_strava_gpx_in_the_private_chat_takes_its_caption_as_the_activity(
    telegram,  # noqa: F811
):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    gpx = gzipped(gpx_file(km=7.2, sport=None, start=MORNING, minutes=50))
    update = telegram.send_image(ALICE, gpx, "walk", file_name="Evening_Walk.gpx.gz")
    reply = await telegram.reply_to(update)
    assert "Logged #1 from your file: 7.2 km walk on Thu 15 Jul 2021." in reply["text"]


async def test_in_a_group_a_file_is_logged_only_with_upload_as_its_caption(
    telegram,  # noqa: F811
):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    await telegram.ask(BOB, "/join Red Rockets")
    tcx = tcx_file(km=8.0, start=MORNING, minutes=45)
    chatter = telegram.send_image(BOB, tcx, "look at my run", GROUP, file_name="run.tcx")
    update = telegram.send_image(BOB, tcx, "/upload", GROUP, file_name="run.tcx")
    reply = await telegram.reply_to(update)
    assert "Logged #1 from your file: 8 km run on Thu 15 Jul 2021." in reply["text"]
    assert telegram.api.replies_to(GROUP["id"], chatter["message"]["message_id"]) == []
    assert telegram.count(Activity) == 1


async def test_a_file_without_a_sport_is_asked_about_and_the_press_logs_it(
    telegram,  # noqa: F811
):
    await telegram.ask(ALICE, "/newteam Red Rockets")
    gpx = gpx_file(km=5.0, sport=None, start=AFTERNOON, minutes=40)
    question = await telegram.reply_to(telegram.send_image(ALICE, gpx, file_name="a.gpx"))
    assert "doesn't say which activity it was" in question["text"]
    rows = question["reply_markup"]["inline_keyboard"]
    assert [(b["text"], b["callback_data"]) for row in rows for b in row] == [
        ("run", "upload run"),
        ("walk", "upload walk"),
        ("cycle", "upload ride"),
    ]
    toast = await telegram.press(ALICE, "upload run")
    assert toast["text"].startswith("Logged #1 from your file: 5 km run")
    again = await telegram.press(ALICE, "upload run")
    assert again["text"].startswith("Send the file itself")
    assert telegram.count(Activity) == 1


async def test_a_broken_file_gets_its_reason_on_telegram(telegram):  # noqa: F811
    await telegram.ask(ALICE, "/newteam Red Rockets")
    cut = fit_file(start=MORNING)[:300]
    reply = await telegram.reply_to(telegram.send_image(ALICE, cut, file_name="cut.fit"))
    assert "I couldn't read that file: it looks damaged or cut short." in reply["text"]
    assert telegram.count(Activity) == 0


# -- Slack -----------------------------------------------------------------------------------


async def test_a_tcx_shared_in_the_slack_dm_is_logged_with_the_bot_token(slack):  # noqa: F811
    await slack.command("UALICE", "newteam Red Rockets")
    tcx = tcx_file(km=10.0, sport="Biking", start=MORNING, minutes=30)
    await share_in_dm(slack, "UALICE", "", "Lunch_Ride.tcx", tcx)
    (reply,) = slack.api.messages_to("DUALICE")
    assert "Logged #1 from your file: 10 km cycle on Thu 15 Jul 2021." in reply["text"]
    assert slack.api.download_auth == ["Bearer xoxb-test-token-never-logged"]


async def test_a_strava_gpx_and_a_garmin_fit_in_the_slack_dm_with_captions(slack):  # noqa: F811
    await slack.command("UALICE", "newteam Red Rockets")
    gpx = gpx_file(km=6.0, sport="running", start=MORNING, minutes=33)
    await share_in_dm(slack, "UALICE", "upload", "Morning_Run.gpx", gpx)
    assert "6 km run" in slack.api.messages_to("DUALICE")[-1]["text"]
    fit = gzipped(fit_file(km=31.0, sport="generic", start=AFTERNOON, minutes=80))
    await share_in_dm(slack, "UALICE", "ride", "Afternoon_Ride.fit.gz", fit)
    assert "Logged #2 from your file: 31 km cycle" in slack.api.messages_to("DUALICE")[-1]["text"]
    assert "You: 37 km this season" in slack.api.messages_to("DUALICE")[-1]["text"]


async def test_a_slack_file_without_a_sport_is_logged_by_pressing_its_kind(slack):  # noqa: F811
    await slack.command("UALICE", "newteam Red Rockets")
    gpx = gpx_file(km=4.0, sport=None, start=MORNING, minutes=50)
    await share_in_dm(slack, "UALICE", "", "walk.gpx", gpx)
    (question,) = slack.api.messages_to("DUALICE")
    walk = next(b for b in buttons_in(question) if b["value"] == "upload walk")
    assert await press(slack, "UALICE", walk, "DUALICE") == 200
    (logged,) = slack.api.ephemerals_to("UALICE")
    assert "Logged #1 from your file: 4 km walk" in logged["text"]

"""A captain's tools across Slack and Telegram: the person named is told on their own
platform."""

from tests.test_reliability import LOGGED, Person, both, wait_until  # noqa: F401 (the fixture)

ALICE, CAROL = Person("slack", "UALICE"), Person("slack", "UCAROL")
BOB = Person("telegram", "1002")


async def test_a_captain_on_slack_hands_over_to_telegram_and_the_new_one_removes_a_member(
    both,  # noqa: F811
) -> None:
    assert "is created" in await both.ask(ALICE, "newteam Red Rockets")
    assert "Welcome" in await both.ask(BOB, "join Red Rockets")
    assert "Welcome" in await both.ask(CAROL, "join Red Rockets")
    assert LOGGED.search(await both.ask(CAROL, "log 7 km run"))

    handed = await both.ask(ALICE, "team captain Tg1002")
    assert "Tg1002 is now captain of Red Rockets." in handed
    await wait_until(
        lambda: any(
            "You are now captain of Red Rockets" in m["text"]
            for m in both.telegram_api.messages_to(1002)
        ),
        seconds=10,
    )
    assert "Only your team's captain can do that." in await both.ask(
        ALICE, "team remove Real UCAROL"
    )

    removed = await both.ask(BOB, "team remove Real UCAROL")
    assert "Real UCAROL is no longer in Red Rockets; their km stay with the team." in removed
    await wait_until(
        lambda: any(
            "took you off Red Rockets" in m["text"] for m in both.slack_api.messages_to("DUCAROL")
        ),
        seconds=10,
    )
    team = await both.ask(BOB, "team")
    assert "Red Rockets: 7 km" in team and "Former members contributed 7 km." in team
    assert "Join a team first" in await both.ask(CAROL, "log 2 km walk")

"""How replies look as text: tables stay aligned whatever the names hold."""

from hypothesis import given
from hypothesis import strategies as st
from wcwidth import wcswidth

from bot.render.plain import render_table
from bot.replies import Table

NAMES = st.sampled_from(
    ["Red Rockets", "🏃‍♀️ Runners", "🏳️‍🌈 Pride Pacers", "Équipe 日本", "Ünïcødé", "x"]
)


@given(names=st.lists(NAMES, min_size=1, max_size=6))
def test_columns_after_a_name_with_emoji_or_wide_letters_line_up(names: list[str]) -> None:
    table = Table(
        ("#", "team", "km"),
        tuple((str(i + 1), name, f"{i}.5") for i, name in enumerate(names)),
        right_aligned=frozenset({0, 2}),
    )
    lines = render_table(table)
    # Every line, on a monospace screen, ends in the same column: the km column lines up.
    assert len({wcswidth(line) for line in lines}) == 1

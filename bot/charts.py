"""The team-ranking chart of the daily leaderboard: a PNG drawn headless with matplotlib."""

import io
from functools import cache
from types import ModuleType

from bot import i18n
from bot.i18n import _

WIDTH_IN, DPI = 8, 120


@cache
def _pyplot() -> ModuleType:
    """matplotlib, loaded at the first chart: it takes a while and tens of MB, and most
    processes (the console, a command run) never draw one."""
    import matplotlib

    matplotlib.use("Agg")  # no screen on servers
    import matplotlib.pyplot as plt

    # Team names are user text: never read "$...$" in them as mathematics.
    plt.rcParams["text.parse_math"] = False
    return plt


def team_ranking_png(title: str, teams: list[tuple[str, float]]) -> bytes:
    """Horizontal bars, leader on top, km written on each bar; readable on a phone."""
    names = [name for name, _km in teams][::-1]
    kms = [km for _name, km in teams][::-1]
    height = max(2.5, 0.55 * len(teams) + 1.4)
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(WIDTH_IN, height), dpi=DPI)
    try:
        bars = axes.barh(range(len(kms)), kms, color="#2a9d8f")
        axes.set_yticks(range(len(names)), labels=names, fontsize=13)
        axes.set_title(title, fontsize=15, loc="left")
        axes.set_xlabel(_("km"), fontsize=12)
        labels = [i18n.decimal(round(km, 1), "#,##0.0") for km in kms]
        axes.bar_label(bars, labels=labels, padding=4, fontsize=12)
        axes.spines[["top", "right"]].set_visible(False)
        axes.margins(x=0.15)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)

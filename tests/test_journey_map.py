"""The journey's map: a small PNG, the same for the same input, drawn offline and fast again."""

import io
import socket

import pytest
from PIL import Image

from bot import journey_map
from bot.config import DEFAULT_JOURNEY
from bot.domain.journey import Stop
from bot.journey_map import journey_map_png

EUROPE = DEFAULT_JOURNEY.route.stops  # the route config.toml ships
VIENNA = next(i for i, stop in enumerate(EUROPE) if stop.name == "Vienna")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Coasts and borders ship in the packages: any connection attempt fails the test."""

    def refuse(*_args: object) -> None:
        raise AssertionError("the map tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def europe(position: tuple[float, float] = (49.3, 15.3)) -> bytes:
    return journey_map_png("Journey", EUROPE, True, position, VIENNA, "1,612 km · next: Vienna")


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_the_map_is_a_png_readable_on_a_phone_and_small_enough_to_post() -> None:
    png = europe()
    image = decoded(png)
    assert image.format == "PNG" and image.mode in ("RGB", "RGBA", "P")
    assert 1000 <= image.width <= 1400 and 750 <= image.height <= 1050
    assert len(png) < 400_000


def test_the_same_route_is_drawn_once_and_the_same_map_twice() -> None:
    journey_map._background.cache_clear()
    first = europe()
    before = journey_map._background.cache_info()
    second = europe()
    after = journey_map._background.cache_info()
    assert first == second
    assert (after.hits, after.misses) == (before.hits + 1, before.misses) == (1, 1)


def test_another_position_moves_the_marker() -> None:
    here, further = europe(), europe((48.6, 16.0))
    assert here != further
    a, b = decoded(here).convert("RGB"), decoded(further).convert("RGB")
    assert a.size == b.size and a.tobytes() != b.tobytes()


def test_a_line_of_two_stops_and_names_that_look_like_markup_are_drawn() -> None:
    stops = [Stop("$x^2$ <b>", 51.5, -0.13), Stop("Paris", 48.86, 2.35)]
    for position, next_stop in (((51.5, -0.13), 0), ((50.2, 1.1), 1), ((48.86, 2.35), None)):
        image = decoded(journey_map_png("Two", stops, False, position, next_stop, "0 km"))
        assert image.size == decoded(europe()).size


def test_a_route_across_the_date_line_and_one_round_the_world_are_drawn() -> None:
    pacific = [
        Stop("Tokyo", 35.7, 139.7),
        Stop("Anchorage", 61.2, -149.9),
        Stop("Honolulu", 21.3, -157.9),
        Stop("Suva", -18.1, 178.4),
    ]
    world = [
        Stop("Quito", -0.2, -78.5),
        Stop("Nairobi", -1.3, 36.8),
        Stop("Singapore", 1.35, 103.8),
    ]
    for stops, position in ((pacific, (50.0, 170.0)), (world, (-1.0, 0.0))):
        png = journey_map_png("Far", stops, True, position, 1, "far")
        assert len(png) < 400_000 and decoded(png).width >= 1000


def test_the_map_is_drawn_in_a_worker_process_that_comes_back_after_it_dies():
    import os
    import signal
    from concurrent.futures.process import BrokenProcessPool

    from bot import map_worker

    arguments = ("Around Europe", EUROPE, True, (49.0, 2.0), 1, "12 km")
    first = map_worker.draw(*arguments)
    assert first.startswith(b"\x89PNG")
    (pid,) = map_worker._worker._processes  # one worker, not this process
    assert pid != os.getpid()
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        map_worker.draw(*arguments)
    assert map_worker.draw(*arguments) == first  # a new worker draws the same map

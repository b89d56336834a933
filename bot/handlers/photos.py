"""The photo competition: entries with a title, the caller's list, the admins' pick."""

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.commands import AdminPhotosList, AdminPhotosWinner, Photo, Photos
from bot.domain.images import MAX_BYTES, CheckedImage, check_image
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import Who, command
from bot.replies import Attachment, Heading, Reply, Table, Text, ToAnnouncementChats, say
from storage import charity_vote as outcomes
from storage import media
from storage import repository as repo
from storage.models import Participant, PhotoEntry

EXAMPLE = "photo Sunrise over the Taff"


@command(
    Photo,
    "photo [TITLE]",
    help="with a picture: enter the photo competition",
    example="photo Sunrise over the Taff",
    who=Who.MEMBERS,
    writes=True,
    takes_file=True,
)
def enter_photo(ctx: Context, command: Photo) -> Reply:
    session, season_id, me = ctx.session, ctx.season_id, ctx.participant
    image = ctx.incoming.image
    if image is None:
        return say("Send the photo itself, with the command as its caption.", example=EXAMPLE)
    if image.content is None or image.declared_size > MAX_BYTES:
        return say("That photo is over 10 MB; send a smaller one.", example=EXAMPLE)
    if outcomes.outcome(session, season_id).photo_id is not None:
        return say("The photo competition is over: the winner has been chosen.", example="photos")
    checked = check_image(image.content)
    if isinstance(checked, str):
        return say(checked, example=EXAMPLE)
    repo.lock_participant(session, me.id)
    entries = own_entries(session, season_id, me.id)
    if any(entry.sha256 == checked.sha256 for entry in entries):
        return say("You already entered this photo.", example="photos")
    limit = ctx.config.photos.max_per_person
    if len(entries) >= limit:
        return say(f"You have entered {limit} photos, the most allowed.", example="photos")
    entry = _store(ctx, checked, command.title)
    title = f" {entry.title}" if entry.title else ""
    return say(
        f"Entered photo #{entry.id}{title} in the competition "
        f"({len(entries) + 1} of {limit}). Good luck!"
    )


@command(
    Photos,
    "photos",
    help="your photo entries",
    example="photos",
    who=Who.MEMBERS,
    writes=False,
)
def list_own(ctx: Context, _command: Photos) -> Reply:
    entries = own_entries(ctx.session, ctx.season_id, ctx.participant.id)
    if not entries:
        return say("You have not entered any photos yet.", example=EXAMPLE)
    rows = tuple(
        (f"#{e.id}", e.title or "(no title)", figures.day(e.created_at.astimezone(ctx.zone).date()))
        for e in entries
    )
    return Reply((Heading("Your photo entries"), Table(("id", "title", "entered"), rows)))


@command(
    AdminPhotosList,
    "admin photos list",
    help="every photo entry with its id",
    example="admin photos list",
    who=Who.ADMINS,
    writes=False,
)
def list_all(ctx: Context, _command: AdminPhotosList) -> Reply:
    rows = ctx.session.execute(
        select(PhotoEntry, Participant.display_name)
        .join(Participant, Participant.id == PhotoEntry.participant_id)
        .where(PhotoEntry.season_id == ctx.season_id)
        .order_by(PhotoEntry.id)
    ).all()
    if not rows:
        return say("No photos have been entered yet.", example="admin announce Send your photos!")
    table = tuple(
        (str(entry.id), name, entry.title or "(no title)", f"{entry.size_bytes // 1024} KB")
        for entry, name in rows
    )
    return Reply(
        (
            Heading(f"{len(rows)} photo entries"),
            Table(("id", "by", "title", "size"), table, right_aligned=frozenset({0, 3})),
            Text("Pick the winner with admin photos winner ID."),
        )
    )


@command(
    AdminPhotosWinner,
    "admin photos winner ID",
    help="announce the winning photo everywhere",
    example="admin photos winner 7",
    who=Who.ADMINS,
    writes=True,
)
def choose_winner(ctx: Context, command: AdminPhotosWinner) -> list[Reply]:
    session = ctx.session
    state = outcomes.locked_outcome(session, ctx.season_id)
    if state.photo_id is not None:
        return [
            say(
                f"Photo #{state.photo_id} already won; the winner is chosen once.",
                example="admin photos list",
            )
        ]
    entry = session.get(PhotoEntry, command.photo_id)
    if entry is None or entry.season_id != ctx.season_id:
        return [say(f"There is no photo #{command.photo_id}.", example="admin photos list")]
    state.photo_id = entry.id
    repo.audit(session, ctx.season_id, ctx.participant.id, "photo_winner", str(entry.id), ctx.now)
    return [
        winner_announcement(session, ctx.config.photos.media_dir, entry),
        say(f"Photo #{entry.id} is the winner, announced everywhere."),
    ]


def winner_announcement(session: Session, media_dir: Path, entry: PhotoEntry) -> Reply:
    author = session.get(Participant, entry.participant_id)
    title = entry.title or "A photo"
    path = media.media_path(media_dir, entry.sha256, entry.media_type)
    return Reply(
        (
            Heading("The photo competition has a winner!"),
            Text(f"{title}, by {author.display_name if author else 'a participant'}."),
            Attachment(path.name, path.read_bytes(), entry.media_type),
        ),
        ToAnnouncementChats(),
    )


def own_entries(session: Session, season_id: int, participant_id: int) -> list[PhotoEntry]:
    return list(
        session.scalars(
            select(PhotoEntry)
            .where(PhotoEntry.season_id == season_id, PhotoEntry.participant_id == participant_id)
            .order_by(PhotoEntry.id)
        )
    )


def _store(ctx: Context, checked: CheckedImage, title: str | None) -> PhotoEntry:
    media.store(ctx.config.photos.media_dir, checked.sha256, checked.media_type, checked.content)
    entry = PhotoEntry(
        season_id=ctx.season_id,
        participant_id=ctx.participant.id,
        sha256=checked.sha256,
        media_type=checked.media_type,
        size_bytes=len(checked.content),
        title=title,
        created_at=ctx.now,
    )
    ctx.session.add(entry)
    ctx.session.flush()
    return entry

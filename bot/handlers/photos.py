"""The photo competition: entries with a title, the caller's list, the admins' pick."""

from bot import i18n
from bot.commands import AdminPhotosList, AdminPhotosWinner, Photo, Photos
from bot.config import Config
from bot.domain.images import MAX_BYTES, CheckedImage, check_image
from bot.domain.public_names import FORMER, public_name
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.registry import TakesFile, Who, command
from bot.i18n import N_, _, ngettext
from bot.replies import Attachment, Heading, Reply, Table, Text, ToAnnouncementChats, say
from storage import media
from storage.models import PhotoEntry
from storage.season_store import SeasonStore

EXAMPLE = "photo Sunrise over the Taff"


@command(
    Photo,
    "photo [TITLE]",
    help=N_("with a picture: enter the photo competition"),
    example="photo Sunrise over the Taff",
    who=Who.MEMBERS,
    writes=True,
    takes_file=TakesFile(max_bytes=lambda _config: MAX_BYTES),
)
def enter_photo(ctx: Context, command: Photo) -> Reply:
    image = ctx.incoming.fetched
    if image is None:
        return say(_("Send the photo itself, with the command as its caption."), example=EXAMPLE)
    if image.content is None or image.declared_size > MAX_BYTES:
        return say(_("That photo is over 10 MB; send a smaller one."), example=EXAMPLE)
    if ctx.store.outcome().photo_id is not None:
        return say(
            _("The photo competition is over: the winner has been chosen."), example="photos"
        )
    checked = check_image(image.content)
    if isinstance(checked, str):
        return say(checked, example=EXAMPLE)
    ctx.store.lock_caller()
    entries = ctx.store.my_photos()
    if any(entry.sha256 == checked.sha256 for entry in entries):
        return say(_("You already entered this photo."), example="photos")
    limit = ctx.config.photos.max_per_person
    if len(entries) >= limit:
        return say(
            ngettext(
                "You have entered {count} photo, the most allowed.",
                "You have entered {count} photos, the most allowed.",
                limit,
            ).format(count=limit),
            example="photos",
        )
    entry = _enter(ctx, checked, command.title)
    if entry.title:
        entered = _("Entered photo #{id} {title} in the competition ({number} of {limit}).")
    else:
        entered = _("Entered photo #{id} in the competition ({number} of {limit}).")
    shown = entered.format(id=entry.id, title=entry.title, number=len(entries) + 1, limit=limit)
    return say(" ".join((shown, _("Good luck!"))))


@command(
    Photos,
    "photos",
    help=N_("your photo entries"),
    example="photos",
    who=Who.MEMBERS,
    writes=False,
)
def list_own(ctx: Context, _command: Photos) -> Reply:
    entries = ctx.store.my_photos()
    if not entries:
        return say(_("You have not entered any photos yet."), example=EXAMPLE)
    rows = tuple(
        (
            f"#{e.id}",
            e.title or _("(no title)"),
            figures.day(e.created_at.astimezone(ctx.zone).date()),
        )
        for e in entries
    )
    header = (_("id"), _("title"), _("entered"))
    return Reply((Heading(_("Your photo entries")), Table(header, rows)))


@command(
    AdminPhotosList,
    "admin photos list",
    help=N_("every photo entry with its id"),
    example="admin photos list",
    who=Who.ADMINS,
    writes=False,
)
def list_all(ctx: Context, _command: AdminPhotosList) -> Reply:
    rows = ctx.store.photo_entries()
    if not rows:
        return say(
            _("No photos have been entered yet."), example="admin announce Send your photos!"
        )
    table = tuple(
        (
            str(entry.id),
            ctx.name_of(author, author.id),
            entry.title or _("(no title)"),
            figures.size(entry.size_bytes),
        )
        for entry, author in rows
    )
    return Reply(
        (
            Heading(
                ngettext("{count} photo entry", "{count} photo entries", len(rows)).format(
                    count=figures.number(len(rows))
                )
            ),
            Table(
                (_("id"), _("by"), _("title"), _("size")), table, right_aligned=frozenset({0, 3})
            ),
            Text(_("Pick the winner with admin photos winner ID.")),
        )
    )


@command(
    AdminPhotosWinner,
    "admin photos winner ID",
    help=N_("announce the winning photo everywhere"),
    example="admin photos winner 7",
    who=Who.ADMINS,
    writes=True,
)
def choose_winner(ctx: Context, command: AdminPhotosWinner) -> list[Reply]:
    state = ctx.store.locked_outcome()
    if state.photo_id is not None:
        return [
            say(
                _("Photo #{id} already won; the winner is chosen once.").format(id=state.photo_id),
                example="admin photos list",
            )
        ]
    entry = ctx.store.photo(command.photo_id)
    if entry is None:
        return [
            say(
                _("There is no photo #{id}.").format(id=command.photo_id),
                example="admin photos list",
            )
        ]
    state.photo_id = entry.id
    ctx.store.audit("photo_winner", str(entry.id))
    with i18n.using(ctx.config.languages.default):
        announcement = winner_announcement(ctx.store, ctx.config, entry)
    return [
        announcement,
        say(_("Photo #{id} is the winner, announced everywhere.").format(id=entry.id)),
    ]


def winner_announcement(store: SeasonStore, config: Config, entry: PhotoEntry) -> Reply:
    author = store.participant(entry.participant_id)
    title = entry.title or _("A photo")
    path = media.media_path(config.photos.media_dir, entry.sha256, entry.media_type)
    return Reply(
        (
            Heading(_("The photo competition has a winner!")),
            Text(
                _("{title}, by {name}.").format(
                    title=title,
                    name=public_name(author, config.privacy.names) if author else _(FORMER),
                )
            ),
            Attachment(path.name, path.read_bytes(), entry.media_type),
        ),
        ToAnnouncementChats(),
    )


def _enter(ctx: Context, checked: CheckedImage, title: str | None) -> PhotoEntry:
    """Keep the image in the media directory, then enter it in the competition."""
    media.store(ctx.config.photos.media_dir, checked.sha256, checked.media_type, checked.content)
    return ctx.store.enter_photo(
        sha256=checked.sha256,
        media_type=checked.media_type,
        size_bytes=len(checked.content),
        title=title,
    )

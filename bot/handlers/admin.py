"""Admin commands: removing a bogus log, announcing, exporting. Each is audited."""

import csv
import io

from sqlalchemy.orm import Session

from bot import i18n
from bot.commands import AdminAnnounce, AdminExport, AdminRemove
from bot.domain.public_names import NameStyle, public_name
from bot.handlers import figures
from bot.handlers.context import Context
from bot.handlers.posts import season_over
from bot.handlers.registry import Who, command
from bot.i18n import N_, _, ngettext
from bot.replies import Attachment, Reply, Text, ToAnnouncementChats, say
from storage import repository as repo
from storage.models import Activity

EXPORT_COLUMNS = (
    "id",
    "day",
    "kind",
    "distance_m",
    "participant",
    "team",
    "created_at",
    "removed_at",
    "removed_by",
    "removal_reason",
)


@command(
    AdminRemove,
    "admin remove ID REASON",
    help=N_("remove a bogus log; its owner is told"),
    example="admin remove 42 duplicate",
    who=Who.ADMINS,
    writes=True,
)
def remove_log(ctx: Context, command: AdminRemove) -> list[Reply]:
    if (over := season_over(ctx.store)) is not None:
        return [over]
    activity = ctx.store.activity(command.activity_id)
    if activity is None:
        return [
            say(
                _("There is no log #{id} this season.").format(id=command.activity_id),
                example="admin export",
            )
        ]
    if activity.deleted_at is not None:
        return [
            say(
                _("#{id} was already removed ({reason}).").format(
                    id=activity.id, reason=activity.delete_reason
                ),
                example="admin export",
            )
        ]
    ctx.store.lock_participant(activity.participant_id)
    ctx.store.remove_activity(activity, command.reason)
    with i18n.using(i18n.SOURCE):  # the audit trail is in one language
        ctx.store.audit("remove", f"{_removed_log(activity)}; {command.reason}")
    owner = ctx.store.participant(activity.participant_id)
    owner_name = ctx.name_of(owner, owner.id) if owner else "?"
    removed = say(
        _("Removed {log}, logged by {name}. Reason: {reason}.").format(
            log=_removed_log(activity), name=owner_name, reason=command.reason
        )
    )
    told = ctx.tell(
        activity.participant_id,
        lambda: _("An admin removed your log {log}. Reason: {reason}.").format(
            log=_removed_log(activity), reason=command.reason
        ),
    )
    return [removed, *told]


def _removed_log(activity: Activity) -> str:
    return _("#{id}: {km} {kind} on {day}").format(
        id=activity.id,
        km=figures.km(activity.distance_m),
        kind=figures.kind(activity.kind),
        day=figures.day(activity.day),
    )


@command(
    AdminAnnounce,
    "admin announce TEXT",
    help=N_("post to every announcement chat"),
    example="admin announce Last week!",
    who=Who.ADMINS,
    writes=True,
)
def announce(ctx: Context, command: AdminAnnounce) -> list[Reply]:
    ctx.store.audit("announce", command.text)
    return [
        Reply((Text(command.text),), ToAnnouncementChats()),
        say(
            ngettext(
                "Announced to {count} announcement chat.",
                "Announced to {count} announcement chats.",
                len(ctx.config.announce),
            ).format(count=figures.number(len(ctx.config.announce)))
        ),
    ]


@command(
    AdminExport,
    "admin export",
    help=N_("all activities as a CSV file"),
    example="admin export",
    who=Who.ADMINS,
    writes=True,
)
def export_activities(ctx: Context, _command: AdminExport) -> Reply:
    content = _as_csv(ctx.store.export_rows(), ctx.config.privacy.names)
    ctx.store.audit("export", "activities CSV")
    filename = f"activities-{ctx.now.astimezone(ctx.config.season.timezone):%Y-%m-%d-%H%M%S}.csv"
    return Reply(
        (
            Text(_("Every activity of the season, removed ones included.")),
            Attachment(filename, content, "text/csv"),
        )
    )


def activities_csv(session: Session, season_id: int, names: NameStyle) -> bytes:
    """Every activity of a season as CSV, removed ones included."""
    return _as_csv(repo.export_rows(session, season_id), names)


def _as_csv(rows: list[repo.ExportRow], names: NameStyle) -> bytes:
    """Names as everyone sees them: a hidden person's never leaves in a file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        activity = row.activity
        writer.writerow(
            (
                activity.id,
                activity.day.isoformat(),
                activity.kind,
                activity.distance_m,
                _csv_safe(public_name(row.participant, names)),
                _csv_safe(row.team),
                activity.created_at.isoformat(),
                activity.deleted_at.isoformat() if activity.deleted_at else "",
                _csv_safe(public_name(row.removed_by, names) if row.removed_by else ""),
                _csv_safe(activity.delete_reason or ""),
            )
        )
    return buffer.getvalue().encode("utf-8")


def _csv_safe(value: str) -> str:
    """Names starting with = + - @ would run as formulas in a spreadsheet."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value

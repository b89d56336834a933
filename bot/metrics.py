"""What `/metrics` serves, in the Prometheus text format: counts and latencies by kind, never
a name, an id or a message."""

from prometheus_client import Counter, Gauge, Histogram

COMMANDS = Counter(
    "challenge_commands_total",
    "Commands answered, by command kind and outcome (ok, refused, busy, failed, repeated).",
    ["kind", "outcome"],
)
COMMAND_SECONDS = Histogram(
    "challenge_command_seconds",
    "Time from a command's arrival at the dispatcher to its replies, by command kind.",
    ["kind"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LOG_BATCH_SIZE = Histogram(
    "challenge_log_batch_size",
    "Logs written together in one transaction.",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
OUTBOX_SENDS = Counter(
    "challenge_outbox_sends_total",
    "Outbox steps (a post's text or a file, to one chat), by platform and result "
    "(sent, retried, failed, undeliverable).",
    ["platform", "result"],
)
POSTS = Counter(
    "challenge_posts_total",
    "Ledger posts (leaderboard, final report), by kind and outcome (made, skipped, failed).",
    ["kind", "outcome"],
)
DATABASE_ERRORS = Counter(
    "challenge_database_errors_total",
    "Database errors met while answering (the server unreachable, a lock not granted in time).",
    ["kind"],
)

# Set from the running bot at each scrape of /metrics.
OUTBOX_BACKLOG = Gauge(
    "challenge_outbox_backlog",
    "Replies (posts, notices) being delivered by the outbox now.",
)
ADAPTER_WAITING = Gauge(
    "challenge_adapter_waiting_updates",
    "Updates received from the platform and not yet answered, by platform.",
    ["platform"],
)
ADAPTER_LAST_PROCESSED = Gauge(
    "challenge_adapter_last_processed_timestamp_seconds",
    "When the platform's adapter last finished an update (Unix time), by platform.",
    ["platform"],
)

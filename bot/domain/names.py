"""Team names compared ignoring case, accents and extra spaces."""

import unicodedata


def name_key(name: str) -> str:
    """The form two team names share when they are "the same" ("Équipe  Rouge" ~ "equipe rouge")."""
    decomposed = unicodedata.normalize("NFKD", name)
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(without_accents.casefold().split())

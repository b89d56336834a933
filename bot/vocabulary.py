"""The words a log is written with, in every shipped language: activities, days, months,
units. Anyone may use any language's words; a word that means one thing in one language and
another in a second takes the reader's meaning (then English's)."""

import unicodedata
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from bot.domain.days import DayRef, RelativeDay, Weekday
from bot.domain.kinds import ActivityKind

RUN, WALK, CYCLE = ActivityKind.RUN, ActivityKind.WALK, ActivityKind.CYCLE
KM, MILE, METRE = Decimal(1000), Decimal("1609.344"), Decimal(1)
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl")

# The language of whoever is being read; the grammar sets it for the length of one parse.
READER_LANGUAGE: ContextVar[str] = ContextVar("reader_language", default="en")


def _weekdays(*names: str) -> dict[str, DayRef]:
    """Monday to Sunday, each name with its spellings separated by `/`."""
    return {
        spelling: Weekday(index)
        for index, spellings in enumerate(names)
        for spelling in spellings.split("/")
    }


@dataclass(frozen=True)
class Words:
    """One language's words. `nothing` claims words that mean nothing in a log in this
    language, so that another language's meaning does not apply (German `hier` is "here")."""

    kinds: Mapping[str, ActivityKind]
    days: Mapping[str, DayRef]
    months: Mapping[str, int]
    units: Mapping[str, Decimal]
    # Words that may stand before a day and change nothing: `on friday`, `am Montag`.
    before_a_day: frozenset[str] = field(default_factory=frozenset)
    nothing: frozenset[str] = field(default_factory=frozenset)


def _kinds(run: str, walk: str, cycle: str) -> dict[str, ActivityKind]:
    return {
        **dict.fromkeys(run.split(), RUN),
        **dict.fromkeys(walk.split(), WALK),
        **dict.fromkeys(cycle.split(), CYCLE),
    }


def _months(*names: str) -> dict[str, int]:
    return {
        spelling: number
        for number, spellings in enumerate(names, start=1)
        for spelling in spellings.split("/")
    }


def _units(km: str, mile: str, metre: str) -> dict[str, Decimal]:
    return {
        **dict.fromkeys(km.split(), KM),
        **dict.fromkeys(mile.split(), MILE),
        **dict.fromkeys(metre.split(), METRE),
    }


WORDS: dict[str, Words] = {
    "en": Words(
        kinds=_kinds(
            "run runs running ran jog jogs jogging jogged",
            "walk walks walking walked hike hikes hiking hiked",
            "cycle cycles cycling cycled bike bikes biking biked ride rides riding rode",
        ),
        days={
            "today": RelativeDay(0),
            "yesterday": RelativeDay(1),
            "tomorrow": RelativeDay(-1),  # read, to be refused as the future
            **_weekdays(
                "monday/mon",
                "tuesday/tue/tues",
                "wednesday/wed",
                "thursday/thu/thur/thurs",
                "friday/fri",
                "saturday/sat",
                "sunday/sun",
            ),
        },
        months=_months(
            "january/jan",
            "february/feb",
            "march/mar",
            "april/apr",
            "may",
            "june/jun",
            "july/jul",
            "august/aug",
            "september/sep/sept",
            "october/oct",
            "november/nov",
            "december/dec",
        ),
        units=_units(
            "km k kms kilometre kilometres kilometer kilometers",
            "mi mile miles",
            "m metre metres meter meters",
        ),
        before_a_day=frozenset({"on", "last"}),
    ),
    "de": Words(
        kinds=_kinds(
            "laufen lauf gelaufen joggen gejoggt rennen gerannt dauerlauf",
            "gehen gegangen spazieren spaziergang spazierengehen wandern gewandert wanderung",
            "radfahren radgefahren rad radeln geradelt fahrrad radtour radfahrt",
        ),
        days={
            "heute": RelativeDay(0),
            "gestern": RelativeDay(1),
            "morgen": RelativeDay(-1),
            **_weekdays(
                "montag/mo",
                "dienstag/di",
                "mittwoch/mi",
                "donnerstag/do",
                "freitag/fr",
                "samstag/sonnabend/sa",
                "sonntag/so",
            ),
        },
        months=_months(
            "januar/jan",
            "februar/feb",
            "märz/mär",
            "april/apr",
            "mai",
            "juni/jun",
            "juli/jul",
            "august/aug",
            "september/sep/sept",
            "oktober/okt",
            "november/nov",
            "dezember/dez",
        ),
        units=_units("kilometer", "meile meilen", "meter"),
        before_a_day=frozenset({"am", "letzten", "letzter"}),
        nothing=frozenset({"hier"}),
    ),
    "fr": Words(
        kinds=_kinds(
            "courir couru course footing jogging",
            "marcher marché marche randonnée rando promenade",
            "vélo cyclisme pédaler pédalé vtt",
        ),
        days={
            "aujourd'hui": RelativeDay(0),
            "hier": RelativeDay(1),
            "demain": RelativeDay(-1),
            **_weekdays(
                "lundi/lun",
                "mardi/mar",
                "mercredi/mer",
                "jeudi/jeu",
                "vendredi/ven",
                "samedi/sam",
                "dimanche/dim",
            ),
        },
        months=_months(
            "janvier/janv",
            "février/févr",
            "mars",
            "avril/avr",
            "mai",
            "juin",
            "juillet/juil",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre/déc",
        ),
        units=_units("kilomètre kilomètres", "mile miles", "mètre mètres"),
        before_a_day=frozenset({"le", "dernier"}),
    ),
    "es": Words(
        kinds=_kinds(
            "correr corrí carrera trotar troté",
            "caminar caminé caminata paseo pasear andar anduve senderismo",
            "bici bicicleta ciclismo pedalear pedaleé",
        ),
        days={
            "hoy": RelativeDay(0),
            "ayer": RelativeDay(1),
            "mañana": RelativeDay(-1),
            **_weekdays(
                "lunes/lun",
                "martes/mar",
                "miércoles/mié",
                "jueves/jue",
                "viernes/vie",
                "sábado/sáb",
                "domingo/dom",
            ),
        },
        months=_months(
            "enero/ene",
            "febrero/feb",
            "marzo/mar",
            "abril/abr",
            "mayo/may",
            "junio/jun",
            "julio/jul",
            "agosto/ago",
            "septiembre/setiembre/sep",
            "octubre/oct",
            "noviembre/nov",
            "diciembre/dic",
        ),
        units=_units("kilómetro kilómetros", "milla millas", "metro metros"),
        before_a_day=frozenset({"el", "pasado"}),
    ),
    "it": Words(
        kinds=_kinds(
            "correre corso corsa corsetta",
            "camminare camminato camminata passeggiata passeggiare escursione",
            "bicicletta ciclismo pedalare pedalato pedalata",
        ),
        days={
            "oggi": RelativeDay(0),
            "ieri": RelativeDay(1),
            "domani": RelativeDay(-1),
            **_weekdays(
                "lunedì/lun",
                "martedì/mar",
                "mercoledì/mer",
                "giovedì/gio",
                "venerdì/ven",
                "sabato/sab",
                "domenica/dom",
            ),
        },
        months=_months(
            "gennaio/gen",
            "febbraio/feb",
            "marzo/mar",
            "aprile/apr",
            "maggio/mag",
            "giugno/giu",
            "luglio/lug",
            "agosto/ago",
            "settembre/set",
            "ottobre/ott",
            "novembre/nov",
            "dicembre/dic",
        ),
        units=_units("chilometro chilometri", "miglio miglia", "metro metri"),
        before_a_day=frozenset({"scorso", "scorsa"}),
    ),
    "nl": Words(
        kinds=_kinds(
            "hardlopen hardgelopen rennen gerend joggen gejogd",
            # In Dutch `lopen` is to walk; running is `hardlopen`.
            "lopen gelopen wandelen gewandeld wandeling",
            "fietsen gefietst fiets fietstocht wielrennen",
        ),
        days={
            "vandaag": RelativeDay(0),
            "gisteren": RelativeDay(1),
            "morgen": RelativeDay(-1),
            **_weekdays(
                "maandag/ma",
                "dinsdag/di",
                "woensdag/wo",
                "donderdag/do",
                "vrijdag/vr",
                "zaterdag/za",
                "zondag/zo",
            ),
        },
        months=_months(
            "januari/jan",
            "februari/feb",
            "maart/mrt",
            "april/apr",
            "mei",
            "juni/jun",
            "juli/jul",
            "augustus/aug",
            "september/sep/sept",
            "oktober/okt",
            "november/nov",
            "december/dec",
        ),
        units=_units("kilometer", "mijl mijlen", "meter"),
        before_a_day=frozenset({"op", "vorige"}),
        nothing=frozenset({"hier"}),
    ),
    "pl": Words(
        kinds=_kinds(
            "bieg biegi biegać bieganie biegałem biegałam przebiegłem przebiegłam",
            "spacer spacerować chodzenie marsz wędrówka",
            "rower rowerem kolarstwo jazda",
        ),
        days={
            "dziś": RelativeDay(0),
            "dzisiaj": RelativeDay(0),
            "wczoraj": RelativeDay(1),
            "jutro": RelativeDay(-1),
            **_weekdays(
                "poniedziałek/pon",
                "wtorek/wt",
                "środa/śr",
                "czwartek/czw",
                "piątek/pt",
                "sobota/sob",
                "niedziela/nd/niedz",
            ),
        },
        months=_months(
            "styczeń/sty",
            "luty/lut",
            "marzec/mar",
            "kwiecień/kwi",
            "maj",
            "czerwiec/cze",
            "lipiec/lip",
            "sierpień/sie",
            "wrzesień/wrz",
            "październik/paź",
            "listopad/lis",
            "grudzień/gru",
        ),
        units=_units("kilometr kilometry kilometrów", "mila mile mil", "metr metry metrów"),
        before_a_day=frozenset({"w", "we", "zeszły", "zeszłą"}),
    ),
}


def folded(word: str) -> str:
    """A word as looked up: case and accents folded, so `miercoles` finds `miércoles`."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Lexicon:
    """Every language's words as one reader reads them, by folded spelling."""

    kinds: dict[str, ActivityKind]
    days: dict[str, DayRef]
    months: dict[str, int]
    units: dict[str, Decimal]
    before_a_day: set[str]


@cache
def lexicon(reader: str) -> Lexicon:
    """The words for a reader of `reader`: theirs first, then English's, then the others';
    a word one language has claimed keeps that meaning, whatever kind of word it is."""
    order = [reader, "en", *(code for code in LANGUAGES if code not in (reader, "en"))]
    claimed: set[str] = set()
    found = Lexicon({}, {}, {}, {}, set())
    for code in dict.fromkeys(order):
        words = WORDS.get(code)
        if words is None:
            continue
        mine: set[str] = set()
        for table, into in (
            (words.kinds, found.kinds),
            (words.days, found.days),
            (words.months, found.months),
            (words.units, found.units),
        ):
            for spelling, meaning in table.items():
                key = folded(spelling)
                if key not in claimed:
                    into[key] = meaning  # type: ignore[index]
                    mine.add(key)
        for word in words.before_a_day:
            if folded(word) not in claimed:
                found.before_a_day.add(folded(word))
                mine.add(folded(word))
        claimed |= mine | {folded(word) for word in words.nothing}
    return found


def reader_lexicon() -> Lexicon:
    return lexicon(READER_LANGUAGE.get())


def _said(*words: str) -> dict[str, str]:
    """A command's words in de, fr, es, it, nl and pl, in that order; "" where the English
    word is also that language's."""
    return {code: word for code, word in zip(LANGUAGES[1:], words, strict=True) if word}


# Each employee command's word in the other languages, beside the English one that always
# works: `/hilfe`, or `stand` in a private chat. Plain letters only: Telegram's commands
# allow no others.
COMMAND_WORDS: dict[str, dict[str, str]] = {
    "help": _said("hilfe", "aide", "ayuda", "aiuto", "hulp", "pomoc"),
    "newteam": _said(
        "neuesteam", "nouvelleequipe", "nuevoequipo", "nuovasquadra", "nieuwteam", "nowyzespol"
    ),
    "join": _said("beitreten", "rejoindre", "unirse", "unisciti", "aansluiten", "dolacz"),
    "leave": _said("verlassen", "quitter", "salir", "esci", "verlaten", "opusc"),
    "team": _said("", "equipe", "equipo", "squadra", "", "zespol"),
    "log": _said("eintragen", "noter", "registrar", "registra", "loggen", "zapisz"),
    "country": _said("land", "pays", "pais", "paese", "land", "kraj"),
    "remind": _said("erinnern", "rappel", "recordar", "ricorda", "herinner", "przypomnij"),
    "link": _said("verknuepfen", "lier", "vincular", "collega", "koppelen", "polacz"),
    "journey": _said("reise", "voyage", "viaje", "viaggio", "reis", "podroz"),
    "pledge": _said("spenden", "donner", "donar", "donare", "doneren", "wplac"),
    "upload": _said("hochladen", "importer", "subir", "carica", "uploaden", "wgraj"),
    "undo": _said("rueckgaengig", "annuler", "deshacer", "annulla", "ongedaan", "cofnij"),
    "delete": _said("loeschen", "supprimer", "borrar", "elimina", "verwijder", "usun"),
    "timezone": _said("zeitzone", "fuseau", "zonahoraria", "fusoorario", "tijdzone", "strefa"),
    "me": _said("ich", "moi", "yo", "io", "ik", "ja"),
    "standings": _said("stand", "classement", "clasificacion", "classifica", "stand", "ranking"),
    "totals": _said("gesamt", "total", "total", "totale", "totaal", "suma"),
    "vote": _said("abstimmen", "voter", "votar", "vota", "stemmen", "glosuj"),
    "photo": _said("foto", "", "foto", "foto", "foto", "zdjecie"),
    "photos": _said("fotos", "", "fotos", "fotografie", "fotos", "zdjecia"),
    "privacy": _said("datenschutz", "confidentialite", "privacidad", "", "", "prywatnosc"),
    "mydata": _said(
        "meinedaten", "mesdonnees", "misdatos", "imieidati", "mijngegevens", "mojedane"
    ),
    "forgetme": _said(
        "vergissmich", "oubliezmoi", "olvidame", "dimenticami", "vergeetmij", "zapomnij"
    ),
    "hide": _said("verbergen", "masquer", "ocultar", "nascondi", "verbergen", "ukryj"),
    "show": _said("zeigen", "afficher", "mostrar", "mostra", "tonen", "pokaz"),
    "language": _said("sprache", "langue", "idioma", "lingua", "taal", "jezyk"),
}


# Words after a command that read the same in every language's grammar.
ARGUMENT_WORDS: dict[str, dict[str, str]] = {
    "people": _said("personen", "personnes", "personas", "persone", "personen", "osoby"),
}


def in_readers_words(command: str, language: str) -> str:
    """An example command (`log 5 km run yesterday`) in the reader's own words
    (`eintragen 5 km laufen gestern`); it parses for everyone, since every language's words
    do. Names, numbers and units stay as they are."""
    words = WORDS.get(language)
    if words is None or language == "en":
        return command
    first, *rest = command.split(" ")
    said = [COMMAND_WORDS.get(first, {}).get(language, first)]
    for token in rest:
        kind = WORDS["en"].kinds.get(token.lower())
        day = WORDS["en"].days.get(token.lower())
        if kind is not None:
            token = _first(words.kinds, kind) or token
        elif day is not None:
            token = _first(words.days, day) or token
        elif token in ARGUMENT_WORDS:
            token = ARGUMENT_WORDS[token].get(language, token)
        said.append(token)
    return " ".join(said)


def _first(table: Mapping[str, object], meaning: object) -> str | None:
    """The first spelling a language lists for a meaning: its usual word."""
    return next((spelling for spelling, value in table.items() if value == meaning), None)

"""Names: compared, sorted, and turned into search keys for tolerant matching, stored in
an indexed table (care_personne_cle). Pure functions: no database here.

Lefèvre = LEFEBVRE = lefevre, « Ben Ali » = « Benali », Jean-Pierre = Jean Pierre,
nom and prénom swapped, one typo (a letter missing, added, changed or two swapped):
each name becomes a few keys; a query becomes keys the same way, and the database
counts, per person, the weight of the keys they share. Nothing is scanned in Python,
and the same SQL runs on SQLite and PostgreSQL.

Names in every script: a word written in Cyrillic, Arabic, Chinese, Greek, Hebrew…
keeps its own keys (found as typed, with the same one-typo tolerance) and gets the keys
of its Latin transliteration (``anyascii``, maintained, every script): « Ivanov » finds
« Иванов », « Wang Wei » finds « 王伟 ». Chinese, Japanese and Korean characters are
syllables, transliterated one by one. Arabic and Hebrew write few vowels: « محمد » reads
« mhmd »; a Latin « Mohamed » meets it on its consonant skeleton (``sa:`` keys), and only
there — two Latin names never match on their skeleton alone.

Keys: ``n:`` the normalised word, ``p:`` its French phonetic form, ``d:`` the word
and every variant with one letter deleted (a typo on either side leaves a shared
variant: SymSpell's deletion neighbourhood), ``sa:``/``sl:`` consonant skeletons of a
word written in an abjad (Arabic, Hebrew) and of a Latin word, each looked up from the
other side.
"""

import re
import unicodedata

from anyascii import anyascii

WEIGHT_EXACT = 6
WEIGHT_PHONETIC = 4
WEIGHT_DELETION = 1
MIN_TYPO_LENGTH = 4
MAX_WORD = 30

WEIGHT_SKELETON = 4
MIN_SKELETON = 1

_NON_LETTERS = re.compile(r"[^a-z]+")
# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d",
                            "ı": "i", "þ": "th"})
# Letters that Arabic and Hebrew write only as long vowels, or not at all.
_VOWELS = re.compile(r"[aeiouyw]+")


def _strip_marks(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return unicodedata.normalize("NFC", "".join(c for c in text
                                                if not unicodedata.combining(c)))


def normalise(text: str) -> str:
    """Lowercase ASCII letters and single spaces: « L'Hôte-Ménard » → « l hote menard »."""
    text = _strip_marks(text).lower().translate(_LIGATURES)
    return _NON_LETTERS.sub(" ", text).strip()


def _script(char: str) -> str:
    """« latin », « syllabic » (Han, Hangul, Kana: one character, one syllable), « abjad »
    (Arabic, Hebrew, Syriac, Thaana: few vowels written) or « other » (Cyrillic, Greek…)."""
    if char.isascii() or char in "œæßøłđıþ":
        return "latin"
    name = unicodedata.name(char, "")
    if name.startswith("LATIN"):
        return "latin"
    if name.startswith(("CJK", "HANGUL", "HIRAGANA", "KATAKANA")):
        return "syllabic"
    if name.startswith(("ARABIC", "HEBREW", "SYRIAC", "THAANA")):
        return "abjad"
    return "other"


def _tokens(text: str) -> list[str]:
    """The words of a text in any script, without accents or optional vowel marks:
    letters and the marks that belong to them, cut at anything else."""
    tokens, current = [], []
    for char in _strip_marks(text).casefold():
        if unicodedata.category(char)[0] in "LM":
            current.append(char)
        elif current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    return tokens


def comparable(text: str) -> str:
    """A name as written, in any script, without case, accents or punctuation: two
    names that compare equal are the same name (« N'Diaye » = « n diaye », « Иванов »)."""
    return " ".join(_tokens(text))


def identity_key(nom: str, prenom: str = "") -> str:
    """How a person's name sounds, in any script: the phonetic forms of its words (Latin
    transliteration included), sorted. « Иванов Сергей » and « Ivanov Sergei », « Lefèvre
    Marie » and « Marie LEFEBVRE » share it; records of one event that do are suspected
    doubles."""
    forms = set()
    for mot in mots(f"{nom} {prenom}"):
        if mot.abjad:
            # Arabic and Hebrew without their vowels: « محمد » and « محمود » read alike in
            # Latin letters, so they are compared as written.
            forms.add(mot.natif)
            continue
        for latin in mot.latins or [mot.natif]:
            forms.add(phonetic(latin))
    return " ".join(sorted(forms))[:200]


def sort_key(text: str) -> str:
    """A name as a list sorts it: without case, accents, spaces or punctuation, so that
    « de la Tour » sits beside « Delatour » and « Élodie » among the E."""
    return "".join(_tokens(text))


def in_alphabetical_order(personnes) -> list:
    """People sorted by nom then prénom as a reader expects them (see sort_key)."""
    return sorted(personnes, key=lambda p: (sort_key(p.nom), sort_key(p.prenom or ""), p.id))


def _latin_words(text: str) -> list[str]:
    return [w[:MAX_WORD] for w in normalise(text).split() if len(w) >= 2]


def _transliterated(token: str) -> list[str]:
    """The Latin words of a word in another script. A syllabic name is read character by
    character (« 王伟 » → wang, wei), and its given part joined (« 李小龍 » → xiaolong)."""
    syllables = [anyascii(c) if _script(c) == "syllabic" else None for c in token]
    if all(syllables):
        parts = [normalise(s).replace(" ", "")[:MAX_WORD] for s in syllables]
        words = [p for p in parts if p]
        if len(words) > 2:
            words.append("".join(words[1:])[:MAX_WORD])
        return words
    # Apostrophes of a transliteration mark a sound (Cyrillic soft sign, Arabic ayn),
    # not a word boundary: « Ольга » → « Olga », not « ol ga ».
    return _latin_words(anyascii(token).replace("'", "").replace("`", ""))


def skeleton(word: str) -> str:
    """A Latin word's consonants, doubles collapsed, without a final h (Arabic tā' marbūṭa,
    « Fatimah »): « mohammed » → « mhmd », « فاطمة » (ftmh) → « ftm »."""
    bones = re.sub(r"([a-z])\1+", r"\1", _VOWELS.sub("", word.replace("c", "k").replace(
        "q", "k")))
    return bones[:-1] if len(bones) > 1 and bones.endswith("h") else bones


class Mot:
    """A word of a name: as written (``natif``, in its own script when not Latin) and
    the Latin words it reads as (``latins``)."""

    def __init__(self, natif: str, latins: list[str], abjad: bool = False):
        self.natif, self.latins, self.abjad = natif, latins, abjad


def mots(text: str) -> list[Mot]:
    found: list[Mot] = []
    for token in _tokens(text):
        scripts = {_script(c) for c in token}
        if scripts == {"latin"}:
            found.extend(Mot(w, [w]) for w in _latin_words(token))
        else:
            found.append(Mot(token[:MAX_WORD], _transliterated(token),
                             abjad="abjad" in scripts))
    return found


def words(text: str) -> list[str]:
    """The words of a name in every form a search may meet them (as written, in Latin
    letters), plus the whole name joined when it has several parts."""
    parts: list[str] = []
    latin_only: list[str] = []
    for mot in mots(text):
        for word in [mot.natif, *mot.latins]:
            if word not in parts and (len(word) >= 2 or not word.isascii()):
                parts.append(word)
        if mot.latins == [mot.natif]:
            latin_only.append(mot.natif)
    joined = "".join(latin_only)[:MAX_WORD]
    if len(latin_only) > 1 and joined not in parts:
        parts.append(joined)
    return parts


# Ordered rewrites of a simplified French phonetic (in the spirit of Phonex / Soundex FR).
_PHONETIC_RULES = [
    (r"bv", "v"), (r"ph", "f"), (r"gu([ei])", r"g\1"), (r"qu", "k"), (r"ck", "k"),
    (r"c([eiy])", r"s\1"), (r"c", "k"), (r"q", "k"), (r"sch", "ch"), (r"sh", "ch"),
    (r"gn", "n"), (r"th", "t"), (r"w", "v"), (r"y", "i"), (r"z", "s"), (r"x", "ks"),
    (r"eaux?", "o"), (r"aux?", "o"), (r"ault$", "o"), (r"ot$", "o"),
    (r"(ai|ei|ey)", "e"), (r"(an|am|en|em)([^aeiou]|$)", r"an\2"),
    (r"(on|om)([^aeiou]|$)", r"on\2"), (r"(in|im|ain|ein|un)([^aeiou]|$)", r"in\2"),
    (r"ou", "u"), (r"oi", "oa"),
    (r"(?<!^)h", ""), (r"^h", ""),
    (r"([a-z])\1+", r"\1"),
    (r"(?<=.)(e|s|t|d|x|es|ent)$", ""),
]
_PHONETIC_COMPILED = [(re.compile(p), r) for p, r in _PHONETIC_RULES]


def phonetic(word: str) -> str:
    code = word
    for pattern, replacement in _PHONETIC_COMPILED:
        code = pattern.sub(replacement, code)
    return code or word


def deletions(word: str) -> set[str]:
    """The word and every variant with one letter removed (only for words long enough)."""
    if len(word) < MIN_TYPO_LENGTH:
        return {word}
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def exact_keys(word: str) -> dict[str, int]:
    """The keys of a word that match it as written or as it sounds."""
    return {f"n:{word}": WEIGHT_EXACT, f"p:{phonetic(word)}": WEIGHT_PHONETIC}


def typo_keys(word: str) -> dict[str, int]:
    """The keys of a word that match it with one typo."""
    return {f"d:{variant}": WEIGHT_DELETION for variant in deletions(word)}


def keys_for_words(parts: list[str]) -> dict[str, int]:
    """{key: weight} for a list of words."""
    keys: dict[str, int] = {}
    for word in parts:
        keys.update(exact_keys(word))
        for key, weight in typo_keys(word).items():
            keys.setdefault(key, weight)
    return keys


def _skeleton_keys(text: str, *, stored: bool) -> dict[str, int]:
    """Consonant skeletons: a stored word written in an abjad gives ``sa:``, a stored Latin
    word ``sl:``; a searched word gives the other kind, so each meets only the other script."""
    keys: dict[str, int] = {}
    for mot in mots(text):
        mine, other = ("sa", "sl") if mot.abjad else ("sl", "sa")
        prefix = mine if stored else other
        for latin in mot.latins:
            bones = skeleton(latin)
            if len(bones) >= MIN_SKELETON:
                keys[f"{prefix}:{bones}"] = WEIGHT_SKELETON
    return keys


KEY_MAX = 64  # the column's size (care_personne_cle.cle)


def _bounded(keys: dict[str, int]) -> dict[str, int]:
    return {key[:KEY_MAX]: weight for key, weight in keys.items()}


def person_keys(nom: str, prenom: str = "", nom_usage: str = "") -> dict[str, int]:
    """Every key of a person: nom, prénom and nom d'usage alike, so a swap still matches."""
    parts: list[str] = []
    skeletons: dict[str, int] = {}
    for field in (nom, prenom, nom_usage):
        for word in words(field):
            if word not in parts:
                parts.append(word)
        skeletons.update(_skeleton_keys(field, stored=True))
    return _bounded({**keys_for_words(parts), **skeletons})


def query_words(query: str) -> list[tuple[dict[str, int], dict[str, int]]]:
    """Per word of a query: the keys that match it as written, as it sounds or as its
    skeleton, and the keys that match it with one typo."""
    skeletons = _skeleton_keys(query, stored=False)
    found = [(_bounded(exact_keys(word)), _bounded(typo_keys(word))) for word in words(query)]
    if skeletons:
        found.append((_bounded(skeletons), {}))
    return found


def matches_every_word(query: str, nom: str, prenom: str = "", nom_usage: str = "", *,
                       skeletons: bool = False) -> bool:
    """Each word of ``query`` matches a word of the person as written, as it sounds or in
    another script's transliteration (never only through a typo): the strict test of a
    relative's enquiry. A consonant skeleton (« Mohamed » for « محمد », but also for
    « محمود ») is not an identity: it counts only with ``skeletons``."""
    stored = {key for key in person_keys(nom, prenom, nom_usage) if not key.startswith("d:")}
    for mot in mots(query):
        keys = set(_skeleton_keys(mot.natif, stored=False)) if skeletons else set()
        for word in [mot.natif, *mot.latins]:
            keys.update(exact_keys(word))
        if not keys & stored:
            return False
    return True

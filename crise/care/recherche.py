"""Search keys for tolerant name matching, stored in an indexed table (care_personne_cle).

Lefèvre = LEFEBVRE = lefevre, « Ben Ali » = « Benali », Jean-Pierre = Jean Pierre,
nom and prénom swapped, one typo (a letter missing, added, changed or two swapped):
each name becomes a few keys; a query becomes keys the same way, and the database
counts, per person, the weight of the keys they share. Nothing is scanned in Python,
and the same SQL runs on SQLite and PostgreSQL.

Keys: ``n:`` the normalised word, ``p:`` its French phonetic form, ``d:`` the word
and every variant with one letter deleted (a typo on either side leaves a shared
variant: SymSpell's deletion neighbourhood).
"""

import re
import unicodedata

WEIGHT_EXACT = 6
WEIGHT_PHONETIC = 4
WEIGHT_DELETION = 1
MIN_TYPO_LENGTH = 4
MAX_WORD = 30

_NON_LETTERS = re.compile(r"[^a-z]+")
# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d",
                            "ı": "i", "þ": "th"})


def normalise(text: str) -> str:
    """Lowercase ASCII letters and single spaces: « L'Hôte-Ménard » → « l hote menard »."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower().translate(_LIGATURES)
    return _NON_LETTERS.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The words of a name, plus the whole name joined when it has several parts."""
    parts = [w[:MAX_WORD] for w in normalise(text).split() if len(w) >= 2]
    joined = "".join(normalise(text).split())[:MAX_WORD]
    if len(parts) > 1 and joined not in parts:
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


def person_keys(nom: str, prenom: str = "", nom_usage: str = "") -> dict[str, int]:
    """Every key of a person: nom, prénom and nom d'usage alike, so a swap still matches."""
    parts: list[str] = []
    for field in (nom, prenom, nom_usage):
        for word in words(field):
            if word not in parts:
                parts.append(word)
    return keys_for_words(parts)


def query_keys(query: str) -> dict[str, int]:
    return keys_for_words(words(query))

"""Names in every script on paper: fonts chosen character by character, Arabic and Hebrew
joined and right to left, Chinese, Japanese and Korean with real glyphs.

The fonts are vendored in ``static/fonts`` (licences beside them): nothing is downloaded at
run time. A text is cut into runs of one font and one direction; each right-to-left region
has its runs in reverse order, and HarfBuzz (``uharfbuzz``, through reportlab) shapes each
run in its logical order, joining Arabic letters and giving its glyphs in visual order. The
paragraph direction is left to right (the documents are French): « Dupont محمد العلي »
prints the French first, then the Arabic name read from the right.

``draw_string`` draws on a canvas (badges); ``markup`` writes a reportlab Paragraph's
markup (lists), ``paragraph_style`` adds the shaping such a paragraph needs.
"""

import re
import threading
import unicodedata
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.textobject import bidiShapedText

from crise.text import clean_line

FONT_DIR = Path(__file__).resolve().parent / "static" / "fonts"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"

# Fallback order: (name, regular file, bold file or None), the first with the glyph wins.
_FONTS = [
    ("DejaVuSans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),  # Latin, Greek, Cyrillic
    ("NotoNaskhArabic", "NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
    ("NotoSansHebrew", "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    ("DroidSansFallback", "DroidSansFallbackFull.ttf", None),  # Chinese, Japanese
    ("NanumGothic", "NanumGothic.ttf", None),  # Korean
    ("NotoSansEthiopic", "NotoSansEthiopic-Regular.ttf", None),  # Amharic, Tigrinya
    ("NotoSansDevanagari", "NotoSansDevanagari-Regular.ttf", None),
    ("NotoSansBengali", "NotoSansBengali-Regular.ttf", None),
    ("NotoSansTamil", "NotoSansTamil-Regular.ttf", None),
    ("NotoSansSinhala", "NotoSansSinhala-Regular.ttf", None),
    ("NotoSansGurmukhi", "NotoSansGurmukhi-Regular.ttf", None),
    ("NotoSansThai", "NotoSansThai-Regular.ttf", None),
    ("NotoSansKhmer", "NotoSansKhmer-Regular.ttf", None),
    ("NotoSansLao", "NotoSansLao-Regular.ttf", None),
    ("NotoSansGeorgian", "NotoSansGeorgian-Regular.ttf", None),
    ("NotoSansArmenian", "NotoSansArmenian-Regular.ttf", None),
    ("NotoSansMyanmar", "NotoSansMyanmar-Regular.ttf", None),
]
# Scripts DejaVu draws without their proper forms: their own font comes first.
_OWN_FONT_FIRST = ("ARABIC", "HEBREW")
# Scripts whose letters change with their neighbours: shaped by HarfBuzz.
_COMPLEX = ("ARABIC", "HEBREW", "SYRIAC", "THAANA", "DEVANAGARI", "BENGALI", "GURMUKHI",
            "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "THAI",
            "LAO", "TIBETAN", "MYANMAR", "KHMER")
_RTL = {"R", "AL"}
_WORDS = re.compile(r"(\s+)")


def register_fonts() -> None:
    """Register every vendored font with reportlab (once per process)."""
    _registered()


@lru_cache(maxsize=1)
def _registered() -> tuple:
    names = set(pdfmetrics.getRegisteredFontNames())
    chain = []
    for name, regular, bold in _FONTS:
        for font_name, file in ((name, regular), (name + "-Bold", bold)):
            if file and font_name not in names:
                pdfmetrics.registerFont(TTFont(font_name, str(FONT_DIR / file)))
        chain.append((name, name + "-Bold" if bold else name))
    return tuple(chain)


@lru_cache(maxsize=4096)
def _has_glyph(font_name: str, char: str) -> bool:
    return ord(char) in pdfmetrics.getFont(font_name).face.charToGlyph


@lru_cache(maxsize=8192)
def font_for(char: str, bold: bool = False) -> str | None:
    """The first vendored font that has a glyph for ``char`` (None: no font has it)."""
    chain = _registered()
    name = unicodedata.name(char, "")
    if name.startswith(_OWN_FONT_FIRST):
        chain = chain[1:] + chain[:1]
    for regular, bold_name in chain:
        font_name = bold_name if bold else regular
        if _has_glyph(font_name, char):
            return font_name
    return None


def needs_shaping(text: str) -> bool:
    """Whether ``text`` must be shaped (Arabic, Hebrew, Indic…) to print right."""
    return any(not c.isascii() and unicodedata.name(c, "").startswith(_COMPLEX)
               for c in text or "")


_memoire = threading.local()


@contextmanager
def memoire():
    """Within it, a line's runs are worked out once (a badge measures its name at several
    sizes, then draws it). Kept for one document only: names are personal data, no cache
    outlives the document that printed them."""
    avant = getattr(_memoire, "runs", None)
    _memoire.runs = {} if avant is None else avant
    try:
        yield
    finally:
        _memoire.runs = avant


def runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """(font, text) pieces of one line, in visual order; each piece's text is in logical
    order (HarfBuzz turns a right-to-left piece round when it shapes it)."""
    cache = getattr(_memoire, "runs", None)
    if cache is None:
        return list(_runs(text or "", bold))
    cle = (text or "", bold)
    if cle not in cache:
        cache[cle] = _runs(*cle)
    return list(cache[cle])


def _runs(text: str, bold: bool) -> tuple[tuple[str, str], ...]:
    text = clean_line(text)
    if not text:
        return ()
    default = FONT_BOLD if bold else FONT
    if _latin().issuperset(text):  # most names: one run of the base font, left to right
        return ((default, text),)
    fonts: list[str | None] = []
    for char in text:
        neutral = unicodedata.category(char)[0] in "ZPS" or char.isspace()
        fonts.append(None if neutral else (font_for(char, bold) or default))
    # Spaces and punctuation take their neighbour's font, so a run is not cut for them.
    last = next((f for f in fonts if f), default)
    for i, font in enumerate(fonts):
        if font is None:
            fonts[i] = last if _has_glyph(last, text[i]) else default
        else:
            last = font
    # Direction: strong right-to-left letters, and the neutrals between two of them.
    kinds = [unicodedata.bidirectional(c) for c in text]
    rtl = [k in _RTL for k in kinds]
    strong = [i for i, k in enumerate(kinds) if k in _RTL or k == "L" or k in ("EN", "AN")]
    for i, k in enumerate(kinds):
        if k in _RTL or k == "L":
            continue
        before = next((j for j in reversed(strong) if j < i), None)
        after = next((j for j in strong if j > i), None)
        rtl[i] = (before is not None and after is not None and kinds[before] in _RTL
                  and kinds[after] in _RTL)
    pieces: list[tuple[str, str, bool]] = []
    for char, font, right in zip(text, fonts, rtl):
        if pieces and pieces[-1][0] == font and pieces[-1][2] == right:
            pieces[-1] = (font, pieces[-1][1] + char, right)
        else:
            pieces.append((font, char, right))
    ordered: list[tuple[str, str]] = []
    i = 0
    while i < len(pieces):
        if not pieces[i][2]:
            ordered.append(pieces[i][:2])
            i += 1
            continue
        j = i
        while j < len(pieces) and pieces[j][2]:
            j += 1
        # Right to left: words (and the spaces between) in reverse order; each word is
        # shaped alone, which turns its letters round and joins them.
        tokens = [(font, token) for font, piece, _ in pieces[i:j]
                  for token in _WORDS.split(piece) if token]
        ordered.extend(reversed(tokens))
        i = j
    return tuple(ordered)


def _width(font: str, text: str, size: float) -> float:
    if needs_shaping(text):
        return bidiShapedText(text, None, fontName=font, fontSize=size, shaping=True)[1]
    return pdfmetrics.stringWidth(text, font, size)


def string_width(text: str, size: float, bold: bool = False) -> float:
    return sum(_width(font, piece, size) for font, piece in runs(text, bold))


def draw_string(canvas, x: float, y: float, text: str, size: float, *, bold: bool = False,
                align: str = "left") -> float:
    """Draw one line at (x, y), each character in a font that has it; returns the width."""
    pieces = [(font, piece, _width(font, piece, size)) for font, piece in runs(text, bold)]
    width = sum(w for _, _, w in pieces)
    if align == "right":
        x -= width
    elif align == "centre":
        x -= width / 2
    for font, piece, w in pieces:
        canvas.setFont(font, size)
        canvas.drawString(x, y, piece, shaping=needs_shaping(piece))
        x += w
    return width


def fit_size(text: str, size: float, width: float, *, bold: bool = False,
             minimum: float = 7) -> float:
    """The largest size, from ``size`` down to ``minimum``, at which the text fits."""
    while size > minimum and string_width(text, size, bold) > width:
        size -= 0.5
    return size


def ellipsis(text: str, size: float, width: float, *, bold: bool = False) -> str:
    """The text, cut with « … » if it does not fit in ``width``."""
    if string_width(text, size, bold) <= width:
        return text
    while text and string_width(text + "…", size, bold) > width:
        text = text[:-1]
    return text + "…"


def split_lines(text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
    """Words laid out on lines no wider than ``width`` (a word longer than a line stays
    whole, to be cut by ``ellipsis``)."""
    lines: list[str] = []
    for word in text.split():
        if lines and string_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


@lru_cache(maxsize=1)
def _latin() -> frozenset:
    """The characters the base fonts draw as they are (Latin, French punctuation, €): a
    text made only of them needs no run of another font, no shaping, no reordering."""
    _registered()
    candidates = [chr(c) for c in (*range(0x20, 0x250), *range(0x2000, 0x20D0))]
    return frozenset(c for c in candidates if unicodedata.bidirectional(c) not in _RTL
                     and _has_glyph(FONT, c) and _has_glyph(FONT_BOLD, c))


def latin_lines(text: str, size: float, width: float, *, bold: bool = False
                ) -> list[str] | None:
    """A text of the base fonts only, laid out on lines no wider than ``width`` (its line
    breaks kept; a word longer than a line cut where it must); None for any other text,
    which needs its runs of fonts (``markup``). Much cheaper than a Paragraph: for long
    tables."""
    text = text or ""
    if not _latin().issuperset(text.replace("\n", "")):
        return None
    font = FONT_BOLD if bold else FONT
    lines: list[str] = []
    for paragraphe in text.split("\n"):
        ligne = ""
        for word in paragraphe.split(" "):
            essai = f"{ligne} {word}" if ligne else word
            if pdfmetrics.stringWidth(essai, font, size) <= width:
                ligne = essai
                continue
            if ligne:
                lines.append(ligne)
            while pdfmetrics.stringWidth(word, font, size) > width and len(word) > 1:
                coupe = len(word) - 1
                while coupe > 1 and pdfmetrics.stringWidth(word[:coupe], font, size) > width:
                    coupe -= 1
                lines.append(word[:coupe])
                word = word[coupe:]
            ligne = word
        lines.append(ligne)
    return lines


def markup(text: str, bold: bool = False) -> str:
    """Paragraph markup for a text in any script: escaped, each run in its font, right-to-
    left regions in visual order (lines keep their breaks)."""
    text = text or ""
    if _latin().issuperset(text.replace("\n", "")):  # most texts: nothing to do but escape
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return escaped.replace("\n", "<br/>")
    lines = []
    for line in (text or "").split("\n"):
        parts = []
        for font, piece in runs(line, bold):
            escaped = piece.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            base = FONT_BOLD if bold else FONT
            parts.append(escaped if font == base else f'<font name="{font}">{escaped}</font>')
        lines.append("".join(parts))
    return "<br/>".join(lines)


"""Text as it may enter the application: pasted from Word, a PDF, a scanner or a script.

Word's Shift+Enter is a vertical tab, a PDF may carry form feeds, a hostile client sends
NUL bytes: XLSX refuses them, PostgreSQL refuses NUL, a printer shows boxes. Every text
is cleaned where it enters — in every form (``crise.forms.Form``) and on every string
column of every model (``crise.db``), whatever the route: web, service or CLI — and the
exports clean again what an older version may have stored.
"""

import re

# Line separators of every origin become a plain newline.
_LINE_BREAKS = re.compile("\r\n|[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# Other control characters (C0 but tab and newline, DEL, C1), lone surrogates (not
# encodable in UTF-8), non-characters, invisible marks that split a name for search, and
# the bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069) that
# would display a text reversed (« …ruot al snad »). The marks LRM and RLM, and the joiners
# that Persian and Indian scripts need, stay.
_REMOVED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff"
                      "\ufffe\uffff\ufeff\u200b\u202a-\u202e\u2066-\u2069]")
_SINGLE_LINE = re.compile("[\n\t]+")


def clean(value, *, multiline: bool = True):
    """``value`` without control characters; on one line unless ``multiline``.

    Anything that is not a string is returned as it is.
    """
    if not isinstance(value, str):
        return value
    # Word's end of a table cell (BEL) separates two words: a space, not nothing.
    text = _REMOVED.sub("", _LINE_BREAKS.sub("\n", value).replace("\x07", " "))
    if not multiline:
        text = _SINGLE_LINE.sub(" ", text)
    return text


def clean_line(value):
    return clean(value, multiline=False)


def clean_data(data, *, multiline: tuple = ()):
    """A service's input (a dataclass, or a dict of a request's content) with every text
    cleaned: on one line, but for the fields named in ``multiline``. What a service receives
    from the CLI or another service is cleaned as what comes from a form, before it is
    compared or looked up (PostgreSQL refuses a NUL byte even in a query)."""
    import dataclasses

    if dataclasses.is_dataclass(data):
        for item in dataclasses.fields(data):
            value = getattr(data, item.name)
            if isinstance(value, str):
                setattr(data, item.name, clean(value, multiline=item.name in multiline))
        return data
    if isinstance(data, dict):
        return {key: clean(value, multiline=key in multiline) if isinstance(value, str)
                else clean_data(value, multiline=multiline) if isinstance(value, dict)
                else value for key, value in data.items()}
    return data


# An e-mail address as forms accept it: something, @, a domain with a dot.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_code(code: str) -> str:
    """A person's short code typed in any case, with or without its dash: « k7m4qx » →
    « K7M-4QX » (the desk's search, the paper sheets, the audit's filter)."""
    short = (code or "").strip().upper().replace(" ", "")
    if len(short) == 6 and "-" not in short:
        short = f"{short[:3]}-{short[3:]}"
    return short

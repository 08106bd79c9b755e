"""Requests and responses shared by the views."""

import functools
import io
import ipaddress

from flask import Request, abort, current_app, request, send_file
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from crise.db import db
from crise.text import clean

PAGE_MAX = 100_000
# url_for's own keywords: a query string must never reach them (« ?_method=… »).
_URL_FOR_KEYWORDS = {"endpoint", "values"}


class CleanParameters(ImmutableMultiDict):
    """Query-string and form parameters without control characters (a NUL byte in any
    field made PostgreSQL fail): whatever a view or a form reads is already clean."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            mapping = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            mapping = mapping.items()
        super().__init__([(clean(key), clean(value)) for key, value in mapping])


class CleanRequest(Request):
    parameter_storage_class = CleanParameters


def page_number() -> int:
    """The ``?page=`` asked for, within bounds (a huge number overflowed the database)."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), PAGE_MAX)


def query_args(**explicit) -> dict:
    """This page's own query string, to build a link to a variant of it (the next page,
    the PDF of the same filters): the explicit values win, and nothing in the query string
    can reach url_for's own keywords (``?endpoint=``, ``?_method=``…)."""
    args = {key: value for key, value in request.args.items()
            if key not in explicit and key not in _URL_FOR_KEYWORDS
            and not key.startswith("_")}
    return {**args, **explicit}


def draft_scope() -> str:
    """Whose form drafts this page may read in the browser: an opaque value per account
    (never its id). A draft typed by one account is never shown to another on a shared
    computer; the same account finds it again after its session expired."""
    import hashlib
    import hmac

    from flask import current_app
    from flask_login import current_user

    if not current_user.is_authenticated:
        return ""
    key = current_app.secret_key
    key = key if isinstance(key, bytes) else str(key).encode()
    return hmac.new(key, f"brouillon:{current_user.id}".encode(), hashlib.sha256).hexdigest()[:20]


def file_response(data: bytes, mimetype: str, name: str, *, attachment: bool = True):
    """A generated file (PDF, CSV, XLSX): never kept by a cache, it holds personal data."""
    response = send_file(io.BytesIO(data), mimetype=mimetype, download_name=name,
                         as_attachment=attachment)
    response.headers["Cache-Control"] = "no-store"
    return response


def get_for_user_or_404(model, object_id: int, user, *, check: str | None = None):
    """A record the user may see (404 otherwise, so its existence is not revealed) and,
    with ``check`` (« can_edit », « can_manage »…), may act on (403 otherwise)."""
    obj = db.session.get(model, object_id)
    if obj is None or not obj.can_view(user):
        abort(404)
    if check and not getattr(obj, check)(user):
        abort(403)
    return obj


@functools.cache
def _reseaux(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _de_confiance(adresse: str, reseaux) -> bool:
    try:
        ip = ipaddress.ip_address(adresse.strip())
    except ValueError:
        return False
    return any(ip in reseau for reseau in reseaux)


def adresse_client() -> str:
    """The address of the person's browser. It is the connection's own address, unless that
    connection comes from a reverse proxy named in PROXIES_DE_CONFIANCE: then the proxy's
    X-Forwarded-For is read from the right, skipping the trusted proxies, and its first
    other address is the client's. A forwarded header from anyone else is ignored (a client
    cannot choose the address it is counted under)."""
    adresse = request.remote_addr or ""
    reseaux = _reseaux(tuple(current_app.config.get("PROXIES_DE_CONFIANCE") or ()))
    if not reseaux or not _de_confiance(adresse, reseaux):
        return adresse
    chaine = [a.strip() for a in ",".join(request.headers.getlist("X-Forwarded-For"))
              .split(",") if a.strip()]
    for precedente in reversed(chaine):
        if not _de_confiance(precedente, reseaux):
            try:
                return str(ipaddress.ip_address(precedente))
            except ValueError:
                return adresse  # a malformed header: count the proxy itself
    return chaine[0] if chaine else adresse


def noter_enregistre(texte: str, url: str | None = None) -> None:
    """What this request has just saved, with its code and where to find it: said by the
    error page if anything fails after the commit (the duplicate search after a
    registration, the next page), so that the agent does not type it again."""
    from flask import g

    g.enregistre = (texte, url)

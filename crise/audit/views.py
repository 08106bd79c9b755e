from datetime import date, datetime, timedelta

from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from crise.audit import bp, services
from crise.audit.models import ACTION_LABELS, OBJECT_LABELS, Action, AuditEntry
from crise.auth.decorators import role_required
from crise.auth.models import Role
from crise.db import utcnow
from crise.exports import XLSX, ListeExport, export_filename, to_csv, to_xlsx
from crise.extensions import db
from crise.formatting import format_datetime, from_paris_local
from crise.http import file_response, page_number
from crise.mairies.models import mairie_by_code, mairies_ordered

EXPORT_MAX = 100_000


def _parse_day(value: str | None):
    """A day typed in the filter, or None (empty, malformed, or outside 1900–2100: a year
    0001 must not reach the database as a time)."""
    try:
        day = datetime.strptime(value or "", "%Y-%m-%d")
    except ValueError:
        return None
    if not date(1900, 1, 1) <= day.date() <= date(2100, 12, 31):
        return None
    return from_paris_local(day)


def _query(args):
    since = _parse_day(args.get("du"))
    until = _parse_day(args.get("au"))
    mairie = mairie_by_code(args.get("mairie", "")) if args.get("mairie") else None
    return services.search_query(
        actor_email=args.get("qui", "")[:254], action=args.get("action", ""),
        object_type=args.get("objet", "")[:64], since=since,
        until=until + timedelta(days=1) if until else None,
        personne=args.get("personne", "")[:20], mairie_id=mairie.id if mairie else None
    ).options(selectinload(AuditEntry.personnes))


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    pagination = db.paginate(_query(request.args), page=page_number(),
                             per_page=current_app.config["AUDIT_PAGE_SIZE"], error_out=False)
    return render_template("audit/index.html", pagination=pagination, entries=pagination.items,
                           actions=ACTION_LABELS, objects=OBJECT_LABELS, args=request.args,
                           mairies=mairies_ordered())


class JournalExport(ListeExport):
    """The entries the administrator filtered, for a spreadsheet (a CNIL or judicial
    request, an internal inquiry)."""

    columns = [("at", "Quand"), ("qui", "Compte"), ("action", "Action"), ("objet", "Objet"),
               ("personnes", "Personnes (codes)"), ("resume", "Résumé"),
               ("details", "Détail")]
    widths = (18, 30, 14, 22, 24, 60, 40)
    sheet_title = "Journal d'audit"
    intitule = "Journal d'audit"

    def __init__(self, entries, filtres: str, now: datetime):
        self.entries, self.generated_at = entries, now
        self.counts = {"Entrées": len(entries)}
        if filtres:
            self.intitule = f"Journal d'audit — {filtres}"

    def rows(self) -> list[dict]:
        return [{
            "at": format_datetime(e.at), "qui": e.actor_email or "—", "action": e.action_label,
            "objet": f"{e.object_label}{' #' + e.object_id if e.object_id else ''}",
            "personnes": " ".join(p.code for p in e.personnes),
            "resume": e.summary,
            "details": "; ".join(f"{k} : {v[0]} → {v[1]}" for k, v in (e.changes or {}).items()
                                 if isinstance(v, list) and len(v) == 2),
        } for e in self.entries]


@bp.route("/export.<any(csv, xlsx):fmt>")
@role_required(Role.ADMIN)
def export(fmt):
    """The filtered entries as a file; exporting the trail is itself in the trail."""
    now = utcnow()
    entries = db.session.scalars(_query(request.args).limit(EXPORT_MAX)).all()
    filtres = ", ".join(f"{k} = {v}" for k, v in request.args.items() if v and k != "page")
    services.record(current_user, Action.EXPORT, "audit", None,
                    summary=f"Export du journal d'audit ({len(entries)} entrée(s))"
                    + (f" — filtres : {filtres}" if filtres else ""))
    db.session.commit()
    liste = JournalExport(entries, filtres, now)
    data = to_csv(liste) if fmt == "csv" else to_xlsx(liste)
    mimetype = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    return file_response(data, mimetype, export_filename("journal-audit", fmt, now,
                                                         exercice=False))

from datetime import datetime, timedelta

from flask import current_app, render_template, request

from crise.audit import bp, services
from crise.audit.models import ACTION_LABELS, OBJECT_LABELS
from crise.auth.decorators import role_required
from crise.auth.models import Role
from crise.extensions import db
from crise.http import page_number
from crise.formatting import from_paris_local


def _parse_day(value: str | None):
    try:
        return from_paris_local(datetime.strptime(value or "", "%Y-%m-%d"))
    except ValueError:
        return None


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    args = request.args
    since = _parse_day(args.get("du"))
    until = _parse_day(args.get("au"))
    query = services.search_query(actor_email=args.get("qui", "")[:254],
                            action=args.get("action", ""),
                            object_type=args.get("objet", "")[:64], since=since,
                            until=until + timedelta(days=1) if until else None)
    pagination = db.paginate(query, page=page_number(),
                             per_page=current_app.config["AUDIT_PAGE_SIZE"], error_out=False)
    return render_template("audit/index.html", pagination=pagination, entries=pagination.items,
                           actions=ACTION_LABELS, objects=OBJECT_LABELS, args=args)

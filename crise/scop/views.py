"""The SCOP's queue and the mairie's requests: thin views over crise.scop.services."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.care.models import CentreAccueil
from crise.care.services import centres_for
from crise.http import get_for_user_or_404
from crise.evenements.models import get_evenement_or_404
from crise.extensions import db
from crise.formatting import format_ago
from crise.http import page_number
from crise.forms import choices, perform, submit
from crise.scop import bp, services
from crise.scop.pages import demandes_context
from crise.scop.forms import FORMS, NoteForm, ReponseForm, StatutForm
from crise.scop.models import (SCOP_MOVES, DemandeScop, StatutDemande, TypeDemande,
                               can_ask_scop, can_view_scop, can_work_scop_queue)

PAGE_SIZE = 50
ENVOYEE = {"signalement": "Signalement envoyé à la SCOP.",
           "vpu": "Demande de VPU envoyée à la SCOP.",
           "umip": "Demande d'UMIP envoyée à la SCOP."}


def get_demande_or_404(demande_id: int) -> DemandeScop:
    return get_for_user_or_404(DemandeScop, demande_id, current_user)


def _page_is_current(demande: DemandeScop) -> bool:
    """False when the request changed after the page that sent this form was shown."""
    sent = request.form.get("version", type=int)
    if sent is None or sent != demande.version:  # no version: not sent by our page
        flash("Cette demande a changé depuis l'affichage de la page (un autre opérateur ou la "
              "mairie a agi) : voici son état actuel, rien n'a été modifié.", "error")
        return False
    return True


# --- The mairie asks ----------------------------------------------------------------------


@bp.route("/evenements/<int:evenement_id>/demander/<type_>", methods=["GET", "POST"])
def demander(evenement_id, type_):
    evenement = get_evenement_or_404(evenement_id, current_user)
    if type_ not in FORMS:
        abort(404)
    if not can_ask_scop(current_user):
        abort(403)
    form = FORMS[type_]()
    centres = [c for c in centres_for(current_user, evenement) if c.ouvert]
    if hasattr(form, "centre"):
        form.centre.choices = choices(
            [(str(c.id), f"C.A.RE {c.nom}" + (f" — {c.adresse}" if c.adresse else ""))
             for c in centres] + [("", "Autre lieu (préciser ci-dessous)")])
        if request.method == "GET" and centres:
            form.centre.data = str(centres[0].id)
    if request.method == "GET":
        form.new_jeton()
    if form.validate_on_submit():
        ok, result = submit(form, lambda: services.demander(
            current_user, evenement, type=type_, urgence=form.urgence.data,
            contenu=_contenu(type_, form), nb_personnes=getattr(form, "nb_personnes", None)
            and form.nb_personnes.data,
            centre=_chosen_centre(form, centres),
            lieu=form.lieu.data if hasattr(form, "lieu") else "", jeton=form.jeton.data))
        if ok:
            demande, created = result
            if created:
                flash(ENVOYEE[demande.type], "success")
            else:
                flash(f"Cette demande avait déjà été envoyée (n° {demande.id}, "
                      f"{format_ago(demande.created_at)}) : rien n'a été créé en double.",
                      "info")
            return redirect(url_for("scop.demande", demande_id=demande.id))
    return render_template("scop/demander.html", form=form, evenement=evenement, type_=type_,
                           type_label=TypeDemande(type_).label, centres=centres)


def _chosen_centre(form, centres):
    wanted = getattr(form, "centre", None) and form.centre.data
    return next((c for c in centres if str(c.id) == wanted), None) if wanted else None


def _contenu(type_, form) -> dict:
    if type_ == TypeDemande.SIGNALEMENT:
        return {"texte": form.texte.data, "source": form.source.data}
    if type_ == TypeDemande.VPU:
        return {"articles": {code: value for code, value in form.articles.data.items()
                             if value is not None},
                "autre_detail": form.autre_detail.data, "contact": form.contact.data}
    return {"nature": form.nature.data, "contact": form.contact.data,
            **{code: getattr(form, code).data or 0 for code in services.UMIP_PUBLICS}}


@bp.route("/evenements/<int:evenement_id>/demandes")
def demandes_evenement(evenement_id):
    """The event's requests and their live status (an HTML fragment, polled by the page)."""
    evenement = get_evenement_or_404(evenement_id, current_user)
    if not can_view_scop(current_user):
        abort(403)
    return render_template("scop/_demandes_evenement.html", evenement=evenement,
                           **demandes_context(current_user, evenement))


# --- One request --------------------------------------------------------------------------


@bp.route("/demandes/<int:demande_id>")
def demande(demande_id):
    demande = get_demande_or_404(demande_id)
    statut_form = StatutForm()
    statut_form.version.data = demande.version
    return _demande_page(demande, statut_form, NoteForm(version=demande.version))


def _demande_page(demande, statut_form, note_form, status=200):
    moves = sorted(SCOP_MOVES.get(StatutDemande(demande.statut), ()),
                   key=lambda s: list(StatutDemande).index(s))
    statut_form.vers.choices = choices((m.value, m.label) for m in moves)
    if note_form.reference.data is None:
        note_form.reference.data = demande.reference_scop
    return render_template(
        "scop/demande.html", demande=demande, evenement=demande.evenement,
        statut_form=statut_form, note_form=note_form, reponse_form=ReponseForm(
            version=demande.version), moves=moves, est_scop=can_work_scop_queue(current_user),
        est_mairie=can_ask_scop(current_user)
        and current_user.can_access_mairie(demande.mairie_id),
        contre_proposition=demande.contre_proposition_texte,
        **_etat_context(demande)), status


def _etat_context(demande) -> dict:
    return {"delais": services.delais(demande), "resume": services.resume(demande),
            "centre": db.session.get(CentreAccueil, demande.centre_id)
            if demande.centre_id else None}


@bp.route("/demandes/<int:demande_id>/etat")
def etat(demande_id):
    """Status, arrival and history alone, fetched again every few seconds by the page."""
    demande = get_demande_or_404(demande_id)
    return render_template("scop/_etat.html", demande=demande,
                           page_version=request.args.get("version", type=int),
                           **_etat_context(demande))


@bp.route("/demandes/<int:demande_id>/prendre", methods=["POST"])
def prendre(demande_id):
    demande = get_demande_or_404(demande_id)
    if _page_is_current(demande):
        reprendre = request.form.get("reprendre") == "1"
        perform(lambda: services.prendre(current_user, demande, reprendre=reprendre),
                "Demande reprise : vous en êtes maintenant l'opérateur." if reprendre else
                "Demande prise en charge.")
    return redirect(url_for("scop.demande", demande_id=demande.id))


@bp.route("/demandes/<int:demande_id>/statut", methods=["POST"])
def statut(demande_id):
    demande = get_demande_or_404(demande_id)
    form = StatutForm()
    if not _page_is_current(demande):
        return redirect(url_for("scop.demande", demande_id=demande.id))
    if form.validate_on_submit():
        ok, result = submit(form, lambda: services.changer_statut(
            current_user, demande, form.vers.data, texte=form.texte.data or "",
            arrivee_estimee_at=form.arrivee_estimee_at.data))
        if ok:
            flash(f"Demande passée à l'état « {result.statut_label} ».", "success")
            return redirect(url_for("scop.demande", demande_id=demande.id))
    demande = db.session.get(DemandeScop, demande_id)  # fresh after a rollback
    return _demande_page(demande, form, NoteForm(version=demande.version), 422)


@bp.route("/demandes/<int:demande_id>/note", methods=["POST"])
def noter(demande_id):
    demande = get_demande_or_404(demande_id)
    form = NoteForm()
    if not _page_is_current(demande):
        return redirect(url_for("scop.demande", demande_id=demande.id))
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: services.noter(
            current_user, demande, texte=form.texte.data or "", reference=form.reference.data))
        if ok:
            flash("Note ajoutée à l'historique.", "success")
            return redirect(url_for("scop.demande", demande_id=demande.id))
    demande = db.session.get(DemandeScop, demande_id)
    statut_form = StatutForm(formdata=None, version=demande.version)
    return _demande_page(demande, statut_form, form, 422)


@bp.route("/demandes/<int:demande_id>/annuler", methods=["POST"])
def annuler(demande_id):
    demande = get_demande_or_404(demande_id)
    if _page_is_current(demande):
        perform(lambda: services.annuler(current_user, demande,
                                         texte=request.form.get("texte", "")[:500]),
                "Demande annulée : la SCOP en est informée.")
    return redirect(url_for("scop.demande", demande_id=demande.id))


@bp.route("/demandes/<int:demande_id>/contre-proposition", methods=["POST"])
def contre_proposition(demande_id):
    demande = get_demande_or_404(demande_id)
    if _page_is_current(demande):
        accepte = request.form.get("reponse") == "accepter"
        perform(lambda: services.repondre_contre_proposition(
            current_user, demande, accepte=accepte, texte=request.form.get("texte", "")[:500]),
            "Contre-proposition acceptée : la SCOP reprend la demande." if accepte else
            "Contre-proposition déclinée : la demande est annulée.")
    return redirect(url_for("scop.demande", demande_id=demande.id))


# --- The SCOP's queue ---------------------------------------------------------------------


def _file_context():
    if not can_work_scop_queue(current_user):
        abort(403)
    type_ = request.args.get("type", "")
    query = services.file_scop_query(current_user)
    if type_ in set(TypeDemande):
        query = query.where(DemandeScop.type == type_)
    if request.args.get("libres") == "1":
        query = query.where(DemandeScop.operateur_id.is_(None))
    vue = "closes" if request.args.get("vue") == "closes" else "ouvertes"
    q = (request.args.get("q") or "").strip()[:120]
    if vue == "closes":
        query = services.demandes_closes_query(current_user, q)
        if type_ in set(TypeDemande):
            query = query.where(DemandeScop.type == type_)
    pagination = db.paginate(query, page=page_number(),
                             per_page=PAGE_SIZE, error_out=False)
    return {"pagination": pagination, "demandes": pagination.items, "type_": type_,
            "types": list(TypeDemande), "resume": services.resume, "vue": vue, "q": q,
            "en_retard": services.en_retard}


@bp.route("/")
def file():
    return render_template("scop/file.html", **_file_context())


@bp.route("/file")
def file_fragment():
    return render_template("scop/_file.html", **_file_context())

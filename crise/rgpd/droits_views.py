"""Pages of the rights of the people received: the requests and their deadlines, a request
with its search across events, the records attached, the answer as PDF and JSON."""

import json
from datetime import date, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.care.models import Personne
from crise.db import deja_fait
from crise.errors import ServiceError
from crise.exports import export_filename
from crise.extensions import db
from crise.forms import perform, submit
from crise.http import file_response
from crise.rgpd import bp, droits
from crise.rgpd.documents import reponse_pdf
from crise.rgpd.forms import DemandeForm, ReponseDroitsForm
from crise.rgpd.models import DemandeDroits


def _demande(demande_id: int) -> DemandeDroits:
    demande = db.session.get(DemandeDroits, demande_id)
    if demande is None or not demande.can_view(current_user):
        abort(404)
    return demande


def _jour(valeur: str | None) -> date | None:
    try:
        jour = datetime.strptime(valeur or "", "%Y-%m-%d").date()
    except ValueError:
        return None
    return jour if date(1900, 1, 1) <= jour <= date(2100, 12, 31) else None


def _liste(form, status=200):
    demandes = db.session.scalars(droits.demandes_visibles(current_user)).all()
    return render_template("rgpd/demandes.html", demandes=demandes, form=form,
                           aujourd_hui=droits.aujourd_hui()), status


@bp.route("/demandes")
def droits_liste():
    form = DemandeForm(data={"recue_le": droits.aujourd_hui()})
    form.new_jeton()
    return _liste(form)


@bp.route("/demandes", methods=["POST"])
def droits_nouvelle():
    form = DemandeForm()
    if form.validate_on_submit():
        ok, demande = submit(form, lambda: droits.ouvrir_demande(
            current_user, type=form.type.data, demandeur=form.demandeur.data,
            recue_le=form.recue_le.data, notes=form.notes.data or "", jeton=form.jeton.data))
        if ok:
            if deja_fait(demande):
                flash(f"Cette demande avait déjà été enregistrée (n° {demande.id}) : rien "
                      "n'a été créé en double.", "info")
            else:
                flash(f"Demande n° {demande.id} enregistrée : réponse à donner avant le "
                      f"{demande.echeance:%d/%m/%Y}. Cherchez maintenant ses fiches.",
                      "success")
            return redirect(url_for("rgpd.droits_demande", demande_id=demande.id))
    return _liste(form, 422)


@bp.route("/demandes/<int:demande_id>")
def droits_demande(demande_id):
    demande = _demande(demande_id)
    nom = (request.args.get("nom") or "").strip()[:200]
    naissance = _jour(request.args.get("naissance"))
    resultats, erreur = [], None
    if nom:
        try:
            resultats = droits.chercher(current_user, demande, nom, naissance)
            db.session.commit()  # the search is in the audit trail
        except ServiceError as error:
            db.session.rollback()
            erreur = error.message
    return render_template("rgpd/demande.html", demande=demande, nom=nom,
                           naissance=request.args.get("naissance") or "", resultats=resultats,
                           erreur=erreur, reponse_form=ReponseDroitsForm(),
                           aujourd_hui=droits.aujourd_hui())


@bp.route("/demandes/<int:demande_id>/fiches", methods=["POST"])
def droits_rattacher(demande_id):
    demande = _demande(demande_id)
    personne = db.session.get(Personne, request.form.get("personne_id", type=int) or 0)
    perform(lambda: droits.rattacher(current_user, demande, personne),
            lambda nouvelle: (f"Fiche {personne.code_court} jointe à la demande."
                              if nouvelle else "Cette fiche était déjà jointe."))
    return redirect(url_for("rgpd.droits_demande", demande_id=demande.id,
                            nom=request.form.get("nom") or None,
                            naissance=request.form.get("naissance") or None))


@bp.route("/demandes/<int:demande_id>/fiches/<int:personne_id>/retirer", methods=["POST"])
def droits_retirer(demande_id, personne_id):
    demande = _demande(demande_id)
    personne = db.session.get(Personne, personne_id)
    perform(lambda: droits.retirer(current_user, demande, personne),
            "Fiche retirée de la demande.")
    return redirect(url_for("rgpd.droits_demande", demande_id=demande.id))


@bp.route("/demandes/<int:demande_id>/reponse.<any(pdf, json):fmt>")
def droits_reponse(demande_id, fmt):
    demande = _demande(demande_id)
    try:
        contenu = droits.reponse(current_user, demande, fmt)
        titre = f"Réponse à la demande n° {demande.id} — {demande.type_label}"
        corps = (reponse_pdf(contenu, titre) if fmt == "pdf" else
                 json.dumps(contenu, ensure_ascii=False, indent=2).encode("utf-8"))
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("rgpd.droits_demande", demande_id=demande.id))
    nom = export_filename(f"reponse-demande-{demande.id}", fmt, droits.utcnow(),
                          exercice=False)
    return file_response(corps, "application/pdf" if fmt == "pdf" else "application/json", nom)


@bp.route("/demandes/<int:demande_id>/repondre", methods=["POST"])
def droits_repondre(demande_id):
    demande = _demande(demande_id)
    form = ReponseDroitsForm()
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: droits.repondre(current_user, demande, form.reponse.data))
        if ok:
            flash("Réponse enregistrée.", "success")
            return redirect(url_for("rgpd.droits_demande", demande_id=demande.id))
    return render_template("rgpd/demande.html", demande=demande, nom="", naissance="",
                           resultats=[], erreur=None, reponse_form=form,
                           aujourd_hui=droits.aujourd_hui()), 422

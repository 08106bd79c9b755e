"""DSOL housing and DLH rehousing: thin views over crise.hebergement.services."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from crise.audit.services import record_view
from crise.care.models import CentreAccueil, Personne
from crise.care.services.personnes import membres_du_foyer
from crise.http import get_for_user_or_404
from crise.errors import ServiceError
from crise.evenements.models import get_evenement_or_404
from crise.care.models import BESOIN_LABELS
from crise.db import in_transaction
from crise.extensions import db
from crise.forms import perform, submit
from crise.http import file_response, page_number
from crise.hebergement import bp, services
from crise.hebergement.exports import LISTES
from crise.hebergement.forms import (ClotureForm, DossierForm, NoteRelogementForm,
                                     ProlongerForm, RelogementForm, SolutionForm, TerminerForm)
from crise.hebergement.models import (DossierHebergement, Relogement, Solution,
                                      StatutRelogement, can_ask_rehousing,
                                      can_assess_rehousing, can_export_housing, can_house)

PAGE_SIZE = 50
VUES = {"sans-solution": "Sans solution ce soir", "heberges": "Hébergés ce soir",
        "dossiers": "Tous les dossiers", "relogement": "Relogement (DLH)"}


def get_dossier_or_404(dossier_id: int, *, edit: bool = False) -> DossierHebergement:
    return get_for_user_or_404(DossierHebergement, dossier_id, current_user,
                               check="can_edit" if edit else None)


def get_solution_or_404(solution_id: int) -> Solution:
    solution = db.session.get(Solution, solution_id)
    if solution is None or not solution.dossier.can_view(current_user):
        abort(404)
    if not solution.dossier.can_edit(current_user):
        abort(403)
    return solution


# --- The event's board --------------------------------------------------------------------


@bp.route("/evenements/<int:evenement_id>")
def listes(evenement_id):
    evenement = get_evenement_or_404(evenement_id, current_user)
    try:
        services.check_view(current_user, evenement)
    except ServiceError:
        abort(403)
    vue = request.args.get("vue", "sans-solution")
    if vue not in VUES:
        vue = "sans-solution"
    nuit = services.nuit_en_cours()
    statut = request.args.get("statut", "")
    user = current_user
    query = {"sans-solution": lambda: services.sans_solution_query(user, evenement, nuit),
             "heberges": lambda: services.heberges_query(user, evenement, nuit),
             "dossiers": lambda: services.tous_dossiers_query(user, evenement),
             "relogement": lambda: services.relogements_query(user, evenement, statut)}[vue]()
    pagination = db.paginate(query.options(*_list_loading(vue)),
                             page=page_number(),
                             per_page=PAGE_SIZE, error_out=False)
    a_recenser = services.a_recenser(current_user, evenement, limit=50) \
        if vue == "sans-solution" else []
    referents = [(item.dossier if vue == "relogement" else item).referent
                 for item in pagination.items] + [d.personne for d in a_recenser]
    record_view(current_user, "hebergement_liste", f"{evenement.id}-{vue}", personnes=referents,
                summary=f"Liste d'hébergement « {VUES[vue]} » : {len(referents)} foyer(s)",
                evenement_id=evenement.id, mairie_id=current_user.mairie_id)
    db.session.commit()
    return render_template(
        "hebergement/listes.html", evenement=evenement, vue=vue, vues=VUES, nuit=nuit,
        lendemain=nuit + timedelta(days=1),
        pagination=pagination, items=pagination.items, statut=statut,
        statuts=list(StatutRelogement), totaux=services.totaux(current_user, evenement, nuit),
        a_recenser=a_recenser, besoins_care=BESOIN_LABELS,
        peut_exporter=can_export_housing(current_user), listes=LISTES)


def _list_loading(vue):
    """What a list row shows, loaded with the page rather than one query per row."""
    if vue == "relogement":
        dossier = selectinload(Relogement.dossier)
        return [selectinload(Relogement.notes), dossier.selectinload(
            DossierHebergement.solutions), dossier.joinedload(DossierHebergement.referent),
                dossier.joinedload(DossierHebergement.centre).joinedload(CentreAccueil.mairie)]
    return [selectinload(DossierHebergement.solutions),
            joinedload(DossierHebergement.referent),
            joinedload(DossierHebergement.centre).joinedload(CentreAccueil.mairie)]


@bp.route("/evenements/<int:evenement_id>/export/<liste>.<fmt>")
def export(evenement_id, liste, fmt):
    evenement = get_evenement_or_404(evenement_id, current_user)
    if not can_export_housing(current_user):
        abort(403)
    try:
        data, mimetype, name = in_transaction(lambda: services.export(
            current_user, evenement, liste=liste, fmt=fmt))
    except ServiceError:
        abort(404)
    return file_response(data, mimetype, name)


# --- Opening a dossier --------------------------------------------------------------------


@bp.route("/personnes/<int:personne_id>/ouvrir", methods=["GET", "POST"])
def ouvrir(personne_id):
    personne = get_for_user_or_404(Personne, personne_id, current_user)
    if not can_house(current_user):
        abort(403)
    existing = services.dossier_of(personne)
    if existing is not None and request.method == "GET":
        return redirect(url_for("hebergement.dossier", dossier_id=existing.id))
    referent = services.referent_of(personne)
    membres = membres_du_foyer(referent)
    form = DossierForm()
    if request.method == "GET":
        _vu("hebergement_ouverture", referent.id, membres,
            f"Ouverture d'un dossier d'hébergement pour le foyer de {referent.code_court}",
            referent)
        form.new_jeton()
        form.nb_personnes.data, form.nb_enfants.data = services.composition(membres)
        if "animal" in (referent.besoins or []):
            form.besoins.data = ["animaux"]
    if form.validate_on_submit():
        ok, result = submit(form, lambda: services.ouvrir_dossier(
            current_user, personne, _dossier_data(form), jeton=form.jeton.data))
        if ok:
            dossier, created = result
            flash("Dossier d'hébergement ouvert." if created else
                  "Ce dossier avait déjà été ouvert : rien n'a été créé en double.",
                  "success" if created else "info")
            return redirect(url_for("hebergement.dossier", dossier_id=dossier.id))
    return render_template("hebergement/dossier_form.html", form=form, referent=referent,
                           membres=membres, dossier=None, evenement=referent.centre.evenement)


def _dossier_data(form) -> services.DossierData:
    return services.DossierData(
        logement_habitable=form.logement_habitable.data or "",
        besoins=list(form.besoins.data or []), animaux_detail=form.animaux_detail.data or "",
        nb_nuits=form.nb_nuits.data, secteur_souhaite=form.secteur_souhaite.data or "",
        notes=form.notes.data or "", nb_personnes=form.nb_personnes.data,
        nb_enfants=form.nb_enfants.data if form.nb_enfants.data is not None else 0)


@bp.route("/dossiers/<int:dossier_id>/modifier", methods=["GET", "POST"])
def modifier(dossier_id):
    dossier = get_dossier_or_404(dossier_id, edit=True)
    form = DossierForm(obj=dossier if request.method == "GET" else None)
    if request.method == "GET":
        _vu("hebergement_modification", dossier.id, dossier.membres,
            f"Formulaire du dossier d'hébergement du foyer de {dossier.referent.code_court}",
            dossier)
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: services.modifier_dossier(current_user, dossier,
                                                              _dossier_data(form)))
        if ok:
            flash("Dossier enregistré.", "success")
            return redirect(url_for("hebergement.dossier", dossier_id=dossier.id))
    return render_template("hebergement/dossier_form.html", form=form, referent=dossier.referent,
                           membres=dossier.membres, dossier=dossier,
                           evenement=dossier.evenement)


# --- The dossier --------------------------------------------------------------------------


@bp.route("/dossiers/<int:dossier_id>")
def dossier(dossier_id):
    dossier = get_dossier_or_404(dossier_id)
    _vu("hebergement", dossier.id, dossier.membres,
        f"Dossier d'hébergement du foyer de {dossier.referent.code_court}", dossier)
    return _dossier_page(dossier)


def _vu(objet_type, objet_id, personnes, resume, source) -> None:
    """The access log: who saw whom (issue 13 §3), grouped over 10 minutes per viewer and
    page. ``source``: what carries the mairie and the event (a dossier, a person)."""
    record_view(current_user, objet_type, objet_id, summary=resume, personnes=personnes,
                mairie_id=source.mairie_id, evenement_id=source.evenement_id)
    db.session.commit()


def _dossier_page(dossier, status=200, **forms):
    nuit = services.nuit_en_cours()
    actuelle = dossier.solution_pour(nuit)
    solution_form = forms.get("solution_form") or SolutionForm(formdata=None)
    if not forms.get("solution_form"):
        # A new stay starts tonight; a move too, keeping the nights already planned.
        solution_form.du.data = nuit
        solution_form.au.data = max(actuelle.au, nuit + timedelta(days=1)) if actuelle \
            else nuit + timedelta(days=dossier.nb_nuits or 1)
    prolonger_form = forms.get("prolonger_form") or ProlongerForm(formdata=None,
                                                                  prefix="prolonger")
    terminer_form = forms.get("terminer_form") or TerminerForm(formdata=None, prefix="terminer")
    if actuelle is not None:
        prolonger_form.au.data = prolonger_form.au.data or actuelle.au + timedelta(days=1)
        terminer_form.le.data = terminer_form.le.data or nuit + timedelta(days=1)
    return render_template(
        "hebergement/dossier.html", dossier=dossier, evenement=dossier.evenement, nuit=nuit,
        actuelle=actuelle, solution_form=solution_form, prolonger_form=prolonger_form,
        terminer_form=terminer_form, deplacer=forms.get("deplacer", False),
        cloture_form=forms.get("cloture_form") or ClotureForm(formdata=None, prefix="cloture"),
        relogement_form=forms.get("relogement_form") or RelogementForm(formdata=None,
                                                                       prefix="relogement"),
        note_form=forms.get("note_form") or NoteRelogementForm(formdata=None, prefix="note"),
        peut_modifier=dossier.can_edit(current_user),
        peut_demander_relogement=can_ask_rehousing(current_user),
        peut_evaluer=can_assess_rehousing(current_user)), status


def _solution_data(form) -> services.SolutionData:
    return services.SolutionData(type=form.type.data or "", lieu=form.lieu.data or "",
                                 adresse=form.adresse.data or "", du=form.du.data,
                                 au=form.au.data, chambres=form.chambres.data,
                                 lits=form.lits.data)


def _back(dossier, message):
    flash(message, "success")
    return redirect(url_for("hebergement.dossier", dossier_id=dossier.id))


@bp.route("/dossiers/<int:dossier_id>/heberger", methods=["POST"])
def heberger(dossier_id):
    dossier = get_dossier_or_404(dossier_id, edit=True)
    form = SolutionForm()
    if form.validate_on_submit():
        ok, solution = submit(form, lambda: services.heberger(current_user, dossier,
                                                             _solution_data(form)))
        if ok:
            return _back(dossier, f"Foyer hébergé : {solution.lieu}, {solution.nuits} nuit(s).")
    return _dossier_page(db.session.get(DossierHebergement, dossier_id), 422,
                         solution_form=form)


@bp.route("/solutions/<int:solution_id>/prolonger", methods=["POST"])
def prolonger(solution_id):
    solution = get_solution_or_404(solution_id)
    form = ProlongerForm(prefix="prolonger")
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: services.prolonger(current_user, solution, form.au.data))
        if ok:
            return _back(solution.dossier, f"Hébergement prolongé jusqu'au "
                                           f"{form.au.data:%d/%m/%Y}.")
    return _dossier_page(db.session.get(Solution, solution_id).dossier, 422,
                         prolonger_form=form)


@bp.route("/solutions/<int:solution_id>/terminer", methods=["POST"])
def terminer(solution_id):
    solution = get_solution_or_404(solution_id)
    form = TerminerForm(prefix="terminer")
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: services.terminer(current_user, solution, form.le.data,
                                                      form.motif.data or ""))
        if ok:
            return _back(solution.dossier, "Fin de l'hébergement enregistrée.")
    return _dossier_page(db.session.get(Solution, solution_id).dossier, 422,
                         terminer_form=form)


@bp.route("/solutions/<int:solution_id>/deplacer", methods=["POST"])
def deplacer(solution_id):
    solution = get_solution_or_404(solution_id)
    form = SolutionForm()
    if form.validate_on_submit():
        ok, nouvelle = submit(form, lambda: services.deplacer(current_user, solution,
                                                             _solution_data(form)))
        if ok:
            return _back(solution.dossier, f"Foyer déplacé : {nouvelle.lieu} à partir du "
                                           f"{nouvelle.du:%d/%m/%Y}.")
    return _dossier_page(db.session.get(Solution, solution_id).dossier, 422,
                         solution_form=form, deplacer=True)


@bp.route("/dossiers/<int:dossier_id>/clore", methods=["POST"])
def clore(dossier_id):
    dossier = get_dossier_or_404(dossier_id, edit=True)
    form = ClotureForm(prefix="cloture")
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: services.clore_dossier(current_user, dossier,
                                                           form.motif.data))
        if ok:
            return _back(dossier, "Dossier clos.")
    return _dossier_page(db.session.get(DossierHebergement, dossier_id), 422,
                         cloture_form=form)


@bp.route("/dossiers/<int:dossier_id>/rouvrir", methods=["POST"])
def rouvrir(dossier_id):
    dossier = get_dossier_or_404(dossier_id, edit=True)
    perform(lambda: services.rouvrir_dossier(current_user, dossier), "Dossier rouvert.")
    return redirect(url_for("hebergement.dossier", dossier_id=dossier.id))


# --- Rehousing ----------------------------------------------------------------------------


@bp.route("/dossiers/<int:dossier_id>/relogement", methods=["POST"])
def demander_relogement(dossier_id):
    dossier = get_dossier_or_404(dossier_id)
    form = RelogementForm(prefix="relogement")
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: services.demander_relogement(current_user, dossier,
                                                                 form.texte.data or ""))
        if ok:
            return _back(dossier, "Demande de relogement transmise à la DLH.")
    return _dossier_page(db.session.get(DossierHebergement, dossier_id), 422,
                         relogement_form=form)


@bp.route("/dossiers/<int:dossier_id>/relogement/note", methods=["POST"])
def noter_relogement(dossier_id):
    dossier = get_dossier_or_404(dossier_id)
    if dossier.relogement is None:
        abort(404)
    form = NoteRelogementForm(prefix="note")
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: services.noter_relogement(
            current_user, dossier.relogement, statut=form.statut.data or "",
            texte=form.texte.data or ""))
        if ok:
            return _back(dossier, "Note de relogement enregistrée.")
    return _dossier_page(db.session.get(DossierHebergement, dossier_id), 422, note_form=form)

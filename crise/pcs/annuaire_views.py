"""The operational directory's pages: search, the fiche, what to check, CSV, pocket PDF."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.audit.models import Action
from crise.audit.services import record
from crise.db import utcnow
from crise.exports import export_filename
from crise.extensions import db
from crise.forms import choices, perform, statut_du_formulaire, submit, version_vue
from crise.http import file_response
from crise.mairies.models import mairie_by_code, mairies_ordered
from crise.pcs import annuaire, bp
from crise.pcs.annuaire import ContactData
from crise.pcs.documents import annuaire_poche_pdf
from crise.pcs.forms import ContactForm, ImportForm
from crise.pcs.models import FONCTIONS, Contact, can_edit_pcs

VILLE = "ville"


def _contact_or_404(contact_id: int, *, edit: bool = False) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or not contact.can_view(current_user):
        abort(404)
    if edit and not contact.can_edit(current_user):
        abort(403)
    return contact


def _annuaires() -> list[tuple[str, str]]:
    """The directories the user keeps: their mairie's, every one and the Ville's for the
    central roles."""
    mairies = mairies_ordered() if current_user.is_central else [current_user.mairie]
    liste = [(m.code, f"Annuaire de la {m.nom}") for m in mairies
             if m is not None and can_edit_pcs(current_user, m.id)]
    if can_edit_pcs(current_user, None):
        liste.insert(0, (VILLE, "Annuaire de la Ville (vu de toutes les mairies)"))
    return liste


def _filtres() -> dict:
    return {"q": (request.args.get("q") or "")[:200],
            "fonction": request.args.get("fonction", ""),
            "a_verifier": request.args.get("a_verifier") == "1"}


def _recherche(limite: int = annuaire.RESULTATS_MAX) -> list[Contact]:
    f = _filtres()
    return annuaire.rechercher(current_user, f["q"], fonction=f["fonction"],
                               a_verifier=f["a_verifier"], limite=limite)


@bp.route("/annuaire")
def annuaire_page():
    now = utcnow()
    contacts = _recherche(limite=annuaire.RESULTATS_MAX + 1)
    tronque = len(contacts) > annuaire.RESULTATS_MAX
    contacts = contacts[:annuaire.RESULTATS_MAX]
    gabarit = "pcs/_annuaire_resultats.html" if request.args.get("partiel") else \
        "pcs/annuaire.html"
    return render_template(gabarit, contacts=contacts, filtres=_filtres(), fonctions=FONCTIONS,
                           now=now, annuaires=_annuaires(),
                           tronque=tronque)


@bp.route("/annuaire/nouveau", methods=["GET", "POST"])
@bp.route("/annuaire/<int:contact_id>", methods=["GET", "POST"])
def contact(contact_id=None):
    contact = _contact_or_404(contact_id) if contact_id is not None else None
    annuaires = _annuaires()
    if contact is not None and not contact.can_edit(current_user):
        if request.method == "POST":
            abort(403)
        return render_template("pcs/contact.html", contact=contact, now=utcnow())
    if not annuaires:
        abort(403)
    form = ContactForm(obj=contact if request.method == "GET" else None)
    form.annuaire.choices = choices(annuaires)
    if request.method == "GET":
        if contact is not None:
            form.version.data = contact.version
        else:
            form.annuaire.data = current_user.mairie.code if current_user.mairie else VILLE
            form.fonction.data = request.args.get("fonction", "")
    if form.validate_on_submit():
        code = form.annuaire.data or ""
        if contact is None and code not in dict(annuaires):
            form.annuaire.errors = ["Choisissez l'annuaire."]
        else:
            mairie = mairie_by_code(code) if code != VILLE else None
            data = ContactData(**{name: getattr(form, name).data or "" for name in (
                "fonction", "nom", "telephone", "organisme", "telephone_2", "email",
                "horaires", "notes")}, actif=form.actif.data if contact else True,
                verifie=form.verifie.data)
            ok, saved = submit(form, lambda: annuaire.enregistrer_contact(
                current_user, contact, mairie=mairie, data=data,
                version_vue=version_vue(form) if contact else None))
            if ok:
                flash(f"Contact « {saved.nom} » enregistré.", "success")
                return redirect(url_for("pcs.annuaire_page", q=saved.nom))
    status = statut_du_formulaire(form, contact)
    return render_template("pcs/contact_form.html", form=form, contact=contact,
                           now=utcnow()), status


@bp.route("/annuaire/<int:contact_id>/verifie", methods=["POST"])
def contact_verifie(contact_id):
    contact = _contact_or_404(contact_id, edit=True)
    perform(lambda: annuaire.verifier_contact(current_user, contact),
            lambda c: f"« {c.nom} » noté vérifié aujourd'hui.")
    retour = request.form.get("retour", "")
    return redirect(retour if retour.startswith("/pcs/") else url_for("pcs.annuaire_page"))


@bp.route("/annuaire/<int:contact_id>/supprimer", methods=["POST"])
def contact_supprimer(contact_id):
    contact = _contact_or_404(contact_id, edit=True)
    nom = contact.nom
    perform(lambda: annuaire.supprimer_contact(current_user, contact),
            f"Contact « {nom} » supprimé.")
    return redirect(url_for("pcs.annuaire_page"))


@bp.route("/annuaire.csv")
def annuaire_csv():
    contacts = _recherche(limite=100_000)
    data = annuaire.exporter_csv(current_user, contacts)
    db.session.commit()  # the export's audit entry
    return file_response(data, "text/csv; charset=utf-8",
                         export_filename("annuaire", "csv", utcnow(), exercice=False))


@bp.route("/annuaire.pdf")
def annuaire_pdf():
    now = utcnow()
    contacts = _recherche(limite=100_000)
    titre = "Annuaire opérationnel de poche — " + (
        current_user.mairie.nom if current_user.mairie else "Ville de Paris")
    record(current_user, Action.EXPORT, "contact", None,
           summary=f"Annuaire de poche imprimé : {len(contacts)} contact(s)")
    db.session.commit()
    return file_response(annuaire_poche_pdf(contacts, titre=titre, now=now),
                         "application/pdf", export_filename("annuaire-poche", "pdf", now,
                                                            exercice=False))


@bp.route("/annuaire/import", methods=["GET", "POST"])
def annuaire_import():
    annuaires = _annuaires()
    if not annuaires:
        abort(403)
    form = ImportForm()
    form.annuaire.choices = choices(annuaires)
    bilan = None
    if request.method == "GET":
        form.annuaire.data = current_user.mairie.code if current_user.mairie else VILLE
    if form.validate_on_submit():
        code = form.annuaire.data or ""
        fichier = request.files.get("fichier")
        if code not in dict(annuaires):
            form.annuaire.errors = ["Choisissez l'annuaire."]
        elif fichier is None or not fichier.filename:
            form.fichier.errors = ["Choisissez le fichier CSV à importer."]
        else:
            contenu = fichier.read(5_000_001)
            if len(contenu) > 5_000_000:
                form.fichier.errors = ["Ce fichier dépasse 5 Mo : découpez-le."]
            else:
                mairie = mairie_by_code(code) if code != VILLE else None
                ok, bilan = submit(form, lambda: annuaire.importer_csv(
                    current_user, contenu, mairie=mairie))
                if ok and not bilan.erreurs:
                    flash(f"Import terminé : {bilan.crees} contact(s) ajouté(s), "
                          f"{bilan.modifies} modifié(s), {bilan.inchanges} inchangé(s).",
                          "success")
                    return redirect(url_for("pcs.annuaire_page"))
    return render_template("pcs/import.html", form=form, bilan=bilan,
                           colonnes=annuaire.COLONNES), 422 if bilan and bilan.erreurs else 200

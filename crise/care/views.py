"""The C.A.RE desk: thin views over crise.care.services."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.audit.services import record_view
from crise.auth import limites
from crise.care import bp, services
from crise.care.forms import (BESOINS, DepartForm, EnregistrementForm, FermetureForm,
                              OuvertureForm, PersonneForm, ProcheForm)
from crise.care.models import (CATEGORIE_LABELS, CELLULE_SOUTIEN_LABELS, FINALITES,
                               CentreAccueil, Fusion, Personne, peut_invoquer_interet_vital)
from crise.errors import ServiceError
from crise.evenements.models import get_evenement_or_404
from crise.db import in_transaction
from crise.extensions import db
from crise.forms import choices, perform, submit
from crise.http import file_response, get_for_user_or_404, noter_enregistre
from crise.signals import contributions, page_centre, page_personne


def get_centre_or_404(centre_id: int, *, manage: bool = False) -> CentreAccueil:
    return get_for_user_or_404(CentreAccueil, centre_id, current_user,
                               check="can_manage" if manage else None)


def get_personne_or_404(personne_id: int, *, edit: bool = False) -> Personne:
    return get_for_user_or_404(Personne, personne_id, current_user,
                               check="can_edit" if edit else None)


# --- Opening ----------------------------------------------------------------------------


@bp.route("/evenements/<int:evenement_id>/ouvrir", methods=["GET", "POST"])
def ouvrir(evenement_id):
    evenement = get_evenement_or_404(evenement_id, current_user)
    sites = [s for s in services.sites_for_opening(current_user, evenement)
             if s.can_edit(current_user)]
    if not sites:
        abort(403)
    form = OuvertureForm()
    form.site.choices = choices([("", "— Choisir —")] + [
        (str(s.id), f"{s.nom} — {s.adresse}" + (f" ({s.capacite} places)" if s.capacite else ""))
        for s in sites])
    if request.method == "GET":
        form.new_jeton()
        form.responsable_nom.data = current_user.nom
        if len(sites) == 1:
            form.site.data = str(sites[0].id)
    if form.validate_on_submit():
        site = next(s for s in sites if str(s.id) == form.site.data)
        ok, result = submit(form, lambda: services.ouvrir_centre(
            current_user, evenement, site=site, capacite=form.capacite.data,
            responsable_nom=form.responsable_nom.data, cai=form.cai.data, caf=form.caf.data,
            ouvert_at=form.ouvert_at.data, jeton=form.jeton.data))
        if ok:
            centre, _ = result
            flash(f"C.A.RE ouvert : {centre.nom}. Suivez la fiche réflexe d'ouverture.",
                  "success")
            return redirect(url_for("care.centre", centre_id=centre.id))
    return render_template("care/ouvrir.html", form=form, evenement=evenement)


# --- The centre -------------------------------------------------------------------------


@bp.route("/<int:centre_id>")
def centre(centre_id):
    centre = get_centre_or_404(centre_id)
    if not centre.can_view_people(current_user):
        abort(403)
    present = services.present_people(centre)
    vu(centre, "centre", centre.id, present,
        f"Page du C.A.RE {centre.nom} : {len(present)} personne(s) présente(s)")
    return render_template(
        "care/centre.html", centre=centre, evenement=centre.evenement,
        counts=services.present_counts(centre), present=present,
        categories=CATEGORIE_LABELS, fermeture_form=FermetureForm(),
        attente=services.attente_par_cellule_soutien(centre), cellules=CELLULE_SOUTIEN_LABELS,
        **contributions(page_centre, centre, user=current_user._get_current_object()))


def vu(centre, objet_type, objet_id, personnes, resume) -> None:
    """The access log: who saw whom on this page (issue 13 §3), grouped over 10 minutes
    per viewer and page (a board refreshing itself writes only for newcomers)."""
    record_view(current_user, objet_type, objet_id, summary=resume, personnes=personnes,
                mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    db.session.commit()


@bp.route("/<int:centre_id>/etapes/<code>", methods=["POST"])
def etape(centre_id, code):
    centre = get_centre_or_404(centre_id)
    perform(lambda: services.cocher_etape(current_user, centre, code,
                                          done=request.form.get("fait") == "1"))
    return redirect(url_for("care.centre", centre_id=centre.id, _anchor="fiche-reflexe"))


@bp.route("/<int:centre_id>/fermer", methods=["POST"])
def fermer(centre_id):
    centre = get_centre_or_404(centre_id, manage=True)
    form = FermetureForm()
    if form.validate_on_submit():
        perform(lambda: services.fermer_centre(current_user, centre,
                                               destination=form.destination.data or None),
                lambda moved: "C.A.RE fermé." + (f" {moved} départ(s) enregistré(s)."
                                                 if moved else ""))
    return redirect(url_for("care.centre", centre_id=centre.id))


# --- Registration -----------------------------------------------------------------------


def _membres_data(form):
    members = []
    for entry in form.membres:
        sub = entry.form
        members.append(services.PersonneData(
            nom=sub.nom.data or "", prenom=sub.prenom.data or "", categorie=sub.categorie.data,
            date_naissance=sub.date_naissance.data, age_estime=sub.age_estime.data,
            telephone=(sub.telephone.data or "").strip(), taille_groupe=form.taille_groupe.data,
            adresse_actuelle=(form.adresse_actuelle.data or "").strip(),
            besoins=list(form.besoins.data or []), notes=(form.notes.data or "").strip()))
    # Needs and notes were typed for the household: they belong to its référent.
    for member in members[1:]:
        member.besoins, member.notes = [], ""
    return members


@bp.route("/<int:centre_id>/enregistrer", methods=["GET", "POST"])
def enregistrer(centre_id):
    centre = get_centre_or_404(centre_id)
    if not centre.can_register(current_user):
        abort(403)
    form = EnregistrementForm()
    if request.method == "GET":
        wanted = min(max(request.args.get("membres", 1, type=int), 1), 20)
        while len(form.membres) < wanted:
            form.membres.append_entry()
        form.taille_groupe.data = wanted
        form.jeton_papier.data = (request.args.get("jeton_papier") or "")[:40]
        form.new_jeton()
    if request.method == "POST":
        referent_nom = form.membres[0].nom.data if form.membres else ""
        if request.form.get("ajouter"):
            # Add a row (without JavaScript too); it takes the référent's nom. Nothing saved.
            form.membres.append_entry({"nom": referent_nom})
            return _form_page(centre, form)
        retirer = request.form.get("retirer", type=int)
        if retirer is not None:
            if 0 < retirer < len(form.membres) or (retirer == 0 and len(form.membres) > 1):
                form.membres.entries.pop(retirer)
            return _form_page(centre, form)
        for entry in form.membres[1:]:
            # A member typed with a prénom only belongs to the référent's family name.
            if not (entry.form.nom.data or "").strip() and (entry.form.prenom.data or "").strip():
                entry.form.nom.data = referent_nom
    if form.validate_on_submit():
        # Two desks drawing the same short code, or the same form arriving twice in
        # parallel: the retry draws a new code, or finds what the other request created.
        ok, result = submit(form, lambda: services.enregistrer(
            current_user, centre, _membres_data(form), jeton=form.jeton.data,
            depasser_capacite=form.depasser_capacite.data,
            jeton_papier=form.jeton_papier.data or ""), retry_conflict=True)
        if ok:
            people, created = result
            # Flash messages travel in the (signed, not encrypted) session cookie:
            # codes only, never names.
            codes = ", ".join(p.code_court for p in people)
            if not created:
                flash(f"Ce formulaire avait déjà été enregistré ({codes}) : rien n'a été créé "
                      "en double.", "info")
                return redirect(url_for("care.personne", personne_id=people[0].id))
            flash(f"{len(people)} personne(s) enregistrée(s) : {codes}.", "success")
            noter_enregistre(f"{len(people)} personne(s) enregistrée(s) : {codes}",
                             url_for("care.personne", personne_id=people[0].id))
            doubles = services.possible_duplicates(current_user, people[0])
            if doubles:
                flash("Doublon possible avec la fiche "
                      + ", ".join(f"{p.code_court} ({p.centre.nom})" for p in doubles)
                      + ". Vérifiez avec la personne ; un responsable pourra fusionner "
                        "les fiches.", "error")
            then = request.form.get("ensuite")
            if then in ("suivant", "imprimer"):
                # The next person is typed at once; the badge prints from this page.
                return redirect(url_for(
                    "care.enregistrer", centre_id=centre.id,
                    **({"imprimer": people[0].id} if then == "imprimer" else {})))
            return redirect(url_for("care.personne", personne_id=people[0].id))
    return _form_page(centre, form)


def _form_page(centre, form):
    imprimer = None
    if request.method == "GET" and request.args.get("imprimer", type=int):
        imprimer = db.session.get(Personne, request.args.get("imprimer", type=int))
        if imprimer is None or imprimer.centre_id != centre.id:
            imprimer = None
    return render_template("care/enregistrer.html", centre=centre, evenement=centre.evenement,
                           form=form, counts=services.present_counts(centre),
                           besoins=dict(BESOINS), imprimer=imprimer,
                           foyer_imprime=services.membres_du_foyer(imprimer) if imprimer else [])


# --- People -----------------------------------------------------------------------------


@bp.route("/personnes/<int:personne_id>")
def personne(personne_id):
    personne = get_personne_or_404(personne_id)
    foyer = services.membres_du_foyer(personne) if personne.foyer else []
    record_view(current_user, "personne", personne.id,
                summary=f"Fiche {personne.code_court}"
                + (f" et son foyer ({len(foyer)} personnes)" if len(foyer) > 1 else ""),
                personnes=[personne, *foyer], mairie_id=personne.mairie_id,
                evenement_id=personne.evenement_id)
    db.session.commit()
    return _personne_page(personne, DepartForm(), foyer=foyer)


def _personne_page(personne, depart_form, status=200, foyer=None, consentement_refus=None):
    """A person's record; housing adds its part (crise.signals.page_personne). ``foyer``:
    the household, when the caller has it already."""
    if foyer is None:
        foyer = services.membres_du_foyer(personne) if personne.foyer else []
    return render_template("care/personne.html", personne=personne, centre=personne.centre,
                           foyer=foyer,
                           **contributions(page_personne, personne,
                                           user=current_user._get_current_object()),
                           evenement=personne.centre.evenement, depart_form=depart_form,
                           besoins=dict(BESOINS),
                           orientations=services.orientations_of(personne),
                           cellules=CELLULE_SOUTIEN_LABELS,
                           fusions=services.fusions_of(personne),
                           consentements=services.consentements_de(personne),
                           finalites=FINALITES,
                           interet_vital=peut_invoquer_interet_vital(current_user),
                           consentement_refus=consentement_refus or {}), status


def _consentements_vus(texte: str | None) -> dict | None:
    """« recherche:1,ciav:0 » → {"recherche": True, "ciav": False}; None if absent."""
    vus = {}
    for part in (texte or "").split(","):
        finalite, _, valeur = part.partition(":")
        if finalite in FINALITES and valeur in ("0", "1"):
            vus[finalite] = valeur == "1"
    return vus or None


@bp.route("/personnes/<int:personne_id>/modifier", methods=["GET", "POST"])
def modifier(personne_id):
    personne = get_personne_or_404(personne_id, edit=True)
    medical = personne.can_see_medical(current_user)
    form = PersonneForm(obj=personne if request.method == "GET" else None)
    if not medical:
        del form.notes_medicales
    if request.method == "GET":
        record_view(current_user, "personne_modification", personne.id,
                    summary=f"Formulaire de modification de la fiche {personne.code_court}"
                    + (", notes médicales comprises" if medical else ""),
                    personnes=[personne], mairie_id=personne.mairie_id,
                    evenement_id=personne.evenement_id)
        db.session.commit()
        form.sinus.data = personne.sinus_affiche
        form.recherche_code.data = (personne.recherche_personne.code_court
                                    if personne.recherche_personne else "")
        form.consentements_vus.data = ",".join(
            f"{f}:{int(getattr(personne, f'consent_{f}'))}" for f in FINALITES)
    if form.validate_on_submit():
        data = services.PersonneData(**{
            name: getattr(form, name).data for name in (
                "nom", "prenom", "nom_usage", "categorie", "sexe", "date_naissance",
                "age_estime", "taille_groupe", "telephone", "email", "adresse_actuelle",
                "adresse_permanente", "langue", "interprete", "nationalite", "sinus",
                "recherche_nom", "consent_recherche", "consent_ciav", "consent_pav",
                "consent_bailleur", "motif_consentement", "notes")},
            besoins=list(form.besoins.data or []),
            consentements_vus=_consentements_vus(form.consentements_vus.data))
        data.nom_usage = (data.nom_usage or "").strip()
        ok, _ = submit(form, lambda: services.modifier_personne(
            current_user, personne, data, recherche_code=form.recherche_code.data or "",
            notes_medicales=(form.notes_medicales.data or "") if medical else None))
        if ok:
            flash("Fiche enregistrée.", "success")
            return redirect(url_for("care.personne", personne_id=personne.id))
    return render_template("care/modifier.html", form=form, personne=personne,
                           centre=personne.centre, evenement=personne.centre.evenement)


@bp.route("/personnes/<int:personne_id>/depart", methods=["POST"])
def depart(personne_id):
    personne = get_personne_or_404(personne_id, edit=True)
    form = DepartForm()
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: services.depart(
            current_user, personne, destination=form.destination.data,
            detail=form.detail.data or ""))
        if ok:
            # No name in a message: flashed messages travel in the session cookie.
            flash(f"Départ de la fiche {personne.code_court} enregistré.", "success")
            return redirect(url_for("care.centre", centre_id=personne.centre_id))
    return _personne_page(personne, form, 422)


@bp.route("/personnes/<int:personne_id>/retour", methods=["POST"])
def retour(personne_id):
    personne = get_personne_or_404(personne_id, edit=True)
    perform(lambda: services.retour(current_user, personne,
                                    depasser_capacite=bool(request.form.get("depasser"))),
            f"Retour de la fiche {personne.code_court} enregistré.")
    return redirect(url_for("care.personne", personne_id=personne.id))


# --- Finding people ---------------------------------------------------------------------


@bp.route("/<int:centre_id>/recherche")
def recherche(centre_id):
    """Type or scan a badge code, or type a name (tolerant), phone or SINUS number."""
    centre = get_centre_or_404(centre_id)
    if not centre.can_view_people(current_user):
        abort(403)
    query = (request.args.get("q") or "").strip()[:120]
    found = services.find_by_code(current_user, query) if query else None
    if found is not None:
        return redirect(url_for("care.personne", personne_id=found.id))
    results, papier = [], None
    if query:
        by_number = services.find_by_number(current_user, centre.evenement_id, query)
        if len(by_number) == 1:
            return redirect(url_for("care.personne", personne_id=by_number[0].id))
        results = [(p, None) for p in by_number] or services.search_names(
            current_user, centre.evenement_id, query)
        if not results:
            papier = services.papier_non_saisi(centre, query)
        vu(centre, "recherche", centre.id, [p for p, _ in results],
            f"Recherche au C.A.RE {centre.nom} : {len(results)} résultat(s)")
    return render_template("care/recherche.html", centre=centre, evenement=centre.evenement,
                           query=query, results=results, papier=papier)


@bp.route("/<int:centre_id>/doublons")
def doublons(centre_id):
    """Likely matches for the name being typed at the desk (an HTML fragment)."""
    centre = get_centre_or_404(centre_id)
    if not centre.can_register(current_user):
        abort(403)
    query = (request.args.get("q") or "").strip()[:120]
    results = services.search_names(current_user, centre.evenement_id, query, limit=5) \
        if len(query) >= 2 else []
    ailleurs = services.ailleurs(current_user, centre.evenement_id, query)
    if results or ailleurs:
        vu(centre, "suggestions", centre.id, [p for p, _ in results],
            f"Doublons possibles pendant la saisie au C.A.RE {centre.nom} : {len(results)} "
            f"fiche(s), {len(ailleurs)} ailleurs (code seul)")
    return render_template("care/_doublons.html", query=query, results=results,
                           ailleurs=ailleurs)


@bp.route("/evenements/<int:evenement_id>/doublons")
def file_doublons(evenement_id):
    """The suspected doubles of the event, for the responsables to review and merge."""
    evenement = get_evenement_or_404(evenement_id, current_user)
    if not services.can_review(current_user):
        abort(403)
    suspects = services.file_doublons(current_user, evenement.id)
    vus = [p for s in suspects for p in s.personnes]
    record_view(current_user, "doublons_evenement", evenement.id, personnes=vus,
                summary=f"Doublons à revoir : {len(suspects)} groupe(s), {len(vus)} fiche(s)",
                evenement_id=evenement.id, mairie_id=current_user.mairie_id)
    db.session.commit()
    return render_template("care/doublons.html", evenement=evenement, suspects=suspects)


@bp.route("/evenements/<int:evenement_id>/doublons/ecarter", methods=["POST"])
def ecarter_doublon(evenement_id):
    """« Not the same person »: the pair leaves the queue."""
    evenement = get_evenement_or_404(evenement_id, current_user)
    a, b = (db.session.get(Personne, request.form.get(name, type=int) or 0)
            for name in ("a", "b"))
    if a is None or b is None or evenement.id not in (a.evenement_id, b.evenement_id):
        abort(404)
    perform(lambda: services.ecarter(current_user, a, b),
            f"{a.code_court} et {b.code_court} : deux personnes différentes, retirées de la "
            "liste des doublons.")
    return redirect(url_for("care.file_doublons", evenement_id=evenement.id))


# --- Badges -----------------------------------------------------------------------------


def _pdf(data: bytes, name: str):
    return file_response(data, "application/pdf", name, attachment=False)


def _badges_response(centre, personnes, what, name):
    try:
        data = services.badges(current_user, centre, personnes, what=what)
    except ServiceError:
        abort(403)
    db.session.commit()
    response = _pdf(data, name)
    # The desk page prints the badge from a frame of its own: framing by this site only.
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'self'"
    return response


@bp.route("/personnes/<int:personne_id>/badge.pdf")
def badge(personne_id):
    personne = get_personne_or_404(personne_id)
    return _badges_response(personne.centre, [personne], "badge individuel",
                            f"badge-{personne.code_court}.pdf")


@bp.route("/personnes/<int:personne_id>/badges-foyer.pdf")
def badges_foyer(personne_id):
    personne = get_personne_or_404(personne_id)
    membres = services.membres_du_foyer(personne)
    return _badges_response(personne.centre, membres, "foyer",
                            f"badges-foyer-{personne.code_court}.pdf")


@bp.route("/<int:centre_id>/badges.pdf")
def badges_centre(centre_id):
    centre = get_centre_or_404(centre_id)
    personnes = services.present_people(centre)
    if not personnes:
        flash("Personne n'est présent : aucun badge à imprimer.", "info")
        return redirect(url_for("care.centre", centre_id=centre.id))
    return _badges_response(centre, personnes, "présents", f"badges-care-{centre.id}.pdf")


# --- Lists for the authorities ----------------------------------------------------------


@bp.route("/<int:centre_id>/export/<destinataire>.<fmt>")
def export(centre_id, destinataire, fmt):
    centre = get_centre_or_404(centre_id)
    if not centre.can_export(current_user):
        abort(403)
    try:
        data, mimetype, name = in_transaction(lambda: services.export_liste(
            current_user, centre, destinataire=destinataire, fmt=fmt))
    except ServiceError:
        abort(404)
    return file_response(data, mimetype, name)


# --- A relative asks ---------------------------------------------------------------------


@bp.route("/<int:centre_id>/proche", methods=["GET", "POST"])
def proche(centre_id):
    """« Is my mother here? »: a yes or a no, and which C.A.RE; never a list. An agent asks
    at most 30 times an hour (counted in the database, for every worker, whatever the
    agent's sessions or password changes): no one lists a C.A.RE by guessing names."""
    centre = get_centre_or_404(centre_id)
    if not centre.can_view_people(current_user):
        abort(403)
    form = ProcheForm()
    answer = None
    if request.method == "POST":
        cle = limites.PROCHE.cle(str(current_user.id))
        attente = limites.attente(limites.PROCHE, cle)
        if attente is None:
            limites.compter(limites.PROCHE, cle, user_id=current_user.id,
                            libelle=f"{current_user.email} (recherches pour un proche)")
            db.session.commit()
        else:
            form.form_errors.append(
                "Trop de recherches pour un proche en une heure : réessayez dans "
                f"{limites.duree_lisible(attente)}, ou demandez à un responsable.")
            return render_template("care/proche.html", centre=centre,
                                   evenement=centre.evenement, form=form, answer=None), 429
    if form.validate_on_submit():
        _, answer = submit(form, lambda: services.recherche_proche(
            current_user, centre.evenement_id, nom=form.nom.data, prenom=form.prenom.data,
            date_naissance=form.date_naissance.data))
    return render_template("care/proche.html", centre=centre, evenement=centre.evenement,
                           form=form, answer=answer)


# --- Indicators -------------------------------------------------------------------------


@bp.route("/indicateurs")
def indicateurs():
    annee = request.args.get("annee", type=int)
    data = services.indicateurs(current_user, annee=annee)
    return render_template("care/indicateurs.html", data=data, annee=annee,
                           categories=CATEGORIE_LABELS)


# --- Merging records --------------------------------------------------------------------


@bp.route("/personnes/<int:personne_id>/fusionner", methods=["GET", "POST"])
def fusionner(personne_id):
    """Merge another record (found by its code) into this one, after a side-by-side check."""
    gardee = get_personne_or_404(personne_id, edit=True)
    if not gardee.can_merge(current_user):
        abort(403)
    code = (request.values.get("code") or "").strip()[:40]
    autre, error = None, None
    if code:
        autre = services.find_in_event(gardee.evenement_id, code)
        if autre is None or not autre.can_view(current_user):
            autre, error = None, "Aucune fiche de cet événement n'a ce code dans votre périmètre."
    if autre is not None and request.method == "GET":
        record_view(current_user, "fusion", f"{gardee.id}-{autre.id}", personnes=[gardee, autre],
                    summary=f"Comparaison des fiches {gardee.code_court} et {autre.code_court}",
                    mairie_id=gardee.mairie_id, evenement_id=gardee.evenement_id)
        db.session.commit()
    if request.method == "POST" and autre is not None and request.form.get("confirmer"):
        try:
            in_transaction(lambda: services.fusionner(current_user, gardee, autre))
        except ServiceError as exc:
            error = exc.message
        else:
            flash(f"Fiche {autre.code_court} fusionnée dans {gardee.code_court}. "
                  "La fusion peut être annulée depuis cette fiche.", "success")
            return redirect(url_for("care.personne", personne_id=gardee.id))
    return render_template("care/fusionner.html", personne=gardee, autre=autre, code=code,
                           error=error, centre=gardee.centre, evenement=gardee.centre.evenement,
                           champs=services.MERGE_FIELDS)


@bp.route("/fusions/<int:fusion_id>/annuler", methods=["POST"])
def annuler_fusion(fusion_id):
    fusion = db.session.get(Fusion, fusion_id)
    if fusion is None or not fusion.gardee.can_view(current_user):
        abort(404)
    perform(lambda: services.annuler_fusion(current_user, fusion),
            "Fusion annulée : les deux fiches sont de nouveau distinctes.")
    return redirect(url_for("care.personne", personne_id=fusion.gardee_id))


@bp.route("/<int:centre_id>/fiches-papier.pdf", methods=["POST"])
def fiches_papier(centre_id):
    """Blank intake sheets with pre-printed badges, for when the network or laptop fails.
    A POST (CSRF-checked): printing creates their codes, no other site may trigger it."""
    centre = get_centre_or_404(centre_id)
    if not centre.can_register(current_user):
        abort(403)
    try:
        data = in_transaction(lambda: services.imprimer_feuilles(
            current_user, centre, request.form.get("nombre", 10, type=int)))
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("care.centre", centre_id=centre.id))
    return _pdf(data, f"fiches-papier-care-{centre.id}.pdf")

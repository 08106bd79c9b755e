"""The rights of the people received (GDPR art. 15-16): a request is recorded with its
deadline (one month), the records that are the person's are found across events with the
tolerant search and attached to it, and everything held about them is given in one click, as
a PDF and as JSON (identity, passages, orientations, housing, consents, who saw the record and
when). Each search, each attachment and each answer is in the audit trail."""

import calendar
from datetime import date

import sqlalchemy as sa

from crise.audit.models import ACTION_LABELS, Action, AuditEntry, AuditPersonne
from crise.audit.services import record, record_view
from crise.auth.models import User
from crise.care.models import CentreAccueil, Fusion, Orientation, Passage, Personne
from crise.care.models import BESOIN_LABELS, FINALITES
from crise.care.services import consentements_de, ranked
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.evenements.services import visible_evenements_query
from crise.extensions import db
from crise.formatting import to_paris
from crise.hebergement.models import StatutRelogement
from crise.hebergement.services import dossier_of
from crise.rgpd.models import TYPES_DEMANDE, DemandeDroits, traite_les_droits

RESULTATS_MAX = 50
DEMANDEUR_MAX = 200


def un_mois_apres(jour: date) -> date:
    """The same day next month, or its last day (31 January → 28 or 29 February)."""
    annee, mois = (jour.year + 1, 1) if jour.month == 12 else (jour.year, jour.month + 1)
    return date(annee, mois, min(jour.day, calendar.monthrange(annee, mois)[1]))


def aujourd_hui() -> date:
    return to_paris(utcnow()).date()


def ouvrir_demande(actor: User, *, type: str, demandeur: str, recue_le: date | None,
                   notes: str = "", jeton: str | None = None) -> DemandeDroits:
    """Record a request; the same form sent again (its ``jeton``) gives the one recorded,
    marked as such (crise.db.deja_fait)."""
    if not traite_les_droits(actor):
        raise ServiceError("Votre rôle ne permet pas de traiter les demandes d'exercice "
                           "des droits.")
    if type not in TYPES_DEMANDE:
        raise ServiceError("Choisissez le droit exercé.", field="type")
    demandeur = (demandeur or "").strip()
    if not demandeur:
        raise ServiceError("Indiquez qui fait la demande.", field="demandeur")
    if recue_le is None:
        raise ServiceError("Indiquez la date de réception.", field="recue_le")
    if recue_le > aujourd_hui():
        raise ServiceError("La date de réception ne peut pas être dans le futur.",
                           field="recue_le")
    if len(demandeur) > DEMANDEUR_MAX:
        raise ServiceError(f"{DEMANDEUR_MAX} caractères au maximum.", field="demandeur")
    if jeton:
        deja = db.session.scalar(sa.select(DemandeDroits).where(
            DemandeDroits.jeton_creation == jeton, DemandeDroits.creee_par_nom == actor.email))
        if deja is not None:
            deja.jumeau_retrouve = True
            return deja
    demande = DemandeDroits(
        type=type, demandeur=demandeur, recue_le=recue_le,
        echeance=un_mois_apres(recue_le), notes=(notes or "").strip(),
        mairie_id=None if actor.is_central else actor.mairie_id,
        creee_par_nom=actor.email, jeton_creation=jeton or None)
    try:
        with db.session.begin_nested():
            db.session.add(demande)
            db.session.flush()
    except sa.exc.IntegrityError:  # the twin post of the same instant won
        deja = db.session.scalar(sa.select(DemandeDroits).where(
            DemandeDroits.jeton_creation == jeton))
        if deja is None:
            raise
        deja.jumeau_retrouve = True
        return deja
    record(actor, Action.CREATE, "demande_droits", demande.id, mairie_id=demande.mairie_id,
           summary=f"{demande.type_label} : demande n° {demande.id} reçue le "
                   f"{recue_le:%d/%m/%Y}, à répondre avant le {demande.echeance:%d/%m/%Y}")
    return demande


def _verifier(actor: User, demande: DemandeDroits) -> None:
    if not demande.can_view(actor):
        raise ServiceError("Cette demande n'est pas dans votre périmètre.")


def chercher(actor: User, demande: DemandeDroits, nom: str,
             date_naissance: date | None = None) -> list[tuple[Personne, int]]:
    """The records of every event in the user's scope whose names match, best first."""
    _verifier(actor, demande)
    nom = (nom or "").strip()
    if len(nom) < 2:
        raise ServiceError("Tapez au moins deux lettres du nom.", field="nom")
    trouves: list[tuple[Personne, int]] = []
    mairie = None if actor.is_central else actor.mairie_id
    for evenement in db.session.scalars(visible_evenements_query(actor)):
        for personne, score in ranked(evenement.id, nom, limit=RESULTATS_MAX,
                                      mairie_id=mairie):
            if not personne.can_view(actor):
                continue
            if date_naissance and personne.date_naissance not in (None, date_naissance):
                continue
            trouves.append((personne, score))
    trouves.sort(key=lambda t: (-t[1], t[0].id))
    trouves = trouves[:RESULTATS_MAX]
    if trouves:
        record_view(actor, "demande_droits", demande.id, mairie_id=demande.mairie_id,
                    summary=f"Recherche pour la demande n° {demande.id}",
                    personnes=[p for p, _ in trouves])
    return trouves


def rattacher(actor: User, demande: DemandeDroits, personne: Personne | None) -> bool:
    """Attach a record found to be the requester's. Returns whether it was new."""
    _verifier(actor, demande)
    if personne is None or not personne.can_view(actor):
        raise ServiceError("Cette fiche n'existe pas ou n'est pas dans votre périmètre : "
                           "elle ne peut pas être jointe à la demande.")
    if demande.repondue_le is not None:
        raise ServiceError("Cette demande a déjà reçu sa réponse.")
    if personne in demande.personnes:
        return False
    demande.personnes.append(personne)
    record(actor, Action.UPDATE, "demande_droits", demande.id, mairie_id=demande.mairie_id,
           summary=f"Fiche {personne.code_court} jointe à la demande n° {demande.id}",
           personnes=[personne])
    return True


def retirer(actor: User, demande: DemandeDroits, personne: Personne | None) -> None:
    _verifier(actor, demande)
    if personne is None or personne not in demande.personnes:
        raise ServiceError("Cette fiche n'est pas jointe à la demande.")
    if demande.repondue_le is not None:
        raise ServiceError("Cette demande a déjà reçu sa réponse.")
    demande.personnes.remove(personne)
    record(actor, Action.UPDATE, "demande_droits", demande.id, mairie_id=demande.mairie_id,
           summary=f"Fiche {personne.code_court} retirée de la demande n° {demande.id}",
           personnes=[personne])


def repondre(actor: User, demande: DemandeDroits, reponse: str,
             jour: date | None = None) -> None:
    _verifier(actor, demande)
    reponse = (reponse or "").strip()
    if not reponse:
        raise ServiceError("Indiquez comment la réponse a été donnée (remise en main propre, "
                           "courrier, courriel…).", field="reponse")
    if demande.repondue_le is not None:
        raise ServiceError("Cette demande a déjà reçu sa réponse.")
    demande.repondue_le = jour or aujourd_hui()
    demande.repondue_par_nom = actor.email
    demande.reponse = reponse[:500]
    retard = demande.repondue_le > demande.echeance
    record(actor, Action.UPDATE, "demande_droits", demande.id, mairie_id=demande.mairie_id,
           summary=f"Demande n° {demande.id} répondue le {demande.repondue_le:%d/%m/%Y}"
                   + (" (après l'échéance)" if retard else ""), personnes=demande.personnes)


def demandes_visibles(actor: User):
    query = sa.select(DemandeDroits).where(actor.perimetre(DemandeDroits.mairie_id))
    return query.order_by(DemandeDroits.repondue_le.is_not(None), DemandeDroits.echeance,
                          DemandeDroits.id)


# --- Everything held about a person ------------------------------------------------------

def _instant(at) -> str | None:
    return to_paris(at).strftime("%d/%m/%Y %H:%M") if at else None


def _jour(d) -> str | None:
    return d.strftime("%d/%m/%Y") if d else None


def tout_sur(personne: Personne) -> dict:
    """Everything the application holds about one person, in plain words."""
    evenement = db.session.get(Evenement, personne.evenement_id)
    identite = {
        "Nom": personne.nom, "Prénom": personne.prenom, "Nom d'usage": personne.nom_usage,
        "Sexe": personne.sexe_label, "Date de naissance": _jour(personne.date_naissance),
        "Âge estimé": personne.age_estime, "Téléphone": personne.telephone,
        "Courriel": personne.email, "Adresse actuelle": personne.adresse_actuelle,
        "Adresse permanente": personne.adresse_permanente, "Langue": personne.langue,
        "Interprète": "oui" if personne.interprete else "non",
        "Nationalité": personne.nationalite, "Numéro SINUS": personne.sinus_affiche,
        "Catégorie": personne.categorie_label,
        "Besoins": [BESOIN_LABELS.get(b, b) for b in personne.besoins or []],
        "Recherche un proche": personne.recherche_nom,
        "Personnes du groupe": personne.taille_groupe,
        "Notes": personne.notes, "Notes médicales et psychologiques": personne.notes_medicales,
        "Code de la fiche": personne.code_court,
        "Anonymisée le": _instant(personne.anonymise_at),
    }
    consentements = {libelle: ("oui" if getattr(personne, f"consent_{code}") else "non")
                     for code, libelle in FINALITES.items()}
    historique = [{"Le": _instant(e.at), "Usage": e.finalite_label,
                   "Réponse": ("intérêt vital" if e.mode == "interet_vital" else
                               "donné" if e.donne else "non"),
                   "Comment": e.mode_label, "Motif": e.motif}
                  for e in consentements_de(personne)]
    passages = [{"C.A.RE": centre, "Arrivée": _instant(p.arrivee_at),
                 "Départ": _instant(p.depart_at), "Destination": p.destination_label,
                 "Précision": p.destination_detail}
                for p, centre in db.session.execute(sa.select(Passage, CentreAccueil.nom).join(
                    CentreAccueil, CentreAccueil.id == Passage.centre_id).where(
                    Passage.personne_id == personne.id).order_by(Passage.arrivee_at))]
    orientations = [{"Vers": o.cellule_label, "État": o.statut_label,
                     "Orientée le": _instant(o.oriente_at), "Prise en charge le":
                     _instant(o.pris_at), "Terminée le": _instant(o.termine_at),
                     "Note": o.note}
                    for o in db.session.scalars(sa.select(Orientation).where(
                        Orientation.personne_id == personne.id).order_by(Orientation.id))]
    hebergement = None
    dossier = dossier_of(personne)
    if dossier is not None:
        hebergement = {
            "Ouvert le": _instant(dossier.created_at), "Personnes": dossier.nb_personnes,
            "Dont enfants": dossier.nb_enfants, "Logement": dossier.habitable_label,
            "Besoins": dossier.besoins_labels, "Animaux": dossier.animaux_detail,
            "Secteur souhaité": dossier.secteur_souhaite, "Notes": dossier.notes,
            "Clos": "oui" if dossier.clos else "non", "Motif de clôture": dossier.clos_motif,
            "Solutions": [{"Type": s.type_label, "Lieu": s.lieu, "Adresse": s.adresse,
                           "Du": _jour(s.du), "Au": _jour(s.au), "Nuits": s.nuits}
                          for s in dossier.solutions],
            "Journal": [{"Le": _instant(j.at), "Texte": j.texte} for j in dossier.journal],
            "Relogement": ({"État": StatutRelogement(dossier.relogement.statut).label,
                            "Notes": [{"Le": _instant(n.at), "Texte": n.texte}
                                      for n in dossier.relogement.notes]}
                           if dossier.relogement else None),
        }
    fusions = [{"Le": _instant(f.at), "Fiche gardée": f.gardee_id == personne.id}
               for f in db.session.scalars(sa.select(Fusion).where(sa.or_(
                   Fusion.gardee_id == personne.id, Fusion.absorbee_id == personne.id)))]
    acces = [{"Le": _instant(at), "Par": email or "système",
              "Action": ACTION_LABELS.get(action, action),
              "Quoi": resume}
             for at, email, action, resume in db.session.execute(
                 sa.select(AuditEntry.at, AuditEntry.actor_email, AuditEntry.action,
                           AuditEntry.summary).join(
                     AuditPersonne, AuditPersonne.entry_id == AuditEntry.id).where(
                     AuditPersonne.personne_id == personne.id).order_by(AuditEntry.at))]
    return {
        "Fiche": personne.code_court,
        "Événement": evenement.titre + (" (exercice)" if evenement.exercice else ""),
        "Enregistrée le": _instant(personne.created_at),
        "Identité et situation": identite, "Consentements": consentements,
        "Historique des consentements": historique,
        "Passages au C.A.RE": passages, "Orientations": orientations,
        "Hébergement et relogement": hebergement, "Fusions de fiches": fusions,
        "Accès à la fiche (journal d'audit)": acces,
    }


def reponse(actor: User, demande: DemandeDroits, fmt: str) -> dict:
    """The answer's content, its export written in the audit trail."""
    _verifier(actor, demande)
    if not demande.personnes:
        raise ServiceError("Joignez d'abord les fiches de la personne à la demande.")
    contenu = {
        "Demande": {"Numéro": demande.id, "Droit": demande.type_label,
                    "Demandeur": demande.demandeur, "Reçue le": _jour(demande.recue_le),
                    "Échéance": _jour(demande.echeance)},
        "Responsable du traitement": "Ville de Paris — outil de gestion de crise",
        "Édité le": _instant(utcnow()),
        "Fiches": [tout_sur(p) for p in demande.personnes],
    }
    record(actor, Action.EXPORT, "demande_droits", demande.id, mairie_id=demande.mairie_id,
           summary=f"Réponse à la demande n° {demande.id} ({fmt.upper()}, "
                   f"{len(demande.personnes)} fiche(s))", personnes=demande.personnes)
    return contenu

"""A person's record: the input, its cleaning and checks, registering a person or a household
in one pass, completing or correcting a record."""

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care import noms
from crise.care.models import (BESOIN_LABELS, FINALITES, SEXE_LABELS, Categorie,
                               CentreAccueil, Foyer, Passage, Personne)
from crise.care.services.consentements import changer_consentement
from crise.care.services.codes import (SINUS_RE, find_in_event, new_badge_token,
                                       new_code_court, normalise_sinus, phone_digits)
from crise.care.services.papier import paper_token
from crise.care.services.presence import presents_sous_verrou
from crise.care.services.recherche import index_keys
from crise.care.services.sites import NOM_MAX
from crise.db import recent_twin, utcnow
from crise.errors import ServiceError
from crise.extensions import db
from crise.signals import Fait, annoncer, personne_enregistree
from crise.text import EMAIL_RE, clean_data

__all__ = ["EMAIL_RE", "FOYER_MAX", "GROUPE_MAX", "PERSON_FIELDS", "PersonneData", "SEXES",
           "TEXT_LIMITS", "membres_du_foyer", "enregistrer", "modifier_personne"]


GROUPE_MAX = 50


FOYER_MAX = 20


@dataclass
class PersonneData:
    nom: str
    categorie: str
    taille_groupe: int = 1
    prenom: str = ""
    nom_usage: str = ""
    sexe: str = ""
    date_naissance: date | None = None
    age_estime: int | None = None
    telephone: str = ""
    email: str = ""
    adresse_actuelle: str = ""
    adresse_permanente: str = ""
    langue: str = ""
    interprete: bool = False
    nationalite: str = ""
    sinus: str = ""
    recherche_nom: str = ""
    besoins: list = field(default_factory=list)
    consent_recherche: bool = False
    consent_ciav: bool = False
    consent_pav: bool = False
    consent_bailleur: bool = False
    # Said when a consent is withdrawn (unticked): the person's reason.
    motif_consentement: str = ""
    # The consents as the form showed them ({purpose: bool}): only those ticked or unticked
    # in it change (another agent's withdrawal meanwhile is not undone).
    consentements_vus: dict | None = None
    notes: str = ""
    badge_token: str = ""


SEXES = {"", *SEXE_LABELS}




# The fields of the form, copied as they are onto the record.
PERSON_FIELDS = ("nom", "prenom", "nom_usage", "categorie", "taille_groupe", "sexe",
                 "date_naissance", "age_estime", "telephone", "email", "adresse_actuelle",
                 "adresse_permanente", "langue", "interprete", "nationalite", "recherche_nom",
                 "besoins", "notes")
TEXT_LIMITS = {"telephone": 40, "email": 254, "adresse_actuelle": 255,
               "adresse_permanente": 255, "langue": 80, "nationalite": 80,
               "recherche_nom": 200, "notes": 2000}


def _clean_person(data: PersonneData, index: int | None, today: date) -> PersonneData:
    prefix = "" if index is None else f"membres-{index}-"
    clean_data(data, multiline=("notes", "notes_medicales"))
    data.nom = (data.nom or "").strip()
    data.prenom = (data.prenom or "").strip()
    if not data.nom:
        raise ServiceError("Indiquez le nom.", field=prefix + "nom")
    for name in ("nom", "prenom", "nom_usage"):
        if len(getattr(data, name) or "") > NOM_MAX:
            raise ServiceError(f"{NOM_MAX} caractères au maximum.", field=prefix + name)
    if data.categorie not in set(Categorie):
        raise ServiceError("Choisissez la catégorie : sinistré, impliqué ou proche.",
                           field=prefix + "categorie")
    if not 1 <= (data.taille_groupe or 0) <= GROUPE_MAX:
        raise ServiceError(f"La taille du groupe va de 1 à {GROUPE_MAX}.",
                           field=prefix + "taille_groupe")
    if data.date_naissance is not None:
        if data.date_naissance > today:
            raise ServiceError("La date de naissance est dans le futur.",
                               field=prefix + "date_naissance")
        if data.date_naissance < date(today.year - 120, 1, 1):
            raise ServiceError("Date de naissance invraisemblable.",
                               field=prefix + "date_naissance")
    if data.age_estime is not None and not 0 <= data.age_estime <= 120:
        raise ServiceError("L'âge estimé va de 0 à 120 ans.", field=prefix + "age_estime")
    if data.sexe not in SEXES:
        raise ServiceError("Sexe : F, M, X ou non renseigné.", field=prefix + "sexe")
    for name, limit in TEXT_LIMITS.items():
        value = (getattr(data, name) or "").strip()
        setattr(data, name, value)
        if len(value) > limit:
            raise ServiceError(f"{limit} caractères au maximum.", field=prefix + name)
    if data.email and not EMAIL_RE.match(data.email):
        raise ServiceError("Adresse e-mail invalide.", field=prefix + "email")
    data.sinus = normalise_sinus(data.sinus)
    if data.sinus and not SINUS_RE.match(data.sinus):
        raise ServiceError("Numéro SINUS invalide : 21 caractères, par exemple "
                           "FR 075 PPOL 2026 TR 000123 (pays, département, entité, année, "
                           "TR ou HP, numéro).", field=prefix + "sinus")
    unknown = set(data.besoins or []) - set(BESOIN_LABELS)
    if unknown:
        raise ServiceError("Besoin inconnu.", field=prefix + "besoins")
    return data


def membres_du_foyer(personne: Personne) -> list[Personne]:
    """The person's household as registered together (merged records left out)."""
    people = personne.foyer.membres if personne.foyer else [personne]
    return [p for p in people if p.fusionne_dans_id is None]


def enregistrer(actor: User, centre: CentreAccueil, membres: list[PersonneData], *,
                jeton: str | None = None, depasser_capacite: bool = False,
                jeton_papier: str = "", now: datetime | None = None
                ) -> tuple[list[Personne], bool]:
    """Register a person, or a household in one pass (the first member is the référent).

    Members without an address take the référent's. Returns (people, created).
    """
    now = now or utcnow()
    if not centre.can_register(actor):  # who may, before any token
        raise ServiceError("Vous ne pouvez pas enregistrer de personnes dans ce C.A.RE.")
    if jeton:
        first = db.session.scalar(sa.select(Personne).where(Personne.jeton_creation == jeton))
        if first is not None and membres and _same_person(first, membres[0]):
            # The same form sent twice (double click, back and resend): one record.
            return membres_du_foyer(first), False
        if first is not None:
            # The token came back with someone else typed in (a form restored by the
            # browser's Back button): register them, without the spent token.
            jeton = None
    if not centre.ouvert:
        raise ServiceError("Ce C.A.RE est fermé : on n'y enregistre plus personne.")
    if not membres:
        raise ServiceError("Indiquez au moins une personne.")
    if len(membres) > FOYER_MAX:
        raise ServiceError(f"Un foyer compte {FOYER_MAX} personnes au plus : enregistrez le "
                           f"reste du groupe à part.")
    today = now.date()
    membres = [_clean_person(m, i, today) for i, m in enumerate(membres)]
    twin = _recent_registration(actor, centre, membres, now)
    if twin is not None:
        return twin, False
    papier = paper_token(centre, jeton_papier) if (jeton_papier or "").strip() else None
    present = presents_sous_verrou(centre)
    if present + len(membres) > centre.capacite and not depasser_capacite:
        raise ServiceError(f"Capacité atteinte : {present} présent(s) pour {centre.capacite} "
                           f"places. Confirmez le dépassement pour enregistrer quand même.",
                           field="depasser_capacite")
    referent = membres[0]
    foyer = Foyer(centre_id=centre.id) if len(membres) > 1 else None
    if foyer:
        db.session.add(foyer)
    people = []
    for index, data in enumerate(membres):
        if index and not data.adresse_actuelle:
            data.adresse_actuelle = referent.adresse_actuelle
        if index and not data.adresse_permanente:
            data.adresse_permanente = referent.adresse_permanente
        on_paper = papier is not None and index == 0
        personne = Personne(
            centre=centre, centre_id=centre.id, evenement_id=centre.evenement_id,
            mairie_id=centre.mairie_id, foyer=foyer, created_by_id=actor.id,
            badge_token=papier.token if on_paper else new_badge_token(),
            code_court=papier.code_court if on_paper else new_code_court(),
            jeton_creation=jeton if jeton and index == 0 else None, present=True,
            **{name: getattr(data, name) for name in PERSON_FIELDS},
            telephone_chiffres=phone_digits(data.telephone), sinus=data.sinus or None,
            # Set with the insert (index_keys finds it unchanged: no second UPDATE).
            cle_identite=noms.identity_key(data.nom, data.prenom or ""))
        personne.passages.append(Passage(centre_id=centre.id, arrivee_at=now))
        db.session.add(personne)
        people.append(personne)
    db.session.flush()
    if papier is not None:
        papier.personne_id = people[0].id
    for personne, data in zip(people, membres):
        index_keys(personne, nouvelle=True)
        for finalite in FINALITES:
            if getattr(data, f"consent_{finalite}"):
                changer_consentement(actor, personne, finalite, donne=True, now=now)
        record(actor, Action.CREATE, "personne", personne.id,
               summary=f"{personne.categorie_label} enregistré(e) au C.A.RE {centre.nom}"
                       + (" (foyer)" if foyer else ""), personnes=[personne],
               mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    # Never a name in a fait: counts and codes only.
    annoncer(personne_enregistree, Fait(
        f"{len(people)} personne(s) enregistrée(s) au C.A.RE {centre.nom}", now,
        centre.evenement_id, "personne", people[0].id, actor, centre.mairie_id,
        {"centre_id": centre.id, "personnes": len(people),
         "categories": [p.categorie for p in people]}))
    if present + len(membres) > centre.capacite:
        record(actor, Action.UPDATE, "centre", centre.id,
               summary=f"Dépassement de capacité accepté : {present + len(membres)} présents "
                       f"pour {centre.capacite} places",
               mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    return people, True


def _recent_registration(actor: User, centre: CentreAccueil, membres: list[PersonneData],
                         now: datetime) -> list[Personne] | None:
    """The same people registered by the same agent at this C.A.RE a moment ago (the form
    sent again after Back, with a new token): those records, not new ones."""
    first = membres[0]
    # Looked up by the identity key's index: a C.A.RE of 100,000 people is not scanned.
    twin = recent_twin(Personne, Personne.created_at, now,
                       Personne.evenement_id == centre.evenement_id,
                       Personne.cle_identite == noms.identity_key(first.nom,
                                                                      first.prenom or ""),
                       # « + 0 »: not a column SQLite would take an index for. Without
                       # statistics it preferred the C.A.RE's index, read whole (measured).
                       Personne.centre_id + 0 == centre.id,
                       Personne.created_by_id == actor.id, Personne.nom == first.nom,
                       Personne.prenom == (first.prenom or ""),
                       Personne.categorie == first.categorie,
                       Personne.fusionne_dans_id.is_(None))
    if twin is None:
        return None
    household = membres_du_foyer(twin)
    if len(household) != len(membres) or household[0].id != twin.id:
        return None
    for personne, data in zip(household, membres):
        if not (_same_person(personne, data) and personne.date_naissance == data.date_naissance
                and personne.age_estime == data.age_estime
                and personne.telephone == (data.telephone or "")):
            return None
    return household


def _same_person(personne: Personne, data: PersonneData) -> bool:
    return (noms.comparable(personne.nom) == noms.comparable(data.nom)
            and noms.comparable(personne.prenom) == noms.comparable(data.prenom or "")
            and personne.categorie == data.categorie)


def modifier_personne(actor: User, personne: Personne, data: PersonneData, *,
                      recherche_code: str = "", notes_medicales: str | None = None,
                      now: datetime | None = None) -> Personne:
    """Complete or correct a record. The audit names the fields changed, never their values."""
    now = now or utcnow()
    if not personne.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cette personne.")
    data = _clean_person(data, None, now.date())
    # Only what the actor may see answers: another mairie's number, code or C.A.RE is
    # answered as if it did not exist (its doubles are the responsables' queue's business).
    if data.sinus and db.session.scalar(sa.select(Personne.id).where(
            Personne.sinus == data.sinus, Personne.evenement_id == personne.evenement_id,
            Personne.id != personne.id,
            actor.perimetre(Personne.mairie_id, Personne.evenement_id))):
        raise ServiceError("Ce numéro SINUS est déjà attribué à une autre personne de "
                           "l'événement.", field="sinus")
    sought = None
    code = (recherche_code or "").strip()
    if code:
        sought = find_in_event(personne.evenement_id, code)
        if sought is not None and not sought.can_view(actor):
            sought = None
        if sought is None:
            raise ServiceError("Aucune personne de cet événement n'a ce code.",
                               field="recherche_code")
        if sought.id == personne.id:
            raise ServiceError("Une personne ne se recherche pas elle-même.",
                               field="recherche_code")
    changed = [name for name in PERSON_FIELDS if getattr(personne, name) != getattr(data, name)]
    for name in changed:
        setattr(personne, name, getattr(data, name))
    for finalite in FINALITES:
        voulu = getattr(data, f"consent_{finalite}")
        vu = (data.consentements_vus or {}).get(finalite)
        if vu is not None and vu == voulu:
            continue  # not touched in this form: what happened meanwhile stands
        if getattr(personne, f"consent_{finalite}") != voulu:
            try:
                changer_consentement(actor, personne, finalite, donne=voulu,
                                     motif="" if voulu else data.motif_consentement, now=now)
            except ServiceError as error:  # said next to the form's own field
                raise ServiceError(error.message, field="motif_consentement"
                                   if error.field == "motif" else error.field) from None
            changed.append(f"consent_{finalite}")
    personne.telephone_chiffres = phone_digits(personne.telephone)
    if (personne.sinus or "") != data.sinus:
        personne.sinus = data.sinus or None
        changed.append("sinus")
    if personne.recherche_personne_id != (sought.id if sought else None):
        personne.recherche_personne = sought
        changed.append("recherche_personne")
    if notes_medicales is not None:
        if not personne.can_see_medical(actor):
            raise ServiceError("Votre rôle ne permet pas de saisir des notes médicales.",
                               field="notes_medicales")
        notes_medicales = notes_medicales.strip()
        if len(notes_medicales) > 2000:
            raise ServiceError("2000 caractères au maximum.", field="notes_medicales")
        if notes_medicales != personne.notes_medicales:
            personne.notes_medicales = notes_medicales
            changed.append("notes_medicales")
    if {"nom", "prenom", "nom_usage"} & set(changed):
        db.session.flush()
        index_keys(personne)
    if changed:
        record(actor, Action.UPDATE, "personne", personne.id,
               summary="Fiche complétée : " + ", ".join(sorted(changed)),
               personnes=[personne], mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    db.session.flush()
    return personne

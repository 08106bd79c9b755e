"""C.A.RE business rules: sites, opening and closing, registration, presence, search.

Shared by the views, the CLI and the tests. Services flush, never commit.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care import noms
from crise.care.models import (BESOIN_LABELS, CENTRE_MANAGE_ROLES, ETAPES_OUVERTURE,
                               Categorie, CentreAccueil, Cellule, Destination, EtapeOuverture,
                               Foyer, Fusion, JetonPapier, Orientation, Passage, Personne,
                               PersonneCle, Site, StatutOrientation)
from crise.cellule.services import systeme as main_courante_systeme
from crise.db import recent_twin, utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.text import clean_data
from crise.formatting import file_stamp
from crise.mairies.models import Mairie

CAPACITE_MAX = 5000
GROUPE_MAX = 50
NOM_MAX = 120
FOYER_MAX = 20
# Below this, a match is noise (a single shared one-letter-deleted variant).
MIN_SCORE = 2
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed fast


# --- Codes ------------------------------------------------------------------------------


def new_badge_token() -> str:
    """The opaque token printed in the QR code: random, never personal data."""
    return secrets.token_urlsafe(16)


def new_code_court() -> str:
    """A short human-readable code, « K7M-4QX »: unique, checked against the database."""
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        code = f"{raw[:3]}-{raw[3:]}"
        taken = db.session.scalar(sa.select(Personne.id).where(Personne.code_court == code))
        printed = db.session.scalar(sa.select(JetonPapier.token).where(
            JetonPapier.code_court == code))
        if taken is None and printed is None:
            return code


# --- Sites ------------------------------------------------------------------------------


def load_default_sites() -> int:
    """Each mairie has at least its own building as a site; idempotent."""
    with_site = set(db.session.scalars(sa.select(Site.mairie_id).distinct()))
    created = 0
    for mairie in db.session.scalars(sa.select(Mairie).order_by(Mairie.ordre)):
        if mairie.id not in with_site:
            db.session.add(Site(mairie=mairie, nom=f"{mairie.nom} (salle des fêtes)",
                                adresse=mairie.adresse, capacite=None))
            created += 1
    db.session.flush()
    return created


def sites_for(mairie_id: int, *, actifs_only: bool = True) -> list[Site]:
    query = sa.select(Site).where(Site.mairie_id == mairie_id).order_by(Site.nom)
    if actifs_only:
        query = query.where(Site.actif.is_(True))
    return db.session.scalars(query).all()


def save_site(actor: User, site: Site | None, *, mairie: Mairie, nom: str, adresse: str,
              capacite: int | None, actif: bool = True) -> Site:
    nom, adresse = (nom or "").strip(), (adresse or "").strip()
    if not nom:
        raise ServiceError("Donnez un nom au site.", field="nom")
    if len(nom) > 200:
        raise ServiceError("200 caractères au maximum.", field="nom")
    if len(adresse) > 255:
        raise ServiceError("255 caractères au maximum.", field="adresse")
    if capacite is not None and not 1 <= capacite <= CAPACITE_MAX:
        raise ServiceError(f"La capacité doit être comprise entre 1 et {CAPACITE_MAX}.",
                           field="capacite")
    creating = site is None
    if creating:
        site = Site(mairie=mairie, mairie_id=mairie.id)
        db.session.add(site)
    if not site.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier les sites de cette mairie.")
    site.nom, site.adresse, site.capacite, site.actif = nom, adresse, capacite, actif
    db.session.flush()
    record(actor, Action.CREATE if creating else Action.UPDATE, "site", site.id,
           summary=f"Site « {nom} » {'ajouté' if creating else 'modifié'}",
           mairie_id=site.mairie_id)
    return site


# --- Opening and closing ----------------------------------------------------------------


def open_centre(actor: User, evenement: Evenement, *, site: Site, capacite: int | None,
                responsable_nom: str, cai: bool = False, caf: bool = False,
                ouvert_at: datetime | None = None, jeton: str | None = None,
                now: datetime | None = None) -> tuple[CentreAccueil, bool]:
    """Open (« armer ») a C.A.RE for an event on one of the mairie's sites."""
    now = now or utcnow()
    if jeton:
        existing = db.session.scalar(sa.select(CentreAccueil).where(
            CentreAccueil.jeton_creation == jeton))
        if existing is not None:
            return existing, False
    if not site.can_edit(actor):
        raise ServiceError("Seul le responsable de crise de la mairie ouvre un C.A.RE.")
    if not evenement.en_cours:
        raise ServiceError("Cet événement est clos : on n'y ouvre plus de C.A.RE.")
    if site.mairie_id not in evenement.mairie_ids:
        raise ServiceError(f"L'événement ne concerne pas la {site.mairie.nom}.", field="site")
    if not site.actif:
        raise ServiceError("Ce site n'est plus utilisé.", field="site")
    already = db.session.scalar(sa.select(CentreAccueil.id).where(
        CentreAccueil.evenement_id == evenement.id, CentreAccueil.site_id == site.id,
        CentreAccueil.ferme_at.is_(None)))
    if already:
        raise ServiceError("Un C.A.RE est déjà ouvert sur ce site pour cet événement.",
                           field="site")
    responsable_nom = (responsable_nom or "").strip()
    if not responsable_nom:
        raise ServiceError("Indiquez le responsable de permanence.", field="responsable_nom")
    if len(responsable_nom) > NOM_MAX:
        raise ServiceError(f"{NOM_MAX} caractères au maximum.", field="responsable_nom")
    capacite = capacite if capacite is not None else site.capacite
    if capacite is None or not 1 <= capacite <= CAPACITE_MAX:
        raise ServiceError(f"Indiquez la capacité d'accueil (1 à {CAPACITE_MAX} personnes).",
                           field="capacite")
    ouvert_at = ouvert_at or now
    if ouvert_at > now + timedelta(minutes=5):
        raise ServiceError("L'heure d'ouverture est dans le futur.", field="ouvert_at")
    centre = CentreAccueil(
        evenement=evenement, evenement_id=evenement.id, mairie_id=site.mairie_id, site=site,
        nom=site.nom, adresse=site.adresse, capacite=capacite, responsable_nom=responsable_nom,
        cai=cai, caf=caf, ouvert_at=ouvert_at, ouvert_par=actor, jeton_creation=jeton or None,
        etapes=[EtapeOuverture(code=code, libelle=libelle, ordre=i)
                for i, (code, libelle) in enumerate(ETAPES_OUVERTURE)])
    db.session.add(centre)
    db.session.flush()
    record(actor, Action.CREATE, "centre", centre.id,
           summary=f"C.A.RE ouvert : {centre.nom} (capacité {capacite})",
           mairie_id=centre.mairie_id, evenement_id=evenement.id)
    main_courante_systeme(evenement.id, f"C.A.RE ouvert : {centre.nom} "
                                        f"({centre.mairie.nom_court}, capacité {capacite})",
                          objet_type="centre", objet_id=centre.id, now=ouvert_at)
    return centre, True


def centres_for(actor: User, evenement: Evenement) -> list[CentreAccueil]:
    """The C.A.RE of an event that the user may see, open ones first."""
    query = (sa.select(CentreAccueil).where(CentreAccueil.evenement_id == evenement.id)
             .order_by(CentreAccueil.ferme_at.is_not(None), CentreAccueil.ouvert_at.desc()))
    if not actor.is_central:
        query = query.where(CentreAccueil.mairie_id == actor.mairie_id)
    return db.session.scalars(query).all()


def open_centres_for(actor: User) -> list[CentreAccueil]:
    """The C.A.RE open now in the user's scope, newest first: the desk's way in."""
    query = sa.select(CentreAccueil).where(CentreAccueil.ferme_at.is_(None)).order_by(
        CentreAccueil.ouvert_at.desc())
    if not actor.is_central:
        query = query.where(CentreAccueil.mairie_id == actor.mairie_id)
    return db.session.scalars(query.limit(20)).all()


def present_totals(centre_ids: list[int]) -> dict[int, int]:
    """{centre id: people present} for several centres in one query."""
    if not centre_ids:
        return {}
    rows = db.session.execute(sa.select(Personne.centre_id, sa.func.count(Personne.id)).where(
        Personne.centre_id.in_(centre_ids), Personne.present.is_(True)).group_by(
        Personne.centre_id))
    return {centre_id: n for centre_id, n in rows}


def tick_etape(actor: User, centre: CentreAccueil, code: str, done: bool = True,
               now: datetime | None = None) -> EtapeOuverture:
    if not centre.can_register(actor):
        raise ServiceError("Vous ne pouvez pas modifier ce C.A.RE.")
    etape = next((e for e in centre.etapes if e.code == code), None)
    if etape is None:
        raise ServiceError("Étape inconnue.")
    if done and etape.fait_at is None:
        etape.fait_at, etape.fait_par = now or utcnow(), actor
    elif not done and etape.fait_at is not None:
        etape.fait_at, etape.fait_par = None, None
    else:
        return etape
    record(actor, Action.UPDATE, "centre", centre.id,
           summary=f"Fiche réflexe : « {etape.libelle} » {'faite' if done else 'décochée'}",
           mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    db.session.flush()
    return etape


def present_people(centre: CentreAccueil) -> list[Personne]:
    return noms.in_alphabetical_order(db.session.scalars(sa.select(Personne).where(
        Personne.centre_id == centre.id, Personne.present.is_(True))))


def present_counts(centre: CentreAccueil) -> dict[str, int]:
    """People present now, by catégorie, with the total."""
    rows = db.session.execute(sa.select(Personne.categorie, sa.func.count(Personne.id)).where(
        Personne.centre_id == centre.id, Personne.present.is_(True)).group_by(
        Personne.categorie)).all()
    counts = {c.value: 0 for c in Categorie}
    counts.update({categorie: n for categorie, n in rows})
    counts["total"] = sum(n for _, n in rows)
    return counts


def close_centre(actor: User, centre: CentreAccueil, *, destination: str | None = None,
                 now: datetime | None = None) -> int:
    """Close the C.A.RE; refused while people are present unless all leave for ``destination``.

    Returns how many people were checked out.
    """
    now = now or utcnow()
    if not centre.can_manage(actor):
        raise ServiceError("Seul le responsable de crise de la mairie ferme un C.A.RE.")
    if not centre.ouvert:
        raise ServiceError("Ce C.A.RE est déjà fermé.")
    present = present_people(centre)
    if present and not destination:
        raise ServiceError(f"{len(present)} personne(s) encore présente(s) : enregistrez leur "
                           f"départ, ou indiquez une destination pour toutes.",
                           field="destination")
    for personne in present:
        _close_passage(actor, personne, destination, "Fermeture du C.A.RE", now)
    centre.ferme_at, centre.ferme_par = now, actor
    record(actor, Action.UPDATE, "centre", centre.id,
           summary=f"C.A.RE fermé : {centre.nom}"
                   + (f" ({len(present)} départ(s) vers « {Destination(destination).label} »)"
                      if present else ""),
           mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    main_courante_systeme(centre.evenement_id, f"C.A.RE fermé : {centre.nom} "
                                               f"({centre.mairie.nom_court})",
                          objet_type="centre", objet_id=centre.id, now=now)
    db.session.flush()
    return len(present)


# --- Registration -----------------------------------------------------------------------


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
    notes: str = ""
    badge_token: str = ""


SINUS_RE = re.compile(r"^[A-Z]{2}[0-9]{3}[A-Z0-9]{4}[0-9]{4}(TR|HP)[0-9]{6}$")
SEXES = {"", "F", "M", "X"}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_LIMITS = {"telephone": 40, "email": 254, "adresse_actuelle": 255,
               "adresse_permanente": 255, "langue": 80, "nationalite": 80,
               "recherche_nom": 200, "notes": 2000}


def phone_digits(value: str | None) -> str:
    """« +33 6 12 34 56 78 » and « 06.12.34.56.78 » both become « 0612345678 »."""
    digits = "".join(c for c in (value or "") if c.isdigit())
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def normalise_sinus(value: str | None) -> str:
    """A SINUS number as typed or scanned, without spaces or dashes, in capitals."""
    return re.sub(r"[^A-Za-z0-9]", "", value or "").upper()


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


def register(actor: User, centre: CentreAccueil, membres: list[PersonneData], *,
             jeton: str | None = None, depasser_capacite: bool = False,
             jeton_papier: str = "", now: datetime | None = None) -> tuple[list[Personne], bool]:
    """Register a person, or a household in one pass (the first member is the référent).

    Members without an address take the référent's. Returns (people, created).
    """
    now = now or utcnow()
    if jeton:
        first = db.session.scalar(sa.select(Personne).where(Personne.jeton_creation == jeton))
        if first is not None and membres and _same_person(first, membres[0]):
            # The same form sent twice (double click, back and resend): one record.
            return (first.foyer.membres if first.foyer else [first]), False
        if first is not None:
            # The token came back with someone else typed in (a form restored by the
            # browser's Back button): register them, without the spent token.
            jeton = None
    if not centre.can_register(actor):
        raise ServiceError("Vous ne pouvez pas enregistrer de personnes dans ce C.A.RE.")
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
    papier = _paper_token(centre, jeton_papier) if (jeton_papier or "").strip() else None
    present = present_counts(centre)["total"]
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
    for personne in people:
        index_keys(personne)
        record(actor, Action.CREATE, "personne", personne.id,
               summary=f"{personne.categorie_label} enregistré(e) au C.A.RE {centre.nom}"
                       + (" (foyer)" if foyer else ""),
               mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
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
                       Personne.centre_id == centre.id,
                       Personne.created_by_id == actor.id, Personne.nom == first.nom,
                       Personne.prenom == (first.prenom or ""),
                       Personne.categorie == first.categorie,
                       Personne.fusionne_dans_id.is_(None))
    if twin is None:
        return None
    household = twin.foyer.membres if twin.foyer else [twin]
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


def _paper_token(centre: CentreAccueil, code: str) -> JetonPapier:
    """The pre-printed badge of a paper intake sheet, if it may be used here."""
    code = code.strip()
    papier = db.session.scalar(sa.select(JetonPapier).where(
        sa.or_(JetonPapier.token == code, JetonPapier.code_court == normalise_code(code))))
    if papier is None:
        raise ServiceError("Code de fiche papier inconnu : vérifiez-le sur la fiche.",
                           field="jeton_papier")
    printed_for = db.session.get(CentreAccueil, papier.centre_id)
    if printed_for.mairie_id != centre.mairie_id or printed_for.evenement_id != \
            centre.evenement_id:
        raise ServiceError("Cette fiche papier a été imprimée pour un autre C.A.RE.",
                           field="jeton_papier")
    if papier.personne_id is not None:
        raise ServiceError("Cette fiche papier a déjà été saisie : cherchez la personne par "
                           "son code.", field="jeton_papier")
    return papier


def papier_non_saisi(centre: CentreAccueil, code: str) -> JetonPapier | None:
    """The pre-printed badge of a paper sheet of this C.A.RE not typed in yet, scanned or
    typed at the desk (its token or its short code)."""
    code = (code or "").strip()
    if not code:
        return None
    papier = db.session.scalar(sa.select(JetonPapier).where(
        JetonPapier.centre_id == centre.id, JetonPapier.personne_id.is_(None),
        sa.or_(JetonPapier.token == code, JetonPapier.code_court == normalise_code(code))))
    return papier


def imprimer_feuilles(actor: User, centre: CentreAccueil, nombre: int,
                      now: datetime | None = None) -> bytes:
    """Blank paper intake sheets, each with its own pre-printed badge (token and code)."""
    from crise.care.pdf import feuilles_pdf

    if not centre.can_register(actor):
        raise ServiceError("Vous ne pouvez pas imprimer de fiches pour ce C.A.RE.")
    if not 1 <= nombre <= 200:
        raise ServiceError("De 1 à 200 fiches à la fois.", field="nombre")
    jetons = []
    for _ in range(nombre):
        jeton = JetonPapier(token=new_badge_token(), code_court=new_code_court(),
                            centre_id=centre.id, imprime_at=now or utcnow(),
                            imprime_par_id=actor.id)
        db.session.add(jeton)
        db.session.flush()
        jetons.append(jeton)
    record(actor, Action.CREATE, "centre", centre.id,
           summary=f"{nombre} fiche(s) d'accueil papier imprimée(s)",
           mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    return feuilles_pdf(centre, jetons, exercice=centre.evenement.exercice)


def index_keys(personne: Personne) -> None:
    """(Re)write the person's search keys and identity key."""
    personne.cle_identite = noms.identity_key(personne.nom, personne.prenom)
    db.session.execute(sa.delete(PersonneCle).where(PersonneCle.personne_id == personne.id))
    keys = noms.person_keys(personne.nom, personne.prenom, personne.nom_usage)
    if keys:
        db.session.execute(sa.insert(PersonneCle), [
            {"personne_id": personne.id, "evenement_id": personne.evenement_id,
             "mairie_id": personne.mairie_id, "cle": key, "poids": weight}
            for key, weight in keys.items()])


def reindex_keys(batch: int = 2000) -> int:
    """Rebuild every person's search keys (after the way keys are made has changed).
    Merged records keep none: they have left the searches. Returns the people indexed."""
    db.session.execute(sa.delete(PersonneCle))
    query = (sa.select(Personne.id, Personne.nom, Personne.prenom, Personne.nom_usage,
                       Personne.evenement_id, Personne.mairie_id)
             .where(Personne.fusionne_dans_id.is_(None)).order_by(Personne.id))
    count, rows = 0, []
    for person in db.session.execute(query).all():
        count += 1
        db.session.execute(sa.update(Personne).where(Personne.id == person.id).values(
            cle_identite=noms.identity_key(person.nom, person.prenom)))
        rows.extend({"personne_id": person.id, "evenement_id": person.evenement_id,
                     "mairie_id": person.mairie_id, "cle": key, "poids": weight}
                    for key, weight in noms.person_keys(
                        person.nom, person.prenom, person.nom_usage).items())
        if len(rows) >= batch:
            db.session.execute(sa.insert(PersonneCle), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(PersonneCle), rows)
    db.session.flush()
    return count


PERSON_FIELDS = ("nom", "prenom", "nom_usage", "categorie", "taille_groupe", "sexe",
                 "date_naissance", "age_estime", "telephone", "email", "adresse_actuelle",
                 "adresse_permanente", "langue", "interprete", "nationalite", "recherche_nom",
                 "besoins", "consent_recherche", "consent_ciav", "notes")


def update_personne(actor: User, personne: Personne, data: PersonneData, *,
                    recherche_code: str = "", notes_medicales: str | None = None,
                    now: datetime | None = None) -> Personne:
    """Complete or correct a record. The audit names the fields changed, never their values."""
    now = now or utcnow()
    if not personne.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cette personne.")
    data = _clean_person(data, None, now.date())
    if data.sinus and db.session.scalar(sa.select(Personne.id).where(
            Personne.sinus == data.sinus, Personne.evenement_id == personne.evenement_id,
            Personne.id != personne.id)):
        raise ServiceError("Ce numéro SINUS est déjà attribué à une autre personne de "
                           "l'événement.", field="sinus")
    sought = None
    code = (recherche_code or "").strip()
    if code:
        sought = find_in_event(personne.evenement_id, code)
        if sought is None:
            raise ServiceError("Aucune personne de cet événement n'a ce code.",
                               field="recherche_code")
        if sought.id == personne.id:
            raise ServiceError("Une personne ne se recherche pas elle-même.",
                               field="recherche_code")
    changed = [name for name in PERSON_FIELDS if getattr(personne, name) != getattr(data, name)]
    for name in changed:
        setattr(personne, name, getattr(data, name))
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
               mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    db.session.flush()
    return personne


def find_in_event(evenement_id: int, code: str) -> Personne | None:
    """A person of the event by short code or badge token (no scope: used to link records)."""
    return db.session.scalar(sa.select(Personne).where(
        Personne.evenement_id == evenement_id, _code_matches(code)))


# --- Presence ---------------------------------------------------------------------------


def _close_passage(actor, personne: Personne, destination: str, detail: str, now: datetime):
    passage = personne.dernier_passage
    passage.depart_at, passage.destination = now, destination
    passage.destination_detail, passage.depart_par_id = detail[:255], actor.id
    personne.present = False
    # Whoever was still waiting for a support cell has gone: the cell stops waiting for
    # them (a person being seen stays on the board, marked as gone).
    waiting = db.session.scalars(sa.select(Orientation).where(
        Orientation.personne_id == personne.id,
        Orientation.statut == StatutOrientation.ATTENTE)).all()
    for orientation in waiting:
        orientation.statut, orientation.termine_at = StatutOrientation.ANNULE, now
        orientation.note = ((orientation.note + " — ") if orientation.note else "") + \
            f"annulée : départ du C.A.RE ({Destination(destination).label})"
        orientation.note = orientation.note[:255]


def depart(actor: User, personne: Personne, *, destination: str, detail: str = "",
           now: datetime | None = None) -> Passage:
    now = now or utcnow()
    if not personne.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cette personne.")
    if not personne.present:
        raise ServiceError("Cette personne est déjà partie.")
    if destination not in set(Destination):
        raise ServiceError("Indiquez la destination.", field="destination")
    if len(detail or "") > 255:
        raise ServiceError("255 caractères au maximum.", field="detail")
    _close_passage(actor, personne, destination, (detail or "").strip(), now)
    record(actor, Action.UPDATE, "personne", personne.id,
           summary=f"Départ : {Destination(destination).label}",
           mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    db.session.flush()
    return personne.dernier_passage


def retour(actor: User, personne: Personne, *, depasser_capacite: bool = False,
           now: datetime | None = None) -> Passage:
    """A person who left comes back: a new passage, same record and badge."""
    now = now or utcnow()
    if not personne.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cette personne.")
    if personne.present:
        raise ServiceError("Cette personne est déjà présente.")
    centre = personne.centre
    if not centre.ouvert:
        raise ServiceError("Ce C.A.RE est fermé.")
    present = present_counts(centre)["total"]
    if present >= centre.capacite:
        if not depasser_capacite:
            raise ServiceError(f"Capacité atteinte : {present} présent(s) pour "
                               f"{centre.capacite} places. Confirmez le dépassement.",
                               field="depasser_capacite")
        record(actor, Action.UPDATE, "centre", centre.id,
               summary=f"Dépassement de capacité accepté : {present + 1} présents pour "
                       f"{centre.capacite} places",
               mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    passage = Passage(centre_id=personne.centre_id, arrivee_at=now)
    personne.passages.append(passage)
    personne.present = True
    record(actor, Action.UPDATE, "personne", personne.id, summary="Retour au C.A.RE",
           mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    db.session.flush()
    return passage


# --- Finding people ---------------------------------------------------------------------


def search_keys(evenement_id: int, query: str) -> dict[str, int]:
    """The keys to look up for ``query`` in one event.

    A word's one-typo variants are only used when the word, as written or as it sounds,
    matches nobody in the event: a common name found exactly does not also pull in the
    thousands of people one letter away, and a mistyped rare name is still found.
    """
    keys: dict[str, int] = {}
    for exact, typos in noms.query_words(query):
        keys.update(exact)
        if not typos:
            continue
        found = db.session.scalar(sa.select(PersonneCle.personne_id).where(
            PersonneCle.evenement_id == evenement_id,
            PersonneCle.cle.in_(list(exact))).limit(1))
        if found is None:
            for key, weight in typos.items():
                keys.setdefault(key, weight)
    return keys


def _ranked(evenement_id: int, query: str, *, limit: int, mairie_id: int | None = None,
            consent_only: bool = False):
    """(person, score) best first, for one event; optionally one mairie, consenting only."""
    keys = search_keys(evenement_id, query)
    if not keys:
        return []
    score = sa.func.sum(PersonneCle.poids).label("score")
    ranked = (sa.select(PersonneCle.personne_id, score)
              .where(PersonneCle.evenement_id == evenement_id, PersonneCle.cle.in_(list(keys))))
    if mairie_id is not None:
        # The scope goes into the ranking: another mairie's people never crowd out one's own.
        ranked = ranked.where(PersonneCle.mairie_id == mairie_id)
    if consent_only:
        ranked = ranked.join(Personne, Personne.id == PersonneCle.personne_id).where(
            Personne.consent_recherche.is_(True))
    ranked = (ranked.group_by(PersonneCle.personne_id).having(score >= MIN_SCORE)
              .order_by(score.desc(), PersonneCle.personne_id).limit(limit).subquery())
    query_ = (sa.select(Personne, ranked.c.score).join(ranked, ranked.c.personne_id == Personne.id)
              .order_by(ranked.c.score.desc(), Personne.id))
    return db.session.execute(query_).all()


def search_names(actor: User, evenement_id: int, query: str, *, limit: int = 10):
    """People of the event whose names match ``query`` tolerantly, best first, in scope."""
    return _ranked(evenement_id, query, limit=limit,
                   mairie_id=None if actor.is_central else actor.mairie_id)


@dataclass
class ReponseProche:
    """What the desk may tell a relative: yes or no, and where; never a list."""

    trouve: bool
    ambigu: bool = False
    centre_nom: str = ""
    present: bool = False
    autre_ecriture: bool = False  # may match a name written in Arabic or Hebrew


def recherche_proche(actor: User, evenement_id: int, *, nom: str, prenom: str,
                     date_naissance: date | None = None) -> ReponseProche:
    """« Is my mother here? »: only people who consented to tracing, on a strong match.

    Every word typed (nom and prénom) must match a word of the person's names as written
    or as it sounds; a birth date, when given, must be equal. The answer is audited,
    without the names asked about.
    """
    from crise.care.models import PERSON_VIEW_ROLES

    if not actor.has_role(*PERSON_VIEW_ROLES):
        raise ServiceError("Votre rôle ne permet pas de renseigner les proches.")
    nom, prenom = (nom or "").strip(), (prenom or "").strip()
    if not nom:
        raise ServiceError("Indiquez le nom de la personne recherchée.", field="nom")
    if not prenom:
        raise ServiceError("Indiquez aussi le prénom : sans lui, la réponse serait trop "
                           "imprécise.", field="prenom")
    matches, written_otherwise = [], []
    for personne, _ in _ranked(evenement_id, f"{nom} {prenom}", limit=20, consent_only=True):
        if date_naissance and personne.date_naissance != date_naissance:
            continue
        if noms.matches_every_word(f"{nom} {prenom}", personne.nom, personne.prenom,
                                        personne.nom_usage):
            matches.append(personne)
        elif noms.matches_every_word(f"{nom} {prenom}", personne.nom, personne.prenom,
                                          personne.nom_usage, skeletons=True):
            written_otherwise.append(personne)
    if date_naissance and not matches and len(written_otherwise) == 1:
        # Arabic or Hebrew asked in Latin letters: the same consonants and the same birth
        # date make the answer.
        matches = written_otherwise
    if len(matches) == 1:
        answer = ReponseProche(True, centre_nom=matches[0].centre.nom,
                               present=matches[0].present)
    else:
        # Never « Oui » on consonants alone (« Mohamed » reads « محمد » and « محمود »), never
        # a flat « Non » either: ask for the name in its own script, or the birth date.
        answer = ReponseProche(False, ambigu=len(matches) > 1 or bool(written_otherwise),
                               autre_ecriture=not matches and bool(written_otherwise))
    record(actor, Action.VIEW, "recherche_proche", None,
           summary="Recherche par un proche : " + (
               "personne trouvée" if answer.trouve else
               "plusieurs correspondances" if answer.ambigu else "aucune correspondance"),
           mairie_id=actor.mairie_id, evenement_id=evenement_id)
    db.session.flush()
    return answer


def possible_duplicates(actor: User, personne: Personne, *, limit: int = 3) -> list[Personne]:
    """Other people of the event who look like this one, at any of its C.A.RE (never
    merged automatically). Those outside the actor's mairie are for showing their code
    and C.A.RE only, never their name."""
    query = f"{personne.nom} {personne.prenom}"
    # Within the mairie: the tolerant ranking (typos included). At the event's other
    # C.A.RE: the same-sounding name, by the identity key's index (a registration must stay
    # fast in an event of 100,000 people).
    found = _ranked(personne.evenement_id, query, limit=limit + 20,
                    mairie_id=personne.mairie_id)
    strong = noms.WEIGHT_EXACT + noms.WEIGHT_PHONETIC  # at least one word matched
    doubles = [p for p, score in found
               if p.id != personne.id and score >= strong
               and (personne.foyer_id is None or p.foyer_id != personne.foyer_id)]
    if personne.cle_identite and len(doubles) < limit:
        doubles += db.session.scalars(sa.select(Personne).where(
            Personne.evenement_id == personne.evenement_id,
            Personne.cle_identite == personne.cle_identite,
            Personne.mairie_id != personne.mairie_id, Personne.fusionne_dans_id.is_(None))
            .order_by(Personne.id).limit(limit - len(doubles))).all()
    return doubles[:limit]


def normalise_code(code: str) -> str:
    """A short code typed in any case, with or without its dash: « k7m4qx » → « K7M-4QX »."""
    short = (code or "").strip().upper().replace(" ", "")
    if len(short) == 6 and "-" not in short:
        short = f"{short[:3]}-{short[3:]}"
    return short


def _code_matches(code: str):
    """The condition matching a badge token, or a short code typed in any case or spacing."""
    return sa.or_(Personne.badge_token == (code or "").strip(),
                  Personne.code_court == normalise_code(code))


def find_by_code(actor: User, code: str) -> Personne | None:
    """A badge token or short code typed or scanned at the desk, within the user's scope.

    The badge of a record merged into another opens the record it was merged into.
    """
    if not (code or "").strip():
        return None
    personne = db.session.scalar(sa.select(Personne).where(_code_matches(code)))
    while personne is not None and personne.fusionne_dans_id:
        personne = db.session.get(Personne, personne.fusionne_dans_id)
    if personne is None or not personne.can_view(actor):
        return None
    return personne


def find_by_number(actor: User, evenement_id: int, query: str) -> list[Personne]:
    """People of the event by SINUS number or phone number, within the user's scope."""
    sinus = normalise_sinus(query)
    if SINUS_RE.match(sinus):
        condition = Personne.sinus == sinus
    else:
        digits = phone_digits(query)
        if len(digits) < 6 or len(digits) < len(query.replace(" ", "")) - 4:
            return []
        condition = Personne.telephone_chiffres == digits
    stmt = sa.select(Personne).where(Personne.evenement_id == evenement_id, condition,
                                     Personne.fusionne_dans_id.is_(None)).order_by(Personne.nom)
    if not actor.is_central:
        stmt = stmt.where(Personne.mairie_id == actor.mairie_id)
    return db.session.scalars(stmt.limit(20)).all()


# --- Badges -----------------------------------------------------------------------------


def badges(actor: User, centre: CentreAccueil, personnes: list[Personne], *,
           what: str) -> bytes:
    """The badge sheet of these people (all of ``centre``), audited as an export."""
    from crise.care.pdf import badges_pdf

    if not centre.can_register(actor):
        raise ServiceError("Vous ne pouvez pas imprimer les badges de ce C.A.RE.")
    if any(p.centre_id != centre.id for p in personnes):
        raise ServiceError("Ces personnes ne sont pas toutes de ce C.A.RE.")
    record(actor, Action.EXPORT, "personne" if len(personnes) == 1 else "centre",
           personnes[0].id if len(personnes) == 1 else centre.id,
           summary=f"Badges imprimés ({what}, {len(personnes)} personne(s))",
           mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    db.session.flush()
    return badges_pdf(personnes, exercice=centre.evenement.exercice,
                      title=f"Badges — {centre.nom}")


# --- Lists for the authorities ----------------------------------------------------------


def export_liste(actor: User, centre: CentreAccueil, *, destinataire: str, fmt: str,
                 now: datetime | None = None) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of the nominative list, audited as an export."""
    from crise.care import exports

    if not centre.can_export(actor):
        raise ServiceError("Votre rôle ne permet pas d'exporter les listes nominatives.")
    if destinataire not in exports.DESTINATAIRES or fmt not in exports.FORMATS:
        raise ServiceError("Export inconnu.")
    liste = exports.Liste(centre, destinataire, now or utcnow())
    build, mimetype = exports.FORMATS[fmt]
    record(actor, Action.EXPORT, "centre", centre.id,
           summary=f"Liste nominative exportée ({exports.DESTINATAIRES[destinataire]}, "
                   f"{fmt.upper()}, {len(liste.people)} personne(s))",
           mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    db.session.flush()
    prefix = "EXERCICE-" if centre.evenement.exercice else ""
    name = f"{prefix}care-{centre.id}-{destinataire}-{file_stamp(now or utcnow())}.{fmt}"
    return build(liste), mimetype, name


# --- Indicators (F.3.13) ----------------------------------------------------------------


@dataclass
class LigneIndicateur:
    evenement: Evenement
    centres: int = 0
    par_categorie: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.par_categorie.values())


@dataclass
class Indicateurs:
    """The two indicators of F.3.13, for real events; exercises apart, never mixed."""

    lignes_reelles: list
    lignes_exercices: list
    evenements_reels: int

    @staticmethod
    def _sum(lignes) -> dict:
        totals = {c.value: 0 for c in Categorie}
        for ligne in lignes:
            for code, n in ligne.par_categorie.items():
                totals[code] += n
        totals["total"] = sum(totals.values())
        return totals

    @property
    def evenements_avec_care(self) -> int:
        return sum(1 for ligne in self.lignes_reelles if ligne.centres)

    @property
    def personnes_reelles(self) -> dict:
        return self._sum(self.lignes_reelles)

    @property
    def personnes_exercices(self) -> dict:
        return self._sum(self.lignes_exercices)


def indicateurs(actor: User, *, annee: int | None = None) -> Indicateurs:
    """Per event: C.A.RE opened and people taken in charge by catégorie, in the user's scope."""
    from crise.evenements.services import visible_evenements_query

    events = db.session.scalars(visible_evenements_query(actor)).all()
    if annee:
        events = [e for e in events if e.survenu_at.year == annee]
    ids = [e.id for e in events]
    centre_counts = dict(db.session.execute(
        sa.select(CentreAccueil.evenement_id, sa.func.count(CentreAccueil.id))
        .where(CentreAccueil.evenement_id.in_(ids), *_scope(actor, CentreAccueil))
        .group_by(CentreAccueil.evenement_id)).all()) if ids else {}
    people = {}
    if ids:
        for evenement_id, categorie, n in db.session.execute(
                sa.select(Personne.evenement_id, Personne.categorie, sa.func.count(Personne.id))
                .where(Personne.evenement_id.in_(ids), Personne.fusionne_dans_id.is_(None),
                       *_scope(actor, Personne))
                .group_by(Personne.evenement_id, Personne.categorie)):
            people.setdefault(evenement_id, {})[categorie] = n
    lignes = [LigneIndicateur(e, centre_counts.get(e.id, 0),
                              {c.value: people.get(e.id, {}).get(c.value, 0) for c in Categorie})
              for e in events]
    reelles = [ligne for ligne in lignes if not ligne.evenement.exercice]
    return Indicateurs(lignes_reelles=[ligne for ligne in reelles if ligne.centres],
                       lignes_exercices=[ligne for ligne in lignes
                                         if ligne.evenement.exercice and ligne.centres],
                       evenements_reels=len(reelles))


def _scope(actor: User, model) -> list:
    return [] if actor.is_central else [model.mairie_id == actor.mairie_id]


# --- Support cells ----------------------------------------------------------------------

# Allowed moves on a cell's board; anything else is refused.
ORIENTATION_MOVES = {
    StatutOrientation.ATTENTE: {StatutOrientation.EN_COURS, StatutOrientation.ANNULE},
    StatutOrientation.EN_COURS: {StatutOrientation.TERMINE, StatutOrientation.ATTENTE},
}


def orienter(actor: User, personne: Personne, cellule: str, *, note: str = "",
             now: datetime | None = None) -> Orientation:
    """Send a person to a support cell; one open orientation per person and cell."""
    if not personne.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas orienter cette personne.")
    if cellule not in set(Cellule):
        raise ServiceError("Cellule inconnue.", field="cellule")
    if not personne.present:
        raise ServiceError("Cette personne est partie : enregistrez d'abord son retour.")
    note = (note or "").strip()
    if len(note) > 255:
        raise ServiceError("255 caractères au maximum.", field="note")
    existing = db.session.scalar(sa.select(Orientation).where(
        Orientation.personne_id == personne.id, Orientation.cellule == cellule,
        Orientation.statut.in_([StatutOrientation.ATTENTE, StatutOrientation.EN_COURS])))
    if existing is not None:
        raise ServiceError(f"Déjà orienté(e) vers la {Cellule(cellule).label.lower()}.",
                           field="cellule")
    orientation = Orientation(personne=personne, personne_id=personne.id,
                              centre_id=personne.centre_id, cellule=cellule, note=note,
                              oriente_at=now or utcnow(), oriente_par_id=actor.id)
    db.session.add(orientation)
    db.session.flush()
    record(actor, Action.UPDATE, "personne", personne.id,
           summary=f"Orienté(e) vers : {Cellule(cellule).label}",
           mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    return orientation


def changer_orientation(actor: User, orientation: Orientation, statut: str,
                        now: datetime | None = None) -> Orientation:
    """Move an orientation on its board: taken, done, back to waiting, cancelled."""
    now = now or utcnow()
    personne = orientation.personne
    if not personne.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cette orientation.")
    allowed = ORIENTATION_MOVES.get(StatutOrientation(orientation.statut), set())
    if statut not in allowed:
        raise ServiceError(f"Impossible : cette orientation est « "
                           f"{orientation.statut_label.lower()} ».")
    orientation.statut = statut
    if statut == StatutOrientation.EN_COURS:
        orientation.pris_at, orientation.pris_par_id = now, actor.id
    elif statut == StatutOrientation.ATTENTE:
        orientation.pris_at, orientation.pris_par_id = None, None
    else:
        orientation.termine_at = now
    record(actor, Action.UPDATE, "personne", personne.id,
           summary=f"{orientation.cellule_label} : {orientation.statut_label.lower()}",
           mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    db.session.flush()
    return orientation


def tableau_cellule(centre: CentreAccueil, cellule: str, *, termines: int = 20) -> dict:
    """A cell's board: waiting (oldest first), being seen, last ones done."""
    base = sa.select(Orientation).where(Orientation.centre_id == centre.id,
                                        Orientation.cellule == cellule)
    return {
        "attente": db.session.scalars(base.where(
            Orientation.statut == StatutOrientation.ATTENTE).order_by(
            Orientation.oriente_at)).all(),
        "en_cours": db.session.scalars(base.where(
            Orientation.statut == StatutOrientation.EN_COURS).order_by(
            Orientation.pris_at)).all(),
        "termine": db.session.scalars(base.where(
            Orientation.statut == StatutOrientation.TERMINE).order_by(
            Orientation.termine_at.desc()).limit(termines)).all(),
    }


def attente_par_cellule(centre: CentreAccueil) -> dict[str, int]:
    rows = db.session.execute(sa.select(Orientation.cellule, sa.func.count(Orientation.id)).where(
        Orientation.centre_id == centre.id, Orientation.statut == StatutOrientation.ATTENTE)
        .group_by(Orientation.cellule))
    counts = {c.value: 0 for c in Cellule}
    counts.update(dict(rows.all()))
    return counts


# --- Merging two records of the same person ---------------------------------------------

# Fields the kept record takes from the other when it has none of its own.
MERGE_FIELDS = ("prenom", "nom_usage", "sexe", "date_naissance", "age_estime", "telephone",
                "telephone_chiffres", "email", "adresse_actuelle", "adresse_permanente",
                "langue", "nationalite", "recherche_nom", "notes", "notes_medicales", "sinus")


def _json_value(value):
    return value.isoformat() if isinstance(value, date) else value


def _from_json(name: str, value):
    if name == "date_naissance" and value:
        return date.fromisoformat(value)
    return value


def fusionner(actor: User, gardee: Personne, absorbee: Personne,
              now: datetime | None = None) -> Fusion:
    """Merge ``absorbee`` into ``gardee`` (never automatic; undoable with annuler_fusion)."""
    now = now or utcnow()
    for personne in (gardee, absorbee):
        if not (actor.has_role(*CENTRE_MANAGE_ROLES) and personne.can_edit(actor)):
            raise ServiceError("Seul un responsable de crise fusionne des fiches.")
    if gardee.id == absorbee.id:
        raise ServiceError("Choisissez deux fiches différentes.", field="code")
    if gardee.evenement_id != absorbee.evenement_id:
        raise ServiceError("Les deux fiches doivent appartenir au même événement.",
                           field="code")
    if gardee.fusionne_dans_id or absorbee.fusionne_dans_id:
        raise ServiceError("Une de ces fiches est déjà fusionnée.", field="code")
    avant = {}
    for name in MERGE_FIELDS:
        mine, theirs = getattr(gardee, name), getattr(absorbee, name)
        if not mine and theirs:
            avant[name] = _json_value(mine)
            if name == "sinus":
                absorbee.sinus = None  # one SINUS number per person of the event
                db.session.flush()
            setattr(gardee, name, theirs)
    if absorbee.besoins:
        avant["besoins"] = list(gardee.besoins or [])
        gardee.besoins = sorted(set(gardee.besoins or []) | set(absorbee.besoins))
    moved = db.session.scalars(sa.select(Orientation).where(
        Orientation.personne_id == absorbee.id,
        Orientation.statut.in_([StatutOrientation.ATTENTE, StatutOrientation.EN_COURS]))).all()
    for orientation in moved:
        orientation.personne_id = gardee.id
    fusion = Fusion(gardee=gardee, gardee_id=gardee.id, absorbee=absorbee,
                    absorbee_id=absorbee.id, at=now, par_id=actor.id,
                    avant={**avant, "_orientations": [o.id for o in moved]},
                    absorbee_present=absorbee.present)
    if absorbee.present:
        _close_passage(actor, absorbee, Destination.AUTRE,
                       f"Fiche fusionnée dans {gardee.code_court}", now)
    absorbee.fusionne_dans_id = gardee.id
    db.session.add(fusion)
    db.session.flush()
    db.session.execute(sa.delete(PersonneCle).where(PersonneCle.personne_id == absorbee.id))
    index_keys(gardee)
    for personne, text in ((gardee, f"Fiche {absorbee.code_court} fusionnée dans celle-ci"),
                           (absorbee, f"Fusionnée dans la fiche {gardee.code_court}")):
        record(actor, Action.UPDATE, "personne", personne.id, summary=text,
               mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    return fusion


def annuler_fusion(actor: User, fusion: Fusion, now: datetime | None = None) -> None:
    """Undo a merge: both records as they were, the absorbed one back in the lists."""
    now = now or utcnow()
    gardee, absorbee = fusion.gardee, fusion.absorbee
    if not (actor.has_role(*CENTRE_MANAGE_ROLES) and gardee.can_edit(actor)):
        raise ServiceError("Seul un responsable de crise annule une fusion.")
    if fusion.annulee_at is not None:
        raise ServiceError("Cette fusion est déjà annulée.")
    avant = dict(fusion.avant)
    orientation_ids = avant.pop("_orientations", [])
    if "sinus" in avant:
        absorbee_sinus = gardee.sinus
        gardee.sinus = None
        db.session.flush()
        absorbee.sinus = absorbee_sinus
    for name, value in avant.items():
        if name != "sinus":
            setattr(gardee, name, _from_json(name, value))
    for orientation in db.session.scalars(sa.select(Orientation).where(
            Orientation.id.in_(orientation_ids))):
        orientation.personne_id = absorbee.id
    absorbee.fusionne_dans_id = None
    if fusion.absorbee_present and absorbee.centre.ouvert:
        absorbee.passages.append(Passage(centre_id=absorbee.centre_id, arrivee_at=now))
        absorbee.present = True
    fusion.annulee_at, fusion.annulee_par_id = now, actor.id
    db.session.flush()
    index_keys(gardee)
    index_keys(absorbee)
    for personne in (gardee, absorbee):
        record(actor, Action.UPDATE, "personne", personne.id,
               summary=f"Fusion annulée ({gardee.code_court} / {absorbee.code_court})",
               mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)

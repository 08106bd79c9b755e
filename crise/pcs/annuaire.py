"""The operational directory (annuaire opérationnel): contacts by function, how to reach
them and when, checked at least every six months; found in a second at 3 a.m., printed as a
pocket directory for the degraded mode, exchanged as CSV with the mairies' spreadsheets."""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care import noms
from crise.care.noms import comparable
from crise.db import FRAICHEUR_JOURS, diff, prendre, snapshot, utcnow
from crise.errors import ServiceError
from crise.extensions import db
from crise.formatting import fin_du_mois, format_date, from_paris_local
from crise.mairies.models import Mairie
from crise.pcs.models import FONCTIONS, Contact, can_edit_pcs, tient_le_pcs
from crise.text import clean_line

NOM_MAX, TEXTE_MAX, NOTES_MAX = 200, 200, 500
# What a search shows at once: enough to pick from at night; « précisez » beyond.
RESULTATS_MAX = 40
# Short numbers a directory holds as they are: 15, 17, 18, then 112, 115, 3975, 3919…
_URGENCES = {"15", "17", "18"}


def normaliser_telephone(texte: str) -> str:
    """A phone number as it is read aloud at night: « 01 42 76 40 40 », « +33 6 12 34 56
    78 », « 3975 »; ValueError (its French message) when it is not one."""
    brut = (texte or "").strip()
    if not brut:
        return ""
    if re.search(r"[^\d\s.+()/-]", brut):
        raise ValueError("Un numéro de téléphone ne contient que des chiffres (et + . - espaces).")
    chiffres = re.sub(r"\D", "", brut)
    international = brut.startswith("+") or chiffres.startswith("00")
    if international:
        chiffres = chiffres[2:] if chiffres.startswith("00") else chiffres
        if chiffres.startswith("33") and len(chiffres) == 11 and chiffres[2] != "0":
            national = chiffres[2:]
            return "+33 " + national[0] + " " + " ".join(
                national[i:i + 2] for i in range(1, 9, 2))
        if chiffres.startswith("330") and len(chiffres) == 12:
            chiffres = "0" + chiffres[3:]
        elif 8 <= len(chiffres) <= 15 and chiffres[0] != "0":
            return "+" + chiffres
        else:
            raise ValueError("Ce numéro international n'a pas le bon nombre de chiffres.")
    if len(chiffres) == 10 and chiffres[0] == "0" and chiffres[1] != "0":
        return " ".join(chiffres[i:i + 2] for i in range(0, 10, 2))
    if chiffres in _URGENCES or (3 <= len(chiffres) <= 6 and chiffres[0] != "0"):
        return chiffres
    raise ValueError("Ce n'est pas un numéro de téléphone : 10 chiffres commençant par 0 "
                     "(01 42 76 40 40), un numéro international (+33 6 …) ou un numéro "
                     "court (3975).")


def _mots_cle(texte: str) -> list[str]:
    """The words a search may type for a text: as written in any script, in Latin letters
    (« Иванов » → ivanov, « 王伟 » → wang, wei), and each name whose parts an apostrophe or
    a hyphen joins, joined (« N'Diaye » → ndiaye)."""
    trouves = list(noms.words(texte))
    for morceau in (texte or "").split():
        parties = comparable(morceau).split()
        if len(parties) > 1 and "".join(parties) not in trouves:
            trouves.append("".join(parties))
    return trouves


def _chiffres(telephone: str) -> list[str]:
    """A number's digits as typed both ways: « +33 1 42 76 40 40 » is also 0142764040."""
    chiffres = re.sub(r"\D", "", telephone or "")
    if not chiffres:
        return []
    if telephone.startswith("+33") and len(chiffres) == 11:
        return [chiffres, "0" + chiffres[2:]]
    return [chiffres]


def cle_de(contact: Contact) -> str:
    """What a search reads: the words of the names in every form, the function, hours and
    notes without accents, then the digits of the numbers."""
    mots = _mots_cle(f"{contact.nom} {contact.organisme}") + comparable(" ".join((
        contact.fonction_label, contact.horaires, contact.notes))).split()
    chiffres = [c for t in (contact.telephone, contact.telephone_2) for c in _chiffres(t)]
    return f" {' '.join(mots)} | {' '.join(chiffres)} "[:1200]


@dataclass
class ContactData:
    fonction: str
    nom: str
    telephone: str
    organisme: str = ""
    telephone_2: str = ""
    email: str = ""
    horaires: str = ""
    notes: str = ""
    actif: bool = True
    verifie: bool = False


CHAMPS = ["fonction", "nom", "organisme", "telephone", "telephone_2", "email", "horaires",
          "notes", "actif"]


def _valider(data: ContactData) -> None:
    for name in ("nom", "organisme", "horaires", "email", "notes", "telephone",
                 "telephone_2"):
        setattr(data, name, clean_line(getattr(data, name) or "").strip())
    if data.fonction not in FONCTIONS:
        raise ServiceError("Choisissez la fonction.", "fonction")
    if not data.nom:
        raise ServiceError("Indiquez le nom (une personne ou un service).", "nom")
    for name, n in (("nom", NOM_MAX), ("organisme", TEXTE_MAX), ("horaires", TEXTE_MAX),
                    ("email", TEXTE_MAX), ("notes", NOTES_MAX)):
        if len(getattr(data, name)) > n:
            raise ServiceError(f"{n} caractères au maximum.", name)
    if not data.telephone:
        raise ServiceError("Indiquez un numéro de téléphone : c'est ce qu'on cherche la nuit.",
                           "telephone")
    for name in ("telephone", "telephone_2"):
        try:
            setattr(data, name, normaliser_telephone(getattr(data, name)))
        except ValueError as error:
            raise ServiceError(str(error), name) from None
    if data.email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", data.email):
        raise ServiceError("Cette adresse électronique n'est pas valide.", "email")


def _doublon(mairie_id: int | None, data: ContactData, sauf: int | None) -> Contact | None:
    """The same contact already in this directory: the same number, or the same name for
    the same function."""
    query = sa.select(Contact).where(
        Contact.mairie_id.is_(None) if mairie_id is None else Contact.mairie_id == mairie_id,
        sa.or_(Contact.telephone == data.telephone,
               sa.and_(Contact.fonction == data.fonction,
                       Contact.nom_cle == comparable(data.nom)[:200])))
    if sauf is not None:
        query = query.where(Contact.id != sauf)
    for contact in db.session.scalars(query.limit(5)):
        if contact.telephone == data.telephone or comparable(contact.nom) == comparable(
                data.nom):
            return contact
    return None


def _appliquer(contact: Contact, data: ContactData, actor: User, now: datetime) -> None:
    for name in CHAMPS:
        setattr(contact, name, getattr(data, name))
    contact.modifie_par_nom = str(actor)[:120]
    contact.cle, contact.nom_cle = cle_de(contact), comparable(contact.nom)[:200]
    if data.verifie:
        contact.noter_verification(actor, now)


def enregistrer_contact(actor: User, contact: Contact | None, *, mairie: Mairie | None,
                        data: ContactData, version_vue: int | None = None,
                        now: datetime | None = None) -> Contact:
    """Add a contact to a mairie's directory (``mairie`` None: the Ville's) or change it."""
    now = now or utcnow()
    mairie_id = contact.mairie_id if contact else (mairie.id if mairie else None)
    if not can_edit_pcs(actor, mairie_id):
        raise ServiceError("Vous ne pouvez pas modifier cet annuaire.")
    _valider(data)
    if contact is not None and not prendre(contact, version_vue):
        raise ServiceError(contact.conflit("Ce contact"))
    autre = _doublon(mairie_id, data, contact.id if contact else None)
    if autre is not None:
        raise ServiceError(
            f"Ce contact est déjà dans l'annuaire : {autre.nom} ({autre.fonction_label}, "
            f"{autre.telephone}). Modifiez la fiche existante plutôt que d'en créer une "
            "seconde.", "telephone" if autre.telephone == data.telephone else "nom")
    creating = contact is None
    avant = {} if creating else snapshot(contact, CHAMPS)
    if creating:
        contact = Contact(mairie_id=mairie_id)
        db.session.add(contact)
        data.verifie = True  # typed from a checked source today
    else:
        contact.version += 1
    _appliquer(contact, data, actor, now)
    db.session.flush()
    record(actor, Action.CREATE if creating else Action.UPDATE, "contact", contact.id,
           summary=f"Annuaire : {contact.fonction_label} — {contact.nom}"
           + (" ajouté" if creating else " modifié"),
           changes=None if creating else diff(contact, CHAMPS, avant), mairie_id=mairie_id)
    return contact


def verifier_contact(actor: User, contact: Contact, *, now: datetime | None = None) -> Contact:
    """« Called, still right »: one click from the list of what to check."""
    if not contact.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cet annuaire.")
    prendre(contact)
    contact.noter_verification(actor, now)
    db.session.flush()
    record(actor, Action.UPDATE, "contact", contact.id,
           summary=f"Annuaire : {contact.fonction_label} — {contact.nom} vérifié",
           mairie_id=contact.mairie_id)
    return contact


def supprimer_contact(actor: User, contact: Contact) -> None:
    if not contact.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cet annuaire.")
    record(actor, Action.DELETE, "contact", contact.id,
           summary=f"Annuaire : {contact.fonction_label} — {contact.nom} supprimé",
           changes={k: [getattr(contact, k), None] for k in ("nom", "telephone")},
           mairie_id=contact.mairie_id)
    db.session.delete(contact)
    db.session.flush()


# --- Finding -----------------------------------------------------------------------------


def visibles(actor: User):
    """The directory a user reads: the Ville's entries and their mairie's (every mairie's
    for the central roles)."""
    return sa.or_(Contact.mairie_id.is_(None), actor.perimetre(Contact.mairie_id))


def _a_verifier(limite_at: datetime):
    return sa.or_(Contact.verifie_at.is_(None),
                  Contact.verifie_at < limite_at - timedelta(days=FRAICHEUR_JOURS))


def rechercher(actor: User, texte: str = "", *, fonction: str = "", mairie_id: int | None = None,
               a_verifier: bool = False, limite: int = RESULTATS_MAX,
               now: datetime | None = None) -> list[Contact]:
    """Every word typed found in a contact (names in any script, without accents; digits of
    a number, with or without spaces), by function then name."""
    query = sa.select(Contact).where(visibles(actor), Contact.actif.is_(True))
    mots = comparable(texte).split()
    chiffres = re.sub(r"\D", "", texte or "")
    for mot in mots:
        query = query.where(Contact.cle.like(f"% {mot}%"))
    if len(chiffres) >= 2:
        query = query.where(Contact.cle.like(f"%|%{chiffres}%"))
    if fonction in FONCTIONS:
        query = query.where(Contact.fonction == fonction)
    if mairie_id is not None:
        query = query.where(sa.or_(Contact.mairie_id == mairie_id, Contact.mairie_id.is_(None))
                            if mairie_id else Contact.mairie_id.is_(None))
    if a_verifier:  # what the user must check (what they keep), or for a reader all stale
        query = query.where(_a_verifier(fin_du_mois(now or utcnow())))
        if tient_le_pcs(actor):
            query = query.where(_tenus(actor))
    return db.session.scalars(query.order_by(Contact.fonction, Contact.nom).limit(limite)
                              .options(sa.orm.joinedload(Contact.mairie))).all()


def _tenus(actor: User):
    """The entries the user keeps: their mairie's; every one for the central editors."""
    if not tient_le_pcs(actor):
        return sa.false()
    return sa.true() if actor.is_central else Contact.mairie_id == actor.mairie_id


def a_verifier_ce_mois(actor: User, now: datetime | None = None) -> int:
    """How many entries the user keeps must be checked this month: stale already, or by
    the month's end (a desk agent checks nothing)."""
    return db.session.scalar(sa.select(sa.func.count()).where(
        _tenus(actor), Contact.actif.is_(True), _a_verifier(fin_du_mois(now or utcnow())))) or 0


# --- CSV -------------------------------------------------------------------------------------

COLONNES = [("mairie", "Mairie"), ("fonction", "Fonction"), ("nom", "Nom"),
            ("organisme", "Organisme"), ("telephone", "Téléphone"),
            ("telephone_2", "Téléphone 2"), ("email", "Courriel"), ("horaires", "Horaires"),
            ("notes", "Notes"), ("verifie", "Vérifié le")]
# Headings the mairies' spreadsheets use, read without case or accents.
ALIAS = {"tel": "telephone", "telephone 1": "telephone", "portable": "telephone_2",
         "tel 2": "telephone_2", "e mail": "email", "mail": "email", "email": "email",
         "adresse electronique": "email", "structure": "organisme", "service": "organisme",
         "contact": "nom", "nom prenom": "nom", "disponibilite": "horaires",
         "commentaire": "notes", "commentaires": "notes", "observations": "notes",
         "verifie": "verifie", "derniere verification": "verifie"}


def _intitule(texte: str) -> str:
    """A column heading without case, accents or punctuation, digits kept (« Tél. 2 »)."""
    texte = unicodedata.normalize("NFKD", texte or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", texte.lower()).strip()


def _en_tete(texte: str) -> str:
    cle = _intitule(texte)
    for code, label in COLONNES:
        if cle in (_intitule(label), code.replace("_", " ")):
            return code
    return ALIAS.get(cle, "")


def exporter_csv(actor: User, contacts: list[Contact]) -> bytes:
    """The directory as the mairies keep it: one heading line, semicolons, UTF-8 with BOM
    (a French spreadsheet opens it as is; the import reads it back)."""
    from crise.exports import safe_cell

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([label for _, label in COLONNES])
    for c in contacts:
        writer.writerow([safe_cell(v) for v in (
            c.mairie.code if c.mairie else "ville", c.fonction_label, c.nom, c.organisme,
            c.telephone, c.telephone_2, c.email, c.horaires, c.notes,
            format_date(c.verifie_at) if c.verifie_at else "")])
    record(actor, Action.EXPORT, "contact", None,
           summary=f"Annuaire exporté en CSV : {len(contacts)} contact(s)")
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _date_fr(texte: str) -> datetime | None:
    """« 24/11/2026 » (or 2026-11-24) as noon that day, Paris; None when empty."""
    texte = (texte or "").strip()
    if not texte:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            jour = datetime.strptime(texte[:10], fmt)
        except ValueError:
            continue
        moment = from_paris_local(jour.replace(hour=12))
        if moment > utcnow() + timedelta(days=1):
            raise ServiceError(f"La date de vérification « {texte} » est dans le futur.")
        return moment
    raise ServiceError(f"« {texte} » n'est pas une date de vérification (jj/mm/aaaa).")


@dataclass
class BilanImport:
    crees: int = 0
    modifies: int = 0
    inchanges: int = 0
    erreurs: list[str] = field(default_factory=list)


def _fonction(texte: str) -> tuple[str, str]:
    """The function's code, and the text kept in the notes when it is not one we know."""
    cle = comparable(texte)
    for code, label in FONCTIONS.items():
        if cle in (code.replace("_", " "), comparable(label)) or (
                cle and comparable(label).startswith(cle + " ")):
            return code, ""
    return "autre", texte.strip()


def importer_csv(actor: User, contenu: bytes, *, mairie: Mairie | None,
                 now: datetime | None = None) -> BilanImport:
    """Read a directory spreadsheet saved as CSV into ``mairie``'s directory (None: the
    Ville's). All or nothing: any line in error and nothing is written, every error said
    with its line. A contact already there (same number, or same name and function) is
    updated, so importing the same file twice adds nothing."""
    now = now or utcnow()
    mairie_id = mairie.id if mairie else None
    if not can_edit_pcs(actor, mairie_id):
        raise ServiceError("Vous ne pouvez pas modifier cet annuaire.")
    try:
        texte = contenu.decode("utf-8-sig")
    except UnicodeDecodeError:
        texte = contenu.decode("cp1252", errors="replace")
    lignes = texte.splitlines()
    if not lignes or not lignes[0].strip():
        raise ServiceError("Le fichier est vide.", "fichier")
    separateur = max(";,\t", key=lignes[0].count)
    lecteur = csv.reader(io.StringIO(texte), delimiter=separateur)
    entetes = [_en_tete(h) for h in next(lecteur)]
    manquantes = [label for code, label in COLONNES
                  if code in ("fonction", "nom", "telephone") and code not in entetes]
    if manquantes:
        raise ServiceError(
            "Colonnes manquantes : " + ", ".join(manquantes) + ". La première ligne du "
            "fichier doit nommer les colonnes : " + ", ".join(l for _, l in COLONNES)
            + " (seules Fonction, Nom et Téléphone sont obligatoires). Rien n'a été importé.",
            "fichier")
    bilan, vus, lus = BilanImport(), {}, []
    for numero, ligne in enumerate(lecteur, start=2):
        if not any(v.strip() for v in ligne):
            continue
        # A cell the export kept from being read as a formula (« '+33 6… ») reads back.
        valeurs = {code: re.sub(r"^'(?=[=+\-@])", "", ligne[i].strip())
                   for i, code in enumerate(entetes) if code and i < len(ligne)}
        code, inconnu = _fonction(valeurs.get("fonction", ""))
        notes = valeurs.get("notes", "")
        if inconnu:
            notes = (f"Fonction : {inconnu}. " + notes).strip()
        data = ContactData(fonction=code, nom=valeurs.get("nom", ""),
                           telephone=valeurs.get("telephone", ""),
                           organisme=valeurs.get("organisme", ""),
                           telephone_2=valeurs.get("telephone_2", ""),
                           email=valeurs.get("email", ""), horaires=valeurs.get("horaires", ""),
                           notes=notes, verifie=False)
        try:
            _valider(data)
            verifie_le = _date_fr(valeurs.get("verifie", ""))
        except ServiceError as error:
            bilan.erreurs.append(f"Ligne {numero} ({data.nom or 'sans nom'}) : {error.message}")
            continue
        double = vus.get(data.telephone) or vus.get((comparable(data.nom), data.fonction))
        if double:
            bilan.erreurs.append(f"Ligne {numero} ({data.nom}) : en double avec la ligne "
                                 f"{double} du fichier.")
            continue
        vus[data.telephone] = vus[(comparable(data.nom), data.fonction)] = numero
        lus.append((data, verifie_le))
    if bilan.erreurs:
        return bilan  # nothing written
    for data, verifie_le in lus:
        # A file is not a check: the date it gives (« Vérifié le »), else none for a new
        # contact and the one already known for the others.
        existant = _doublon(mairie_id, data, None)
        if existant is None:
            contact = Contact(mairie_id=mairie_id)
            db.session.add(contact)
            _appliquer(contact, data, actor, now)
            bilan.crees += 1
        elif all(getattr(existant, k) == getattr(data, k) for k in CHAMPS):
            contact = existant
            bilan.inchanges += 1
        else:
            contact = existant
            existant.version += 1
            _appliquer(existant, data, actor, now)
            bilan.modifies += 1
        if verifie_le is not None and (contact.verifie_at is None
                                       or verifie_le > contact.verifie_at):
            contact.verifie_at, contact.verifie_par_nom = verifie_le, "Import du fichier"
        db.session.flush()
    record(actor, Action.CREATE, "contact", None, mairie_id=mairie_id,
           summary=f"Annuaire importé ({mairie.nom if mairie else 'Ville de Paris'}) : "
           f"{bilan.crees} ajouté(s), {bilan.modifies} modifié(s), {bilan.inchanges} inchangé(s)")
    return bilan

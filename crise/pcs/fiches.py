"""Fiches réflexes: what each role does in the first hour of a flood, a heatwave, a fire,
an explosion, a building collapse. Written and versioned here (every version kept, who
changed what and when), shown on the event page of the right type to the right role as a
checklist whose ticks are recorded; the C.A.RE opening checklist is one of them."""

import re
from datetime import datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import Role, User
from crise.care.models import ETAPES_OUVERTURE
from crise.care.noms import comparable
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement, TypeEvenement
from crise.extensions import db
from crise.pcs.models import (FICHE_OUVERTURE_CARE, TOUS_RISQUES, CocheFiche, FicheReflexe,
                              FicheVersion, can_edit_fiches)
from crise.signals import etapes_ouverture_demandees

ITEMS_MAX, ITEM_MAX, TITRE_MAX = 40, 255, 200
R, A, D, C = Role.RESPONSABLE_CARE, Role.AGENT_ACCUEIL, Role.DSOL, Role.CELLULE

# The fiches a new installation starts with (F.3.13, the Paris scenarios' facts): the
# Ville then writes its own, every change kept.
FICHES_PAR_DEFAUT = [
    (FICHE_OUVERTURE_CARE, "Ouverture d'un C.A.RE", TOUS_RISQUES, R,
     [libelle for _, libelle in ETAPES_OUVERTURE]),
    ("responsable-premiere-heure", "Responsable de crise de la mairie — la première heure",
     TOUS_RISQUES, R, [
         "Joindre la SCOP : lieu, nature de l'événement, nombre de personnes concernées",
         "Prévenir l'élu d'astreinte et le cabinet du maire d'arrondissement",
         "Décider l'ouverture d'un C.A.RE et choisir le site de repli dans le PCS",
         "Mobiliser l'équipe d'accueil et la DSOL pour le recensement",
         "Demander le VPU ou l'UMIP à la SCOP si besoin (la CUMP relève de la PP ou du SAMU)",
         "Envoyer le premier point de situation à la Cellule centrale de crise"]),
    ("agent-premiere-heure", "Agent d'accueil — la première heure", TOUS_RISQUES, A, [
        "Installer le poste d'accueil ; sans réseau, passer aux fiches papier",
        "Enregistrer chaque personne et lui remettre son badge",
        "Repérer les besoins urgents : soins, hébergement, interprète, animaux",
        "Orienter vers les cellules de soutien (médico-psychologique, matérielle, juridique)",
        "Signaler au responsable toute détresse, tout doublon, toute question de proche"]),
    ("dsol-premiere-heure", "DSOL — la première heure", TOUS_RISQUES, D, [
        "Joindre le responsable du C.A.RE et l'astreinte DSOL",
        "Recenser les foyers sans solution pour la nuit",
        "Mobiliser les places (hôtels, centres d'hébergement) par l'astreinte",
        "Servir d'abord les plus vulnérables : nourrissons, PMR, matériel médical, grossesse",
        "Dire à la Cellule centrale combien de foyers restent sans solution"]),
    ("cellule-premiere-heure", "Cellule centrale de crise — la première heure", TOUS_RISQUES, C, [
        "Activer la cellule et désigner le chef de salle",
        "Ouvrir la main courante et y noter la première information reçue",
        "Fixer le rythme des points de situation des mairies",
        "Planifier la première réunion de suivi",
        "Informer le cabinet de la Maire, la DICOM et le 3975"]),
    ("crue-responsable", "Crue de la Seine — responsable de crise de la mairie", "crue", R, [
        "Suivre Vigicrues et la hauteur à Austerlitz (prévision à 48 h)",
        "Choisir des sites de repli hors zone inondable (PPRI)",
        "Recenser les EHPAD et établissements sensibles en zone inondable",
        "Prévoir un hébergement de plusieurs semaines (la décrue dure des semaines)",
        "Relayer les consignes de la Préfecture de police aux habitants"]),
    ("canicule-responsable", "Canicule — responsable de crise de la mairie", "canicule", R, [
        "Ouvrir la salle rafraîchie de la mairie (14 h-18 h) et vérifier la climatisation",
        "Prévoir de l'eau et accepter les animaux de compagnie",
        "Faire appeler les personnes inscrites au registre REFLEX (3975)",
        "Signaler à la Cellule centrale les personnes injoignables"]),
    ("incendie-responsable", "Incendie d'immeuble — responsable de crise de la mairie",
     "incendie", R, [
         "Demander le VPU à la SCOP (couvertures, vêtements, kits d'hygiène)",
         "Recenser avec le bailleur les logements inhabitables",
         "Préparer les demandes de relogement (DLH)"]),
    ("explosion-responsable", "Explosion — responsable de crise de la mairie", "explosion", R, [
        "Se coordonner avec la Préfecture de police sur le périmètre",
        "Orienter les proches de victimes vers le Centre d'Accueil des Familles (École Militaire)",
        "Demander l'UMIP à la SCOP, en lien avec la CUMP"]),
    ("effondrement-responsable", "Effondrement d'immeuble — responsable de crise de la mairie",
     "effondrement", R, [
         "Recenser avec la PP et le bailleur les immeubles évacués",
         "Héberger les foyers évacués pour plusieurs nuits",
         "Informer les habitants des arrêtés de péril et de leurs suites"]),
]


def risques() -> dict[str, str]:
    return {TOUS_RISQUES: "Tous les risques", **{t.value: t.label for t in TypeEvenement}}


def _code(texte: str, pris: set) -> str:
    base = "-".join(comparable(texte).split()[:4])[:28] or "ligne"
    base = re.sub(r"[^a-z0-9-]", "", base) or "ligne"
    code, n = base, 2
    while code in pris:
        code, n = f"{base[:25]}-{n}", n + 1
    pris.add(code)
    return code


def items_depuis_texte(texte: str, anciens: list[dict] | None = None) -> list[dict]:
    """One line of the text, one item; a line unchanged keeps its code (and its ticks)."""
    anciens = anciens or []
    par_texte = {comparable(i["texte"]): i["code"] for i in anciens}
    lignes = []
    for ligne in (texte or "").splitlines():
        ligne = re.sub(r"^\s*(?:[-•*]|\d+[.)])\s*", "", ligne).strip()
        if not ligne:
            continue
        if len(ligne) > ITEM_MAX:
            raise ServiceError(f"Une ligne tient en {ITEM_MAX} caractères au plus : « "
                               f"{ligne[:60]}… ».", "texte")
        lignes.append(ligne)
    # Unchanged lines keep their code; a line reworded where it stood keeps the code of
    # the line it replaces (the ticks already made stay with it); new lines get new ones.
    codes = [par_texte.get(comparable(ligne)) for ligne in lignes]
    pris = {c for c in codes if c}
    if len(lignes) == len(anciens):
        for rang, ancien in enumerate(anciens):
            if codes[rang] is None and ancien["code"] not in pris:
                codes[rang] = ancien["code"]
                pris.add(ancien["code"])
    items, vus = [], set()
    for ligne, code in zip(lignes, codes):
        if code is None or code in vus:
            code = _code(ligne, pris | vus | {i["code"] for i in anciens})
        vus.add(code)
        items.append({"code": code, "texte": ligne})
    if not items:
        raise ServiceError("Écrivez au moins une action, une par ligne.", "texte")
    if len(items) > ITEMS_MAX:
        raise ServiceError(f"{ITEMS_MAX} actions au plus : une fiche réflexe se lit en une "
                           "minute.", "texte")
    return items


def _versionner(fiche: FicheReflexe, actor, now: datetime) -> None:
    db.session.add(FicheVersion(fiche=fiche, version=fiche.version, titre=fiche.titre,
                                risque=fiche.risque, role=fiche.role, items=fiche.items,
                                auteur_nom=str(actor)[:120], at=now))


def charger_fiches_par_defaut() -> int:
    """The starting fiches, once each (a fiche the Ville changed is left as it is)."""
    deja = set(db.session.scalars(sa.select(FicheReflexe.code)))
    now, crees = utcnow(), 0
    for code, titre, risque, role, lignes in FICHES_PAR_DEFAUT:
        if code in deja:
            continue
        fiche = FicheReflexe(code=code, titre=titre, risque=risque, role=role.value,
                             items=items_depuis_texte("\n".join(lignes)), version=1,
                             modifie_par_nom="Fiche de départ")
        if code == FICHE_OUVERTURE_CARE:  # the codes the C.A.RE already use
            fiche.items = [{"code": c, "texte": t} for c, t in ETAPES_OUVERTURE]
        db.session.add(fiche)
        _versionner(fiche, "Fiche de départ", now)
        crees += 1
    db.session.flush()
    return crees


def enregistrer_fiche(actor: User, fiche: FicheReflexe | None, *, titre: str, risque: str,
                      role: str, texte: str, version_vue: int | None = None,
                      now: datetime | None = None) -> FicheReflexe:
    """Write a fiche or a new version of it. A version written meanwhile by someone else is
    never overwritten: the change is refused with who and when, the text typed kept."""
    now = now or utcnow()
    if not can_edit_fiches(actor):
        raise ServiceError("Seuls la cellule centrale et l'administrateur écrivent les fiches "
                           "réflexes.")
    titre = (titre or "").strip()
    if not titre:
        raise ServiceError("Donnez un titre à la fiche.", "titre")
    if len(titre) > TITRE_MAX:
        raise ServiceError(f"{TITRE_MAX} caractères au maximum.", "titre")
    if risque not in risques():
        raise ServiceError("Choisissez le risque.", "risque")
    if role not in {r.value for r in Role}:
        raise ServiceError("Choisissez le rôle.", "role")
    if fiche is not None:
        db.session.execute(sa.update(FicheReflexe).where(FicheReflexe.id == fiche.id)
                           .values(version=FicheReflexe.version))
        db.session.refresh(fiche)
        if version_vue is not None and fiche.version != version_vue:
            raise ServiceError(
                f"Cette fiche a été modifiée par {fiche.modifie_par_nom or 'quelqu’un'} "
                f"(version {fiche.version}) pendant que vous la modifiiez : elle est affichée "
                "telle qu'elle est maintenant ; votre texte est resté dans le formulaire, "
                "comparez puis enregistrez de nouveau.")
        if fiche.code == FICHE_OUVERTURE_CARE and (risque, role) != (fiche.risque, fiche.role):
            raise ServiceError("La fiche d'ouverture d'un C.A.RE reste celle du responsable de "
                               "crise, pour tous les risques.", "risque")
    items = items_depuis_texte(texte, fiche.items if fiche else None)
    if fiche is None:
        pris = set(db.session.scalars(sa.select(FicheReflexe.code)))
        fiche = FicheReflexe(code=_code(titre, pris), titre=titre, risque=risque, role=role,
                             items=items, version=1, modifie_par_nom=str(actor)[:120])
        db.session.add(fiche)
        _versionner(fiche, actor, now)
        db.session.flush()
        record(actor, Action.CREATE, "fiche_reflexe", fiche.id,
               summary=f"Fiche réflexe « {titre} » écrite")
        return fiche
    if (fiche.titre, fiche.risque, fiche.role, fiche.items) == (titre, risque, role, items):
        return fiche  # the same text sent again: no new version
    avant = {"titre": fiche.titre, "items": [i["texte"] for i in fiche.items]}
    fiche.titre, fiche.risque, fiche.role, fiche.items = titre, risque, role, items
    fiche.version += 1
    fiche.modifie_par_nom = str(actor)[:120]
    _versionner(fiche, actor, now)
    db.session.flush()
    record(actor, Action.UPDATE, "fiche_reflexe", fiche.id,
           summary=f"Fiche réflexe « {titre} » : version {fiche.version}",
           changes={k: [v, fiche.titre if k == "titre" else [i["texte"] for i in items]]
                    for k, v in avant.items()})
    return fiche


def differences(avant: FicheVersion | None, apres: FicheVersion) -> list[tuple[str, str]]:
    """What a version changed: (« ajout » | « retrait » | « titre », text)."""
    if avant is None:
        return [("ajout", i["texte"]) for i in apres.items]
    lignes = []
    if avant.titre != apres.titre:
        lignes.append(("titre", f"{avant.titre} → {apres.titre}"))
    anciens = [i["texte"] for i in avant.items]
    nouveaux = [i["texte"] for i in apres.items]
    lignes += [("retrait", t) for t in anciens if t not in nouveaux]
    lignes += [("ajout", t) for t in nouveaux if t not in anciens]
    if not lignes and anciens != nouveaux:
        lignes.append(("ordre", "Ordre des actions changé"))
    return lignes


# --- The fiches on the night ----------------------------------------------------------------


def portee(user: User) -> str:
    """Whose copy of the fiche a tick goes to: the user's mairie, or the Ville."""
    return f"m{user.mairie_id}" if user.mairie_id and not user.is_central else "ville"


def fiches_pour(evenement: Evenement, user: User) -> list[FicheReflexe]:
    """The fiches of this type of event for the user's role, the general ones first (the
    C.A.RE opening's is on each C.A.RE's page)."""
    return db.session.scalars(sa.select(FicheReflexe).where(
        FicheReflexe.actif.is_(True), FicheReflexe.role == user.role,
        FicheReflexe.risque.in_([TOUS_RISQUES, evenement.type]),
        FicheReflexe.code != FICHE_OUVERTURE_CARE)
        .order_by(FicheReflexe.risque != TOUS_RISQUES, FicheReflexe.titre)).all()


def coches(evenement: Evenement, user: User) -> dict[tuple[int, str], CocheFiche]:
    return {(c.fiche_id, c.item_code): c for c in db.session.scalars(sa.select(CocheFiche).where(
        CocheFiche.evenement_id == evenement.id, CocheFiche.portee == portee(user)))}


def cocher(actor: User, evenement: Evenement, fiche: FicheReflexe, item_code: str,
           fait: bool, *, now: datetime | None = None) -> CocheFiche | None:
    """Tick (or untick) a line of a fiche for the actor's mairie in this event. The same
    tick sent twice is one tick."""
    now = now or utcnow()
    if fiche.role != actor.role or not fiche.actif:
        raise ServiceError("Cette fiche n'est pas celle de votre rôle.")
    if fiche.risque not in (TOUS_RISQUES, evenement.type):
        raise ServiceError("Cette fiche n'est pas celle de ce type d'événement.")
    if not evenement.en_cours:
        raise ServiceError("L'événement est clos : ses fiches ne se cochent plus.")
    item = next((i for i in fiche.items if i["code"] == item_code), None)
    if item is None:
        raise ServiceError("Cette ligne n'est plus dans la fiche (elle a été modifiée) : "
                           "rechargez la page.")
    cle = portee(actor)
    existante = db.session.scalar(sa.select(CocheFiche).where(
        CocheFiche.evenement_id == evenement.id, CocheFiche.fiche_id == fiche.id,
        CocheFiche.item_code == item_code, CocheFiche.portee == cle))
    if fait and existante is None:
        existante = CocheFiche(evenement_id=evenement.id, fiche_id=fiche.id, item_code=item_code,
                               portee=cle, fiche_version=fiche.version, fait_par_id=actor.id,
                               fait_par_nom=str(actor)[:120], fait_at=now)
        db.session.add(existante)
        db.session.flush()
        record(actor, Action.UPDATE, "fiche_reflexe", fiche.id,
               summary=f"Fiche « {fiche.titre} » : « {item['texte'][:120]} » fait",
               evenement_id=evenement.id, mairie_id=actor.mairie_id)
    elif not fait and existante is not None:
        db.session.delete(existante)
        db.session.flush()
        record(actor, Action.UPDATE, "fiche_reflexe", fiche.id,
               summary=f"Fiche « {fiche.titre} » : « {item['texte'][:120]} » décoché",
               evenement_id=evenement.id, mairie_id=actor.mairie_id)
        return None
    return existante


@etapes_ouverture_demandees.connect
def _etapes_ouverture(_sender) -> list[tuple[str, str]] | None:
    fiche = db.session.scalar(sa.select(FicheReflexe).where(
        FicheReflexe.code == FICHE_OUVERTURE_CARE, FicheReflexe.actif.is_(True)))
    if fiche is None:
        return None
    return [(i["code"][:32], i["texte"][:255]) for i in fiche.items]

"""Fictitious people an inject brings to a mairie's C.A.RE (« figurants »): first the
scenario's own list, household by household, then households drawn from fictitious names in
several scripts (with apostrophes and particles, a baby, a dog, someone in a wheelchair), so
that the desk meets the names it will meet on the night. Drawn the same way for the same run
and inject (a seed), never a real person.
"""

import random

import sqlalchemy as sa

from crise import signals
from crise.care.models import Personne
from crise.care.noms import normalise
from crise.care.services.personnes import membres_du_foyer
from crise.exercices.models import Exercice, Figurant, Livraison, evenement_d_exercice
from crise.extensions import db

__all__ = ["figurants_pour", "foyers_deja_venus", "en_attente"]

# (family names, first names, language): invented combinations, in their own script.
_FAMILLES = [
    (["Петрова", "Смирнов", "Волкова"], ["Анна", "Дмитрий", "Мария"], "russe"),
    (["حداد", "بن علي", "الخطيب"], ["ليلى", "يوسف", "سارة"], "arabe"),
    (["李", "陈", "张"], ["秀英", "明", "静"], "mandarin"),
    (["Phạm", "Lê", "Hoàng"], ["Thu Hà", "Quang", "Mai"], "vietnamien"),
    (["D'Almeida", "N'Guessan", "Ould Ahmed"], ["Inês", "Koffi", "Mariem"], "portugais"),
    (["de Saint-Exupéry", "Le Bihan", "Van der Berg"], ["Côme", "Anaïs", "Joël"], ""),
    (["Kowalski", "Nowak", "Wiśniewska"], ["Paweł", "Zofia", "Łukasz"], "polonais"),
    (["Yılmaz", "Demir", "Çelik"], ["Ayşe", "Mehmet", "Elif"], "turc"),
    (["Tesfaye", "Bekele"], ["Hiwot", "Dawit"], "amharique"),
]
_BESOINS = [["hebergement"], ["hebergement", "alimentation"], ["hebergement", "medicaments"],
            ["vetements"], ["soutien_psy"], ["hebergement", "animal"]]


def _scenario(donnees: dict) -> list[list[dict]]:
    """The scenario's own figurants, by household (alone: a household of one)."""
    foyers: dict[str, list[dict]] = {}
    for i, figurant in enumerate(donnees.get("figurants") or []):
        foyers.setdefault(figurant.get("foyer") or f"seul-{i}", []).append(figurant)
    return list(foyers.values())


def _tire(rng: random.Random, taille: int) -> list[dict]:
    noms, prenoms, langue = rng.choice(_FAMILLES)
    nom = rng.choice(noms)
    foyer = []
    for rang in range(taille):
        age = rng.randint(25, 80) if rang == 0 else rng.choice([0, 4, 9, 15, 40, 72])
        figurant = {"nom": nom, "prenom": prenoms[rang % len(prenoms)], "age": age,
                    "categorie": "sinistre", "langue": langue, "besoins": [], "notes": ""}
        if rang == 0:
            figurant["besoins"] = list(rng.choice(_BESOINS))
            if "animal" in figurant["besoins"]:
                figurant["notes"] = "Avec son chien"
        if age == 0:
            figurant["notes"] = "Nourrisson"
        foyer.append(figurant)
    if taille == 1 and rng.random() < 0.2:
        foyer[0]["notes"] = "Fauteuil roulant"
    return foyer


def foyers_deja_venus(exercice_id: int, donnees: dict) -> int:
    """How many of the scenario's own households earlier injects of the run brought."""
    venus = set(db.session.execute(sa.select(Figurant.nom, Figurant.prenom).where(
        Figurant.exercice_id == exercice_id)).all())
    compte = 0
    for foyer in _scenario(donnees):
        if (foyer[0]["nom"][:120], (foyer[0].get("prenom") or "")[:120]) not in venus:
            break
        compte += 1
    return compte


def figurants_pour(livraison: Livraison, donnees: dict, mairie_id: int, nombre: int,
                   foyers: int, deja: int) -> list[Figurant]:
    """Exactly ``nombre`` people in about ``foyers`` households: the scenario's own
    households first, whole (``deja``: how many of them earlier injects of the run have
    brought), then households drawn from fictitious names for the rest."""
    rng = random.Random(f"{livraison.exercice_id}:{livraison.inject_id}:{livraison.id}")
    foyers = max(1, min(foyers or 1, nombre))
    propres = _scenario(donnees)
    groupes: list[list[dict]] = []
    reste = nombre
    while deja < len(propres) and len(groupes) < foyers and len(propres[deja]) <= reste:
        groupes.append(propres[deja])
        reste -= len(propres[deja])
        deja += 1
    a_tirer = max(foyers - len(groupes), 1 if reste else 0)
    for i in range(a_tirer):
        taille = reste // a_tirer + (1 if i < reste % a_tirer else 0)
        if taille:
            groupes.append(_tire(rng, taille))
    gens: list[Figurant] = []
    for numero, membres in enumerate(groupes, start=1):
        etiquette = f"{livraison.inject_id or 'libre'}-F{numero}"
        for membre in membres:
            gens.append(Figurant(
                exercice_id=livraison.exercice_id, livraison_id=livraison.id, mairie_id=mairie_id,
                foyer=etiquette[:40], nom=membre["nom"][:120],
                prenom=(membre.get("prenom") or "")[:120],
                categorie=membre.get("categorie", "sinistre"), age=membre.get("age"),
                besoins=list(membre.get("besoins") or []),
                langue=(membre.get("langue") or "")[:60],
                notes=(membre.get("notes") or "")[:300]))
    return gens


def en_attente(evenement_id: int, mairie_id: int) -> list[Figurant]:
    """The figurants brought to a mairie in an exercise event and not registered yet."""
    return db.session.scalars(
        sa.select(Figurant).join(Exercice, Figurant.exercice_id == Exercice.id)
        .where(Exercice.evenement_id == evenement_id, Figurant.mairie_id == mairie_id,
               Figurant.personne_id.is_(None))
        .order_by(Figurant.id)).all()


def _cle(nom: str, prenom: str) -> str:
    return f"{normalise(nom)}|{normalise(prenom)}"


def _enregistre(fait: signals.Fait) -> None:
    """A registration at an exercise's C.A.RE: the figurants it names are no longer waiting
    (the record they became is kept, for the RETEX's delays)."""
    if fait.objet_id is None or not evenement_d_exercice(fait.evenement_id):
        return
    attente = {}
    for figurant in en_attente(fait.evenement_id, fait.mairie_id):
        attente.setdefault(_cle(figurant.nom, figurant.prenom), []).append(figurant)
    if not attente:
        return
    premier = db.session.get(Personne, fait.objet_id)
    for personne in [premier] + [p for p in membres_du_foyer(premier) if p.id != premier.id]:
        waiting = attente.get(_cle(personne.nom, personne.prenom))
        if waiting:
            waiting.pop(0).personne_id = personne.id
    db.session.flush()


signals.personne_enregistree.connect(_enregistre, weak=False)

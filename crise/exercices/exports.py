"""The inject log of a run (CSV): everything delivered, when in both clocks, to whom, and
who acknowledged it."""

from datetime import datetime

import sqlalchemy as sa

from crise.exercices.attendus import etat_attendu
from crise.exercices.livraisons import livraisons_query
from crise.exercices.models import Attendu, Exercice
from crise.exercices.plan import plan_de
from crise.exercices.temps import format_relatif
from crise.exports import ListeExport
from crise.extensions import db
from crise.formatting import format_datetime

COLUMNS = [("inject", "Inject"), ("scenario", "Heure du scénario"), ("reel", "Heure réelle"),
           ("de", "De"), ("canal", "Canal"), ("destinataires", "Destinataires"),
           ("titre", "Titre"), ("message", "Message"), ("declencheur", "Déclencheur"),
           ("envoi", "Envoi"), ("acquittements", "Prise de connaissance"),
           ("attendus", "Actions attendues")]


class ListeInjects(ListeExport):
    columns = COLUMNS
    widths = (10, 14, 17, 24, 12, 40, 40, 80, 30, 24, 50, 40)
    sheet_title = "Injects"
    exercice = True

    def __init__(self, exercice: Exercice, now: datetime):
        self.run, self.generated_at = exercice, now
        self.t0 = plan_de(exercice.source).t0
        self.livraisons = db.session.scalars(livraisons_query(exercice)).all()
        self.attendus: dict[int, list[Attendu]] = {}
        for attendu in db.session.scalars(sa.select(Attendu).where(
                Attendu.exercice_id == exercice.id)):
            self.attendus.setdefault(attendu.livraison_id, []).append(attendu)
        self.counts = {"Injects envoyés": sum(1 for l in self.livraisons if l.envoye),
                       "Écartés (condition)": sum(1 for l in self.livraisons if not l.envoye)}

    @property
    def intitule(self) -> str:
        return f"Journal des injects — {self.run.scenario_titre} (exercice n° {self.run.id})"

    def rows(self) -> list[dict]:
        rows = []
        for l in self.livraisons:
            envoi = "écarté : condition non remplie" if not l.envoye else (
                f"à la main ({l.par_nom})" if l.manuel else "automatique")
            if l.pendant_saut:
                envoi += (", franchi" if l.declencheur.startswith("seuil") else ", dû") + \
                    " pendant le saut"
            rows.append({
                "inject": l.inject_id or "libre",
                "scenario": format_relatif(l.livre_scenario_at, self.t0),
                "reel": format_datetime(l.livre_at), "de": l.de, "canal": l.canal_label,
                "destinataires": ", ".join(d.libelle for d in l.destinataires),
                "titre": l.titre, "message": l.message, "declencheur": l.declencheur,
                "envoi": envoi,
                "acquittements": " ; ".join(
                    f"{d.libelle} : {d.acquitte_par_nom}, {format_datetime(d.acquitte_at)}"
                    for d in l.destinataires if d.acquitte_at),
                "attendus": ", ".join(f"{a.attendu_id} : {etat_attendu(a, None)}"
                                      for a in self.attendus.get(l.id, [])),
            })
        return rows

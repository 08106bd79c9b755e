"""Housing lists as CSV and XLSX, laid out by crise.exports."""

from datetime import datetime

from crise.exports import XLSX, ListeExport, to_csv, to_xlsx
from crise.extensions import db
from crise.formatting import format_datetime

LISTES = {
    "sans-solution": "Foyers sans solution ce soir",
    "heberges": "Foyers hébergés ce soir",
    "dossiers": "Tous les dossiers d'hébergement",
    "relogement": "Demandes de relogement (DLH)",
    "sejours": "Séjours, pour les factures (un par ligne)",
}
COLUMNS = [
    ("dossier", "Dossier"), ("code", "Code référent"), ("nom", "Nom"), ("prenom", "Prénom"),
    ("telephone", "Téléphone"), ("mairie", "Mairie"), ("care", "C.A.RE"),
    ("personnes", "Personnes"), ("enfants", "Enfants"), ("habitable", "Logement"),
    ("besoins", "Besoins"), ("nuits_demandees", "Nuits demandées"),
    ("secteur", "Secteur souhaité"), ("solution", "Solution ce soir"), ("lieu", "Lieu"),
    ("adresse", "Adresse"), ("du", "Du"), ("au", "Au"), ("relogement", "Relogement"),
    ("ouvert", "Ouvert le"),
]


class ListeHebergement(ListeExport):
    columns = COLUMNS
    widths = (9, 11, 18, 14, 15, 9, 18, 9, 8, 14, 24, 9, 16, 18, 22, 28, 11, 11, 14, 17)
    sheet_title = "Hébergement"

    def __init__(self, actor, evenement, liste: str, now: datetime):
        from crise.hebergement import services

        self.evenement, self.liste = evenement, liste
        self.exercice = evenement.exercice
        self.generated_at = now
        self.nuit = services.nuit_en_cours(now)
        query = {"sans-solution": services.sans_solution_query(actor, evenement, self.nuit),
                 "heberges": services.heberges_query(actor, evenement, self.nuit),
                 "dossiers": services.tous_dossiers_query(actor, evenement)}.get(liste)
        if query is None:
            self.dossiers = [r.dossier for r in db.session.scalars(
                services.relogements_query(actor, evenement))]
        else:
            self.dossiers = db.session.scalars(query).all()
        self.counts = {"Foyers": len(self.dossiers),
                       "Personnes": sum(d.nb_personnes for d in self.dossiers)}

    @property
    def intitule(self) -> str:
        return f"{LISTES[self.liste]} — nuit du {self.nuit:%d/%m/%Y} — {self.evenement.titre}"

    def rows(self) -> list[dict]:
        rows = []
        for d in self.dossiers:
            r, s = d.referent, d.solution_pour(self.nuit)
            rows.append({
                "dossier": d.id, "code": r.code_court, "nom": r.nom.upper(),
                "prenom": r.prenom, "telephone": r.telephone, "mairie": d.centre.mairie.nom_court,
                "care": d.centre.nom, "personnes": d.nb_personnes, "enfants": d.nb_enfants,
                "habitable": d.habitable_label, "besoins": ", ".join(d.besoins_labels)
                + (f" ({d.animaux_detail})" if d.animaux_detail else ""),
                "nuits_demandees": d.nb_nuits, "secteur": d.secteur_souhaite,
                "solution": s.type_label if s else ("Dossier clos" if d.clos else "AUCUNE"),
                "lieu": s.lieu if s else "", "adresse": s.adresse if s else "",
                "du": s.du.strftime("%d/%m/%Y") if s else "",
                "au": s.au.strftime("%d/%m/%Y") if s else "",
                "relogement": d.relogement.statut_label if d.relogement else "",
                "ouvert": format_datetime(d.created_at),
            })
        return rows


SEJOUR_COLUMNS = [
    ("sejour", "Séjour"), ("dossier", "Dossier"), ("code", "Code référent"), ("nom", "Nom"),
    ("prenom", "Prénom"), ("telephone", "Téléphone"), ("mairie", "Mairie"),
    ("type", "Type"), ("lieu", "Lieu"), ("adresse", "Adresse"), ("du", "Du (soir)"),
    ("au", "Au (matin)"), ("nuits", "Nuits"), ("personnes", "Personnes"),
    ("nuitees", "Nuitées"), ("chambres", "Chambres"), ("lits", "Lits"),
    ("etat", "État"), ("trouve_par", "Trouvé par"),
]


class ListeSejours(ListeExport):
    """One line per stay: a hotel invoices a stay (its nights × the people housed)."""

    columns = SEJOUR_COLUMNS
    widths = (8, 9, 11, 18, 14, 15, 9, 14, 22, 28, 11, 11, 7, 9, 9, 9, 7, 14, 18)
    sheet_title = "Séjours"

    def __init__(self, actor, evenement, liste: str, now: datetime):
        import sqlalchemy as sa

        from crise.hebergement import services
        from crise.hebergement.models import DossierHebergement, Solution

        self.evenement, self.liste = evenement, liste
        self.exercice = evenement.exercice
        self.generated_at = now
        self.nuit = services.nuit_en_cours(now)
        dossiers = services.dossiers_query(actor, evenement).with_only_columns(
            DossierHebergement.id)
        self.sejours = db.session.scalars(sa.select(Solution).where(
            Solution.dossier_id.in_(dossiers)).order_by(Solution.du, Solution.id)).all()
        self.dossiers = list({s.dossier_id: s.dossier for s in self.sejours}.values())
        self.counts = {"Séjours": len(self.sejours),
                       "Nuits": sum(s.nuits for s in self.sejours),
                       "Nuitées": sum(s.nuitees for s in self.sejours)}

    @property
    def intitule(self) -> str:
        return f"{LISTES[self.liste]} — {self.evenement.titre}"

    def rows(self) -> list[dict]:
        rows = []
        for s in self.sejours:
            d, r = s.dossier, s.dossier.referent
            etat = ("en cours" if s.du <= self.nuit < s.au else
                    "à venir" if s.du > self.nuit else "terminé")
            rows.append({
                "sejour": s.id, "dossier": d.id, "code": r.code_court, "nom": r.nom.upper(),
                "prenom": r.prenom, "telephone": r.telephone,
                "mairie": d.centre.mairie.nom_court, "type": s.type_label, "lieu": s.lieu,
                "adresse": s.adresse, "du": s.du.strftime("%d/%m/%Y"),
                "au": s.au.strftime("%d/%m/%Y"), "nuits": s.nuits,
                "personnes": s.nb_personnes, "nuitees": s.nuitees,
                "chambres": s.chambres if s.chambres is not None else "",
                "lits": s.lits if s.lits is not None else "",
                "etat": etat + (f" ({s.fin_motif})" if s.fin_motif else ""),
                "trouve_par": str(s.trouve_par) if s.trouve_par else "",
            })
        return rows


def liste(actor, evenement, liste: str, now: datetime):
    return (ListeSejours if liste == "sejours" else ListeHebergement)(actor, evenement, liste,
                                                                       now)


FORMATS = {"csv": (to_csv, "text/csv; charset=utf-8"), "xlsx": (to_xlsx, XLSX)}

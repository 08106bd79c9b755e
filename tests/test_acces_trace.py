"""An access log that is complete (issue 13 §3): every route that shows a person's data —
a page, a fragment, a board, a file — writes to the audit trail who saw whom. The routes
are enumerated from the application itself: a new page that shows people and logs nothing
fails here without anyone having to list it."""

import sqlalchemy as sa

from crise.audit.models import AuditEntry, AuditPersonne
from crise.auth.models import Role, User
from crise.extensions import db
from tests.conftest import PASSWORD
from tests.test_fuzz import ROLES, _routes, _url
from tests.test_fuzz import world  # noqa: F401,F811 (the fixture)

# The two people of the world, as their names print (a nom in capitals on lists).
NOMS = ("ИВАНОВ", "Сергей", "王", "伟")
# What a route needs besides its path to show someone: a query typed, a list chosen.
VARIANTES = {
    "care.recherche": ["?q=Иванов", "?q=Ivanov"],
    "care.doublons": ["?q=Иванов"],
    "care.fusionner": ["?code={code_1}"],
    "hebergement.listes": ["", "?vue=heberges", "?vue=dossiers", "?vue=relogement"],
    "hebergement.export": [{"fmt": "csv", "liste": liste} for liste in (
        "sans-solution", "heberges", "dossiers", "relogement", "sejours")],
}
FICHIERS = ("application/pdf", "text/csv", "application/vnd.openxmlformats-officedocument"
            ".spreadsheetml.sheet", "application/vnd.openxmlformats-officedocument"
            ".wordprocessingml.document")
# Files that carry no one's personal data, with why.
FICHIERS_SANS_PERSONNE = {
    "exercices.export_injects": "the injects of an exercise: fictitious people only",
    "retex.plan_export": "the plan d'actions: actions, owners by direction, no person",
    "exercices.preparer_fichier": "a scenario file",
    "cellule.export_main_courante": "the cellule's log: its entries carry codes, no record "
                                    "(its export is in the trail as such)",
    "pcs.annuaire_csv": "the operational directory: partners' and staff's numbers, no one "
                        "registered (its exports are in the trail as such)",
    "pcs.annuaire_pdf": "the pocket directory: the same",
    "rgpd.registre_pdf": "the processing register: roles and delays, no person",
}


def _urls(rule, world, codes):
    for variante in VARIANTES.get(rule.endpoint, [""]):
        if isinstance(variante, dict):
            yield _url(rule, {**world, **variante})
        else:
            yield _url(rule, world) + variante.format(**codes)


def _montre_une_personne(response) -> bool:
    if response.status_code != 200:
        return False
    if response.mimetype in FICHIERS:
        return True
    return any(nom in response.get_data(as_text=True) for nom in NOMS)


def _trace(app, user_id, people_ids, depuis) -> bool:
    """An entry by this account since ``depuis`` that names one of the people."""
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.actor_id == user_id, AuditEntry.id > depuis)).all()
        for entry in entries:
            if entry.object_type == "personne" and entry.object_id in {
                    str(i) for i in people_ids}:
                return True
            if db.session.scalar(sa.select(AuditPersonne).where(
                    AuditPersonne.entry_id == entry.id,
                    AuditPersonne.personne_id.in_(people_ids))):
                return True
            # An export names its lines' people; only a file of nobody names none.
            if entry.action == "export" and (" 0 personne" in entry.summary
                                             or " 0 foyer" in entry.summary):
                return True
    return False


def _dernier_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0


def _nouveau_compte(app, role, mairie, modele_id, n) -> User:
    """An account of its own for each request: a view grouped with an earlier one of the
    same account must not hide a route that logs nothing."""
    with app.app_context():
        modele = db.session.get(User, modele_id)
        user = User(email=f"trace.{n}@paris.test", nom=f"Trace {n}", role=role,
                    mairie_id=modele.mairie_id, password_hash=modele.password_hash,
                    actif=True)
        db.session.add(user)
        db.session.commit()
        return user.id, user.email


def test_every_route_showing_a_person_writes_who_saw_whom(app, client, world, create_user,
                                                           auth):
    from crise.care.models import Personne

    with app.app_context():
        people = db.session.execute(sa.select(Personne.id, Personne.code_court)
                                    .order_by(Personne.id)).all()
    people_ids = [p.id for p in people]
    codes = {f"code_{n}": p.code_court for n, p in enumerate(people)}
    # First, as each role, which routes show someone.
    montrent = []
    for role, mairie in ROLES:
        modele = create_user(role, mairie=mairie)
        auth.login(modele)
        for rule in _routes(app):
            if "GET" not in rule.methods or rule.arguments - set(world):
                continue
            if rule.endpoint in FICHIERS_SANS_PERSONNE:
                continue
            for url in _urls(rule, world, codes):
                if _montre_une_personne(client.get(url)):
                    montrent.append((role, modele.id, rule.endpoint, url))
        auth.logout()
    assert len({m[2] for m in montrent}) >= 16, " ".join(sorted({m[2] for m in montrent}))
    # Then each of them, by an account of its own, must leave a trace.
    muettes = []
    for n, (role, modele_id, endpoint, url) in enumerate(montrent):
        _, email = _nouveau_compte(app, Role(role), None, modele_id, n)
        other = app.test_client()
        assert other.post("/auth/connexion", data={"email": email, "password": PASSWORD}
                          ).status_code == 302
        depuis = _dernier_id(app)
        response = other.get(url)
        assert _montre_une_personne(response), (role, url)
        with app.app_context():
            user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        if not _trace(app, user_id, people_ids, depuis):
            muettes.append(f"{role} GET {url} ({endpoint})")
    assert muettes == [], "\n".join(muettes)


def test_the_edit_form_is_a_logged_read_that_never_copies_the_medical_notes(
        app, client, world, create_user, auth):
    from crise.care.models import Personne

    with app.app_context():
        personne = db.session.get(Personne, world["personne_id"])
        personne.notes_medicales = "Diabète insulinodépendant"
        db.session.commit()
    user = create_user("responsable_care", mairie="11e")
    auth.login(user)
    assert "Diabète" in client.get(f"/care/personnes/{world['personne_id']}/modifier"
                                   ).get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(
            AuditEntry.actor_id == user.id, AuditEntry.object_type == "personne_modification"))
        assert "notes médicales comprises" in entry.summary
        textes = [e.summary + str(e.changes) for e in db.session.scalars(
            sa.select(AuditEntry))]
        assert not any("Diabète" in t for t in textes)


def test_a_housing_change_is_in_the_trail_with_the_household(app, world, create_user):
    """Not only in the dossier's own journal: the audit trail, naming the household."""
    from crise.hebergement import services as hebergement
    from crise.hebergement.models import DossierHebergement

    user = create_user("dsol")
    with app.app_context():
        dossier = db.session.get(DossierHebergement, world["dossier_id"])
        dossier.referent.consent_bailleur = True  # the household agreed to the sharing
        hebergement.demander_relogement(db.session.get(User, user.id), dossier,
                                        "Logement détruit")
        db.session.commit()
        entry = db.session.scalar(sa.select(AuditEntry).where(
            AuditEntry.actor_id == user.id, AuditEntry.object_type == "hebergement",
            AuditEntry.action == "update"))
        assert "Demande de relogement transmise à la DLH" in entry.summary
        assert db.session.scalar(sa.select(AuditPersonne.personne_id).where(
            AuditPersonne.entry_id == entry.id)) == world["personne_id"]

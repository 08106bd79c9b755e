"""Accounts: creation, changes, passwords, login. Shared by the web and the CLI.

Services flush, never commit: the caller (a view or a CLI command) commits once.
"""

import sqlalchemy as sa
from flask import current_app
from zxcvbn import zxcvbn

from crise.auth import limites, sessions
from crise.auth.limites import LimiteAtteinte, duree_lisible
from crise.auth.models import (MAIRIE_ROLES, SYSTEME, LimiteTentatives, Role, SessionCompte,
                               User, new_session_token)
from crise.auth.passwords import generate_password, hash_password, needs_rehash, verify_password
from crise import signals
from crise.db import diff, snapshot, utcnow
from crise.errors import NotFound, ServiceError
from crise.extensions import db
from crise.mairies.models import Mairie, mairie_by_code
from crise.signals import Fait, annoncer
from crise.text import EMAIL_RE

AUDITED_FIELDS = ["email", "nom", "role", "mairie_id", "actif"]


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def get_user(email: str) -> User:
    user = get_user_by_email(email)
    if user is None:
        raise NotFound(f"Aucun compte pour l'adresse « {email} ».", field="email")
    return user


def list_users(*, role: str = "", mairie_id: int | None = None, actif: bool | None = None):
    query = sa.select(User).order_by(User.actif.desc(), User.email)
    if role:
        query = query.where(User.role == role)
    if mairie_id:
        query = query.where(User.mairie_id == mairie_id)
    if actif is not None:
        query = query.where(User.actif == actif)
    return db.session.scalars(query).all()


def count_users() -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def _check_role_and_mairie(role: str, mairie: Mairie | None) -> Mairie | None:
    try:
        role = Role(role)
    except ValueError:
        raise ServiceError(
            f"Rôle inconnu « {role} ». Rôles possibles : {', '.join(r.value for r in Role)}.",
            field="role") from None
    if role in MAIRIE_ROLES:
        if mairie is None:
            raise ServiceError("Ce rôle appartient à une mairie d'arrondissement : "
                               "choisissez la mairie.", field="mairie")
        return mairie
    # Central roles see every mairie: they are not attached to one.
    return None


def resolve_mairie(code: str | None) -> Mairie | None:
    if not code:
        return None
    mairie = mairie_by_code(code)
    if mairie is None:
        codes = ", ".join(m.code for m in db.session.scalars(
            sa.select(Mairie).order_by(Mairie.ordre)))
        raise ServiceError(f"Mairie inconnue « {code} ». Codes possibles : {codes}.",
                           field="mairie")
    return mairie


# Words a Parisian agent reaches for first; zxcvbn's own dictionaries are English.
_MOTS_DEVINABLES = ["paris", "mairie", "crise", "motdepasse", "azerty", "azertyuiop",
                    "soleil", "bonjour", "doudou", "loulou", "chouchou", "marseille",
                    "nicolas", "julien", "camille", "arrondissement", "accueil", "ville"]


def check_password_strength(password: str, *, email: str = "", nom: str = "") -> None:
    """Long enough, and not guessable: a common password, a keyboard run, a date, the
    account's own e-mail or name (zxcvbn, a maintained strength estimator; score 3 of 4 at
    least, as for « safely unguessable »). No periodic change is ever asked (NIST 800-63B)."""
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(password or "") < minimum:
        raise ServiceError(f"Le mot de passe doit faire au moins {minimum} caractères.",
                           field="password")
    if len(password) > 256:
        raise ServiceError("Le mot de passe ne doit pas dépasser 256 caractères.",
                           field="password")
    personnel = [m for m in [email, *email.replace("@", " ").replace(".", " ").split(),
                             nom, *nom.split()] if len(m) >= 3]
    # zxcvbn's cost grows with the length; what follows the first 100 characters only
    # makes a password stronger.
    mots = personnel + _MOTS_DEVINABLES
    score = zxcvbn(password[:100], user_inputs=mots)["score"]
    # The account's own words count for nothing (zxcvbn misses « jeanne. » in
    # « jeanne.dupont1975 »): what is left must be strong on its own.
    reste = password.lower()
    for mot in sorted((m.lower() for m in personnel if len(m) >= 4), key=len, reverse=True):
        reste = reste.replace(mot, "")
    proche_du_compte = reste != password.lower()
    if proche_du_compte:
        score = min(score, zxcvbn(reste[:100], user_inputs=mots)["score"] if reste else 0)
    if score < 3:
        raise ServiceError(
            "Ce mot de passe se devine trop facilement"
            + (" : il reprend votre adresse ou votre nom" if proche_du_compte else
               " (mot courant, suite de touches, date ou répétition)")
            + ". Choisissez par exemple trois ou quatre mots sans lien entre eux.",
            field="password")


def creer_compte(actor, *, email: str, role: str, mairie: Mairie | None = None,
                 nom: str = "", password: str | None = None) -> tuple[User, str | None]:
    """Create an account. Without a password, one is generated and returned once."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ServiceError("Adresse e-mail invalide.", field="email")
    if get_user_by_email(email) is not None:
        raise ServiceError(f"Un compte existe déjà pour « {email} ».", field="email")
    mairie = _check_role_and_mairie(role, mairie)
    generated = None
    if password is None:
        password = generated = generate_password()
    check_password_strength(password, email=email, nom=nom or "")
    user = User(email=email, nom=(nom or "").strip()[:120], role=str(Role(role)),
                mairie=mairie, mairie_id=mairie.id if mairie else None,
                password_hash=hash_password(password), actif=True)
    db.session.add(user)
    db.session.flush()
    annoncer(signals.compte_cree, Fait(
        f"Compte {email} créé ({user.role_label}{', ' + mairie.nom if mairie else ''})",
        utcnow(), objet_type="user", objet_id=user.id, acteur=actor, mairie_id=user.mairie_id))
    return user, generated


def modifier_compte(actor, user: User, *, nom: str, role: str, mairie: Mairie | None,
                    actif: bool) -> User:
    before = snapshot(user, AUDITED_FIELDS)
    mairie = _check_role_and_mairie(role, mairie)
    if actor is not None and getattr(actor, "id", None) == user.id:
        if not actif:
            raise ServiceError("Vous ne pouvez pas désactiver votre propre compte.",
                               field="actif")
        if role != Role.ADMIN and user.role == Role.ADMIN:
            raise ServiceError("Vous ne pouvez pas retirer votre propre rôle d'administrateur.",
                               field="role")
    if user.role == Role.ADMIN and (role != Role.ADMIN or not actif):
        _ensure_another_admin(user)
    user.nom = (nom or "").strip()[:120]
    user.role = str(Role(role))
    user.mairie = mairie
    user.mairie_id = mairie.id if mairie else None
    if user.actif and not actif:
        user.session_token = new_session_token()
        sessions.fermer_toutes(user, "desactive")
    user.actif = actif
    changes = diff(user, AUDITED_FIELDS, before)
    if changes:
        annoncer(signals.compte_modifie, Fait(
            f"Compte {user.email} modifié", utcnow(), objet_type="user", objet_id=user.id,
            acteur=actor, mairie_id=user.mairie_id, details={"changes": changes}))
    db.session.flush()
    return user


def _ensure_another_admin(user: User) -> None:
    others = db.session.scalar(
        sa.select(sa.func.count(User.id)).where(
            User.role == Role.ADMIN, User.actif.is_(True), User.id != user.id))
    if not others:
        raise ServiceError("C'est le dernier administrateur actif : créez-en un autre d'abord.",
                           field="role")


def desactiver_compte(actor, user: User) -> User:
    if not user.actif:
        return user
    return modifier_compte(actor, user, nom=user.nom, role=user.role, mairie=user.mairie,
                           actif=False)


def changer_mot_de_passe(actor, user: User, password: str | None = None, *,
                        session_courante: str | None = None) -> str | None:
    """Change a password (generated and returned when not given); ends the user's sessions
    (but ``session_courante``, the one of the person changing their own)."""
    generated = None
    if password is None:
        password = generated = generate_password()
    check_password_strength(password, email=user.email, nom=user.nom or "")
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    sessions.fermer_toutes(user, "mot_de_passe", sauf=session_courante)
    annoncer(signals.compte_modifie, Fait(
        f"Mot de passe de {user.email} {'réinitialisé' if generated else 'changé'}", utcnow(),
        objet_type="user", objet_id=user.id, acteur=actor, mairie_id=user.mairie_id))
    db.session.flush()
    return generated


def controler_mot_de_passe_actuel(user: User, current: str, *,
                                  now=None) -> None:
    """« Mon compte » asks the current password before a change: its failures are counted
    per account (a stolen open session must not make a guessing machine), and the count
    survives a password change. The caller commits even when this refuses."""
    cle = limites.MOT_DE_PASSE_ACTUEL.cle(str(user.id))
    attente = limites.attente(limites.MOT_DE_PASSE_ACTUEL, cle, now)
    if attente is not None:
        raise ServiceError("Trop d'essais du mot de passe actuel : réessayez dans "
                           f"{duree_lisible(attente)}.", field="current_password")
    if not verify_password(user.password_hash, current or ""):
        limites.compter(limites.MOT_DE_PASSE_ACTUEL, cle, now=now, user_id=user.id,
                        libelle=f"{user.email} (mot de passe actuel)")
        raise ServiceError("Mot de passe actuel incorrect.", field="current_password")
    limites.effacer(cle)


def changer_son_mot_de_passe(user: User, current: str, new: str, *,
                             session_courante: str | None = None) -> None:
    """Change one's own password. The web checks ``current`` first on its own and commits
    (a failure stays counted, as this refusal rolls back); it is checked here again."""
    controler_mot_de_passe_actuel(user, current)
    if current == new:
        raise ServiceError("Le nouveau mot de passe doit être différent de l'ancien.",
                           field="password")
    changer_mot_de_passe(user, user, new, session_courante=session_courante)


def authentifier(email: str, password: str, *, remote_addr: str = "",
                 postes: dict[int, str] | None = None, now=None) -> User | None:
    """The active account matching these credentials, or None. Every attempt is audited.

    Throttled (crise.auth.limites): raises LimiteAtteinte, without looking at the password,
    while the account, the address or the known poste must wait. The try is counted before
    the password is looked at (one upsert each, committed): requests arriving together on
    several workers each see the others' count, and the one over the threshold is refused. A
    success takes its count back. ``postes`` are the accounts this browser already logged
    in with (its signed cookie). The caller commits in every case."""
    now = now or utcnow()
    user = get_user_by_email(email)
    poste = (postes or {}).get(user.id) if user is not None else None
    if poste and poste[1] != limites.empreinte_session(user):
        poste = None  # a cookie from before a password change or a reset: worth nothing
    if poste:
        compteurs = [(limites.CONNEXION_POSTE, limites.CONNEXION_POSTE.cle(poste[0]),
                      f"{user.email} (poste connu)")]
    else:
        compteurs = [(limites.CONNEXION_COMPTE, limites.cle_compte(email),
                      user.email if user is not None else "adresse e-mail sans compte"),
                     (limites.CONNEXION_ADRESSE, limites.cle_adresse(remote_addr),
                      f"adresse {remote_addr}")]
    attentes = [a for regle, cle, _ in compteurs
                if (a := limites.attente(regle, cle, now)) is not None]
    if attentes:
        raise LimiteAtteinte(max(attentes))
    comptes = []
    for regle, cle, libelle in compteurs:
        nombre, _ = limites.compter(
            regle, cle, now=now, libelle=libelle, attente=False,
            user_id=user.id if user is not None and regle is not
            limites.CONNEXION_ADRESSE else None)
        comptes.append((regle, cle, libelle, nombre))
    # A twin request counted first: this one is over the threshold, refused unread.
    depasses = [(regle, cle) for regle, cle, _, nombre in comptes if nombre > regle.seuil]
    if depasses:
        raise LimiteAtteinte(max(limites.attente(regle, cle, now) or regle.premiere_attente
                                 for regle, cle in depasses))
    # The count is committed before the password is looked at: on SQLite the upsert took
    # the one writer's lock, and holding it through Argon2 (about 0.1 s of CPU) made a
    # shift of 32 agents logging in at the same minute wait past the busy timeout (a 500
    # for the last ones). Committed, the count is as visible to the other workers; the
    # wait it may impose is written only if this try fails (below).
    db.session.commit()
    ok = verify_password(user.password_hash if user else None, password or "")
    nouveau_hash = hash_password(password) if ok and needs_rehash(user.password_hash) \
        else None  # computed before this transaction writes again, for the same reason
    if not ok or not user.actif:
        reason = "compte désactivé" if ok else "identifiants incorrects"
        annoncer(signals.connexion_refusee, Fait(
            f"Échec de connexion pour {normalise_email(email)[:200]} ({reason}) depuis "
            f"{remote_addr}", now, objet_type="user", objet_id=user.id if user else None,
            acteur=user))
        for regle, cle, libelle, nombre in comptes:
            # Only a failure makes the next ones wait: tries still being checked (other
            # agents behind the same address) are in ``nombre``, successes among them too.
            limites.sanctionner(regle, cle, nombre, now)
            if nombre == regle.seuil:
                annoncer(signals.connexion_refusee, Fait(
                    f"{regle.libelle} ralenties après {nombre} échecs : {libelle}", now,
                    objet_type="user", objet_id=user.id if user else None, acteur=user))
        db.session.flush()
        return None
    # The account's own counters start again; the address's only takes this success back
    # (an attacker's own account must not reset the count of its guesses at others).
    for regle, cle, _, _ in comptes:
        if regle is limites.CONNEXION_ADRESSE:
            limites.decompter(cle)
        else:
            limites.effacer(cle)
    if nouveau_hash:
        user.password_hash = nouveau_hash
    user.last_login_at = now
    annoncer(signals.connexion, Fait(f"Connexion depuis {remote_addr}", now,
                                     objet_type="user", objet_id=user.id, acteur=user))
    db.session.flush()
    return user


def lever_attentes(actor, *, user: User | None = None, cle: str | None = None) -> int:
    """An administrator lets in at once an account slowed by failed logins (every counter
    naming it), or whoever waits under one counter (an address): how many were lifted."""
    if user is not None:
        quoi = f"du compte {user.email}"
    else:
        ligne = db.session.get(LimiteTentatives, cle or "")
        if ligne is None:
            raise NotFound("Aucune attente de ce nom.")
        quoi = f"« {ligne.libelle} »"
    nombre = limites.lever(user=user, cle=cle)
    annoncer(signals.compte_modifie, Fait(
        f"Attente de connexion levée : {quoi}", utcnow(), objet_type="user",
        objet_id=user.id if user else None, acteur=actor,
        mairie_id=user.mairie_id if user else None))
    db.session.flush()
    return nombre


def load_user_by_session_token(token: str) -> User | None:
    """The active account of this token."""
    return load_user_and_session(token, None)[0]


def load_user_and_session(token: str, cle_session: str | None
                          ) -> tuple[User | None, SessionCompte | None]:
    """(the active account of this token, its server-side session of key ``cle_session``)
    read by one query. The caller keeps the session object: the ORM's identity map holds
    only weak references, an object dropped here would be read again."""
    query = sa.select(User).where(User.session_token == token)
    if cle_session:
        query = sa.select(User, SessionCompte).outerjoin(SessionCompte, sa.and_(
            SessionCompte.id == cle_session, SessionCompte.user_id == User.id)).where(
            User.session_token == token)
    row = db.session.execute(query).first()
    user = row[0] if row else None
    if user is None or not user.actif:
        return None, None
    return user, (row[1] if cle_session else None)


def creer_premier_admin(email: str) -> tuple[User, str] | None:
    """If no account exists at all, create an administrator with a random password."""
    if count_users():
        return None
    user, password = creer_compte(SYSTEME, email=email, role=Role.ADMIN,
                                  nom="Administrateur")
    return user, password

from urllib.parse import urlsplit

from flask import (abort, current_app, flash, g, make_response, redirect, render_template,
                   request, session, url_for)
from flask_login import current_user, login_required, login_user, logout_user

from crise import signals
from crise.auth import bp, limites, services, sessions
from crise.auth.decorators import role_required
from crise.auth.forms import LoginForm, PasswordChangeForm, UserCreateForm, UserEditForm
from crise.auth.models import Role, User
from crise.db import utcnow
from crise.errors import ServiceError
from crise.extensions import db, login_manager
from crise.forms import apply_service_error, perform, submit
from crise.http import adresse_client
from crise.mairies.models import mairie_by_code, mairies_ordered
from crise.signals import Fait, annoncer

PUBLIC_ENDPOINTS = {"auth.login", "static"}


def requete_de_fond() -> bool:
    """A fetch made by the page itself (suggestions, live search, a board's refresh; crise.js
    says so), not a page the person asked for."""
    return (request.headers.get("X-Crise-Fond") == "1"
            or request.headers.get("X-Crise-Rafraichissement") == "1")


def rafraichissement_automatique() -> bool:
    """A board fetching itself again, or a page reloading itself (crise.js says so): not
    a person using the application."""
    return (request.headers.get("X-Crise-Rafraichissement") == "1"
            or request.cookies.get("crise_auto") == "1")


@login_manager.user_loader
def load_user(session_token):
    user, lue = services.load_user_and_session(session_token, session.get("sid"))
    if user is None:
        return None
    ouverte = sessions.valider(session.get("sid"), user, lue=lue,
                               automatique=rafraichissement_automatique())
    if ouverte is None or db.session.dirty:
        db.session.commit()  # its use noted (once a minute), or its end
    if ouverte is None:
        g.session_expiree = True
        return None
    g.session_compte = ouverte
    return user


def retour_au_formulaire():
    """The session ended while a form was being filled in: log in again and come back to
    the form, where the browser gives back what was typed (see crise.js)."""
    back = safe_next(urlsplit(request.referrer or "").path) or request.path
    back += ("&" if "?" in back else "?") + "brouillon=1"
    # A household: as many rows come back as were being typed in.
    rows = {key.split("-")[1] for key in request.form if key.startswith("membres-")
            and key.count("-") >= 2}
    if len(rows) > 1:
        back += f"&membres={len(rows)}"
    flash("Votre session a expiré : reconnectez-vous. Ce que vous aviez saisi est "
          "conservé sur ce poste et revient dans le formulaire : rien n'a encore été "
          "enregistré.", "info")
    return redirect(url_for("auth.login", next=back))


@bp.before_app_request
def require_login():
    """Login is required everywhere but on the login page and static files."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        if requete_de_fond():
            # The page that asked will say it: a fetch answered while the person logs in
            # must neither take the page's message nor write a cookie over the new session.
            return "Session expirée : reconnectez-vous.", 401
        if g.get("session_expiree"):
            session.pop("sid", None)
            if request.method == "POST":
                return retour_au_formulaire()
            flash("Votre session a expiré ou a été fermée : reconnectez-vous.", "info")
            return redirect(url_for("auth.login", next=safe_next(request.full_path.rstrip(
                "?"))))
        return login_manager.unauthorized()
    return None


def safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        adresse = adresse_client()
        postes = limites.postes_connus(request.cookies.get(limites.COOKIE_POSTES))
        try:
            user = services.authentifier(form.email.data, form.password.data,
                                         remote_addr=adresse, postes=postes)
        except limites.LimiteAtteinte as limite:
            db.session.commit()  # the try stays counted
            form.form_errors.append(
                "Trop de tentatives de connexion : réessayez dans "
                f"{limites.duree_lisible(limite.attente)}. Depuis un poste où vous vous êtes "
                "déjà connecté, vous pouvez le faire tout de suite ; un administrateur peut "
                "aussi lever cette attente.")
            return render_template("auth/login.html", form=form), 429
        db.session.commit()  # a failure stays counted
        if user is not None:
            session.clear()
            ouverte = sessions.ouvrir(user, adresse=adresse,
                                      navigateur=request.user_agent.string or "")
            db.session.commit()
            session["sid"] = ouverte.id
            login_user(user)
            flash(f"Bienvenue, {user}.", "success")
            response = redirect(safe_next(request.args.get("next")) or url_for("main.index"))
            # This browser becomes a known poste of the account (limites' device cookie).
            response.set_cookie(
                limites.COOKIE_POSTES, limites.cookie_postes(postes, user),
                max_age=int(limites.POSTES_DUREE.total_seconds()), httponly=True,
                secure=bool(current_app.config["SESSION_COOKIE_SECURE"]), samesite="Lax")
            return response
        form.form_errors.append(
            "Adresse e-mail ou mot de passe incorrect, ou compte désactivé.")
    return render_template("auth/login.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    annoncer(signals.deconnexion, Fait("Déconnexion", utcnow(), objet_type="user",
                                       objet_id=current_user.id,
                                       acteur=current_user._get_current_object()))
    if g.get("session_compte") is not None:
        sessions.fermer(g.session_compte, "deconnexion")
    db.session.commit()
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté.", "info")
    response = redirect(url_for("auth.login"))
    # A shared desk computer: nothing the application kept in this browser (form drafts,
    # cached pages) is left for the next agent.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/compte", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.controler_mot_de_passe_actuel(current_user, form.current_password.data)
            controle = True
        except ServiceError as error:
            apply_service_error(form, error)
            controle = False
        db.session.commit()  # a failed try stays counted
        if controle:
            ok, _ = submit(form, lambda: services.changer_son_mot_de_passe(
                current_user, form.current_password.data, form.password.data,
                session_courante=session.get("sid")))
            if ok:
                # The session token rotated: log in again with the new one.
                login_user(current_user._get_current_object())
                flash("Mot de passe changé.", "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, session_compte=g.get("session_compte"))


@bp.route("/compte/ecran-mural", methods=["POST"])
@login_required
def ecran_mural():
    """Declare (or no longer) this browser's session a wall display."""
    ouverte = g.get("session_compte")
    mur = request.form.get("mur") == "1"
    if ouverte is not None and ouverte.mur != mur:
        ouverte.mur = mur
        annoncer(signals.compte_modifie, Fait(
            f"Session de {current_user.email} " + ("déclarée écran mural" if mur
                                                   else "n'est plus un écran mural"),
            utcnow(), objet_type="user", objet_id=current_user.id,
            acteur=current_user._get_current_object(), mairie_id=current_user.mairie_id))
        db.session.commit()
    flash("Ce poste est déclaré écran mural." if mur else "Ce poste n'est plus un écran mural.",
          "success")
    return redirect(url_for("auth.account"))


# --- Administration of accounts ------------------------------------------------------------


def _get_user_or_404(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if not user.can_edit(current_user):
        abort(403)
    return user


@bp.route("/comptes")
@role_required(Role.ADMIN)
def users():
    role = request.args.get("role", "")
    mairie = mairie_by_code(request.args.get("mairie", "")) if request.args.get("mairie") else None
    accounts = services.list_users(role=role if role in set(Role) else "",
                                   mairie_id=mairie.id if mairie else None)
    return render_template("auth/users.html", users=accounts, mairies=mairies_ordered(),
                           roles=Role, selected_role=role, attentes=limites.en_cours(),
                           selected_mairie=mairie.code if mairie else "")


@bp.route("/comptes/nouveau", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_create():
    form = UserCreateForm()
    form.set_choices(mairies_ordered())
    if form.validate_on_submit():
        ok, result = submit(form, lambda: services.creer_compte(
            current_user, email=form.email.data, nom=form.nom.data, role=form.role.data,
            mairie=services.resolve_mairie(form.mairie.data)))
        if ok:
            user, password = result
            return _password_once(user, password, created=True)
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/comptes/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_edit(user_id):
    user = _get_user_or_404(user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    form.set_choices(mairies_ordered())
    if request.method == "GET":
        form.mairie.data = user.mairie.code if user.mairie else ""
        annoncer(signals.compte_consulte, Fait(
            f"Fiche du compte {user.email}", utcnow(), objet_type="user", objet_id=user.id,
            acteur=current_user._get_current_object(), mairie_id=user.mairie_id))
        db.session.commit()
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: services.modifier_compte(
            current_user, user, nom=form.nom.data, role=form.role.data,
            mairie=services.resolve_mairie(form.mairie.data), actif=form.actif.data))
        if ok:
            flash(f"Compte {user.email} enregistré.", "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user,
                           sessions_ouvertes=sessions.ouvertes(user),
                           attentes=limites.en_cours(user=user))


@bp.route("/comptes/<int:user_id>/sessions/<cle>/fermer", methods=["POST"])
@role_required(Role.ADMIN)
def fermer_session(user_id, cle):
    user = _get_user_or_404(user_id)
    ouverte = db.session.get(sessions.SessionCompte, cle[:64])
    if ouverte is None or ouverte.user_id != user.id:
        abort(404)
    sessions.fermer(ouverte, "admin")
    _session_fermee(user, 1)
    return redirect(url_for("auth.user_edit", user_id=user.id))


@bp.route("/comptes/<int:user_id>/sessions/fermer", methods=["POST"])
@role_required(Role.ADMIN)
def fermer_sessions(user_id):
    user = _get_user_or_404(user_id)
    _session_fermee(user, sessions.fermer_toutes(
        user, "admin", sauf=session.get("sid") if user.id == current_user.id else None))
    return redirect(url_for("auth.user_edit", user_id=user.id))


def _session_fermee(user, nombre: int) -> None:
    annoncer(signals.compte_modifie, Fait(
        f"{nombre} session(s) de {user.email} fermée(s) par l'administrateur", utcnow(),
        objet_type="user", objet_id=user.id, acteur=current_user._get_current_object(),
        mairie_id=user.mairie_id))
    db.session.commit()
    flash(f"{nombre} session(s) fermée(s) : ce compte devra se reconnecter.", "success")


@bp.route("/comptes/<int:user_id>/attentes/lever", methods=["POST"])
@role_required(Role.ADMIN)
def lever_attentes(user_id):
    """The account's owner is slowed by someone else's guesses: let them in now."""
    user = _get_user_or_404(user_id)
    perform(lambda: services.lever_attentes(current_user, user=user), _attentes_levees)
    return redirect(url_for("auth.user_edit", user_id=user.id))


@bp.route("/comptes/attentes/lever", methods=["POST"])
@role_required(Role.ADMIN)
def lever_attente():
    """One counter (an address behind which a whole service waits, say)."""
    perform(lambda: services.lever_attentes(current_user, cle=request.form.get("cle", "")),
            _attentes_levees)
    return redirect(url_for("auth.users"))


def _attentes_levees(nombre: int) -> str:
    return f"{nombre} attente(s) levée(s)." if nombre else "Plus rien n'était en attente."


@bp.route("/comptes/<int:user_id>/mot-de-passe", methods=["POST"])
@role_required(Role.ADMIN)
def user_reset_password(user_id):
    user = _get_user_or_404(user_id)
    password = services.changer_mot_de_passe(current_user, user,
                                             session_courante=session.get("sid"))
    db.session.commit()
    if user.id == current_user.id:
        login_user(user)
    return _password_once(user, password, created=False)


def _password_once(user, password, created):
    """The generated password is shown once, and never stored by a cache."""
    response = make_response(render_template("auth/password_once.html", user=user,
                                             password=password, created=created))
    response.headers["Cache-Control"] = "no-store"
    return response

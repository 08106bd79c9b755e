"""What the load and crash benchmarks share: the application's accounts and C.A.RE, gunicorn
started as the README says, desks that loop like a browser, the server's CPU, the checks.

Every request goes to 127.0.0.1. A desk is a thread; desks are spread over a few client
processes (one Python process would be held by its own interpreter lock, not the server).
"""

import collections
import http.client
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

RACINE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MOT_DE_PASSE = "mot-de-passe-de-charge"
MAIRIES = ["1er", "4e", "11e", "12e", "13e", "15e", "18e", "20e"]
CENTRES_PAR_MAIRIE = 2
NOMS = ["Dupont", "Иванова", "王", "Nguyễn", "N'Diaye", "Al-Khatib", "de La Fontaine",
        "Benali", "O'Brien", "Traoré", "Lefèvre", "Zhang"]
PRENOMS = ["Claire", "Светлана", "伟", "Thị Mai", "Awa", "فاطمة", "Jean-Pierre", "Siobhán"]
_JETON = {name: re.compile(rf'name="{name}"[^>]*value="([^"]+)"')
          for name in ("csrf_token", "jeton")}


def port_libre() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- The application's data ------------------------------------------------------------------

def preparer_application(url: str, guichets: int) -> list[dict]:
    """Migrate, load the mairies, open an event with CENTRES_PAR_MAIRIE C.A.RE in each of
    MAIRIES, and one desk account per desk (spread over the C.A.RE). Returns the desks."""
    sys.path.insert(0, str(RACINE))
    from _common import throwaway_app  # noqa: PLC0415

    import sqlalchemy as sa

    from crise.auth import services as auth_services
    from crise.care import services as care_services
    from crise.care.models import Site
    from crise.db import utcnow
    from crise.evenements.services import EvenementData, declarer_evenement
    from crise.extensions import db
    from crise.mairies.models import Mairie

    app = throwaway_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        admin, _ = auth_services.creer_compte("charge", email="admin@charge.fr", role="admin",
                                              password=MOT_DE_PASSE)
        mairies = db.session.scalars(sa.select(Mairie).where(Mairie.code.in_(MAIRIES))).all()
        evenement, _ = declarer_evenement(admin, EvenementData(
            titre="Crue de type 1910", type="crue", survenu_at=utcnow() - timedelta(hours=6),
            source_information="scop", mairies=mairies))
        centres = []
        for mairie in mairies:
            for k in range(CENTRES_PAR_MAIRIE):
                site = Site(mairie=mairie, nom=f"Gymnase {mairie.code} {k + 1}",
                            capacite=5_000)
                db.session.add(site)
                db.session.flush()
                centre, _ = care_services.ouvrir_centre(admin, evenement, site=site,
                                                        capacite=None, responsable_nom="Charge")
                centres.append(centre)
        guichets_ = []
        for i in range(guichets):
            centre = centres[i % len(centres)]
            email = f"guichet{i + 1}@charge.fr"
            auth_services.creer_compte("charge", email=email, role="agent_accueil",
                                       password=MOT_DE_PASSE, mairie=centre.mairie)
            guichets_.append({"email": email, "centre_id": centre.id})
        db.session.commit()
        db.engine.dispose()
    return guichets_


# --- gunicorn -----------------------------------------------------------------------------------

class Serveur:
    """gunicorn with the repository's gunicorn.conf.py (4 workers on this machine)."""

    def __init__(self, app_module: str, env: dict, port: int | None = None,
                 chemin: str | None = None):
        self.port = port or port_libre()
        self.journal = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log",
                                                   delete=False)
        commande = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                    "--access-logfile", "/dev/null"]
        if chemin:
            commande += ["--pythonpath", chemin]
        self.process = subprocess.Popen(
            [*commande, app_module], cwd=RACINE, env=env, stdout=self.journal,
            stderr=subprocess.STDOUT, start_new_session=True)
        self._attendre()

    def _attendre(self, secondes: float = 60) -> None:
        fin = time.monotonic() + secondes
        while time.monotonic() < fin:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn s'est arrêté : " + Path(self.journal.name)
                                   .read_text(errors="replace")[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if len(self.workers()) >= 1:
                    time.sleep(1.0)  # every worker booted (the app is built in each)
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn ne répond pas")

    def workers(self) -> list[int]:
        return enfants(self.process.pid)

    def cpu_s(self) -> float:
        """CPU seconds of the master, its live workers, and the workers it reaped."""
        return cpu_process(self.process.pid, avec_enfants_finis=True) + sum(
            cpu_process(pid) for pid in self.workers())

    def memoire_workers_mo(self) -> list[float]:
        return [rss_mo(pid) for pid in self.workers()]

    def tuer(self) -> None:
        """kill -9 of the master and every worker, at once."""
        pids = [self.process.pid, *self.workers()]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()

    def arreter(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.tuer()
        self.journal.close()

    def erreurs(self) -> str:
        texte = Path(self.journal.name).read_text(errors="replace")
        return "\n".join(line for line in texte.splitlines() if "Traceback" in line
                         or "Error" in line)[:2000]


_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        texte = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return texte[texte.rindex(")") + 2:].split()


def enfants(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            champs = _stat(int(entry))
            if champs and int(champs[1]) == pid:
                found.append(int(entry))
    return found


def cpu_process(pid: int, avec_enfants_finis: bool = False) -> float:
    champs = _stat(pid)
    if not champs:
        return 0.0
    # After ")": state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    ticks = int(champs[11]) + int(champs[12])
    if avec_enfants_finis:
        ticks += int(champs[13]) + int(champs[14])
    return ticks / _TICK


def cpu_postgresql() -> float:
    """CPU seconds of every postgres process (the server and the backends it reaped)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                nom = Path(f"/proc/{entry}/comm").read_text().strip()
            except OSError:
                continue
            if nom.startswith("postgres"):
                total += cpu_process(int(entry), avec_enfants_finis=True)
    return total


def rss_mo(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def env_serveur(url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CRISE_ENV", "DATABASE_URL")}
    env.update(DATABASE_URL=url, SECRET_KEY="charge-" + "k" * 60, CRISE_ENV="production",
               **extra)
    return env


# --- The desks ----------------------------------------------------------------------------------

class Navigateur:
    """One desk's browser: its cookies, one connection per request (gunicorn's synchronous
    workers close it after each answer), redirects read, not followed."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def requete(self, methode: str, chemin: str, champs: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            entetes = {"Host": "127.0.0.1"}
            if self.cookies:
                entetes["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            corps = None
            if champs is not None:
                corps = urlencode(champs).encode()
                entetes["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(methode, chemin, body=corps, headers=entetes)
            reponse = conn.getresponse()
            texte = reponse.read().decode("utf-8", "replace")
            for entete, valeur in reponse.getheaders():
                if entete.lower() == "set-cookie":
                    nom, _, reste = valeur.partition("=")
                    self.cookies[nom] = reste.split(";", 1)[0]
            return reponse.status, reponse.getheader("Location") or "", texte
        finally:
            conn.close()

    def connecter(self, email: str) -> None:
        _, _, page = self.requete("GET", "/auth/connexion")
        statut, _, _ = self.requete("POST", "/auth/connexion", {
            "csrf_token": _JETON["csrf_token"].search(page).group(1), "email": email,
            "password": MOT_DE_PASSE})
        if statut != 302:
            raise RuntimeError(f"connexion de {email} refusée ({statut})")


class Tour:
    """What one loop of a desk produced."""
    __slots__ = ("latence_ms", "post_ms", "nom", "ident", "erreur", "statut", "champs")

    def __init__(self, nom: str):
        self.latence_ms = self.post_ms = 0.0
        self.nom, self.ident, self.erreur, self.statut, self.champs = nom, 0, "", 0, None


def tour_application(nav: Navigateur, tour: Tour, centre_id: int, prenom: str,
                     relance: dict | None = None) -> None:
    """Open the form → register → open the record. ``relance``: the fields of a POST whose
    answer was lost (the server died), sent again as a browser's resubmission would."""
    debut = time.perf_counter()
    if relance is None:
        statut, _, page = nav.requete("GET", f"/care/{centre_id}/enregistrer")
        if statut != 200:
            tour.statut, tour.erreur = statut, "formulaire"
            return
        relance = {"csrf_token": _JETON["csrf_token"].search(page).group(1),
                   "jeton": _JETON["jeton"].search(page).group(1), "taille_groupe": "1",
                   "membres-0-nom": tour.nom, "membres-0-prenom": prenom,
                   "membres-0-categorie": "sinistre"}
    tour.champs = relance
    avant_post = time.perf_counter()
    statut, lieu, _ = nav.requete("POST", f"/care/{centre_id}/enregistrer", relance)
    tour.post_ms = (time.perf_counter() - avant_post) * 1000
    ident = re.search(r"/care/personnes/(\d+)$", lieu)
    if statut != 302 or not ident:
        tour.statut, tour.erreur = statut, "enregistrement"
        return
    tour.ident = int(ident.group(1))
    statut, _, _ = nav.requete("GET", f"/care/personnes/{tour.ident}")
    if statut != 200:
        tour.statut, tour.erreur = statut, "fiche"
        return
    tour.latence_ms = (time.perf_counter() - debut) * 1000


def tour_plancher(nav: Navigateur, tour: Tour, relance: dict | None = None) -> None:
    """The same three requests against the floor (benchmarks/plancher.py)."""
    debut = time.perf_counter()
    if relance is None:
        statut, _, page = nav.requete("GET", "/formulaire")
        if statut != 200:
            tour.statut, tour.erreur = statut, "formulaire"
            return
        relance = {"jeton": _JETON["jeton"].search(page).group(1), "nom": tour.nom}
    tour.champs = relance
    avant_post = time.perf_counter()
    statut, lieu, _ = nav.requete("POST", "/inserer", relance)
    tour.post_ms = (time.perf_counter() - avant_post) * 1000
    if statut != 303:
        tour.statut, tour.erreur = statut, "enregistrement"
        return
    tour.ident = int(lieu.rsplit("/", 1)[1])
    statut, _, _ = nav.requete("GET", lieu)
    if statut != 200:
        tour.statut, tour.erreur = statut, "fiche"
        return
    tour.latence_ms = (time.perf_counter() - debut) * 1000


def _guichet(cible: str, guichet: dict, etiquette: str, debut: float, fin: float,
             sortie: list, relancer: bool) -> None:
    """One desk: logs in, waits for ``debut``, loops until ``fin`` (time.monotonic()).
    ``relancer``: a POST whose answer is lost (connection refused or reset: the server was
    killed) is sent again once the server answers, as an agent presses « Renvoyer » — the
    form's token makes it count once."""
    rng = random.Random(etiquette)
    nav = Navigateur(guichet["port"])
    connecte = cible == "plancher"
    i, relance, nom = 0, None, ""
    while time.monotonic() < fin:
        if not connecte:
            try:
                nav.connecter(guichet["email"])
                connecte = True
            except (ConnectionError, http.client.HTTPException, OSError):
                time.sleep(0.2)
                continue
        if time.monotonic() < debut:
            time.sleep(min(0.05, debut - time.monotonic()))
            continue
        if relance is None:
            i += 1
            nom = f"{rng.choice(NOMS)} {etiquette}-{i}"
        tour = Tour(nom)
        try:
            if cible == "plancher":
                tour_plancher(nav, tour, relance)
            else:
                tour_application(nav, tour, guichet["centre_id"], rng.choice(PRENOMS), relance)
            relance = None
            if tour.statut in (302, 401):
                connecte = False  # the session was lost: log in again
        except (ConnectionError, http.client.HTTPException, OSError):
            # The server is down (killed): wait for it; a form posted without an answer is
            # sent again (when asked), the registration it may have made counted once.
            tour.erreur = "coupure"
            relance = tour.champs if relancer and tour.champs and not tour.ident else None
            time.sleep(0.2)
        sortie.append(tour)


def _processus(cible, guichets, etiquettes, debut, fin, file, relancer):
    sorties = [[] for _ in guichets]
    fils = [threading.Thread(target=_guichet, args=(cible, g, e, debut, fin, s,
                                                    relancer))
            for g, e, s in zip(guichets, etiquettes, sorties)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    file.put([(t.latence_ms, t.post_ms, t.nom, t.ident, t.erreur, t.statut)
              for s in sorties for t in s])


def charger(cible: str, guichets: list[dict], secondes: float, phase: str,
            processus: int = 4, relancer: bool = False, pendant=None,
            mise_en_route: float = 8.0) -> list[tuple]:
    """Every desk (its account, C.A.RE and the port of the server it speaks to) logs in,
    then loops for ``secondes``; returns its tours as tuples
    (latency ms, POST ms, name, id, error, status). ``pendant(debut, fin)`` runs in this
    process during the load (the CPU sampling, a kill -9)."""
    contexte = multiprocessing.get_context("fork")
    file = contexte.Queue()
    debut = time.monotonic() + mise_en_route
    fin = debut + secondes
    parts = [list(range(k, len(guichets), processus)) for k in range(processus)]
    procs = [contexte.Process(target=_processus, args=(
        cible, [guichets[i] for i in part], [f"{phase}{i}" for i in part], debut, fin,
        file, relancer)) for part in parts if part]
    for proc in procs:
        proc.start()
    resultat = pendant(debut, fin) if pendant else None
    tours = []
    for _ in procs:
        tours += file.get()
    for proc in procs:
        proc.join()
    return tours, resultat


def verifier(url: str, cible: str, acquittes: list[tuple]) -> dict:
    """Every acknowledged registration exactly once, under its id; nothing half-written;
    the boards' counts equal to a count of the rows."""
    import sqlalchemy as sa  # noqa: PLC0415

    moteur = sa.create_engine(url)
    with moteur.connect() as conn:
        if cible == "application":
            lignes = conn.execute(sa.text("SELECT nom, id FROM care_personne")).all()
            demi = conn.execute(sa.text(
                "SELECT count(*) FROM care_personne p WHERE NOT EXISTS (SELECT 1 FROM "
                "care_passage s WHERE s.personne_id = p.id) OR NOT EXISTS (SELECT 1 FROM "
                "care_personne_cle c WHERE c.personne_id = p.id)")).scalar()
        else:
            lignes = conn.execute(sa.text("SELECT nom, id FROM plancher")).all()
            demi = 0
    moteur.dispose()
    comptes_faux = 0
    if cible == "application":
        # The counts the boards read (kept by triggers) against a count of the rows.
        from crise import create_app  # noqa: PLC0415
        from crise.care import comptes  # noqa: PLC0415
        from crise.extensions import db  # noqa: PLC0415

        app = create_app({"SECRET_KEY": "verifier", "CRISE_ENV": "testing",
                          "SQLALCHEMY_DATABASE_URI": url,
                          "INSTANCE_PATH": tempfile.mkdtemp(prefix="crise-verifier-")})
        with app.app_context():
            comptes_faux = len(comptes.ecarts())
            db.engine.dispose()
    par_nom = collections.defaultdict(list)
    for nom, ident in lignes:
        par_nom[nom].append(ident)
    perdus = sum(1 for t in acquittes if t[3] not in par_nom.get(t[2], []))
    doubles = sum(len(ids) - 1 for nom, ids in par_nom.items() if len(ids) > 1)
    return {"perdus": perdus, "doubles": doubles, "demi_ecrits": demi,
            "comptes_faux": comptes_faux}

"""The README's production commands, run as written: ``crise setup`` then
``gunicorn --workers 4 --bind … wsgi:app``, and a login through the started server."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "CRISE_ENV", "DATABASE_URL")}
    env["DATABASE_URL"] = "sqlite:///" + str(tmp_path / "prod.sqlite3")
    env.update(extra)
    return env


class _ProxyPolicy(DefaultCookiePolicy):
    """Secure cookies sent back over plain HTTP to 127.0.0.1: the reverse proxy's side."""

    def return_ok_secure(self, cookie, request):
        return True

    def set_ok(self, cookie, request):
        return True


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # the server answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_setup_then_gunicorn_wsgi_app_serves_and_logs_in(tmp_path):
    env = _env(tmp_path, SECRET_KEY="k" * 64)
    setup = subprocess.run([str(BIN / "crise"), "setup"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert setup.returncode == 0, setup.stderr
    email = re.search(r"Adresse\s+: (\S+)", setup.stdout).group(1)
    password = re.search(r"Mot de passe : (\S+)", setup.stdout).group(1)

    port = _free_port()
    log = open(tmp_path / "gunicorn.log", "wb")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/auth/connexion")
        # Production cookies are Secure (HTTPS through the proxy); this test speaks plain
        # HTTP to 127.0.0.1, as the proxy would, and lets its cookie jar send them back.
        jar = CookieJar(policy=_ProxyPolicy())
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base + "/auth/connexion").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, "email": email,
                                       "password": password}).encode()
        home = opener.open(base + "/auth/connexion", data=body).read().decode()
        assert "Se déconnecter" in home
        assert "<h1>Connexion</h1>" not in home
        session_cookie = next(c for c in jar if c.name == "crise_session")
        assert session_cookie.secure and session_cookie.has_nonstandard_attr("HttpOnly")
        assert session_cookie.expires is None  # gone when the browser closes
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_gunicorn_refuses_to_start_without_secret_key(tmp_path):
    port = _free_port()
    result = subprocess.run(
        [str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY n'est pas définie" in result.stderr
    assert "Traceback" not in result.stderr  # one French line, not a worker's crash


def test_cli_after_make_run_needs_no_secret_key(tmp_path):
    """`crise users …` in a shell where only `make run` ever ran (no SECRET_KEY, no
    CRISE_ENV): no traceback, the command works."""
    env = _env(tmp_path)
    setup = subprocess.run([str(BIN / "crise"), "setup"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert setup.returncode == 0, setup.stderr
    listed = subprocess.run([str(BIN / "crise"), "users", "list"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr
    assert "admin@crise.paris.local" in listed.stdout


class _Navigateur:
    """A browser speaking to the server as the proxy would: its own cookie jar, the CSRF
    token of the page it last read."""

    def __init__(self, base):
        self.base, self.jar = base, CookieJar(policy=_ProxyPolicy())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        try:
            response = self.opener.open(self.base + path, timeout=30)
            return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode()

    def post(self, path, data):
        _, _, page = self.get(path if path.startswith("/auth/connexion") else "/")
        champ = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page).group(0)
        token = re.search(r'value="([^"]+)"', champ).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token})
        try:
            response = self.opener.open(self.base + path, data=body.encode(), timeout=30)
            return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode()


def _ensemble(navigateur, chemin: str, nombre: int = 16) -> list[str]:
    """``nombre`` GETs of ``chemin``, eight at once; the URLs they ended on."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: navigateur.get(chemin)[1], range(nombre)))


def test_four_workers_share_sessions_and_throttling(tmp_path):
    """Four gunicorn workers behave as one: the login throttle counts across them (each
    alone let about ten more guesses through before), a session opened by one is known to
    the others, and a logout on one ends it on all."""
    env = _env(tmp_path, SECRET_KEY="k" * 64)
    assert subprocess.run([str(BIN / "crise"), "setup"], cwd=ROOT, env=env,
                          capture_output=True, timeout=120).returncode == 0
    subprocess.run([str(BIN / "crise"), "users", "create", "chef@paris.test", "--role",
                    "cellule", "--password-stdin"], cwd=ROOT, env=env, check=True,
                   input="girafe lampadaire cerise ouragan\n", text=True, timeout=60)
    port = _free_port()
    log_path = tmp_path / "gunicorn.log"
    log = open(log_path, "wb")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "4", "--bind", f"127.0.0.1:{port}",
         "--access-logformat", "pid=%(p)s %(U)s %(s)s", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/auth/connexion")
        # Guesses from a browser the account never used: five, then every try waits,
        # the right password included, whichever worker answers.
        intrus = _Navigateur(base)
        codes = [intrus.post("/auth/connexion", {"email": "chef@paris.test",
                                                 "password": f"essai-{n}"})[0]
                 for n in range(8)]
        assert codes == [200] * 5 + [429] * 3, codes
        assert intrus.post("/auth/connexion", {"email": "chef@paris.test",
                                               "password": "girafe lampadaire cerise ouragan"}
                           )[0] == 429
        # The owner: an administrator lifts the wait from the command line, then a session
        # opened on one worker is valid on every worker.
        subprocess.run([str(BIN / "crise"), "users", "debloquer", "chef@paris.test"],
                       cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
        chef = _Navigateur(base)
        status, url, page = chef.post("/auth/connexion", {
            "email": "chef@paris.test", "password": "girafe lampadaire cerise ouragan"})
        assert "Se déconnecter" in page, (status, url)
        copie = [c for c in chef.jar if c.name == "crise_session"][0]
        # Sent eight at a time: one worker alone cannot answer them all (sent one after the
        # other, each fast enough, they could all land on the same idle worker).
        assert all(url.endswith("/evenements/") for url in _ensemble(chef, "/evenements/"))
        status, url, page = chef.post("/auth/deconnexion", {})
        assert "Vous êtes déconnecté" in page, (status, url, page[-800:])
        # The cookie copied before the logout opens nothing, on any worker.
        voleur = _Navigateur(base)
        voleur.jar.set_cookie(copie)
        assert all("/auth/connexion" in url for url in _ensemble(voleur, "/evenements/"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    pids = set(re.findall(r"pid=<?(\d+)>? /evenements/ ", log_path.read_text()))
    assert len(pids) >= 2, "the requests were not spread over several workers"

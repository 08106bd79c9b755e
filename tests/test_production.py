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

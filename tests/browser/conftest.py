"""Helpers of the browser tests: logging in through the login page, the screenshots folder."""

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def login(page, base, email, password=PASSWORD):
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/auth/connexion"))
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Événements")).to_be_visible()


def screenshot_dir():
    """Where browser tests leave their screenshots (test-results/, kept by CI)."""
    path = Path(__file__).resolve().parents[2] / "test-results"
    path.mkdir(exist_ok=True)
    return path

"""The WSGI entry point for production: ``gunicorn --workers 4 wsgi:app`` (see the README)."""

from crise import create_app

app = create_app()

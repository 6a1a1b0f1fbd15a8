"""gunicorn entry point: ``gunicorn wsgi:app``."""

from himcrm import create_app

app = create_app()

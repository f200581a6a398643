"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from testimony import create_app

app = create_app()

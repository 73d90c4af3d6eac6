"""WSGI entry for gunicorn: `gunicorn gateway.wsgi:app`, its log lines as JSON."""

from gateway.app import create_app
from services.kit import logs

logs.configure("gateway")
app = create_app()

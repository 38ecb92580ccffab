"""WSGI entry point: gunicorn 'wsgi:app', flask --app wsgi."""

from app import create_app
from app.heap import settle_heap

app = create_app()
settle_heap()

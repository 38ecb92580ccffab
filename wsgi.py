"""WSGI entry point: gunicorn 'wsgi:app', flask --app wsgi."""

import gc

from app import create_app

app = create_app()
# Everything created so far lives as long as the worker: move it out of the collector's way, so full
# collections (triggered by the garbage of each XLSForm conversion) stop rescanning it. gunicorn forks
# after importing this module, so each worker starts with the frozen heap.
gc.freeze()

"""WSGI entry point: gunicorn 'wsgi:app', flask --app wsgi."""

import gc

from app import create_app

app = create_app()
# Everything created so far lives as long as the worker: move it out of the collector's way, so full
# collections (triggered by the garbage of each XLSForm conversion) stop rescanning it. gunicorn forks
# after importing this module, so each worker starts with the frozen heap.
gc.freeze()
# A request allocates a few thousand short-lived objects (the engine's model, ORM rows): with the default
# threshold of 700 the young generation is collected several times per request. 10,000 lets most requests
# finish between collections, for a few hundred kB more per worker (3% fewer instructions a submission).
gc.set_threshold(10_000, 20, 20)

"""Backup and restore: an encrypted, verifiable archive of the database and the instance files.

sealed.py (encryption), rows.py and layout.py (the archive's content) are pure; tables.py reads and
writes rows with SQLAlchemy; snapshot.py makes a backup, restore.py and targets.py restore one; cli.py
holds the commands.
"""

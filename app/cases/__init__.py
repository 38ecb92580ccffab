"""The cartella sociale: case records of minors kept as ODK entities, their pages, identities and imports."""

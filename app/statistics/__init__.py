"""Disclosure-safe territorial statistics over case records and monitoring submissions."""

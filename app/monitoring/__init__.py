"""Reporting cycles of monitoring forms: who must file for which period, and who has."""

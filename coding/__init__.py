"""Qualitative coding of transcripts: pure logic, no Flask."""

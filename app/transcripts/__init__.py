"""Qualitative coding: studies, transcripts with speakers, the codebook, codings, memos and agreement."""

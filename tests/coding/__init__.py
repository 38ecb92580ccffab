"""Tests of the coding package: agreement coefficients and REFI-QDA exchange."""

"""The load and fault suite of issue #11 (bench/load/run.py); not part of the test run."""

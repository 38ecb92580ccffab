"""Statistics, territorial aggregation with disclosure control, charts: pure logic, no Flask."""

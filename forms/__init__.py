"""XLSForm -> XForm -> form engine: pure logic, no Flask."""

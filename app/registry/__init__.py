"""The services registry: services and agencies with their type, legal reference, provider and capacity."""

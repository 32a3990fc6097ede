"""Urban data's reads, one module per component."""

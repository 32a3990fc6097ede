"""Live tracking: shapes (projection of positions), matching of positions to trips, arrival
predictions and the GTFS-realtime feeds. Pure code where possible, so the simulation and
the benchmarks use it without a database."""

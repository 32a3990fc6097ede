"""GTFS static: reading and validating a feed (``reader``), and writing the city's own
(``export``). The reader touches no database: it turns a zip into checked rows and a report."""

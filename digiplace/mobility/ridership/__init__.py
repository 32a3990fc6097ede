"""Pure code of anonymised ridership (no database): the keyed hash of card ids, the day's
counts from taps, and the k-anonymity rules that decide which figures may be published."""

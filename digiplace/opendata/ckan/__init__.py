"""A CKAN-compatible read API (CKAN's action API, version 3) over the city's published
datasets, for harvesters (the national portal runs CKAN) and tools written for CKAN."""

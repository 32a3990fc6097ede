"""Demo data of the waste module: ``manage.py waste_demo`` (after ``urbandata_demo``)."""

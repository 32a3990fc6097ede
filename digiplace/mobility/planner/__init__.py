"""The journey planner: an in-memory timetable of one service day (``timetable``), RAPTOR
over it (``raptor``) and a plain Dijkstra over the time-expanded graph as the baseline that
checks it (``dijkstra``). Nothing here touches the database except ``timetable.from_database``;
the tests and the bench load the Cairns feed straight from its zip."""

"""Time one ``js.load_model()`` in a fresh process (imports done first) and print
the wall and CPU seconds as JSON. Run by run.py with JAKSTAT_CACHE_DIR set: an empty
directory gives a cold compile, a filled one a cached load."""

import json
import time

import libsbml  # noqa: F401  (imported here so only the load itself is timed)
import roadrunner  # noqa: F401

import jakstat_sbml as js

cpu, start = time.process_time(), time.perf_counter()
js.load_model()
print(json.dumps({"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}))

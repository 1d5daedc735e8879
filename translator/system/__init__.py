"""What the project asks of the machine: durable writes (:mod:`.durable`), progress on a terminal
(:mod:`.terminal`), a free port (:mod:`.ports`), the C allocator's knobs (:mod:`.allocator`) and
the server's SQLite records of API keys and suggestions (:mod:`.records`).

Layer: imports the base modules (options, results, paths, errors) only.
"""

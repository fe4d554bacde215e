"""deploy/: the example configs, the template renderer (render.py) and the
production stack on one machine (local_stack.py, for the stack tests and the
benchmarks). A package so those import as ``deploy.render`` and
``deploy.local_stack``; the files themselves are used as they are."""

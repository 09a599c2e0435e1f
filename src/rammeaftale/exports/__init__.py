"""Export jobs: documents too large to make while the user waits are made by the worker, with progress."""

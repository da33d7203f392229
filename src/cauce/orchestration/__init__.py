"""The orchestration core: which state transitions are allowed, the same for every writer."""

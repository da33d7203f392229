"""Running deployments' flow runs: the process that runs one (`execute`), and the loop
that claims due runs and starts those processes (`flow.serve()` today, workers next)."""

"""Loops inside the server process: the scheduler now; late runs, the watchdog and crash
detection join it. Each is a function of `now` on a connection (so tests call it with any
time) run by `loop.run_every`."""

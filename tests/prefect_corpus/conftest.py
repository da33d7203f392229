"""The scripts under flows/ are data (Prefect user code run as subprocesses), never test modules."""

collect_ignore_glob = ["flows/*"]

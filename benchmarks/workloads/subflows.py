"""A parent flow calling 50 trivial subflows one after another."""

from _workload_support import measure_batch, workload_size

from cauce import flow


@flow
def child(i: int) -> int:
    return i


@flow
def parent(n: int) -> int:
    return sum(child(i) for i in range(n))


if __name__ == "__main__":
    measure_batch(parent, workload_size(50), unit="subflow")

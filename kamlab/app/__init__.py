"""The served page (issue #12 fills this package; issue #18 adds the kernel manager, kernels.py)."""

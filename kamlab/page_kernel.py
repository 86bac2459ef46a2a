"""Kept so that configurations naming ``kamlab.page_kernel`` keep working: the page kernel now lives in
`kamlab.app.page_kernel` (``python -m kamlab.page_kernel`` still starts it)."""
from __future__ import annotations

from kamlab.app.page_kernel import LAUNCHER, LEFT_OUT, PageKernelSpecManager, main

__all__ = ["PageKernelSpecManager", "main", "LEFT_OUT", "LAUNCHER"]

if __name__ == "__main__":
    main()

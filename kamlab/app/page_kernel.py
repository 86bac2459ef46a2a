"""The kernel the Voila app runs its pages in: ipykernel without two modules a served page never uses.

A classroom runs one kernel per open page, thirty at a time on one machine, so every megabyte counts
thirty times (issue #6 asks for under 150 MB a kernel). Two imports cost a page kernel 64 MB and give
a page nothing:

- pyarrow (56 MB): pandas 3 imports it whenever it is installed, to back its default string dtype.
  Without it pandas stores strings as Python objects (pandas' documented fallback), which the case
  company's thousands of lines do not notice; kamlab's ERP-scale paths use Arrow when it is there.
- debugpy (8 MB): ipykernel imports it for the JupyterLab debugger, which nobody opens on a page.

`sys.modules[name] = None` makes ``import name`` raise ImportError (the import system's documented
way to block a module), and both libraries treat that as "not installed". JupyterLab (`make lab`),
the grader and the test suite keep the full kernel.

voila.json selects it: ``VoilaConfiguration.kernel_spec_manager_class`` is `PageKernelSpecManager`,
which runs every Python notebook's kernel through this module, forked from the kernel forge where the
system allows (`kamlab.app.forge`: the imports above are then paid once, not per page).
"""
from __future__ import annotations

import sys
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

__all__ = ["PageKernelSpecManager"]

LEFT_OUT = ("pyarrow", "debugpy")
LAUNCHER = "ipykernel_launcher"


class PageKernelSpecManager(KernelSpecManager):
    """Kernel specs as installed, except that a Python kernel starts through `kamlab.app.page_kernel`."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        if spec.language.lower() == "python" and LAUNCHER in spec.argv:
            spec.argv = ["kamlab.app.page_kernel" if arg == LAUNCHER else arg for arg in spec.argv]
            spec.metadata = {**spec.metadata, "debugger": False}
            from kamlab.app import forge  # here, not at the top: every page kernel runs this module

            if forge.available():
                spec.metadata["kernel_provisioner"] = {"provisioner_name": forge.PROVISIONER, "config": {}}
        return spec


def main() -> None:
    """Start ipykernel as `python -m ipykernel_launcher` does, with `LEFT_OUT` blocked."""
    for name in LEFT_OUT:
        sys.modules.setdefault(name, None)
    if sys.path[0] == "" or Path(sys.path[0]) == Path.cwd():
        del sys.path[0]  # as ipykernel_launcher: the kernel puts the notebook's folder back itself
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()

"""This process's place in a multi-process run, through accelerate's ``PartialState``.

``torchrun`` and ``accelerate launch`` set RANK / WORLD_SIZE / LOCAL_RANK (MPI launchers their
own variables); ``PartialState`` reads them and joins the process group. The group only waits and
exchanges small Python objects (file lists, results), so it runs over the CPU (gloo): it needs
no GPU memory, and works with more processes than GPUs. Devices are picked here, not by the group:
``cuda:{local process index}`` on a GPU machine.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from translator.options import ENV_BATCH_TIMEOUT, env_int, launched_processes

logger = logging.getLogger("translator")

DEFAULT_TIMEOUT = 7 * 24 * 3600  # one process may translate for days while another waits


class Processes:
    """The processes of one run (a run of one needs no launcher): rank, size, waiting, gathering."""

    def __init__(self) -> None:
        from accelerate import PartialState

        timeout = timedelta(seconds=env_int(ENV_BATCH_TIMEOUT, DEFAULT_TIMEOUT))
        # cpu=True: the group's own device is the CPU (gloo), whatever devices the models use
        self.state = PartialState(cpu=True, timeout=timeout)
        launched = launched_processes()
        if launched > 1 and self.state.num_processes != launched:
            raise RuntimeError(
                f"WORLD_SIZE is {launched} but accelerate joined {self.state.num_processes} "
                "process(es): start the run with torchrun or accelerate launch"
            )

    @property
    def rank(self) -> int:
        """This process's index among all of them (0 is the main process)."""
        return self.state.process_index

    @property
    def world(self) -> int:
        """How many processes run."""
        return self.state.num_processes

    @property
    def local_rank(self) -> int:
        """This process's index on its machine (picks its GPU)."""
        return self.state.local_process_index

    @property
    def main(self) -> bool:
        """True in the process that tidies OUT_DIR and writes the report."""
        return self.state.is_main_process

    def barrier(self) -> None:
        """Wait until every process gets here."""
        self.state.wait_for_everyone()

    def all_gather(self, obj: Any) -> list[Any]:
        """Every process's ``obj``, in rank order, on every process."""
        from accelerate.utils import gather_object

        return list(gather_object([obj]))

    def device(self, requested: str) -> str:
        """``requested`` (a checked device name), except that ``auto``/``cuda`` become
        ``cuda:{local index}`` when several processes share a GPU machine."""
        if self.world > 1 and requested in ("auto", "cuda"):
            import torch

            if torch.cuda.is_available():
                return f"cuda:{self.local_rank % torch.cuda.device_count()}"
        return requested

    def close(self) -> None:
        """Leave the process group (a run of one has none)."""
        if self.world > 1:
            self.state.destroy_process_group()

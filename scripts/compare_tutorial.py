"""The README's main job with torch side by side: runs tinygrad_lite's seed walkthrough
(python -m tinygrad_lite.tutorial) and the same programs on real torch, one thread, from identical
initial values. Arguments as the tutorial's: [--steps N] [--device D] [--graph DIR] [--no-progress].

torch is imported here, outside the package: tinygrad_lite itself never imports it."""
import sys

from tinygrad_lite import tutorial


def _torch():
    try:
        import torch
    except ImportError:
        print("torch is not installed: showing tinygrad_lite's numbers only "
              "(pip install torch==2.13.0 to see them side by side)")
        return None
    torch.set_num_threads(1)
    return torch


if __name__ == "__main__":
    sys.exit(tutorial.main(reference=_torch()))

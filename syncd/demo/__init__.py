"""``syncd demo``: the whole loop against emulated trackers, with no credentials."""

from syncd.demo.run import DemoResult, run_demo

__all__ = ["DemoResult", "run_demo"]

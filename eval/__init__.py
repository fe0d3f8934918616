"""Evaluation harness: `from eval import run_eval`."""

from eval.dataset import EvalCase, load_testset
from eval.run import EvalReport, run_eval

__all__ = ["EvalCase", "EvalReport", "load_testset", "run_eval"]

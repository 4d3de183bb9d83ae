"""The one retry policy of the process pool and Ray (``nasbench.executors.CrashRetry``)."""

from __future__ import annotations

from nasbench.executors import CrashRetry, JobFailed


def test_a_dead_worker_puts_its_job_first_in_line_once_then_fails_it():
    jobs = CrashRetry(["a", "b"])
    assert jobs.take() == ("a", 1)
    assert jobs.worker_died("a", 1, "died {attempts}x") is None
    assert jobs.take() == ("a", 2)  # retried before the jobs that never ran
    failed = jobs.worker_died("a", 2, "died {attempts}x")
    assert isinstance(failed, JobFailed) and failed.crashed and failed.attempts == 2 and failed.reason == "died 2x"
    assert jobs.take() == ("b", 1) and not jobs


def test_finished_outcomes_learn_their_attempt_count():
    class Score:
        attempts = 1

    scores = [Score(), Score()]
    assert CrashRetry.finished(scores, 2) is scores and [s.attempts for s in scores] == [2, 2]
    assert CrashRetry.finished(JobFailed("boom"), 2).attempts == 2
    assert CrashRetry.finished(7, 2) == 7


def test_no_retries_fails_at_the_first_death():
    jobs = CrashRetry([1], retries=0)
    assert jobs.worker_died(*jobs.take(), "gone").crashed

"""Scheduled and on-demand work: the task runner, the task list and the scheduler."""

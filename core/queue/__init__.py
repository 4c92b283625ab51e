"""The distributed job queue: fronts enqueue, workers build, on one PostgreSQL.

With DATABASE_URL set, `vocabot run` and `vocabot serve-api` are *fronts*: they write a
job's row, ask procrastinate's queue for a build of its deck key, and follow the job
through events; `vocabot worker` processes (any number, anywhere) take builds from the
queue and run today's JobRunner and Pipeline on them. The pieces:

- `_builds`: builds in procrastinate's queue, one per deck key (its locks make the
  single flight across processes);
- `_turns`: one submission per user at a time, so limits hold across processes;
- `_wire`: the events between processes (a job's updates, cancellations, the queue
  moving) and the Bus that carries them (LISTEN/NOTIFY in storage.postgres);
- `_front`: QueueFront, the runner fronts hand the action layer (core.jobs.Runner);
- `_worker`: BuildWorker, a procrastinate worker that builds with a JobRunner, hands
  builds back at shutdown and takes over those of a worker that stopped answering.
"""

from core.queue._builds import BUILD_TASK, QUEUE, BuildKey, Builds
from core.queue._front import QueueFront
from core.queue._turns import Turns, UserLoad
from core.queue._wire import Bus, Event
from core.queue._worker import BuildWorker

__all__ = [
    "BUILD_TASK",
    "QUEUE",
    "BuildKey",
    "BuildWorker",
    "Builds",
    "Bus",
    "Event",
    "QueueFront",
    "Turns",
    "UserLoad",
]

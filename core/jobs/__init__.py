"""The job runner: the lifecycle of "make a deck for this user from this video".

- Cache: a video already built with the same settings (video, caption languages, learner
  language, level, prompt version, model) is delivered at once with zero LLM calls.
- Single-flight: requests for the same key while a build runs attach to that build
  (a *flight*); every requester gets its own job, progress and deck.
- Fairness: flights wait for a video slot in a round-robin queue per user, and their LLM
  calls share the LLM client's fair global limit; waiting jobs see their queue position.
- Limits: running jobs per user, a cool-down between submissions; checked and reserved in
  one step, so concurrent submissions cannot all slip past.
- Durability: a job's row is written before the face's immediate reply (`announce`), so a
  crash right after the reply resumes the job; a request delivered twice (`source_key`)
  makes one job. After a crash, jobs left queued or running are resumed, reusing the chunk
  answers saved so far, and their chats are told through the adapter that owns them (a
  Notifier per platform); a job whose end was never told is told at the next start.
- A finished job never changes state again.
- Listeners get updates through a coalescing mailbox each: a slow or failing listener
  never blocks the pipeline or other listeners.

The runner is composed of parts, each with its own state and a narrow interface:
`Tracker` (`_tracking`: the jobs this process follows, their mailboxes and updates),
`Flights` (`_flights`: the cache, single-flight builds keyed by deck key, video slots),
`UserLimits` (`_limits`: running jobs and cool-down per user) and `Drain` (`_drain`: no
new jobs at shutdown, the builds' grace, the last updates' grace). `JobRunner` (`_runner`)
submits, cancels, resumes and shuts down with them. The queue's front (core.queue) is
built from the same Tracker, UserLimits and Drain; `_interface` is the Runner protocol
both offer.
"""

from core.jobs._drain import LAST_UPDATE_GRACE_DEFAULT, Drain, cancel_chores
from core.jobs._flights import Flights, without_known
from core.jobs._interface import Runner
from core.jobs._limits import RETRY_IN_DEFAULT, UserLimits
from core.jobs._runner import JobRunner
from core.jobs._tracking import Job, Tracker, new_record
from core.jobs._updates import Announce, JobHandle, JobUpdate, Listener, Notifier

__all__ = [
    "LAST_UPDATE_GRACE_DEFAULT",
    "RETRY_IN_DEFAULT",
    "Announce",
    "Drain",
    "Flights",
    "Job",
    "JobHandle",
    "JobRunner",
    "JobUpdate",
    "Listener",
    "Notifier",
    "Runner",
    "Tracker",
    "UserLimits",
    "cancel_chores",
    "new_record",
    "without_known",
]

"""Building a deck: a link or a subtitle file in, a job out; following and stopping it."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from core import errors
from core.actions._learners import Learners
from core.actions._parts import Part, Shared
from core.actions._values import Cancelled
from core.jobs import Announce, JobHandle, Listener, Runner
from core.store import JobRecord, Notify, User
from core.subtitles import DEFAULT_MAX_BYTES, read_upload


class Builds(Part):
    def __init__(
        self,
        shared: Shared,
        *,
        upload_max_bytes: int = DEFAULT_MAX_BYTES,
        max_video_minutes: int = 180,
    ) -> None:
        super().__init__(shared)
        self.upload_max_bytes = upload_max_bytes
        self.max_video_minutes = max_video_minutes  # a file with more cues is not a video

    @property
    def runner(self) -> Runner:
        if self._runner is None:
            raise RuntimeError("this process has no job runner (opened without an LLM)")
        return self._runner

    async def submit(
        self,
        user: User,
        video_id: str,
        *,
        notify: Notify | None = None,
        listener: Listener | None = None,
        source_key: str | None = None,
        announce: Announce | None = None,
        refresh: bool = False,
    ) -> JobHandle:
        """Start, join or serve from the cache a deck of this video for this learner.

        `announce` is the face's immediate reply, sent once the job's row exists;
        `source_key` (platform, chat, message) makes a redelivered request the same job;
        `refresh` rebuilds a deck the cache already has. The learner's settings are checked
        here, whichever face built them (BadSetting).
        """
        user = Learners.with_settings(
            user, learner_language=user.learner_language, level=user.level
        )
        return await self.runner.submit(
            user,
            video_id,
            notify=notify,
            listener=listener,
            source_key=source_key,
            announce=announce,
            refresh=refresh,
        )

    async def submit_file(
        self,
        user: User,
        data: bytes,
        filename: str,
        *,
        hint: str = "",
        notify: Notify | None = None,
        listener: Listener | None = None,
        source_key: str | None = None,
        announce: Announce | None = None,
        refresh: bool = False,
    ) -> JobHandle:
        """A deck from a subtitle file the learner sent; `hint` (its caption) may link it to
        a video. A bad file is refused here, before any job exists."""
        upload = await asyncio.to_thread(
            read_upload,
            data,
            filename,
            hint=hint,
            max_bytes=self.upload_max_bytes,
            max_minutes=self.max_video_minutes,
        )
        await self._store.save_upload(upload)
        try:
            return await self.submit(
                user,
                upload.key,
                notify=notify,
                listener=listener,
                source_key=source_key,
                announce=announce,
                refresh=refresh,
            )
        except errors.VocabotError:
            # Refused (a limit, a quota): no job names the file, so nothing keeps it.
            await self._store.drop_unused_upload(upload.key)
            raise

    async def cancel(self, user: User, job_id: str | None = None) -> Cancelled:
        """Stop this learner's videos (or one of them), and close an open quiz."""
        videos = await self._runner.cancel(user.id, job_id) if self._runner else 0
        ended = await self._quiz.end(user.id) if job_id is None else False
        return Cancelled(videos, ended)

    async def job(self, user: User, job_id: str) -> JobRecord | None:
        """One of this learner's jobs (None if it is not theirs), live progress included."""
        record = await self._store.get_job(user.id, job_id)
        live = self.runner.progress(user.id, job_id)
        if record is None or live is None:
            return record
        return replace(record, progress=live)

    def follow(self, user: User, job_id: str, listener: Listener) -> bool:
        """Tell `listener` a running job's progress until it ends (False: it is not running)."""
        return self.runner.subscribe(user.id, job_id, listener)

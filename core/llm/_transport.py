"""The HTTP transport for LLM calls: the connection pool split into small pools.

httpcore's pool manages its connections in O(connections²) on every request added or
finished (each idle connection counts every connection again), so with ~100 connections
and ~100 calls in flight the client itself spent ~0.5-0.7 s per build on bookkeeping
(docs/benchmarks.md). Here the connections are split into pools of at most `POOL_SIZE`,
and each request goes to the pool with the fewest requests in flight: the same number of
connections in all, each pool's bookkeeping bounded by its own size.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable
from functools import cache, partial

import httpx

POOL_SIZE = 16  # connections per pool


class SplitPoolTransport(httpx.AsyncBaseTransport):
    """`connections` pooled connections in all, as pools of at most `pool_size` each."""

    def __init__(
        self,
        connections: int,
        *,
        pool_size: int = POOL_SIZE,
        make_pool: Callable[[int], httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        """`make_pool(size)` makes one pool (default: httpx's, with `size` connections)."""
        pools = max(1, -(-connections // max(1, pool_size)))
        size = -(-connections // pools)  # spread evenly: 132 -> 9 pools of 15
        self.pool_size = size
        if make_pool is None:
            make_pool = partial(_httpx_pool, tls_context())
        self.pools = [make_pool(size) for _ in range(pools)]
        self.in_flight = [0] * pools
        self.connections = size * pools  # the most connections open at once, in all

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = min(range(len(self.pools)), key=self.in_flight.__getitem__)
        self.in_flight[index] += 1
        try:
            response = await self.pools[index].handle_async_request(request)
        except BaseException:
            self.in_flight[index] -= 1
            raise
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_Counted(response.stream, self, index),  # type: ignore[arg-type]
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        for pool in self.pools:
            await pool.aclose()


@cache
def tls_context() -> ssl.SSLContext:
    """httpx's default certificate checks (certifi's CA bundle, or SSL_CERT_FILE or
    SSL_CERT_DIR as they were at the first call), made once per process. httpx loads the
    bundle again for every client and pool it makes (~20-25 ms each: 0.2 s of every start
    with the default 9 pools); every client of ours passes this one as `verify`."""
    return httpx.create_ssl_context()


def _httpx_pool(tls: ssl.SSLContext, size: int) -> httpx.AsyncBaseTransport:
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    return httpx.AsyncHTTPTransport(verify=tls, limits=limits)


class _Counted(httpx.AsyncByteStream):
    """A response body that gives its pool's count back when it is closed."""

    def __init__(
        self, stream: httpx.AsyncByteStream, owner: SplitPoolTransport, index: int
    ) -> None:
        self._stream = stream
        self._owner = owner
        self._index = index
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._owner.in_flight[self._index] -= 1
            await self._stream.aclose()

"""A loopback TCP forwarder with a switch, to take a dependency away without stopping it.

    proxy = TcpProxy("127.0.0.1", 5432).start()   # proxy.port forwards to 5432
    proxy.cut()         # nothing listens on proxy.port; open connections are reset
    proxy.blackhole()   # connections are accepted but never answered (a partition)
    proxy.restore()     # forwarding again, on the same port

It runs its own event loop in a daemon thread, so sync tests and live gateway processes
can both use it. The real server behind it (the shared PostgreSQL, the Ollama test
server) is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from concurrent.futures import Future

_CHUNK = 64 * 1024


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, *, host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.host = host
        self.port = 0
        self.mode = "forward"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """`http://host:port` of the proxy, for HTTP dependencies."""
        return f"http://{self.host}:{self.port}"

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> TcpProxy:
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        ready.result(timeout=10)
        self._call(self._listen())
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = None

    def _run(self, ready: Future[None]) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.call_soon(ready.set_result, None)
        self._loop.run_forever()
        self._loop.close()

    def _call(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    # --- the switch ----------------------------------------------------------------------
    def cut(self) -> None:
        """Stop listening and reset every open connection: connects are refused."""
        self.mode = "cut"
        self._call(self._close())

    def blackhole(self) -> None:
        """Accept connections but never forward or answer them; drop the open ones."""
        self.mode = "blackhole"
        self._call(self._close(keep_listening=True))
        self._call(self._listen())

    def restore(self) -> None:
        """Forward again, on the same port."""
        self.mode = "forward"
        self._call(self._listen())

    # --- event loop side -----------------------------------------------------------------
    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._accept, self.host, self.port, reuse_address=True
            )
            self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self, *, keep_listening: bool = False) -> None:
        if self._server is not None and not keep_listening:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if self.mode != "forward":
            return  # blackholed: held open (until cut or restored) and never answered
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.add(up_writer)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        self._writers.discard(writer)
        self._writers.discard(up_writer)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError):
        writer.close()

"""Build and run the streaming speech engine (``central156 speech serve``)."""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from citizen_center.config import Settings
from ivr.speech.base import Pcm
from ivr.speech.select import choose_model
from ivr.speech.whisper_engine import WhisperRecognizer
from ivr.streaming.endpointing import RATE, vad_session
from ivr.streaming.engine import EngineThread, SpeechEngine, build_engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recognizers:
    """The engine's Whisper decoders: ``parallel`` (``decoders`` one-core replicas, for load)
    and ``alone`` (every core on one decode, for a lone turn; None when turned off)."""

    parallel: WhisperRecognizer
    alone: WhisperRecognizer | None


def whisper_for_streaming(settings: Settings) -> Recognizers:
    """The engine's recognisers: Whisper (the one that decodes audio from memory)."""
    models_dir = settings.ivr.resolved_models_dir()
    model = choose_model("whisper", models_dir)
    folder, streaming = model.folder(models_dir), settings.streaming
    parallel = WhisperRecognizer(
        folder, model.language, threads=streaming.decoder_threads, workers=streaming.decoders
    )
    alone = (
        WhisperRecognizer(folder, model.language, threads=streaming.alone_threads)
        if streaming.alone_threads
        else None
    )
    # A replica's first decode initialises it lazily (seconds): not on a caller's turn. The
    # parallel replicas warm side by side, so each gets one.
    quiet = Pcm(np.zeros(RATE, dtype=np.int16), RATE)
    with ThreadPoolExecutor(streaming.decoders) as warming:
        list(warming.map(lambda _: parallel.recognize_pcm(quiet), range(streaming.decoders)))
    if alone is not None:
        alone.recognize_pcm(quiet)
    vad_session()
    return Recognizers(parallel, alone)


def engine_for(settings: Settings) -> SpeechEngine:
    """Raises ``SpeechUnavailableError`` when no Whisper model is installed."""
    recognizers = whisper_for_streaming(settings)
    return build_engine(
        settings.streaming,
        recognizers.parallel,
        settings.ivr.recognition_wait_s,
        alone=recognizers.alone,
    )


def start_engine_thread(settings: Settings, host: str = "127.0.0.1", port: int = 0) -> EngineThread:
    """The engine in a thread of this process (the demo, tests and bench); ``.stop()`` it."""
    return EngineThread(engine_for(settings), host, port).start()


def serve_forever(settings: Settings, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT (calls in progress lose their speech object: the IVR
    asks their question again on another engine, or records it)."""
    engine = engine_for(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        server = await engine.serve(host, port)
        log.info("speech engine listening on ws://%s:%d", host, port)
        await stop.wait()
        server.close()
        await server.wait_closed()
        await engine.scheduler.stop_decoders()

    try:
        asyncio.run(main())
    finally:
        engine.scheduler.shutdown()

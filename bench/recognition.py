"""Recognition benchmark: intent accuracy and latency per engine on held-out pt-BR utterances.

    .venv/bin/python -m bench.recognition [--engines whisper,whisper-free,vosk] [--limit N]

The utterances below are never used by the tests. Each is synthesised with several espeak-ng
pt-BR voices at 8 kHz (the only pt-BR synthesis available offline), some with added noise, then
recognised and mapped to an intent. "seconds" is the time from the end of the recording to the
decision (recognition + intent); RTF is that time over the audio's length.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from citizen_center.config import load_settings
from ivr.intent import Intent, IntentKind, IntentMatcher, MenuContext
from ivr.speech.base import Recognizer, SpeechUnavailableError
from ivr.speech.models import VOSK_PT, WHISPER_BASE, model_info
from ivr.speech.select import build_recognizer


@dataclass(frozen=True)
class Utterance:
    text: str
    context: MenuContext
    kind: IntentKind
    # The service's queue for SERVICE, the digits for DIGITS, "" otherwise.
    target: str = ""


S, D = IntentKind.SERVICE, IntentKind.DIGITS
M, C, P, V = MenuContext.MAIN, MenuContext.CONFIRM, MenuContext.PROTOCOL, MenuContext.SURVEY
HELD_OUT: tuple[Utterance, ...] = (
    Utterance("a luz do poste da minha rua não acende", M, S, "servicos-urbanos"),
    Utterance("tem uma lâmpada queimada na frente de casa", M, S, "servicos-urbanos"),
    Utterance("um poste caído na avenida", M, S, "servicos-urbanos"),
    Utterance("a rua está cheia de buracos", M, S, "servicos-urbanos"),
    Utterance("uma cratera no asfalto", M, S, "servicos-urbanos"),
    Utterance("preciso de uma poda de árvore", M, S, "servicos-urbanos"),
    Utterance("um galho grande caiu na calçada", M, S, "servicos-urbanos"),
    Utterance("o aparelho de ginástica da praça quebrou", M, S, "servicos-urbanos"),
    Utterance("não recolheram o lixo hoje", M, S, "limpeza-urbana"),
    Utterance("a coleta seletiva não passou", M, S, "limpeza-urbana"),
    Utterance("tem entulho largado na esquina", M, S, "limpeza-urbana"),
    Utterance("o mato alto tomou conta da praça", M, S, "limpeza-urbana"),
    Utterance("vazamento de água na rua", M, S, "agua-esgoto"),
    Utterance("faltou água no meu bairro", M, S, "agua-esgoto"),
    Utterance("o esgoto está transbordando", M, S, "agua-esgoto"),
    Utterance("a água da torneira está barrenta", M, S, "agua-esgoto"),
    Utterance("o bueiro está entupido", M, S, "agua-esgoto"),
    Utterance("o semáforo do cruzamento está apagado", M, S, "transito-transporte"),
    Utterance("tem um carro na calçada", M, S, "transito-transporte"),
    Utterance("o ônibus da linha não passou", M, S, "transito-transporte"),
    Utterance("achei um foco de dengue", M, S, "geral"),
    Utterance("um cachorro na rua está atacando as pessoas", M, S, "geral"),
    Utterance("quero fazer uma reclamação na ouvidoria", M, S, "geral"),
    Utterance("preciso do boleto do imposto", M, S, "geral"),
    Utterance("um terreno baldio cheio de lixo", M, S, "geral"),
    Utterance("quero falar com um atendente", M, IntentKind.AGENT),
    Utterance("atendente por favor", M, IntentKind.AGENT),
    Utterance("quero saber do meu protocolo", M, IntentKind.CONSULT_PROTOCOL),
    Utterance("sim", C, IntentKind.YES),
    Utterance("sim, isso mesmo", C, IntentKind.YES),
    Utterance("correto", C, IntentKind.YES),
    Utterance("não", C, IntentKind.NO),
    Utterance("não, está errado", C, IntentKind.NO),
    Utterance("um", C, IntentKind.YES),
    Utterance("cinco", V, D, "5"),
    Utterance("quatro", V, D, "4"),
    Utterance("nota três", V, D, "3"),
    Utterance("sete oito nove", P, D, "789"),
    Utterance("dois zero dois seis", P, D, "2026"),
    Utterance("zero zero um cinco", P, D, "0015"),
    Utterance("um dois três quatro cinco seis", P, D, "123456"),
    Utterance("nove oito sete seis", P, D, "9876"),
)
# Voices (espeak-ng pt-BR variants and speeds) and whether to add noise; each utterance uses one
# voice in turn, so the set mixes voices without multiplying the run time.
VOICES: tuple[tuple[str, int, bool], ...] = (
    ("pt-br", 150, False),
    ("pt-br+f3", 140, False),
    ("pt-br+m3", 160, True),
    ("pt-br+f2", 145, True),
)


def synthesize(text: str, voice: str, speed: int, noisy: bool, dest: Path) -> Path:
    raw = dest.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    clean = dest.with_suffix(".clean.wav") if noisy else dest
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                    str(clean), "pad", "0.3", "0.5"], check=True)
    if noisy:
        # Street noise at about 20 dB below the speech.
        subprocess.run(["sox", str(clean), "-p", "synth", "pinknoise", "vol", "0.03"],
                       check=True, capture_output=True)
        noise = dest.with_suffix(".noise.wav")
        duration = subprocess.run(["soxi", "-D", str(clean)], check=True, capture_output=True,
                                  text=True).stdout.strip()
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                        str(noise), "synth", duration, "pinknoise", "vol", "0.03"], check=True)
        subprocess.run(["sox", "-m", str(clean), str(noise), str(dest)], check=True)
    return dest


def correct(intent: Intent, expected: Utterance) -> bool:
    if intent.kind is not expected.kind:
        return False
    if expected.kind is IntentKind.SERVICE:
        return intent.queue_code == expected.target
    if expected.kind is IntentKind.DIGITS:
        return intent.digits == expected.target
    return True


@dataclass(frozen=True)
class Row:
    engine: str
    utterances: int
    accuracy: float
    rejected: int
    mean_seconds: float
    p95_seconds: float
    rtf: float


def run_engine(name: str, recognizer: Recognizer, use_phrases: bool, matcher: IntentMatcher,
               audio: Sequence[tuple[Utterance, Path]], verbose: bool) -> Row:
    # One warm-up call: the first inference allocates buffers and is not representative.
    recognizer.recognize(audio[0][1], matcher.phrases() if use_phrases else None)
    good, rejected, seconds, rtfs = 0, 0, [], []
    for utterance, path in audio:
        started = time.perf_counter()
        phrases = matcher.phrases(utterance.context) if use_phrases else None
        result = recognizer.recognize(path, phrases)
        intent = matcher.match(result.text, utterance.context)
        elapsed = time.perf_counter() - started
        ok = correct(intent, utterance)
        good += ok
        rejected += intent.kind is IntentKind.UNKNOWN
        seconds.append(elapsed)
        rtfs.append(elapsed / result.audio_seconds)
        if verbose:
            print(f"  [{name}] {'ok ' if ok else 'BAD'} {utterance.text!r} -> {result.text!r} "
                  f"({result.transcript!r}) {intent.kind} {intent.queue_code or intent.digits}")
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Row(name, len(audio), good / len(audio), rejected, statistics.mean(seconds), p95,
               statistics.mean(rtfs))


def print_table(rows: Sequence[Row]) -> None:
    print(f"{'engine':<22}{'n':>4}{'accuracy':>10}{'rejected':>10}{'mean s':>9}{'p95 s':>8}"
          f"{'RTF':>7}")
    for r in rows:
        print(f"{r.engine:<22}{r.utterances:>4}{r.accuracy:>10.1%}{r.rejected:>10}"
              f"{r.mean_seconds:>9.2f}{r.p95_seconds:>8.2f}{r.rtf:>7.2f}")


ENGINES: dict[str, tuple[str, bool]] = {
    # name: (model, pass the context's phrases to the recogniser)
    "whisper": (WHISPER_BASE, True),
    "whisper-free": (WHISPER_BASE, False),
    "vosk": (VOSK_PT, True),
}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="whisper,whisper-free,vosk")
    parser.add_argument("--limit", type=int, default=0, help="only the first N utterances")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    models_dir = load_settings().ivr.resolved_models_dir()
    matcher = IntentMatcher.shipped()
    utterances = HELD_OUT[: args.limit] if args.limit else HELD_OUT
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-recognition-") as tmp:
        audio = [(u, synthesize(u.text, *VOICES[i % len(VOICES)], Path(tmp) / f"{i}.wav"))
                 for i, u in enumerate(utterances)]
        for name in args.engines.split(","):
            model_name, use_phrases = ENGINES[name]
            info = model_info(model_name)
            if not info.is_installed(models_dir):
                print(f"{name}: model {info.name} not installed in {models_dir}; skipped")
                continue
            try:
                recognizer = build_recognizer(info, models_dir)
            except SpeechUnavailableError as exc:
                print(f"{name}: {exc}")
                continue
            rows.append(run_engine(name, recognizer, use_phrases, matcher, audio, args.verbose))
    voices = ", ".join(f"{v} @{s} wpm{' +noise' if n else ''}" for v, s, n in VOICES)
    print(f"\n{len(utterances)} held-out utterances, 8 kHz, voices: {voices}")
    print_table(rows)


_: Callable[[Sequence[str] | None], None] = main

if __name__ == "__main__":
    main()

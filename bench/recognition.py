"""Recognition benchmark: intent accuracy and latency per engine and voice on held-out pt-BR.

    .venv/bin/python -m bench.recognition [--engines whisper,whisper-free,vosk]
                                          [--voices jf_alpha,jm_kumo,jf_nezumi,pt-br] [--limit N]

The utterances below are never used by the tests (checked at start against every string in
tests/ivr/*.py). Each is spoken by every voice of ``--voices`` at 8 kHz: Kokoro voices
(``ivr.speech.caller_voice``: Japanese voice styles fed pt-BR phonemes, the most natural speech
obtainable offline) and espeak-ng ``pt-br`` (robotic, the hard extreme); every third utterance
has pink line noise added. Each clip is then recognised and mapped to an intent in the context
the IVR would ask it in.

"seconds" is the time from the end of the recording to the decision (recognition + intent),
i.e. what the caller waits for after the IVR's silence detection; RTF is that time over the
clip's length (speech plus 0.8 s of padding). No human recordings exist here: figures are on
synthetic speech.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from citizen_center.config import IvrSettings, load_settings, user_cache_dir
from ivr.intent import Intent, IntentKind, IntentMatcher, MenuContext
from ivr.intent.normalise import normalise
from ivr.speech.base import Recognizer, SpeechUnavailableError
from ivr.speech.caller_voice import CallerVoice
from ivr.speech.caller_voice import Utterance as Spoken
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
    Utterance("me passa para uma atendente", M, IntentKind.AGENT),
    Utterance("atendente por favor", M, IntentKind.AGENT),
    Utterance("quero saber do meu protocolo", M, IntentKind.CONSULT_PROTOCOL),
    Utterance("sim senhora", C, IntentKind.YES),
    Utterance("sim, é isso aí", C, IntentKind.YES),
    Utterance("correto", C, IntentKind.YES),
    Utterance("negativo", C, IntentKind.NO),
    Utterance("não, está errado", C, IntentKind.NO),
    Utterance("número um", C, IntentKind.YES),
    Utterance("dou cinco", V, D, "5"),
    Utterance("quatro", V, D, "4"),
    Utterance("nota três", V, D, "3"),
    Utterance("sete oito nove", P, D, "789"),
    Utterance("dois zero dois seis", P, D, "2026"),
    Utterance("zero zero um cinco", P, D, "0015"),
    Utterance("um dois três quatro cinco seis", P, D, "123456"),
    Utterance("nove oito sete seis", P, D, "9876"),
)
# Kokoro voices (Japanese voice styles speaking pt-BR phonemes: the closest to a human caller
# available offline) and espeak-ng as the robotic extreme. Every utterance is spoken by every
# voice, so per-voice figures compare the same sentences.
DEFAULT_VOICES = ("jf_alpha", "jm_kumo", "jf_nezumi", "pt-br")
# Every NOISY_EVERY-th utterance gets pink "street" noise, about 25 dB below the speech.
NOISY_EVERY = 3
NOISE = 0.03
TESTS_DIR = Path(__file__).resolve().parent.parent / "tests" / "ivr"


def test_phrases(folder: Path = TESTS_DIR) -> set[str]:
    """Every string literal in the IVR tests, normalised: what the tests may say or hear."""
    found: set[str] = set()
    for source in folder.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(normalise(node.value))
    return found


def check_held_out(utterances: Sequence[Utterance]) -> None:
    """Refuse to report accuracy on sentences the tests use (they would not be held out)."""
    used = test_phrases()
    overlap = [u.text for u in utterances if normalise(u.text) in used]
    if overlap:
        raise SystemExit(f"utterances also used by tests/ivr: {overlap}")


def synthesize(voice: CallerVoice, utterance: Utterance, name: str, index: int) -> Path:
    noise = NOISE if index % NOISY_EVERY == NOISY_EVERY - 1 else 0.0
    return voice.speak(Spoken(utterance.text, voice=name, noise=noise, trail=0.5))


@dataclass(frozen=True)
class Clip:
    utterance: Utterance
    voice: str
    noisy: bool
    path: Path


def correct(intent: Intent, expected: Utterance) -> bool:
    if intent.kind is not expected.kind:
        return False
    if expected.kind is IntentKind.SERVICE:
        return intent.queue_code == expected.target
    if expected.kind is IntentKind.DIGITS:
        return intent.digits == expected.target
    return True


@dataclass(frozen=True)
class Outcome:
    clip: Clip
    ok: bool
    rejected: bool
    seconds: float
    rtf: float


@dataclass(frozen=True)
class Row:
    engine: str
    voice: str
    utterances: int
    accuracy: float
    rejected: int
    mean_seconds: float
    p95_seconds: float
    rtf: float


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summarise(engine: str, voice: str, outcomes: Sequence[Outcome]) -> Row:
    seconds = [o.seconds for o in outcomes]
    return Row(engine, voice, len(outcomes), sum(o.ok for o in outcomes) / len(outcomes),
               sum(o.rejected for o in outcomes), statistics.mean(seconds), p95(seconds),
               statistics.mean(o.rtf for o in outcomes))


def recognise_clip(name: str, recognizer: Recognizer, use_phrases: bool, matcher: IntentMatcher,
                   clip: Clip, verbose: bool) -> Outcome:
    expected = clip.utterance
    started = time.perf_counter()
    phrases = matcher.phrases(expected.context) if use_phrases else None
    result = recognizer.recognize(clip.path, phrases)
    # The IVR's own decision (ivr.call.AgiCall): the phrase, unless the transcript is clear.
    intent = matcher.match_speech(result.text, result.transcript, expected.context,
                                  IvrSettings().intent_accept_confidence)
    elapsed = time.perf_counter() - started
    ok = correct(intent, expected)
    if verbose:
        print(f"  [{name}/{clip.voice}{'+noise' if clip.noisy else ''}] {'ok ' if ok else 'BAD'} "
              f"{expected.text!r} -> {result.text!r} ({result.transcript!r}) {intent.kind} "
              f"{intent.queue_code or intent.digits}")
    return Outcome(clip, ok, intent.kind is IntentKind.UNKNOWN, elapsed,
                   elapsed / result.audio_seconds)


def run_engine(name: str, recognizer: Recognizer, use_phrases: bool, matcher: IntentMatcher,
               clips: Sequence[Clip], voices: Sequence[str], verbose: bool) -> list[Row]:
    """One row for the engine over every clip, then one per voice."""
    # One warm-up call: the first inference allocates buffers and is not representative.
    recognizer.recognize(clips[0].path, matcher.phrases() if use_phrases else None)
    outcomes = [recognise_clip(name, recognizer, use_phrases, matcher, c, verbose) for c in clips]
    rows = [summarise(name, "all", outcomes)]
    for voice in voices:
        rows.append(summarise(name, voice, [o for o in outcomes if o.clip.voice == voice]))
    noisy = [o for o in outcomes if o.clip.noisy]
    if noisy:
        rows.append(summarise(name, "(noisy clips)", noisy))
    return rows


def print_table(rows: Sequence[Row]) -> None:
    print(f"| {'engine':<13} | {'voice':<13} | {'n':>4} | {'accuracy':>8} | {'rejected':>8} "
          f"| {'mean s':>6} | {'p95 s':>6} | {'RTF':>5} |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r.engine:<13} | {r.voice:<13} | {r.utterances:>4} | {r.accuracy:>8.1%} "
              f"| {r.rejected:>8} | {r.mean_seconds:>6.2f} | {r.p95_seconds:>6.2f} "
              f"| {r.rtf:>5.2f} |")


ENGINES: dict[str, tuple[str, bool]] = {
    # name: (model, pass the context's phrases to the recogniser)
    "whisper": (WHISPER_BASE, True),
    "whisper-free": (WHISPER_BASE, False),
    "vosk": (VOSK_PT, True),
}


def make_clips(utterances: Sequence[Utterance], voices: Sequence[str]) -> list[Clip]:
    # The tests' cache folder: clips already spoken are reused (synthesis is the slow part).
    speaker = CallerVoice(user_cache_dir() / "caller-voice")
    return [
        Clip(u, voice, i % NOISY_EVERY == NOISY_EVERY - 1, synthesize(speaker, u, voice, i))
        for voice in voices
        for i, u in enumerate(utterances)
    ]


def load_engine(name: str) -> Recognizer | str:
    """The engine's recogniser, or why it cannot run here."""
    info = model_info(ENGINES[name][0])
    models_dir = load_settings().ivr.resolved_models_dir()
    if not info.is_installed(models_dir):
        return f"not installed (model {info.name} missing from {models_dir})"
    try:
        return build_recognizer(info, models_dir)
    except SpeechUnavailableError as exc:
        return str(exc)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--engines", default="whisper,whisper-free,vosk")
    parser.add_argument("--voices", default=",".join(DEFAULT_VOICES))
    parser.add_argument("--limit", type=int, default=0, help="only the first N utterances")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    matcher = IntentMatcher.shipped()
    utterances = HELD_OUT[: args.limit] if args.limit else HELD_OUT
    check_held_out(utterances)
    voices = args.voices.split(",")
    clips = make_clips(utterances, voices)
    rows: list[Row] = []
    for name in args.engines.split(","):
        recognizer = load_engine(name)
        if isinstance(recognizer, str):
            print(f"{name}: {recognizer}")
            continue
        rows += run_engine(name, recognizer, ENGINES[name][1], matcher, clips, voices,
                           args.verbose)
    noisy = sum(c.noisy for c in clips)
    print(f"\n{len(utterances)} held-out utterances x {len(voices)} voices = {len(clips)} clips "
          f"at 8 kHz ({noisy} with pink noise); voices: {', '.join(voices)}")
    print_table(rows)


if __name__ == "__main__":
    main()

"""Streaming speech turns: the caller's audio is recognised as it arrives, not recorded to a file.

**The transport: ``res_speech_aeap``** (Asterisk's generic speech API backed by an external
engine over the AEAP WebSocket protocol), chosen over ``AudioSocket()`` and ``chan_websocket``
after reading Asterisk 22's code (``res/res_speech_aeap.c``, ``res/res_aeap/*``,
``res/res_agi.c`` ``handle_speechrecognize``, ``apps/app_speech_utils.c``):

- It keeps Asterisk's speech semantics. ``SPEECH RECOGNIZE <prompt> <timeout>`` (AGI) plays the
  prompt and streams the caller's audio to the engine *while it plays*; keys end it at once, as
  today (``(digit)``); hang-up, no-input (the engine's empty results, or Asterisk's own timeout)
  and the results come back in one reply. The IVR stays a FastAGI script: no second audio path,
  no playback of our own. With AudioSocket the engine would own the call's audio both ways and
  have to play the prompts, detect DTMF and hand control back to the dialplan itself;
  ``chan_websocket`` is a channel (media to a WebSocket peer), the same trade.
- It shares the load with Asterisk's own addressing: every ``aeap.conf`` client is a speech
  engine by name, and each ``SPEECH CREATE <engine>`` opens its own WebSocket to that engine's
  URL. Several engine servers are several clients; the IVR picks one per call and moves to the
  next when ``SPEECH CREATE`` fails (engine down) or a turn gets no answer (engine died).
- Limits, from the code: the engine can only *end* a turn (``set results``); AEAP has no message
  that raises ``AST_SPEECH_QUIET``, so the prompt is not cut the instant the caller starts
  speaking but when their answer is recognised (their speech over the prompt is heard and is the
  answer; the next prompt starts at once). Asterisk's ``timeout`` counts whole seconds from the
  prompt's end and does not stop for speech, so the no-input time is the engine's (it is told
  the prompt's length) and Asterisk's timeout is only the safety net for a dead engine.

The parts: ``aeap`` (the protocol and how a recognition travels in it), ``endpointing``
(Silero VAD and the turn's start/end/no-input), ``engine`` (the WebSocket server, one session
per speech object, recognitions scheduled over bounded decoders), ``service`` (``central156
speech serve``), ``listen`` (the IVR's side: engine choice and the prompt file it plays).
"""

"""``pbx.channel_vars`` against the dialplan text and the Python code (no Asterisk needed).

The dialplan cannot import the enum, so these tests are what keeps the two spellings one: a
``C156_*`` name in a ``.conf`` that the enum does not define, a member nothing uses, a variable the
desktop reads that no one sets or that never reaches the agent all fail here.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from pathlib import Path

import pytest

from pbx.channel_vars import SPECS, ChannelVar, Party, Scope

ROOT = Path(__file__).resolve().parents[2]
DIALPLANS = sorted((ROOT / "dialplans").glob("*.conf"))
LAB = ROOT / "tests" / "fixtures" / "extensions_lab.conf"
NAME = re.compile(r"\bC156_[A-Z0-9_]+\b")
SET = re.compile(r"\bSet\((__)?(C156_[A-Z0-9_]+)=")
READ = re.compile(r"\$\{(C156_[A-Z0-9_]+)\}")
MEMBER = re.compile(r"\bChannelVar\.([A-Z][A-Z0-9_]*)\b")
PYTHON_DIRS = ("agent_desktop", "bench", "citizen_center", "demo", "ivr", "pbx", "tests")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def dialplan_text() -> str:
    return "\n".join(text(path) for path in DIALPLANS)


def extensions() -> str:
    return text(ROOT / "dialplans" / "extensions.conf")


def section(conf: str, name: str) -> str:
    match = re.search(rf"^\[{re.escape(name)}\][^\n]*\n(.*?)(?=^\[|\Z)", conf, re.M | re.S)
    assert match, f"[{name}] not found"
    return match.group(1)


def without_comments(conf: str) -> str:
    return "\n".join(line.split(";", 1)[0] for line in conf.splitlines())


def members_used_in(folder: str) -> set[ChannelVar]:
    found: set[ChannelVar] = set()
    for path in (ROOT / folder).rglob("*.py"):
        found.update(ChannelVar[name] for name in MEMBER.findall(text(path)))
    return found


def those(party: Party, *, setting: bool) -> set[ChannelVar]:
    return {v for v, spec in SPECS.items() if party in (spec.set_by if setting else spec.read_by)}


def test_every_member_has_its_description() -> None:
    assert set(SPECS) == set(ChannelVar)
    for variable, spec in SPECS.items():
        assert spec.meaning and spec.set_by and spec.read_by, variable
        assert not (spec.is_global and (spec.inherited or spec.in_ami_events)), variable


@pytest.mark.parametrize("path", [*DIALPLANS, LAB], ids=lambda p: p.name)
def test_every_name_in_the_dialplan_is_defined(path: Path) -> None:
    unknown = set(NAME.findall(text(path))) - {v.value for v in ChannelVar}
    assert not unknown, f"{path.name}: add {sorted(unknown)} to pbx/channel_vars.py"


def test_every_member_is_used_by_the_dialplan() -> None:
    used = set(NAME.findall(without_comments(dialplan_text())))
    unused = {v.value for v in ChannelVar} - used
    assert not unused, f"defined but used by no dialplan: {sorted(unused)}"


def test_globals_are_the_members_of_global_scope() -> None:
    globals_section = without_comments(section(extensions(), "globals"))
    defined = set(re.findall(r"^(C156_[A-Z0-9_]+)\s*=", globals_section, re.M))
    assert defined == {v.value for v in ChannelVar if v.spec.scope is Scope.GLOBAL}


def test_what_the_dialplan_sets_matches_the_table() -> None:
    sets = SET.findall(without_comments(extensions()))
    assert {name for _, name in sets} == {v.value for v in those(Party.DIALPLAN, setting=True)}
    for prefix, name in sets:
        assert bool(prefix) == ChannelVar(name).spec.inherited, f"{name}: inherited or not?"


def test_what_the_dialplan_reads_matches_the_table() -> None:
    read = set(READ.findall(without_comments(extensions())))
    assert read == {v.value for v in those(Party.DIALPLAN, setting=False)}


def test_the_ami_events_carry_exactly_the_call_variables() -> None:
    manager = text(ROOT / "dialplans" / "manager.conf")
    match = re.search(r"^channelvars\s*=\s*(.+)$", manager, re.M)
    assert match
    listed = {name.strip() for name in match.group(1).split(",")}
    assert listed == {v.value for v in ChannelVar if v.spec.in_ami_events}


def test_the_ivr_sets_what_the_table_says() -> None:
    assert members_used_in("ivr") == those(Party.IVR, setting=True)


def test_the_desktop_reads_what_the_table_says() -> None:
    assert members_used_in("agent_desktop") == those(Party.DESKTOP, setting=False)


@pytest.mark.parametrize("variable", sorted(those(Party.DESKTOP, setting=False)))
def test_what_the_desktop_reads_is_set_and_reaches_the_agent(variable: ChannelVar) -> None:
    spec = variable.spec
    assert spec.set_by & {Party.DIALPLAN, Party.IVR}, "nobody sets it"
    # AgentCalled lists the caller channel's variables named in manager.conf channelvars.
    assert spec.in_ami_events, "not in manager.conf channelvars: absent from AgentCalled"
    # The agent's own channel (DestChanVariable, the lab's answering member) has a copy only of
    # inherited variables: setinterfacevar and friends do not copy C156_* for us.
    assert spec.inherited, "not inherited: absent from the agent's channel"


def test_the_lab_agent_reads_only_what_reaches_its_channel() -> None:
    agent = without_comments(section(text(LAB), "c156-test-agent"))
    read = {ChannelVar(name) for name in READ.findall(agent)}
    assert read and all(v.spec.inherited for v in read)


def test_the_queues_let_the_survey_know_who_answered() -> None:
    # The survey's arguments name the member (MEMBERINTERFACE, MEMBERNAME): set on the caller's
    # channel only with setinterfacevar.
    assert re.search(r"^setinterfacevar\s*=\s*yes", text(ROOT / "dialplans" / "queues.conf"), re.M)


def string_literals(path: Path) -> Iterable[tuple[int, str]]:
    source = text(path)
    # Tokenizing every file is a second of the fast tier; a literal naming a variable spells
    # "C156_" in the source, so a file without it has none.
    if "C156_" not in source:
        return
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        # Triple-quoted strings are docstrings and prose, free to name the variables.
        if token.type == tokenize.STRING and '"""' not in token.string:
            yield token.start[0], token.string


def test_python_code_spells_no_name_itself() -> None:
    own = {ROOT / "pbx" / "channel_vars.py", Path(__file__).resolve()}
    literal = re.compile(r"(?<![\w`])_*C156_[A-Z0-9_]+(?![\w`])")
    found = [
        f"{path.relative_to(ROOT)}:{line}: {string}"
        for folder in PYTHON_DIRS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path not in own
        for line, string in string_literals(path)
        if literal.search(string)
    ]
    assert not found, "use pbx.channel_vars.ChannelVar:\n" + "\n".join(found)

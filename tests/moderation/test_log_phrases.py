"""The moderator log speaks in phrases ("Merged threads", "Resolved a report"), never in the codes
the services store (`thread_merge`, `report_resolve`).

Every code the code base can log is found by reading it (ast): the calls to `log_action`, the
forum services' `log_moderator_action` hook and the helpers that pass their `action` on to
them, with the code written in the call, chosen by a conditional, or looked up in a
module-level table. A new log call the reading cannot follow fails here, so a code cannot slip
past without a phrase."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.test import SimpleTestCase, TestCase

from parley.moderation.log.phrases import ACTION_PHRASES, action_detail, action_phrase
from parley.moderation.log.services import log_action
from parley.moderation.models import ModeratorLogEntry
from tests.core.parsed import parse
from tests.world import build_world

ROOT = Path(__file__).resolve().parents[2] / "parley"
LOGGERS = {"log_action", "log_moderator_action"}  # and the helpers found to wrap them
# Codes the services no longer write but old log entries may hold (none yet).
RETIRED: set[str] = set()


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


class _Module:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(), str(path))
        self.tables = {  # module-level NAME = {...}
            target.id: node.value
            for node in self.tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
            for target in node.targets
            if isinstance(target, ast.Name)
        }

    def functions(self) -> list[ast.FunctionDef]:
        return [n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)]

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(ROOT.parent)}:{getattr(node, 'lineno', '?')}"


def _action_argument(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "action":
            return keyword.value
    if name not in LOGGERS and len(call.args) > 1:  # helpers: (actor, action, …)
        return call.args[1]
    return None


def _codes_of(expr: ast.expr, function: ast.FunctionDef, module: _Module) -> set[str] | None:
    """The codes `expr` can be, or None when the reading cannot tell."""
    if strings := _strings(expr):
        return strings  # "a" or "a" if x else "b"
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
        table = module.tables.get(expr.value.id)  # TABLE[key]
        return {s for v in table.values for s in _strings(v)} if table else None
    if isinstance(expr, ast.Name):
        # `verb, action = TABLE[state]` earlier in the same function
        for node in ast.walk(function):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript)):
                continue
            for target in node.targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                for index, named in enumerate(names):
                    if isinstance(named, ast.Name) and named.id == expr.id:
                        table = module.tables.get(getattr(node.value.value, "id", ""))
                        if table is None:
                            return None
                        values = [
                            v.elts[index] if isinstance(v, ast.Tuple) else v for v in table.values
                        ]
                        return {s for v in values for s in _strings(v)}
    return None


def logged_codes() -> set[str]:
    modules = [_Module(p) for p in sorted(ROOT.rglob("*.py")) if "migrations" not in p.parts]
    loggers = set(LOGGERS)
    changed = True
    while changed:  # a function that hands its own `action` parameter to a logger is one too
        changed = False
        for module in modules:
            for function in module.functions():
                params = {a.arg for a in function.args.args + function.args.kwonlyargs}
                if function.name in loggers or "action" not in params:
                    continue
                for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
                    name = _called(call)
                    arg = _action_argument(call, name) if name in loggers else None
                    if isinstance(arg, ast.Name) and arg.id == "action":
                        loggers.add(function.name)
                        changed = True
                        break
    codes: set[str] = set()
    unread: list[str] = []
    for module in modules:
        for function in module.functions():
            if function.name in loggers:
                continue  # its own calls pass its parameter on
            for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
                name = _called(call)
                if name not in loggers:
                    continue
                arg = _action_argument(call, name)
                found = _codes_of(arg, function, module) if arg is not None else None
                if found is None:
                    unread.append(f"{module.where(call)} {name}(…)")
                else:
                    codes |= found
    assert not unread, f"log calls whose action code this test cannot read: {unread}"
    return codes


class EveryCodeHasAPhraseTests(SimpleTestCase):
    def test_the_reading_finds_the_codes_of_every_kind_of_call(self) -> None:
        codes = logged_codes()
        for code in (
            "post_delete",  # a helper's argument, in a conditional
            "post_hard_delete",
            "thread_merge",  # a helper's argument
            "thread_lock",  # FLAG_ACTIONS[name, value]
            "report_resolve",  # verb, action = _CLOSED[state]
            "report_unassign",  # a keyword, in a conditional
            "ban",  # a keyword
            "forum_delete",  # through the forum services' hook
        ):
            self.assertIn(code, codes)

    def test_every_code_the_services_log_has_a_phrase(self) -> None:
        codes = logged_codes()
        self.assertEqual(sorted(codes - ACTION_PHRASES.keys()), [], "codes without a phrase")
        # And no phrase waits for a code nobody writes (a misspelt key would).
        self.assertEqual(sorted(ACTION_PHRASES.keys() - codes - RETIRED), [])

    def test_phrases_are_words(self) -> None:
        for code, phrase in ACTION_PHRASES.items():
            with self.subTest(code):
                self.assertNotIn("_", phrase)
                self.assertTrue(phrase[0].isupper(), phrase)
        self.assertEqual(len(set(ACTION_PHRASES.values())), len(ACTION_PHRASES))

    def test_an_unknown_code_still_reads_as_words(self) -> None:
        self.assertEqual(action_phrase("thread_reticulate"), "Thread reticulate")

    def test_details_complete_a_phrase(self) -> None:
        self.assertEqual(action_detail("thread_merge", {"into_title": "Tea"}), "into “Tea”")
        self.assertEqual(
            action_detail("thread_prefix", {"old": "", "new": "News"}), "“no prefix” → “News”"
        )
        self.assertEqual(action_detail("report_assign", {"assignee": "Mod Squad"}), "to Mod Squad")
        self.assertEqual(action_detail("ban", {"days": 3}), "")


class LogPageSpeaksInPhrasesTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        ModeratorLogEntry.objects.all().delete()
        cls.codes = sorted(logged_codes())
        for number, code in enumerate(cls.codes):
            log_action(
                actor=cls.w.admin,
                action=code,
                target_kind="thread",
                target_id=cls.w.short_thread.pk,
                target_title=f"Target {number}",
                details={"into_title": "Old news"} if code == "thread_merge" else None,
            )

    def setUp(self) -> None:
        self.client.force_login(self.w.admin)

    def test_no_entry_prints_a_code(self) -> None:
        body = parse(self.client.get("/moderation/log/").content).find("tbody")
        shown = {}
        for row in body.find_all("tr"):
            cells = row.find_all("td")
            number = int(cells[3].text.strip().removeprefix("Target "))
            shown[self.codes[number]] = " ".join(cells[2].text.split())
        expected = dict(ACTION_PHRASES, thread_merge="Merged threads into “Old news”")
        self.assertEqual(shown, expected)
        self.assertEqual(body.find_all("code"), [])
        self.assertEqual(re.findall(r"\b[a-z]+_[a-z_]+\b", body.text), [])

    def test_the_action_filter_offers_phrases(self) -> None:
        page = parse(self.client.get("/moderation/log/").content)
        options = page.find("select", name="action").find_all("option")
        labels = {o.attrs["value"]: o.text for o in options}
        self.assertEqual(labels.pop(""), "Any action")
        self.assertEqual(labels, ACTION_PHRASES)
        response = self.client.get("/moderation/log/", {"action": "report_resolve"})
        rows = parse(response.content).find("tbody").find_all("tr")
        self.assertEqual([r.find_all("td")[2].text for r in rows], ["Resolved a report"])

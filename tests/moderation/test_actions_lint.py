"""Lint rules as tests (Lobsters' "every moderator controller checks auth"):

- every moderation service (a public function of the moderation service modules that takes an
  `actor`) asks the guardian a yes/no question before its first write: `ensure_can_*`, a
  `can_*` whose refusal raises (asked of `perms`, `request.perms` or `perms_for(actor)`), or a
  call to another service that passes this same rule. Fetching through `get_*` or filtering
  with `visible_*` is not asking: it tells what the actor may see, not what they may do;
- every moderation view asks `request.perms` the same kind of question before it calls a
  service;
- no view, template or template tag anywhere reads roles itself.

The service rule reads the source (ast): a write is an ORM write (`save`, `create`, `update`,
`delete`, …), a moderator log entry, an alert, a permission stamp bump, or a call to a function
of the analysed modules that writes."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from django.test import SimpleTestCase
from django.urls import URLPattern

from parley.moderation.actions import urls as action_urls
from parley.moderation.discipline import urls as discipline_urls
from parley.moderation.history import urls as history_urls
from parley.moderation.log import urls as log_urls

ROOT = Path(__file__).resolve().parents[2] / "parley"
ROLE_CHECK = re.compile(r"\b(is_staff|is_superuser|is_admin|is_moderator|group_names)\b")
# A yes/no question a view asks the guardian before acting (a get_* fetch is not one).
VIEW_ASKS = re.compile(r"(?<![\w.])(?:request\.)?perms\.(?:ensure_)?can_\w+\(")

# The modules whose services are checked, and the modules their calls are followed into.
SERVICE_MODULES = [
    "parley.moderation.actions.services",
    "parley.moderation.approval.services",
    "parley.moderation.discipline.services",
    "parley.moderation.reports.services",
]
FOLLOWED_MODULES = [
    *SERVICE_MODULES,
    "parley.forums.services",  # the package's public verbs, re-exported from its modules
    "parley.forums.services.counters",
    "parley.forums.services.positions",
    "parley.forums.services.posting",
    "parley.forums.services.structure",
    "parley.forums.services.text",
    "parley.forums.services.threads",
    "parley.moderation.log.services",
    "parley.notifications.services",
    "parley.permissions.services",
]
WRITE_METHODS = frozenset(
    {"save", "create", "bulk_create", "bulk_update", "update", "delete", "get_or_create"}
    | {"update_or_create", "set", "add", "remove", "clear"}
)
ENSURE = re.compile(r"^ensure_can_\w+$")
CAN = re.compile(r"^can_\w+$")


def _source_of(module: str) -> str:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, module
    return Path(spec.origin).read_text()


@dataclass
class _Module:
    name: str
    tree: ast.Module
    modules: dict[str, str] = field(default_factory=dict)  # local name -> module
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (module, name)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)


def _is_module(name: str, known: set[str]) -> bool:
    if name in known:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


class ServiceLint:
    """Which services write before asking permission. `sources`: module name -> source."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.mods: dict[str, _Module] = {}
        known = set(sources)
        for name, source in sources.items():
            mod = _Module(name, ast.parse(textwrap.dedent(source)))
            for node in mod.tree.body:
                if isinstance(node, ast.ImportFrom) and node.module:
                    for alias in node.names:
                        full = f"{node.module}.{alias.name}"
                        local = alias.asname or alias.name
                        if _is_module(full, known):
                            mod.modules[local] = full
                        else:
                            mod.imported[local] = (node.module, alias.name)
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        mod.modules[alias.asname or alias.name] = alias.name
                elif isinstance(node, ast.FunctionDef):
                    mod.functions[node.name] = node
            self.mods[name] = mod
        self._writes: dict[tuple[str, str], bool] = {}
        self._checked: dict[tuple[str, str], bool] = {}

    # --- what a call is -------------------------------------------------------------------------

    def _target(self, mod: _Module, func: ast.expr) -> tuple[str, str] | None:
        """(module, function name) a call goes to, when the module is known by name."""
        target = None
        if isinstance(func, ast.Name):
            if func.id in mod.functions:
                return mod.name, func.id
            target = mod.imported.get(func.id)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            module = mod.modules.get(func.value.id)
            if module is not None:
                target = module, func.attr
        return self._defined(target)

    def _defined(self, target: tuple[str, str] | None) -> tuple[str, str] | None:
        """Follow a re-export (a package's `__init__` importing a function from one of its
        modules) to the module that defines the function."""
        while target is not None and target[0] in self.mods:
            holder = self.mods[target[0]]
            if target[1] in holder.functions or target[1] not in holder.imported:
                break
            target = holder.imported[target[1]]
        return target

    def _asks(self, call: ast.Call, raising_tests: set[int], guardians: set[str]) -> bool:
        """A question to the actor's guardian (the only place permission questions are
        answered); `guardians`: the local names bound to it."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and _is_actors_guardian(func.value, guardians)):
            return False
        if ENSURE.match(func.attr):
            return True
        return bool(CAN.match(func.attr)) and id(call) in raising_tests

    def _delegates(self, mod: _Module, call: ast.Call) -> bool:
        """A call to another service that passes this rule (it asks before it writes)."""
        target = self._target(mod, call.func)
        return target is not None and target in self._services() and self.checked(*target)

    def _writes_directly(self, mod: _Module, call: ast.Call) -> bool:
        func = call.func
        target = self._target(mod, func)
        if target is not None:
            return target[0] in self.mods and self.writes(*target)
        return isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS

    # --- facts about functions ------------------------------------------------------------------

    def _services(self) -> set[tuple[str, str]]:
        return {
            (mod.name, name)
            for mod in self.mods.values()
            for name, node in mod.functions.items()
            if not name.startswith("_") and "actor" in _parameters(node)
        }

    def writes(self, module: str, name: str) -> bool:
        key = (module, name)
        if key not in self._writes:
            self._writes[key] = False  # a recursive call adds nothing new
            node = self.mods[module].functions.get(name)
            self._writes[key] = node is not None and any(
                self._writes_directly(self.mods[module], call) for call in _calls(node)
            )
        return self._writes[key]

    def checked(self, module: str, name: str) -> bool:
        key = (module, name)
        if key not in self._checked:
            self._checked[key] = True  # a recursive call adds nothing new
            self._checked[key] = self.problem(module, name) is None
        return self._checked[key]

    def problem(self, module: str, name: str) -> str | None:
        """Why this service is not safe, or None."""
        mod = self.mods[module]
        node = mod.functions[name]
        raising_tests = _calls_in_raising_tests(node)
        guardians = _actors_guardian_names(node)
        for call in _calls(node):  # in source order
            if self._asks(call, raising_tests, guardians) or self._delegates(mod, call):
                return None
            if self._writes_directly(mod, call):
                return f"{name} writes (line {call.lineno}) before asking permission"
        if self.writes(module, name):
            return f"{name} writes without asking permission"
        return None

    def problems(self, modules: list[str]) -> list[str]:
        return [
            f"{module}: {problem}"
            for module, name in sorted(self._services())
            if module in modules and (problem := self.problem(module, name))
        ]


def _is_perms_for_actor(node: ast.expr) -> bool:
    """`perms_for(actor)`: the guardian of the member the service acts for."""
    if not isinstance(node, ast.Call) or len(node.args) != 1:
        return False
    func, arg = node.func, node.args[0]
    named = (isinstance(func, ast.Name) and func.id == "perms_for") or (
        isinstance(func, ast.Attribute) and func.attr == "perms_for"
    )
    return named and isinstance(arg, ast.Name) and arg.id == "actor"


def _actors_guardian_names(node: ast.FunctionDef) -> set[str]:
    """Local names bound to the actor's guardian: `perms = perms_for(actor)`."""
    return {
        target.id
        for assign in ast.walk(node)
        if isinstance(assign, ast.Assign) and _is_perms_for_actor(assign.value)
        for target in assign.targets
        if isinstance(target, ast.Name)
    }


def _is_actors_guardian(node: ast.expr, guardians: set[str]) -> bool:
    """`perms_for(actor)` asked directly, or a name bound to it (another member's guardian,
    an assignee's say, answers for them, not for the actor)."""
    return _is_perms_for_actor(node) or (isinstance(node, ast.Name) and node.id in guardians)


def _parameters(node: ast.FunctionDef) -> set[str]:
    args = node.args
    return {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}


def _calls(node: ast.AST) -> list[ast.Call]:
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


def _calls_in_raising_tests(node: ast.AST) -> set[int]:
    """Calls inside the test of an `if` whose body raises: `if not can_x(...): raise …`."""
    found: set[int] = set()
    for branch in ast.walk(node):
        if isinstance(branch, ast.If) and any(isinstance(s, ast.Raise) for s in branch.body):
            found |= {id(c) for c in ast.walk(branch.test) if isinstance(c, ast.Call)}
    return found


def project_lint() -> ServiceLint:
    return ServiceLint({name: _source_of(name) for name in FOLLOWED_MODULES})


# A made-up module, to show the rule catches what it must (and passes what it should).
FAKE = "parley.moderation.fake_services"
FAKE_SOURCE = """
from django.db import transaction
from django.core.exceptions import PermissionDenied

from parley.forums import services
from parley.forums.models import Post
from parley.forums.services import positions
from parley.moderation.log.services import log_action
from parley.permissions.guardian import perms_for


def only_fetches(*, actor, post_id):
    post = perms_for(actor).get_post(post_id)
    post.is_deleted = True
    post.save()


def only_filters(*, actor):
    perms = perms_for(actor)
    perms.visible_posts(Post.objects.all()).update(is_deleted=True)


def asks_too_late(*, actor, post):
    with transaction.atomic():
        log_action(actor=actor, action="x", target_kind="post", target_id=1, target_title="")
        perms_for(actor).ensure_can_moderate_post(post)


def ignores_the_answer(*, actor, post):
    perms = perms_for(actor)
    perms.can_moderate_post(post)
    Post.objects.filter(pk=post.pk).delete()


def writes_through_a_helper(*, actor, post):
    _hide(post)


def _hide(post):
    positions.hide_posts(post.thread, [post], by=None, reason="", now=None)


def asks_for_someone_else(*, actor, post, helper):
    perms = perms_for(helper)
    perms.ensure_can_moderate_post(post)
    _hide(post)


def asks_first(*, actor, post):
    perms_for(actor).ensure_can_moderate_post(post)
    Post.objects.filter(pk=post.pk).update(is_deleted=True)


def asks_with_can(*, actor, post):
    perms = perms_for(actor)
    if not perms.can_moderate_post(post):
        raise PermissionDenied("No.")
    _hide(post)


def delegates(*, actor, post):
    with transaction.atomic():
        asks_first(actor=actor, post=post)
        services.set_thread_state(actor=actor, thread=post.thread, is_locked=True)


def reads_only(*, actor, post):
    return perms_for(actor).get_post(post.pk)
"""


class ServiceLintTests(SimpleTestCase):
    def test_every_moderation_service_asks_permission_before_writing(self) -> None:
        lint = project_lint()
        self.assertEqual(lint.problems(SERVICE_MODULES), [])
        # The rule looked at real services: the ones reports and actions are built from.
        services = {name for module, name in lint._services() if module in SERVICE_MODULES}
        self.assertLessEqual(
            {"delete_posts", "approve_post", "ban_member", "resolve_report", "merge_threads"},
            services,
        )

    def test_the_rule_catches_fetching_filtering_late_and_ignored_answers(self) -> None:
        sources = {name: _source_of(name) for name in FOLLOWED_MODULES}
        lint = ServiceLint({**sources, FAKE: FAKE_SOURCE})
        self.assertEqual(
            lint.problems([FAKE]),
            [
                f"{FAKE}: asks_for_someone_else writes (line 46) before asking permission",
                f"{FAKE}: asks_too_late writes (line 25) before asking permission",
                f"{FAKE}: ignores_the_answer writes (line 32) before asking permission",
                f"{FAKE}: only_fetches writes (line 15) before asking permission",
                f"{FAKE}: only_filters writes (line 20) before asking permission",
                f"{FAKE}: writes_through_a_helper writes (line 36) before asking permission",
            ],
        )


class ModerationViewLintTests(SimpleTestCase):
    def test_every_moderation_view_asks_permissions_before_acting(self) -> None:
        patterns = [
            *action_urls.urlpatterns,
            *discipline_urls.urlpatterns,
            *history_urls.urlpatterns,
            *log_urls.urlpatterns,
        ]
        for pattern in patterns:
            assert isinstance(pattern, URLPattern)
            view = inspect.unwrap(pattern.callback)
            source = inspect.getsource(view)
            body = source.split('"""')[-1] if '"""' in source else source
            first_question = VIEW_ASKS.search(body)
            self.assertIsNotNone(first_question, f"{view.__name__} never asks permissions")
            before = body[: first_question.start()]
            self.assertNotRegex(
                before, r"\b(actions|services)\.", f"{view.__name__} acts before asking"
            )

    def test_a_fetch_is_not_a_question(self) -> None:
        self.assertIsNone(VIEW_ASKS.search("post = request.perms.get_post(post_id)\n"))
        self.assertIsNone(VIEW_ASKS.search("request.perms.get_posts_to_moderate(thread, ids)"))
        self.assertIsNone(VIEW_ASKS.search("request.perms.visible_posts(qs)"))
        self.assertIsNotNone(VIEW_ASKS.search("request.perms.ensure_can_moderate_post(p)"))
        self.assertIsNotNone(VIEW_ASKS.search("if not request.perms.can_hard_delete(p):"))
        # Only the guardian answers: a look-alike function of some other module is not asked.
        self.assertIsNone(VIEW_ASKS.search("helpers.ensure_can_moderate_post(request.perms, p)"))

    def test_no_role_checks_outside_permissions(self) -> None:
        offenders = []
        files = [
            *ROOT.rglob("*.html"),
            *ROOT.rglob("*views.py"),
            *ROOT.rglob("templatetags/*.py"),
        ]
        for path in files:
            if "permissions" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if ROLE_CHECK.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
        self.assertEqual(offenders, [])

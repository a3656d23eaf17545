"""Each class declared once in Rust (``py_class!``, ``declared_class!``) against its entry in
``_core.pyi``: the constructor's keywords (name, order, required or ``= None``) and the
annotation of every keyword and attribute must be what the declaration's field types give.
``mypy.stubtest`` checks names, order and defaults but cannot see annotations (the compiled
module has none); this test checks them from the declaration, so a stub entry cannot drift
from its type. The docstrings stay written in the stub: they are the user's documentation."""

from __future__ import annotations

import ast
from pathlib import Path

import ocpp_meter
import pytest
from ocpp_meter import _core

STUB = Path(ocpp_meter.__file__).with_name("_core.pyi")

Field = tuple[str, bool, str, str]


def declared() -> dict[str, list[Field]]:
    """Every class of ``_core`` written from a field list, with its ``(name, required, taken,
    returned)`` per keyword."""
    return {
        name: list(cls._stub_fields)
        for name, cls in sorted(vars(_core).items())
        if isinstance(cls, type) and "_stub_fields" in vars(cls)
    }


def expected_lines(fields: list[Field]) -> list[str]:
    """The stub's lines the declaration fixes: one per keyword, then one per attribute."""
    keywords = [f"{n}: {taken}{'' if required else ' = None'}" for n, required, taken, _ in fields]
    attributes = [f"{n} -> {returned}" for n, _, _, returned in fields]
    return keywords + attributes


def stub_lines(source: str, class_name: str, names: list[str]) -> list[str]:
    """The same lines as ``source`` (a ``.pyi``) writes them for ``class_name``."""
    tree = ast.parse(source)
    cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), None)
    assert cls is not None, f"{class_name} has no entry in _core.pyi"
    functions = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}
    new = functions["__new__"].args
    params = new.args[1:]
    defaults = [None] * (len(params) - len(new.defaults)) + list(new.defaults)
    keywords = [
        f"{p.arg}: {ast.unparse(p.annotation) if p.annotation else '?'}"
        + ("" if d is None else f" = {ast.unparse(d)}")
        for p, d in zip(params, defaults)
    ]
    attributes = []
    for name in names:
        prop = functions.get(name)
        returned = ast.unparse(prop.returns) if prop is not None and prop.returns else "?"
        attributes.append(f"{name} -> {returned}")
    return keywords + attributes


@pytest.mark.parametrize(("class_name", "fields"), sorted(declared().items()))
def test_the_stub_entry_says_what_the_declaration_does(
    class_name: str, fields: list[Field]
) -> None:
    names = [n for n, _, _, _ in fields]
    found = stub_lines(STUB.read_text(encoding="utf-8"), class_name, names)
    assert found == expected_lines(fields), (
        f"_core.pyi's {class_name} differs from its declaration; the declaration says:\n"
        + "\n".join(expected_lines(fields))
    )


def test_every_declared_type_is_checked() -> None:
    # The TransactionEvent response and its parts, the 2.1 cost types, the 1.6 responses:
    # if the attribute went missing, the parametrized test above would check nothing.
    names = set(declared())
    assert {
        "MessageContent",
        "IdTokenInfo",
        "TransactionEventResponse",
        "TransactionLimit",
        "CostDetails",
        "TotalCost",
        "IdTagInfo",
        "StartTransactionResponse",
        "StopTransactionResponse",
    } <= names
    assert len(names) >= 19  # the hand-written hot classes (README, Development) have none


def test_a_drifted_annotation_is_caught() -> None:
    fields = declared()["MessageContent"]
    names = [n for n, _, _, _ in fields]
    source = STUB.read_text(encoding="utf-8")
    head, entry = source.split("class MessageContent:", 1)

    def edited(old: str, new: str) -> str:
        assert old in entry
        return head + "class MessageContent:" + entry.replace(old, new, 1)

    for old, new in [
        ("content: str,", "content: bytes,"),
        ("language: str | None = None,", "language: str | None,"),
        ("def format(self) -> MessageFormat:", "def format(self) -> str:"),
    ]:
        assert stub_lines(edited(old, new), "MessageContent", names) != expected_lines(fields)

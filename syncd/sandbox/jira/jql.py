"""The subset of JQL that syncd sends, parsed without looking at any data.

Jira answers a query it cannot run with HTTP 400 and the reason. An emulator that quietly skipped a clause
would let syncd believe a filter ran that never did, so this parser accepts exactly the subset below and
raises :class:`JqlError`, worded as Jira words it, for everything else:

* ``project = A``, ``project in (A, "B")`` and their negations; values are keys, names or ids.
* ``key`` / ``issuekey`` / ``issue`` / ``id`` with ``=``, ``!=``, ``in``, ``not in``.
* ``updated`` / ``created`` (and ``updatedDate`` / ``createdDate``) with ``=``, ``!=``, ``<``, ``<=``,
  ``>``, ``>=`` against ``yyyy-MM-dd HH:mm``, ``yyyy/MM/dd HH:mm``, ``yyyy-MM-dd``, ``yyyy/MM/dd`` or a
  period such as ``-5d`` or ``4w 2d``. Dates are read in the searching user's time zone by the caller.
* ``labels``, ``status``, ``statusCategory``, ``issuetype`` (``type``), ``component``, ``priority`` and
  ``resolution`` with ``=``, ``!=``, ``in``, ``not in``, ``is EMPTY`` and ``is not EMPTY`` (what clients
  send beyond syncd's own queries); values are names or ids, any case.
* ``text ~ "words"``: every word in the summary or the description.
* ``AND``, ``OR``, ``NOT`` (also ``&&``, ``||``, ``!``) and parentheses, with JQL's precedence.
* ``ORDER BY`` created, key, updated or any of the fields above but component, ``[ASC|DESC], ...``.

Values that need the data (does the project exist?) are checked by :mod:`syncd.sandbox.jira.search`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from syncd.sandbox.jira.jql_dates import LocalDate, Period, parse_date
from syncd.sandbox.jira.jql_lexer import JqlError, Token, tokenize, where

__all__ = [
    "VALUE_FIELDS",
    "And",
    "Clause",
    "JqlError",
    "LocalDate",
    "Not",
    "Or",
    "Period",
    "Query",
    "QueryField",
    "SortField",
    "Terminal",
    "parse",
    "parse_date",
]


class QueryField(Enum):
    PROJECT = "project"
    KEY = "key"
    UPDATED = "updated"
    CREATED = "created"
    LABELS = "labels"
    STATUS = "status"
    STATUS_CATEGORY = "statusCategory"
    ISSUE_TYPE = "issuetype"
    COMPONENT = "component"
    PRIORITY = "priority"
    RESOLUTION = "resolution"
    TEXT = "text"


VALUE_FIELDS = frozenset(
    {
        QueryField.LABELS,
        QueryField.STATUS,
        QueryField.STATUS_CATEGORY,
        QueryField.ISSUE_TYPE,
        QueryField.COMPONENT,
        QueryField.PRIORITY,
        QueryField.RESOLUTION,
    }
)
"""Fields compared by name or id, with ``=``, ``in`` and ``is EMPTY``."""


@dataclass(frozen=True, slots=True)
class Terminal:
    """``field operator value(s)``; ``name`` is the field as written, for error messages."""

    field: QueryField
    name: str
    operator: str
    values: tuple[str, ...]
    dates: tuple[LocalDate | Period, ...] = ()


@dataclass(frozen=True, slots=True)
class And:
    clauses: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class Or:
    clauses: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class Not:
    clause: Clause


Clause = Terminal | And | Or | Not


@dataclass(frozen=True, slots=True)
class SortField:
    field: QueryField
    descending: bool


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query; ``where`` is None for a query without a restriction (unbounded)."""

    where: Clause | None
    order_by: tuple[SortField, ...]


_FIELDS = {
    "project": QueryField.PROJECT,
    "key": QueryField.KEY,
    "issuekey": QueryField.KEY,
    "issue": QueryField.KEY,
    "id": QueryField.KEY,
    "updated": QueryField.UPDATED,
    "updateddate": QueryField.UPDATED,
    "created": QueryField.CREATED,
    "createddate": QueryField.CREATED,
    "labels": QueryField.LABELS,
    "status": QueryField.STATUS,
    "statuscategory": QueryField.STATUS_CATEGORY,
    "issuetype": QueryField.ISSUE_TYPE,
    "type": QueryField.ISSUE_TYPE,
    "component": QueryField.COMPONENT,
    "priority": QueryField.PRIORITY,
    "resolution": QueryField.RESOLUTION,
    "text": QueryField.TEXT,
}
_JIRA_FIELDS = frozenset(
    {
        *("affectedversion", "assignee", "attachments", "category", "comment", "component", "creator"),
        *("description", "due", "duedate", "environment", "epic", "epic link", "fixversion", "issuetype"),
        *(
            "labels",
            "lastviewed",
            "level",
            "parent",
            "parentepic",
            "priority",
            "rank",
            "reporter",
            "resolution",
        ),
        *("resolutiondate", "resolved", "sprint", "status", "statuscategory", "story point estimate"),
        *("story points", "summary", "team", "text", "type", "votes", "watcher", "watchers", "worklogdate"),
    }
)
_VALUE_OPERATORS = {"=", "!=", "in", "not in", "is", "is not"}
_OPERATORS = {
    **dict.fromkeys(VALUE_FIELDS, _VALUE_OPERATORS),
    QueryField.TEXT: {"~"},
    QueryField.PROJECT: {"=", "!=", "in", "not in"},
    QueryField.KEY: {"=", "!=", "in", "not in"},
    QueryField.UPDATED: {"=", "!=", "<", "<=", ">", ">="},
    QueryField.CREATED: {"=", "!=", "<", "<=", ">", ">="},
}
_DATE_OPERATORS = {"=", "!=", "<", "<=", ">", ">=", "in", "not in", "is", "is not"}
_JIRA_OPERATORS = {
    **{field: {*_VALUE_OPERATORS, "was", "changed"} for field in VALUE_FIELDS},
    QueryField.TEXT: {"~"},
    QueryField.PROJECT: {"=", "!=", "in", "not in", "is", "is not"},
    QueryField.KEY: {"=", "!=", "in", "not in", "<", "<=", ">", ">="},
    QueryField.UPDATED: _DATE_OPERATORS,
    QueryField.CREATED: _DATE_OPERATORS,
}
_SORTABLE = {QueryField.CREATED, QueryField.KEY, QueryField.UPDATED, *(VALUE_FIELDS - {QueryField.COMPONENT})}
_VALID_OPERATORS = (
    "The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'."
)


def parse(jql: str) -> Query:
    """Parse ``jql`` into a :class:`Query`, or raise :class:`JqlError` with Jira's message."""
    return _Parser(jql).parse()


@dataclass(frozen=True, slots=True)
class _Raw:
    """A terminal clause before its field, operator and values are checked."""

    name: Token
    operator: str
    values: tuple[Token, ...]


@dataclass(frozen=True, slots=True)
class _RawGroup:
    """``AND`` or ``OR`` over raw clauses (``kind`` says which), or ``NOT`` over one."""

    kind: str
    clauses: tuple[_Raw | _RawGroup, ...]


class _Parser:
    """Recursive descent over JQL tokens: syntax first, then fields, operators and values (as Jira)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens = tokenize(text)
        self._index = 0

    def parse(self) -> Query:
        where: _Raw | _RawGroup | None = None
        if not self._peek().word("order") and self._peek().kind != "end":
            where = self._or()
        order_by: tuple[SortField, ...] = ()
        if self._peek().word("order"):
            self._next()
            if not self._peek().word("by"):
                raise self._syntax(f"Expecting 'by' but got {self._describe(self._peek())}.", self._peek())
            self._next()
            order_by = self._sort_list()
        token = self._peek()
        if token.kind != "end":
            raise self._syntax(f"Expecting either 'OR' or 'AND' but got {self._describe(token)}.", token)
        return Query(_check(where) if where is not None else None, order_by)

    def _or(self) -> _Raw | _RawGroup:
        clauses = [self._and()]
        while self._peek().kind == "or" or self._peek().word("or"):
            self._next()
            clauses.append(self._and())
        return clauses[0] if len(clauses) == 1 else _RawGroup("or", tuple(clauses))

    def _and(self) -> _Raw | _RawGroup:
        clauses = [self._not()]
        while self._peek().kind == "and" or self._peek().word("and"):
            self._next()
            clauses.append(self._not())
        return clauses[0] if len(clauses) == 1 else _RawGroup("and", tuple(clauses))

    def _not(self) -> _Raw | _RawGroup:
        token = self._peek()
        if token.kind == "not" or token.word("not"):
            self._next()
            return _RawGroup("not", (self._not(),))
        if token.kind == "lparen":
            self._next()
            inner = self._or()
            closing = self._peek()
            if closing.kind != "rparen":
                raise self._syntax(f"Expecting ')' but got {self._describe(closing)}.", closing)
            self._next()
            return inner
        return self._terminal()

    def _terminal(self) -> _Raw:
        name = self._next()
        if name.kind not in {"word", "string", "cf"} or name.word("and", "or", "order", "in", "is"):
            raise self._syntax(f"Expecting a field name but got {self._describe(name)}.", name)
        operator = self._operator()
        values = self._list() if operator in {"in", "not in"} else (self._value(),)
        return _Raw(name, operator, values)

    def _operator(self) -> str:
        token = self._next()
        if token.kind == "op":
            return token.text
        if token.word("in"):
            return "in"
        if token.word("not") and self._peek().word("in"):
            self._next()
            return "not in"
        if token.word("is"):
            if self._peek().word("not"):
                self._next()
                return "is not"
            return "is"
        if token.word("was", "changed"):
            raise JqlError(
                f"Error in the JQL Query: History searches ('{token.text.upper()}') are not supported by "
                "the Jira emulator."
            )
        raise self._syntax(f"Expecting operator but got {self._describe(token)}. {_VALID_OPERATORS}", token)

    def _list(self) -> tuple[Token, ...]:
        opening = self._next()
        if opening.kind != "lparen":
            raise self._syntax(f"Expecting '(' but got {self._describe(opening)}.", opening)
        values = [self._value()]
        while self._peek().kind == "comma":
            self._next()
            values.append(self._value())
        closing = self._next()
        if closing.kind != "rparen":
            raise self._syntax(f"Expecting ')' but got {self._describe(closing)}.", closing)
        return tuple(values)

    def _value(self) -> Token:
        token = self._next()
        if token.kind not in {"word", "string"} or token.word("and", "or", "not", "order", "in"):
            raise self._syntax(f"Expecting either a value, list or function but got {self._describe(token)}.", token)
        if token.kind == "word" and self._peek().kind == "lparen":
            raise JqlError(
                f"Error in the JQL Query: JQL functions such as '{token.text}()' are not supported by the "
                "Jira emulator."
            )
        return token

    def _sort_list(self) -> tuple[SortField, ...]:
        fields = [self._sort_field()]
        while self._peek().kind == "comma":
            self._next()
            fields.append(self._sort_field())
        return tuple(fields)

    def _sort_field(self) -> SortField:
        token = self._next()
        if token.kind not in {"word", "string", "cf"}:
            raise self._syntax(f"Expecting a field name but got {self._describe(token)}.", token)
        descending = False
        if self._peek().word("asc", "desc"):
            descending = self._next().text.lower() == "desc"
        field = _FIELDS.get(token.text.lower())
        if field is not None and field in _SORTABLE:
            return SortField(field, descending)
        if field is not None or token.text.lower() in _JIRA_FIELDS or token.kind == "cf":
            raise JqlError(
                f"Error in the JQL Query: Sorting by '{token.text}' is not supported by the Jira emulator; "
                "it sorts by created, key, updated and the fields it searches by."
            )
        raise JqlError(f"Not able to sort using field '{token.text}'.")

    def _peek(self) -> Token:
        return self._tokens[self._index]

    def _next(self) -> Token:
        token = self._tokens[self._index]
        if token.kind != "end":
            self._index += 1
        return token

    def _describe(self, token: Token) -> str:
        return "the end of the query" if token.kind == "end" else f"'{token.text}'"

    def _syntax(self, message: str, token: Token) -> JqlError:
        return JqlError(f"Error in the JQL Query: {message} {where(self._text, token.position)}")


def _check(clause: _Raw | _RawGroup) -> Clause:
    """Second pass: known fields, operators they support, well-formed dates."""
    if isinstance(clause, _RawGroup):
        checked = tuple(_check(c) for c in clause.clauses)
        if clause.kind == "not":
            return Not(checked[0])
        return And(checked) if clause.kind == "and" else Or(checked)
    name = clause.name.text
    field = _FIELDS.get(name.lower())
    if field is None:
        if name.lower() in _JIRA_FIELDS or clause.name.kind == "cf":
            raise JqlError(
                f"Error in the JQL Query: The field '{name}' is not supported by the Jira emulator; it "
                "searches by project, key, updated, created, labels, status, statusCategory, issuetype, component, "
                "priority, resolution and text."
            )
        raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")
    if clause.operator not in _OPERATORS[field]:
        if clause.operator in _JIRA_OPERATORS[field]:
            raise JqlError(
                f"Error in the JQL Query: The operator '{clause.operator.upper()}' on '{name}' is not "
                "supported by the Jira emulator."
            )
        raise JqlError(f"The operator '{clause.operator}' is not supported by the {name} field.")
    values = tuple(token.text for token in clause.values)
    if clause.operator in {"is", "is not"} and not all(value.lower() in {"empty", "null"} for value in values):
        raise JqlError(f"The operator '{clause.operator.upper()}' only supports EMPTY or NULL for field '{name}'.")
    dates: tuple[LocalDate | Period, ...] = ()
    if field in {QueryField.UPDATED, QueryField.CREATED}:
        dates = tuple(parse_date(value, name) for value in values)
    return Terminal(field, name, clause.operator, values, dates)

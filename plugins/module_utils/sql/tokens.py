# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One statement's tokens, read with sqlglot's tokenizer for the database's syntax, and a cursor over them (pure).

The lock-impact rules of each database (databases/<name>/impact.py) and the rehearsal's guard of its own bounds read
statements through these.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.backoffice.dbops.plugins.module_utils.common.imports import import_library
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.syntax import Syntax


@dataclass(frozen=True)
class Token:
    kind: str  # word, ident, string, number, punct
    text: str

    @property
    def up(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def read_tokens(text: str, syntax: Syntax) -> list[Token] | None:
    """The statement's tokens; None when sqlglot cannot read its text."""
    sqlglot = import_library("sqlglot", "sqlglot", "to read migration.sql")
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    try:
        raw = sqlglot.tokenize(text, read=syntax.sqlglot)
    except TokenError:
        return None
    strings = {TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.HEREDOC_STRING, TokenType.RAW_STRING}
    punct = {
        TokenType.L_PAREN: "(",
        TokenType.R_PAREN: ")",
        TokenType.COMMA: ",",
        TokenType.DOT: ".",
        TokenType.EQ: "=",
        TokenType.STAR: "*",
        TokenType.SEMICOLON: ";",
    }
    commands = sqlglot.Dialect.get_or_raise(syntax.sqlglot).tokenizer_class.COMMANDS
    out = []
    for position, token in enumerate(raw):
        if token.token_type in commands and position + 1 < len(raw) and raw[position + 1].token_type in strings:
            # sqlglot keeps what follows a command word it does not parse (MySQL's RENAME, PostgreSQL's DO) as one
            # string: read that text as tokens too.
            out.append(Token("word", token.text))
            rest = read_tokens(text[token.end + 1 :], syntax)
            return None if rest is None else out + rest
        if token.token_type == TokenType.IDENTIFIER:
            out.append(Token("ident", token.text))
        elif token.token_type in strings:
            out.append(Token("string", token.text))
        elif token.token_type == TokenType.NUMBER:
            out.append(Token("number", token.text))
        elif token.token_type in punct:
            out.append(Token("punct", punct[token.token_type]))
        elif token.text and (token.text[0].isalpha() or token.text[0] in "_@#"):
            # Keywords of several words (FOREIGN KEY, NONCLUSTERED INDEX) are one token: one word each.
            out.extend(Token("word", word) for word in token.text.split())
        else:
            out.append(Token("punct", token.text))
    return out


class TokenReader:
    """A cursor over one statement's tokens."""

    def __init__(self, tokens: list[Token], syntax: Syntax):
        self.tokens = tokens
        self.syntax = syntax
        self.at = 0

    def peek(self, offset: int = 0) -> Token | None:
        position = self.at + offset
        return self.tokens[position] if position < len(self.tokens) else None

    def words(self, *words: str) -> bool:
        """Consume these words when they come next."""
        for offset, word in enumerate(words):
            token = self.peek(offset)
            if token is None or token.up != word:
                return False
        self.at += len(words)
        return True

    def optional(self, *phrases: tuple[str, ...]) -> None:
        for phrase in phrases:
            self.words(*phrase)

    def name(self) -> TableName | None:
        """A possibly qualified name; unquoted names fold as the database folds them."""
        parts = self.name_parts()
        if not parts:
            return None
        return TableName(parts[-1], parts[-2] if len(parts) > 1 else None)

    def name_parts(self) -> list[str]:
        parts = []
        while True:
            token = self.peek()
            if token is None or token.kind not in ("word", "ident"):
                break
            parts.append(token.text if token.kind == "ident" else self.fold(token.text))
            self.at += 1
            if self.peek() is not None and self.peek().text == "." and self.peek().kind == "punct":
                self.at += 1
                continue
            break
        return parts

    def fold(self, name: str) -> str:
        return self.syntax.folded(name, quoted=False)

    def rest_upper(self) -> list[str]:
        return [token.up for token in self.tokens[self.at :]]

    def split_top_level(self) -> list[list[Token]]:
        """The remaining tokens split on commas outside parentheses (ALTER TABLE's subcommands)."""
        tokens, depth, commas = self.tokens[self.at :], 0, []
        for position, token in enumerate(tokens):
            if token.kind == "punct":
                depth += (token.text == "(") - (token.text == ")")
                if token.text == "," and depth == 0:
                    commas.append(position)
        return cut(tokens, commas)


def cut(items: list, at: list[int]) -> list[list]:
    """`items` in the runs between the positions `at` (ascending; those items are left out), empty runs dropped."""
    runs, start = [], 0
    for position in [*at, len(items)]:
        if position > start:
            runs.append(items[start:position])
        start = position + 1
    return runs


def has(tokens: list[Token], *words: str) -> bool:
    ups = [token.up for token in tokens]
    return any(ups[i : i + len(words)] == list(words) for i in range(len(ups)))


def referenced_tables(tokens: list[Token], syntax: Syntax) -> list[TableName]:
    """The tables after each REFERENCES (foreign keys)."""
    found = []
    for position, token in enumerate(tokens):
        if token.up == "REFERENCES":
            reader = TokenReader(tokens[position + 1 :], syntax)
            table = reader.name()
            if table is not None:
                found.append(table)
    return found


def tables_after(tokens: list[Token], syntax: Syntax, *keywords: str) -> list[TableName]:
    """The names right after FROM / JOIN / USING (the tables a query reads)."""
    found = []
    for position, token in enumerate(tokens):
        if token.up in keywords:
            following = tokens[position + 1] if position + 1 < len(tokens) else None
            if following is None or (following.kind == "punct" and following.text == "("):
                continue
            reader = TokenReader(tokens[position + 1 :], syntax)
            table = reader.name()
            if table is not None and table.name.upper() not in ("SELECT", "LATERAL", "VALUES"):
                found.append(table)
    return found


def name_list(reader: TokenReader) -> list[TableName]:
    tables = []
    while True:
        reader.optional(("ONLY",))
        table = reader.name()
        if table is None:
            break
        tables.append(table)
        if reader.peek() is not None and reader.peek().text == "*":
            reader.at += 1
        if not (reader.peek() is not None and reader.peek().text == ","):
            break
        reader.at += 1
    return tables


def clause(tokens: list[Token], word: str) -> str | None:
    """The value of a `WORD = value` clause (MySQL's ALGORITHM=, SQL Server's ONLINE =)."""
    for position, token in enumerate(tokens):
        if token.up == word and position + 2 < len(tokens) and tokens[position + 1].text == "=":
            return tokens[position + 2].text.upper()
    return None

"""One error type that says where in the configuration the problem is."""

from __future__ import annotations


class ConfigError(ValueError):
    def __init__(self, message: str, path: str = "", line: int | None = None, source: str = ""):
        self.message = message
        self.path = path
        self.line = line
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source + (f":{self.line}" if self.line else ""))
        elif self.line:
            where.append(f"line {self.line}")
        if self.path:
            where.append(self.path)
        return f"{' '.join(where)}: {self.message}" if where else self.message

    def at(self, prefix: str) -> ConfigError:
        """The same error, one level further out in the tree."""
        path = f"{prefix}.{self.path}" if self.path else prefix
        return ConfigError(self.message, path, self.line, self.source)

"""What a figure reports: a measured value against its target, and the numbers behind it."""

from dataclasses import dataclass, field


@dataclass
class Figure:
    name: str
    measured: str
    target: str
    details: list[str] = field(default_factory=list)

    def lines(self):
        """The detail lines first, indented, then the figure line itself."""
        return [f"  {detail}" for detail in self.details] + [
            f"{self.name}: {self.measured} (target {self.target})"
        ]

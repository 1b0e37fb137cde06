"""State: an immutable snapshot of the entities in the targets (or of what the goals want there)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.model import Entity, sort_key


@dataclass(frozen=True)
class State:
    """Entities keyed by (kind, name). Names are unique per kind, as GTM and GA4 require."""

    entities: tuple[Entity, ...] = ()

    @classmethod
    def of(cls, entities: Iterable[Entity]) -> State:
        ordered = tuple(sorted(entities, key=sort_key))
        seen: set[tuple[str, str]] = set()
        for entity in ordered:
            if entity.key in seen:
                raise GoalkeeperError(f"two {entity.kind} entities are both named {entity.name!r}")
            seen.add(entity.key)
        return cls(ordered)

    def __iter__(self) -> Iterator[Entity]:
        return iter(self.entities)

    def __len__(self) -> int:
        return len(self.entities)

    def get(self, kind: str, name: str) -> Entity | None:
        return self._index().get((kind, name))

    def of_kind(self, kind: str) -> list[Entity]:
        return [e for e in self.entities if e.kind == kind]

    def managed(self) -> list[Entity]:
        return [e for e in self.entities if e.managed]

    def merged(self, other: State) -> State:
        return State.of((*self.entities, *other.entities))

    def _index(self) -> dict[tuple[str, str], Entity]:
        # Frozen dataclass: cache the index on first use without breaking immutability.
        index = self.__dict__.get("_cached_index")
        if index is None:
            index = {e.key: e for e in self.entities}
            object.__setattr__(self, "_cached_index", index)
        return index

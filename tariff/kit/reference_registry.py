"""Apps register their reference CSV files here (from ``AppConfig.ready``) so one
loader (``manage.py load_reference_data``) loads them all, in registration order,
in one transaction. tariff registers first; other apps may add theirs."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReferenceFile:
    app_label: str
    directory: Path
    stem: str  # "duty_rates.csv" also loads "duty_rates_*.csv"
    resource_class: type


_REGISTRY: list[ReferenceFile] = []


def register_reference_files(app_label: str, directory, files) -> None:
    for stem, resource_class in files:
        entry = ReferenceFile(app_label, Path(directory), stem, resource_class)
        if entry not in _REGISTRY:
            _REGISTRY.append(entry)


def registered_reference_files() -> list[ReferenceFile]:
    return list(_REGISTRY)

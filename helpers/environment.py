"""What the course runs on: package versions and the compute device (notebook 00's check)."""

import importlib.metadata
import platform

from helpers.reproducibility import pick_device

# The packages a learner's setup must have, in the order the check prints them.
CORE_PACKAGES = ("torch", "transformers", "tokenizers", "numpy", "matplotlib", "ipywidgets")


def package_versions(names=CORE_PACKAGES) -> dict[str, str | None]:
    """Installed version of each package, or None where it is missing."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def environment_report() -> str:
    """A few lines a learner can read (and paste into a question): Python, packages, device."""
    lines = [f"Python {platform.python_version_tuple()[0]}.{platform.python_version_tuple()[1]}"]
    for name, version in package_versions().items():
        lines.append(f"{name:<13} {version or 'MISSING: run the setup cell or make lab'}")
    device = pick_device()
    why = {
        "cuda": "an NVIDIA GPU",
        "mps": "Apple's GPU",
        "cpu": "no GPU needed: every notebook is sized for a laptop CPU",
    }
    lines.append(f"device        {device.type} ({why[device.type]})")
    return "\n".join(lines)

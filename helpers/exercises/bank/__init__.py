"""The course's exercises: one module per notebook (nb00.py, nb01.py, ...).

Each reference solution is registered with `@exercise(name, cases, mistakes)` from
helpers.exercises; `cases` returns fresh, seeded argument tuples, and each `Mistake` computes
what a typical wrong answer gives, so the check can name it. Importing this package imports
every module in it, which fills the registry. Tests prove that each reference passes and each
mistake is caught with its hint (tests/test_exercise_bank.py).
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

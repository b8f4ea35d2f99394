"""What a published package must carry: the repository's licence, and its type information."""

import os
import unittest

from _support import SDK_DIR

REPO_ROOT = os.path.dirname(os.path.dirname(SDK_DIR))


def read(*parts: str) -> str:
    with open(os.path.join(*parts), encoding="utf-8") as f:
        return f.read()


class PackageTest(unittest.TestCase):
    def test_ships_the_repository_licence_and_names_it_in_its_metadata(self) -> None:
        self.assertEqual(read(SDK_DIR, "LICENSE"), read(REPO_ROOT, "LICENSE"))
        self.assertTrue(read(REPO_ROOT, "LICENSE").startswith("MIT License"))
        pyproject = read(SDK_DIR, "pyproject.toml")
        self.assertIn('license = { file = "LICENSE" }', pyproject)
        self.assertIn("License :: OSI Approved :: MIT License", pyproject)

    def test_is_typed(self) -> None:
        self.assertTrue(os.path.exists(os.path.join(SDK_DIR, "plexmcp", "py.typed")))
        self.assertIn('plexmcp = ["py.typed"]', read(SDK_DIR, "pyproject.toml"))


if __name__ == "__main__":
    unittest.main()

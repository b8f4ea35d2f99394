import unittest

from _support import generate_key, load_vector

from plexmcp import is_valid_api_key


class KeyFormatTest(unittest.TestCase):
    def test_accepts_keys_generated_by_the_server_code(self) -> None:
        for key in load_vector("api-keys.json")["valid"]:
            self.assertTrue(is_valid_api_key(key), key[:12])

    def test_rejects_every_malformed_variant(self) -> None:
        for case in load_vector("api-keys.json")["invalid"]:
            self.assertFalse(is_valid_api_key(case["key"]), case["reason"])

    def test_accepts_fresh_keys_of_both_modes_and_rejects_non_strings(self) -> None:
        self.assertTrue(is_valid_api_key(generate_key("live")))
        self.assertTrue(is_valid_api_key(generate_key("test")))
        self.assertFalse(is_valid_api_key(None))
        self.assertFalse(is_valid_api_key(b"pk_live_"))


if __name__ == "__main__":
    unittest.main()

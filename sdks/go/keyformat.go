package plexmcp

import (
	"hash/crc32"
	"strings"
)

const (
	base62Alphabet    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	keyPrefixLength   = 8
	keyRandomLength   = 32
	keyChecksumLength = 6
	keyLength         = keyPrefixLength + keyRandomLength + keyChecksumLength
)

// keyChecksum is the fixed-width base62 (most significant digit first) CRC-32 (IEEE) of body.
func keyChecksum(body string) string {
	value := crc32.ChecksumIEEE([]byte(body))
	out := make([]byte, keyChecksumLength)
	for i := keyChecksumLength - 1; i >= 0; i-- {
		out[i] = base62Alphabet[value%62]
		value /= 62
	}
	return string(out)
}

// ValidAPIKey reports whether key has the format of a PlexMCP API key: `pk_live_` or `pk_test_`,
// 32 base62 characters, then a 6-character base62 CRC-32 checksum of everything before it.
// It catches truncated or mistyped keys locally; only the server knows whether a key is live.
func ValidAPIKey(key string) bool {
	if len(key) != keyLength || !(strings.HasPrefix(key, "pk_live_") || strings.HasPrefix(key, "pk_test_")) {
		return false
	}
	for i := keyPrefixLength; i < keyLength; i++ {
		if strings.IndexByte(base62Alphabet, key[i]) < 0 {
			return false
		}
	}
	split := keyLength - keyChecksumLength
	return keyChecksum(key[:split]) == key[split:]
}

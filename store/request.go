package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// CanonicalRequest is the canonical form of a record's request JSON (keys
// sorted, no white space, numbers as written), whose hash decides
// Duplicate vs Conflict. Intake makes a record's canonical form itself,
// straight from the typed body, and hands it over as the record's
// Canonical; it calls this for what its writer does not handle (free JSON
// such as unknown fields), and its tests check the two agree.
func CanonicalRequest(raw []byte) ([]byte, error) { return canonicalJSON(raw) }

// recordPayload is the payload of an input record: from canon, its
// canonical form when the caller made it (intake), else from raw.
func recordPayload(record, key string, raw, canon []byte) (payload, error) {
	if canon == nil {
		return requestPayload(record, key, raw)
	}
	if len(raw) == 0 || len(canon) == 0 {
		return payload{}, &InvalidError{Record: record + " " + key, Field: "request", Err: errors.New("empty request JSON")}
	}
	return payload{hash: shaBytes(canon), body: func() []byte { return canon }}, nil
}

// shaBytes is sha(string(b)) without copying b into a string.
func shaBytes(b []byte) string {
	h := sha256.New()
	h.Write(b)
	h.Write([]byte{0})
	return hex.EncodeToString(h.Sum(nil))
}

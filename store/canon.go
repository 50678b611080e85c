package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// canonical decodes a JSON document and encodes it again with object keys
// sorted and insignificant whitespace removed, numbers kept as written. Two
// requests with the same canonical form are the same payload: key order and
// formatting do not make a conflict, any value does.
func canonical(raw []byte) ([]byte, any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, err
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("trailing data after the JSON value")
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	return out, v, nil
}

func flatten(path string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			out[path] = "{}"
		}
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flatten(p, e, out)
		}
	case []any:
		if len(x) == 0 {
			out[path] = "[]"
		}
		for i, e := range x {
			flatten(path+"["+strconv.Itoa(i)+"]", e, out)
		}
	case string:
		out[path] = strconv.Quote(x)
	case nil:
		out[path] = "null"
	default:
		out[path] = fmt.Sprint(x)
	}
}

// canonicalJSON is the canonical form of raw, the same bytes as canonical
// makes, without decoding raw into maps: the record a request payload is
// hashed from is canonicalised once per record written, and decoding it
// into map[string]any and encoding it again costs more than storing it.
// What the fast path cannot copy as encoding/json would write it (an
// object naming a member twice, a string with escapes or characters
// encoding/json escapes) it hands to encoding/json, that string alone or,
// for anything else, the whole document (canonical): the bytes are the
// same either way (FuzzCanonicalJSON).
func canonicalJSON(raw []byte) ([]byte, error) {
	if json.Valid(raw) {
		c := canonWriter{out: make([]byte, 0, len(raw))}
		if end, ok := c.value(raw, skipWS(raw, 0)); ok && skipWS(raw, end) == len(raw) {
			return c.out, nil
		}
	}
	out, _, err := canonical(raw)
	return out, err
}

type canonWriter struct {
	out     []byte
	members []canonMember // scratch, reused by every object
}

type canonMember struct {
	key        string
	start, end int // the member's "key":value in out
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// value writes the canonical form of the valid JSON value at b[i] and
// returns the index after it; ok is false when the fast path gives up.
func (c *canonWriter) value(b []byte, i int) (int, bool) {
	switch b[i] {
	case '{':
		return c.object(b, i)
	case '[':
		c.out = append(c.out, '[')
		i = skipWS(b, i+1)
		if b[i] == ']' {
			c.out = append(c.out, ']')
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = c.value(b, i); !ok {
				return 0, false
			}
			i = skipWS(b, i)
			if b[i] == ']' {
				c.out = append(c.out, ']')
				return i + 1, true
			}
			c.out = append(c.out, ',')
			i = skipWS(b, i+1) // past the comma
		}
	case '"':
		return c.str(b, i)
	}
	// A number or a literal: written as it is (a json.Number keeps its text).
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	c.out = append(c.out, b[i:j]...)
	return j, true
}

// str writes the string at b[i]: copied when encoding/json would write
// the same bytes, else decoded and encoded by encoding/json.
func (c *canonWriter) str(b []byte, i int) (int, bool) {
	j := i + 1
	plain := true
	for ; b[j] != '"'; j++ {
		switch ch := b[j]; {
		case ch == '\\':
			plain = false
			j++
		case ch == '<' || ch == '>' || ch == '&' || ch < 0x20:
			plain = false
		case ch >= 0x80:
			plain = false // checked below: invalid UTF-8, U+2028 and U+2029 are rewritten
		}
	}
	raw := b[i : j+1]
	if !plain && !bytes.ContainsRune(raw, '\\') && utf8.Valid(raw) && !bytes.ContainsRune(raw, '\u2028') &&
		!bytes.ContainsRune(raw, '\u2029') && !bytes.ContainsAny(raw, "<>&") && !hasControl(raw) {
		plain = true // non-ASCII text encoding/json writes as it is
	}
	if plain {
		c.out = append(c.out, raw...)
		return j + 1, true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, false
	}
	enc, err := json.Marshal(s)
	if err != nil {
		return 0, false
	}
	c.out = append(c.out, enc...)
	return j + 1, true
}

func hasControl(b []byte) bool {
	for _, ch := range b {
		if ch < 0x20 {
			return true
		}
	}
	return false
}

// object writes the object at b[i] with its members sorted by name (as
// encoding/json sorts a map's keys); a name given twice gives up (a map
// keeps the last; canonical does that).
func (c *canonWriter) object(b []byte, i int) (int, bool) {
	base := len(c.members)
	defer func() { c.members = c.members[:base] }()
	startOut := len(c.out)
	i = skipWS(b, i+1)
	for b[i] != '}' {
		ks := len(c.out)
		end, ok := c.str(b, i)
		if !ok {
			return 0, false
		}
		var key string
		if k := b[i+1 : end-1]; bytes.IndexByte(k, '\\') < 0 && utf8.Valid(k) {
			key = string(k)
		} else if err := json.Unmarshal(b[i:end], &key); err != nil {
			return 0, false
		}
		c.out = append(c.out, ':')
		i = skipWS(b, skipWS(b, end)+1) // past the colon
		if i, ok = c.value(b, i); !ok {
			return 0, false
		}
		c.members = append(c.members, canonMember{key: key, start: ks, end: len(c.out)})
		i = skipWS(b, i)
		if b[i] == ',' {
			i = skipWS(b, i+1)
		}
	}
	ms := c.members[base:]
	cmpKey := func(a, b canonMember) int { return strings.Compare(a.key, b.key) }
	if !slices.IsSortedFunc(ms, cmpKey) {
		slices.SortFunc(ms, cmpKey)
	}
	for n := 1; n < len(ms); n++ {
		if ms[n].key == ms[n-1].key {
			return 0, false
		}
	}
	body := slices.Clone(c.out[startOut:])
	c.out = append(c.out[:startOut], '{')
	for n, m := range ms {
		if n > 0 {
			c.out = append(c.out, ',')
		}
		c.out = append(c.out, body[m.start-startOut:m.end-startOut]...)
	}
	c.out = append(c.out, '}')
	return i + 1, true
}

package transfer

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// trimJSONTokens is trimJSON as it was written before, a jsontext token
// stream copied token by token: the oracle of FuzzTrimJSON. It is the JSON object full with the snapshot objects snap names
// reduced to their id and name and every member that names an account
// removed, at any depth: PortOne's schema has such members
// (partner.account, a payout's account), and a field PortOne adds later
// must not bring one back. Numbers and every other value are kept as sent,
// byte for byte, in PortOne's member order. nil when full is not a JSON
// object.
//
// It filters the answer as a stream of tokens (one pass, no tree of maps):
// at a million transfers a night, decoding every answer into maps and
// encoding it again was a third of posting's CPU time.
func trimJSONTokens(full []byte, snap snapshots) json.RawMessage {
	dec := jsontext.NewDecoder(bytes.NewBuffer(full))
	var out bytes.Buffer
	out.Grow(len(full))
	// The decoder refuses a repeated name: the encoder need not track them.
	enc := jsontext.NewEncoder(&out, jsontext.AllowDuplicateNames(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' || enc.WriteToken(tok) != nil {
		return nil
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil
		}
		key := name.String()
		switch {
		case namesAccount(key):
			err = dec.SkipValue()
		case snap.top[key] || snap.nested[key]:
			err = tokCopyReduced(dec, enc, key)
		case snap.kept[key] != nil && dec.PeekKind() == '{':
			err = tokCopyUnkept(dec, enc, key, snap)
		default: // not name: PeekKind above may have voided it
			if err = enc.WriteToken(jsontext.String(key)); err == nil {
				err = tokCopyWithoutAccounts(dec, enc, snap)
			}
		}
		if err != nil {
			return nil
		}
	}
	if tok, err := dec.ReadToken(); err != nil || enc.WriteToken(tok) != nil {
		return nil
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil // more than one value
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

// copyReduced copies member key whose value is next in dec as its id and
// name; a value that is not an object is left out rather than kept
// unmasked.
func tokCopyReduced(dec *jsontext.Decoder, enc *jsontext.Encoder, key string) error {
	v, err := dec.ReadValue()
	if err != nil || v.Kind() != '{' {
		return err
	}
	r, err := tokReduced(v)
	if err != nil {
		return err
	}
	if err := enc.WriteToken(jsontext.String(key)); err != nil {
		return err
	}
	return enc.WriteValue(r)
}

// copyWithoutAccounts copies the next value from dec to enc, leaving out
// every object member, at any depth, whose name names an account, reducing
// the objects of snap.nested to their id and name and leaving out of those
// of snap.kept what Observed keeps.
func tokCopyWithoutAccounts(dec *jsontext.Decoder, enc *jsontext.Encoder, snap snapshots) error {
	switch dec.PeekKind() {
	case '{', '[':
		open, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if err := enc.WriteToken(open); err != nil {
			return err
		}
		object := open.Kind() == '{'
		for k := dec.PeekKind(); k != '}' && k != ']'; k = dec.PeekKind() {
			if k == 0 {
				_, err := dec.ReadToken() // the decoder's error
				return err
			}
			if object {
				name, err := dec.ReadToken()
				if err != nil {
					return err
				}
				key := name.String()
				if namesAccount(key) {
					if err := dec.SkipValue(); err != nil {
						return err
					}
					continue
				} else if snap.nested[key] {
					if err := tokCopyReduced(dec, enc, key); err != nil {
						return err
					}
					continue
				} else if snap.kept[key] != nil && dec.PeekKind() == '{' {
					if err := tokCopyUnkept(dec, enc, key, snap); err != nil {
						return err
					}
					continue
				}
				// Not name: PeekKind above may have voided it.
				if err := enc.WriteToken(jsontext.String(key)); err != nil {
					return err
				}
			}
			if err := tokCopyWithoutAccounts(dec, enc, snap); err != nil {
				return err
			}
		}
		closing, err := dec.ReadToken()
		if err != nil {
			return err
		}
		return enc.WriteToken(closing)
	default:
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		return enc.WriteValue(v)
	}
}

// copyUnkept copies member key, whose object value is next in dec, without
// the members snap.kept[key] names (and without accounts, as everywhere);
// nothing when no other member is left.
func tokCopyUnkept(dec *jsontext.Decoder, enc *jsontext.Encoder, key string, snap snapshots) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	in := jsontext.NewDecoder(bytes.NewBuffer(v))
	if _, err := in.ReadToken(); err != nil {
		return err
	}
	var rest bytes.Buffer
	sub := jsontext.NewEncoder(&rest, jsontext.AllowDuplicateNames(true))
	if err := sub.WriteToken(jsontext.BeginObject); err != nil {
		return err
	}
	left := 0
	for in.PeekKind() != '}' {
		name, err := in.ReadToken()
		if err != nil {
			return err
		}
		if k := name.String(); snap.kept[key][k] || namesAccount(k) {
			if err := in.SkipValue(); err != nil {
				return err
			}
			continue
		}
		if err := sub.WriteToken(name); err != nil {
			return err
		}
		if err := tokCopyWithoutAccounts(in, sub, snap); err != nil {
			return err
		}
		left++
	}
	if left == 0 {
		return nil
	}
	if err := sub.WriteToken(jsontext.EndObject); err != nil {
		return err
	}
	if err := enc.WriteToken(jsontext.String(key)); err != nil {
		return err
	}
	return enc.WriteValue(bytes.TrimSuffix(rest.Bytes(), []byte("\n")))
}

// reduced keeps only the id and name (strings, as sent) of an embedded
// object, in that order.
func tokReduced(obj jsontext.Value) (jsontext.Value, error) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(obj), jsontext.AllowDuplicateNames(true))
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	var id, name jsontext.Value
	for dec.PeekKind() != '}' {
		k, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		key := k.String() // before the next read, which invalidates k
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		switch key {
		case "id":
			id = bytes.Clone(v)
		case "name":
			name = bytes.Clone(v)
		}
	}
	out := make(jsontext.Value, 0, len(id)+len(name)+16)
	out = append(out, '{')
	if id.Kind() == '"' {
		out = append(append(out, `"id":`...), id...)
	}
	if name.Kind() == '"' {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(append(out, `"name":`...), name...)
	}
	return append(out, '}'), nil
}

// FuzzTrimJSON: trimJSON (checked once, walked with gjson) makes of any
// input exactly the bytes the token-by-token copy made, or nil where it
// did: the answer trimmed the same, the same fallbacks.
func FuzzTrimJSON(f *testing.F) {
	for _, s := range []string{sentAnswer, `{}`, ` {"a" : [1, {"account":2}] } `, `{"partner":1,"amount":{"settlement":1}}`,
		`{"amount":{"x":{"policy":{"id":"i","name":"n","v":1}},"account":1}}`, `{"\u0070artner":{"name":"\u00e9","id":"x"}}`,
		`{"a":"<&>\u2028","b":1.50e+3}`, `{"a":1,"a":2}`, "{\"a\":\"\xff\"}", `[1]`, `{} {}`, `null`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, snap := range []snapshots{transferSnapshots, topSnapshots} {
			want, got := trimJSONTokens([]byte(in), snap), trimJSON([]byte(in), snap)
			if !bytes.Equal(want, got) || (want == nil) != (got == nil) {
				t.Fatalf("trimJSON(%q)\n= %q\nthe token copy made %q", in, got, want)
			}
		}
	})
}

// BenchmarkTrimJSON: a three-line order answer trimmed by the token copy
// and by trimJSON.
func BenchmarkTrimJSON(b *testing.B) {
	full := []byte(sentAnswer)
	b.Run("tokens", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			trimJSONTokens(full, transferSnapshots)
		}
	})
	b.Run("gjson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			trimJSON(full, transferSnapshots)
		}
	})
}

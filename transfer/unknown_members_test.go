package transfer

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

// FuzzUnknownMembers: for any object encoding/json accepts, unknownMembers
// (gjson stepping over the members without checking them) finds the
// members a strict token scan finds, with the same bytes: the last one of
// a repeated name, values as sent, names unescaped.
func FuzzUnknownMembers(f *testing.F) {
	for _, s := range []string{`{"id":"a","amount":1}`, `{"id":"a","new": { "x" : [1.50, 2e3] },"amount":1}`,
		`{"new":1,"new":2}`, `{"ID":"a"}`, "{\"new\":\"\xff\"}", `{"\u0069d":1,"n\"e":"\\\"}"}`, ` { } `, sentAnswer} {
		f.Add(s)
	}
	known := map[string]bool{"id": true, "amount": true, "type": true, "partner": true, "orderLines": true}
	f.Fuzz(func(t *testing.T, in string) {
		var probe map[string]json.RawMessage
		if json.Unmarshal([]byte(in), &probe) != nil || probe == nil {
			return // unmarshalKeeping calls it only on what decoded, and objects
		}
		want := scanUnknown(t, []byte(in), known)
		got, err := unknownMembers([]byte(in), known)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: unknownMembers differs from a token scan (-scan +got):\n%s", in, diff)
		}
	})
}

// scanUnknown is unknownMembers as a jsontext token scan: the oracle.
func scanUnknown(t *testing.T, data []byte, known map[string]bool) map[string]json.RawMessage {
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if _, err := dec.ReadToken(); err != nil {
		t.Fatal(err)
	}
	var out map[string]json.RawMessage
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			t.Fatal(err)
		}
		k := name.String()
		v, err := dec.ReadValue()
		if err != nil {
			t.Fatal(err)
		}
		if known[k] {
			continue
		}
		if out == nil {
			out = map[string]json.RawMessage{}
		}
		out[k] = json.RawMessage(bytes.Clone(v))
	}
	return out
}

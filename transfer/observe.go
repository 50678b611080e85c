package transfer

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/tidwall/gjson"

	"github.com/settle-dev/settle/settlement"
)

// Observed is PortOne's answer for one transfer, made right once, here at
// the boundary, so that nothing downstream (store, reconcile, the
// workbook, the HTTP API, SQL read models) ever sees it otherwise:
//
//   - Transfer is the answer in the settlement vocabulary, the same shape as
//     a transfer settle computes; a cancel's amounts are positive magnitudes
//     whatever sign PortOne used (portone-platform.md §3.2, §9.9), and
//     Negated says that PortOne sent them negated;
//   - Raw is PortOne's JSON without what settle keeps elsewhere, and
//     without any member naming an account: the partner's bank account never
//     leaves this package. The partner, contract and policy snapshots PortOne
//     embeds in every answer are reduced to their id and name (settle keeps
//     reference data once); the amount blocks (the answer's and each line's)
//     keep only members this package does not know, as Transfer holds the
//     rest (the store's amount columns and lines, Negated for the sign
//     PortOne sent). Everything else is kept as sent. At three lines an
//     answer's amount blocks were 60 % of its JSON, and the stored answer
//     filled a 4 KiB database page on its own.
type Observed struct {
	ID       settlement.TransferID
	Transfer settlement.Transfer
	Status   settlement.TransferStatus
	Negated  bool
	Raw      json.RawMessage
}

// Observe maps PortOne's answer for one transfer (a create, a GET, a list
// item fetched in full) to an Observed. It never fails: a value PortOne sent
// malformed (a date, a sign mixed within one block) stays as sent, and
// reconciliation reports the transfer as differing. Raw is w encoded again
// and trimmed; ObserveCreated trims the bytes PortOne sent instead.
func Observe(w Transfer) Observed { return observe(w, nil) }

// ObserveCreated is Observe of a create's (or an adoption's) answer: Raw is
// trimmed from the JSON PortOne sent (r.Raw), so the answer is decoded once
// and never encoded again; without r.Raw, or when those bytes cannot be
// trimmed, it is Observe(r.Transfer).
func ObserveCreated(r CreateResult) Observed { return observe(r.Transfer, r.Raw) }

func observe(w Transfer, sent []byte) Observed {
	t, status := TransferFromWire(w)
	o := Observed{ID: settlement.TransferID(w.ID), Status: status, Transfer: t}
	o.Negated = settlement.NormalizeCancel(&o.Transfer)
	if len(sent) > 0 {
		o.Raw = trimJSON(sent, transferSnapshots)
	}
	if o.Raw == nil {
		o.Raw = trimmed(w, transferSnapshots)
	}
	return o
}

// snapshots names the members whose objects are reference data PortOne
// embeds in an answer, reduced to their id and name when trimmed: top at
// the answer's top level, nested at any depth below it. The objects of the
// members kept names (at any depth) lose the members in kept[name] (those
// Observed holds in its own fields), and are left out when nothing else
// is in them.
type snapshots struct {
	top, nested map[string]bool
	kept        map[string]map[string]bool
	needles     []string // see withNeedles
}

var (
	// A transfer embeds its partner and contract, and every discount and
	// fee of it and of its lines embeds its whole policy (name, rates,
	// version, graphqlId): ~60 % of a three-line order's answer, all of it
	// kept once by settle (refresh) and repeated in every answer.
	transferSnapshots = snapshots{top: map[string]bool{"partner": true, "contract": true},
		nested: map[string]bool{"sharePolicy": true, "policy": true},
		kept:   map[string]map[string]bool{"amount": jsonNames(reflect.TypeFor[SettlementAmount]())}}.withNeedles()
	// Partner settlements and payouts: their partner and contract.
	topSnapshots = snapshots{top: map[string]bool{"partner": true, "contract": true}}.withNeedles()
)

// trimmed is trimJSON of w's JSON (a transfer, a partner settlement, a
// payout), for a value not decoded from bytes at hand.
func trimmed(w any, snap snapshots) json.RawMessage {
	full, err := json.Marshal(w)
	if err != nil {
		return nil
	}
	return trimJSON(full, snap)
}

// trimJSON is the JSON object full with the snapshot objects snap names
// reduced to their id and name and every member that names an account
// removed, at any depth: PortOne's schema has such members
// (partner.account, a payout's account), and a field PortOne adds later
// must not bring one back. Numbers and every other value are kept as sent,
// byte for byte, in PortOne's member order, but for names and strings with
// escapes, which are written as jsontext quotes them. nil when full is not one JSON object, repeats a name in an
// object or is not valid UTF-8.
//
// full is checked once, strictly (jsontext), and then walked with gjson,
// which steps over a value without tokenizing it: copying the answer
// token by token through a jsontext decoder and encoder was 12 % of
// posting's CPU time, and decoding it into maps and encoding it again a
// third before that.
func trimJSON(full []byte, snap snapshots) json.RawMessage {
	if !jsontext.Value(full).IsValid() {
		return nil
	}
	root := gjson.ParseBytes(full)
	if !root.IsObject() {
		return nil
	}
	t := trimmer{snap: snap, out: make([]byte, 0, len(full))}
	t.object(root, true)
	return t.out
}

// trimmer appends a trimmed answer to out.
type trimmer struct {
	snap snapshots
	out  []byte
}

// object appends the object obj trimmed; top says it is the answer itself,
// whose snap.top members are reduced too.
func (t *trimmer) object(obj gjson.Result, top bool) {
	t.out = append(t.out, '{')
	first := true
	obj.ForEach(func(name, v gjson.Result) bool {
		k := name.Str
		switch {
		case namesAccount(k):
		case (top && t.snap.top[k]) || t.snap.nested[k]:
			if v.IsObject() { // anything else is left out rather than kept unmasked
				t.name(&first, k)
				t.reduced(v)
			}
		case t.snap.kept[k] != nil && v.IsObject():
			t.unkept(&first, k, v)
		default:
			t.name(&first, k)
			t.value(v)
		}
		return true
	})
	t.out = append(t.out, '}')
}

// value appends v without the members, at any depth, that object leaves
// out or reduces.
func (t *trimmer) value(v gjson.Result) {
	switch {
	case (v.IsObject() || v.IsArray()) && t.snap.untouched(v.Raw):
		t.out = append(t.out, v.Raw...)
	case v.IsObject():
		t.object(v, false)
	case v.IsArray():
		t.out = append(t.out, '[')
		first := true
		v.ForEach(func(_, e gjson.Result) bool {
			if !first {
				t.out = append(t.out, ',')
			}
			first = false
			t.value(e)
			return true
		})
		t.out = append(t.out, ']')
	default:
		t.scalar(v)
	}
}

// scalar appends a string, number, true, false or null as sent, but for a
// string with escapes, which is written as jsontext quotes it (as the
// encoder trimJSON once copied answers through did: "\u00e9" as "é").
func (t *trimmer) scalar(v gjson.Result) {
	if v.Type == gjson.String && strings.IndexByte(v.Raw, '\\') >= 0 {
		t.out, _ = jsontext.AppendQuote(t.out, v.Str)
		return
	}
	t.out = append(t.out, v.Raw...)
}

// unkept appends member key, whose value is the object obj, without the
// members snap.kept[key] names (and without accounts, as everywhere); not
// at all when no other member is left.
func (t *trimmer) unkept(first *bool, key string, obj gjson.Result) {
	mark, wasFirst := len(t.out), *first
	t.name(first, key)
	t.out = append(t.out, '{')
	inner, left := true, 0
	obj.ForEach(func(name, v gjson.Result) bool {
		if k := name.Str; !t.snap.kept[key][k] && !namesAccount(k) {
			t.name(&inner, k)
			t.value(v)
			left++
		}
		return true
	})
	if left == 0 {
		t.out, *first = t.out[:mark], wasFirst
		return
	}
	t.out = append(t.out, '}')
}

// reduced appends the embedded object obj as its id and name (strings, as
// sent), in that order.
func (t *trimmer) reduced(obj gjson.Result) {
	var id, name gjson.Result
	obj.ForEach(func(k, v gjson.Result) bool {
		if v.Type == gjson.String {
			switch k.Str {
			case "id":
				id = v
			case "name":
				name = v
			}
		}
		return true
	})
	t.out = append(t.out, '{')
	if id.Exists() {
		t.out = append(t.out, `"id":`...)
		t.scalar(id)
	}
	if name.Exists() {
		if id.Exists() {
			t.out = append(t.out, ',')
		}
		t.out = append(t.out, `"name":`...)
		t.scalar(name)
	}
	t.out = append(t.out, '}')
}

// name appends the member name k of an object, after a comma unless it is
// the object's first.
func (t *trimmer) name(first *bool, k string) {
	if !*first {
		t.out = append(t.out, ',')
	}
	*first = false
	t.out, _ = jsontext.AppendQuote(t.out, k) // k is valid UTF-8: full was checked
	t.out = append(t.out, ':')
}

// untouched reports whether the walk would copy raw, an object or an
// array below the answer's top, byte for byte: no escape (the walk
// re-quotes strings with one), no space between tokens (it writes none),
// nothing that names an account (in any case: no upper-case letter but
// the Kelvin sign lowers to ASCII, and "account" has no k), and no member
// the walk reduces or leaves out. Such a value (an order's payment and
// products) is copied whole rather than member by member:
// BenchmarkTrimJSON went from 33–37 µs to 21–27 µs (under load 6–8).
// FuzzTrimJSON holds it to the walk.
func (s *snapshots) untouched(raw string) bool {
	// The needles first: a substring search is fast, and an order's lines
	// and their discounts and fees hold one, at every depth the walk
	// visits them from.
	for _, n := range s.needles {
		if strings.Contains(raw, n) {
			return false
		}
	}
	in := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '"':
			in = !in
		case c == '\\':
			return false
		case !in && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		case c|0x20 == 'a' && namesAccountAt(raw, i):
			return false
		}
	}
	return true
}

// namesAccountAt reports whether raw has "account", in any case, at i.
func namesAccountAt(raw string, i int) bool {
	const word = "account"
	if len(raw)-i < len(word) {
		return false
	}
	for k := 1; k < len(word); k++ {
		if raw[i+k]|0x20 != word[k] {
			return false
		}
	}
	return true
}

// withNeedles is s with the needles untouched looks for: a member named
// as a nested snapshot (reduced or left out whatever its value), or as a
// kept object (with an object value, as nothing else is touched).
func (s snapshots) withNeedles() snapshots {
	for k := range s.nested {
		s.needles = append(s.needles, `"`+k+`":`)
	}
	for k := range s.kept {
		s.needles = append(s.needles, `"`+k+`":{`)
	}
	return s
}

func namesAccount(k string) bool { return strings.Contains(strings.ToLower(k), "account") }

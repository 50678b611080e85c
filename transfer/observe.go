package transfer

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

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
}

var (
	// A transfer embeds its partner and contract, and every discount and
	// fee of it and of its lines embeds its whole policy (name, rates,
	// version, graphqlId): ~60 % of a three-line order's answer, all of it
	// kept once by settle (refresh) and repeated in every answer.
	transferSnapshots = snapshots{top: map[string]bool{"partner": true, "contract": true},
		nested: map[string]bool{"sharePolicy": true, "policy": true},
		kept:   map[string]map[string]bool{"amount": jsonNames(reflect.TypeFor[SettlementAmount]())}}
	// Partner settlements and payouts: their partner and contract.
	topSnapshots = snapshots{top: map[string]bool{"partner": true, "contract": true}}
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
// byte for byte, in PortOne's member order. nil when full is not a JSON
// object.
//
// It filters the answer as a stream of tokens (one pass, no tree of maps):
// at a million transfers a night, decoding every answer into maps and
// encoding it again was a third of posting's CPU time.
func trimJSON(full []byte, snap snapshots) json.RawMessage {
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
			err = copyReduced(dec, enc, key)
		case snap.kept[key] != nil && dec.PeekKind() == '{':
			err = copyUnkept(dec, enc, key, snap)
		default: // not name: PeekKind above may have voided it
			if err = enc.WriteToken(jsontext.String(key)); err == nil {
				err = copyWithoutAccounts(dec, enc, snap)
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
func copyReduced(dec *jsontext.Decoder, enc *jsontext.Encoder, key string) error {
	v, err := dec.ReadValue()
	if err != nil || v.Kind() != '{' {
		return err
	}
	r, err := reduced(v)
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
func copyWithoutAccounts(dec *jsontext.Decoder, enc *jsontext.Encoder, snap snapshots) error {
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
					if err := copyReduced(dec, enc, key); err != nil {
						return err
					}
					continue
				} else if snap.kept[key] != nil && dec.PeekKind() == '{' {
					if err := copyUnkept(dec, enc, key, snap); err != nil {
						return err
					}
					continue
				}
				// Not name: PeekKind above may have voided it.
				if err := enc.WriteToken(jsontext.String(key)); err != nil {
					return err
				}
			}
			if err := copyWithoutAccounts(dec, enc, snap); err != nil {
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
func copyUnkept(dec *jsontext.Decoder, enc *jsontext.Encoder, key string, snap snapshots) error {
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
		if err := copyWithoutAccounts(in, sub, snap); err != nil {
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
func reduced(obj jsontext.Value) (jsontext.Value, error) {
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

func namesAccount(k string) bool { return strings.Contains(strings.ToLower(k), "account") }

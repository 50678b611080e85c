package transfer

import (
	"bytes"
	"encoding/json"
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
//   - Raw is PortOne's JSON (amounts as PortOne sent them, sign included)
//     without the partner and contract snapshots that PortOne embeds in every
//     answer, reduced to their id and name, and without any member naming an
//     account: the partner's bank account never leaves this package, and a
//     stored answer does not repeat reference data settle keeps once.
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
// reconciliation reports the transfer as differing.
func Observe(w Transfer) Observed {
	t, status := TransferFromWire(w)
	o := Observed{ID: settlement.TransferID(w.ID), Status: status, Transfer: t}
	o.Negated = settlement.NormalizeCancel(&o.Transfer)
	o.Raw = trimmed(w)
	return o
}

// trimmed is w's JSON (a transfer, a partner settlement, a payout) with
// the partner and contract objects reduced to their id and name and every
// member that names an account removed, at any depth: PortOne's schema has
// such members (partner.account, a payout's account), and a field PortOne
// adds later (kept in Extra) must not bring one back. Numbers and every
// other value are kept as sent, byte for byte, in PortOne's member order.
//
// It filters the encoded answer as a stream of tokens (one pass, no tree of
// maps): at a million transfers a night, decoding every answer into maps
// and encoding it again was a third of posting's CPU time.
func trimmed(w any) json.RawMessage {
	full, err := json.Marshal(w)
	if err != nil {
		return nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(full))
	var out bytes.Buffer
	out.Grow(len(full))
	enc := jsontext.NewEncoder(&out)
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
		case key == "partner" || key == "contract":
			var v jsontext.Value
			if v, err = dec.ReadValue(); err == nil && v.Kind() == '{' {
				// Not an object: keep nothing rather than something unmasked.
				if err = enc.WriteToken(jsontext.String(key)); err == nil {
					err = enc.WriteValue(reduced(v))
				}
			}
		default:
			if err = enc.WriteToken(name); err == nil {
				err = copyWithoutAccounts(dec, enc)
			}
		}
		if err != nil {
			return nil
		}
	}
	if tok, err := dec.ReadToken(); err != nil || enc.WriteToken(tok) != nil {
		return nil
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

// copyWithoutAccounts copies the next value from dec to enc, leaving out
// every object member, at any depth, whose name names an account.
func copyWithoutAccounts(dec *jsontext.Decoder, enc *jsontext.Encoder) error {
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
				if namesAccount(name.String()) {
					if err := dec.SkipValue(); err != nil {
						return err
					}
					continue
				}
				if err := enc.WriteToken(name); err != nil {
					return err
				}
			}
			if err := copyWithoutAccounts(dec, enc); err != nil {
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

// reduced keeps only the id and name (strings) of an embedded object.
func reduced(obj jsontext.Value) jsontext.Value {
	var in map[string]any
	if json.Unmarshal(obj, &in) != nil {
		return jsontext.Value("{}")
	}
	out := map[string]string{}
	for _, k := range []string{"id", "name"} {
		if s, ok := in[k].(string); ok {
			out[k] = s
		}
	}
	b, _ := json.Marshal(out)
	return b
}

func namesAccount(k string) bool { return strings.Contains(strings.ToLower(k), "account") }

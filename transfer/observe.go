package transfer

import (
	"bytes"
	"encoding/json"
	"strings"

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
// adds later (kept in Extra) must not bring one back. Numbers are kept as
// sent, digit for digit.
func trimmed(w any) json.RawMessage {
	full, err := json.Marshal(w)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(full))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return nil
	}
	for _, k := range []string{"partner", "contract"} {
		if v, ok := m[k]; ok {
			if r := reduced(v); r != nil {
				m[k] = r
			} else {
				delete(m, k) // not an object: keep nothing rather than something unmasked
			}
		}
	}
	withoutAccounts(m)
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

// reduced keeps only the id and name of an embedded object; nil when v is
// not an object.
func reduced(v any) map[string]any {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := map[string]any{}
	for _, k := range []string{"id", "name"} {
		if s, ok := obj[k].(string); ok {
			out[k] = s
		}
	}
	return out
}

// withoutAccounts removes, at any depth, every object member whose name
// contains "account" in any case (account, payoutAccount, accountNumber).
func withoutAccounts(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			if namesAccount(k) {
				delete(v, k)
				continue
			}
			withoutAccounts(c)
		}
	case []any:
		for _, c := range v {
			withoutAccounts(c)
		}
	}
}

func namesAccount(k string) bool { return strings.Contains(strings.ToLower(k), "account") }
